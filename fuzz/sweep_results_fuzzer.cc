// Sweep results (reports/study.h): the input is sweep_results.json of a
// sweep directory, loaded as the report does. Files go to a private
// directory under TEST_TMPDIR, or /dev/shm, or /tmp.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "reports/study.h"

namespace {

std::string SweepDirectory() {
  namespace fs = std::filesystem;
  const char* tmp = std::getenv("TEST_TMPDIR");
  fs::path root = tmp != nullptr           ? fs::path(tmp)
                  : fs::exists("/dev/shm") ? fs::path("/dev/shm")
                                           : fs::path("/tmp");
  fs::path dir = root / ("sweep_results_fuzzer." + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir.string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = SweepDirectory();
  {
    std::ofstream out(dir + "/sweep_results.json", std::ios::binary);
    out.write(reinterpret_cast<const char*>(data),
              static_cast<std::streamsize>(size));
  }
  (void)aanet::reports::LoadSweep(dir);
  return 0;
}
