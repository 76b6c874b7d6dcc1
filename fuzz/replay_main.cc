// main() for a fuzz target outside the libFuzzer build: runs every file of
// each argument (a directory, or a file) through LLVMFuzzerTestOneInput, so
// that seed corpora and saved crash inputs are ordinary regression tests.
// Fails if an argument is missing or holds no input.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// Under AddressSanitizer: let a huge allocation fail (malloc returns null)
// as it does without the sanitizer. HDF5 allocates what corrupt headers
// claim and handles the failure; ASan would abort instead.
extern "C" const char* __asan_default_options() {
  return "allocator_may_return_null=1";
}

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  int replayed = 0;
  for (int i = 1; i < argc; ++i) {
    std::vector<fs::path> files;
    std::error_code ec;
    if (fs::is_directory(argv[i], ec)) {
      for (const auto& entry : fs::directory_iterator(argv[i], ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else if (fs::is_regular_file(argv[i], ec)) {
      files.push_back(argv[i]);
    } else {
      std::cerr << argv[i] << ": no such file or directory\n";
      return 1;
    }
    for (const fs::path& file : files) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      std::cerr << "replaying " << file.string() << " (" << bytes.size()
                << " bytes)\n";
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                             bytes.size());
      ++replayed;
    }
  }
  if (replayed == 0) {
    std::cerr << "no input to replay\n";
    return 1;
  }
  std::cerr << "replayed " << replayed << " input(s)\n";
  return 0;
}
