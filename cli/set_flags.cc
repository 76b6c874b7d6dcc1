#include "cli/set_flags.h"

#include <cctype>
#include <cstring>

#include "absl/flags/flag.h"

// Never parsed by Abseil (ExtractSetFlags takes the values first); defined
// so that --help lists it.
ABSL_FLAG(std::string, set, "",
          "override one config field, path.to.field=value (repeatable), e.g. "
          "--set=training.num_steps=5000 --set=training.test_jumps=1,10; the "
          "recorded config is the effective one");

namespace aanet {
namespace {

std::vector<std::string>& Values() {
  static auto* values = new std::vector<std::string>();
  return *values;
}

}  // namespace

void ExtractSetFlags(int* argc, char** argv) {
  int kept = 1;
  bool passthrough = false;
  for (int i = 1; i < *argc; ++i) {
    const char* arg = argv[i];
    if (!passthrough && std::strcmp(arg, "--") == 0) passthrough = true;
    if (!passthrough) {
      const char* name = arg;
      if (name[0] == '-') ++name;
      if (name[0] == '-') ++name;
      if (name != arg && std::strncmp(name, "set=", 4) == 0) {
        Values().push_back(name + 4);
        continue;
      }
      if (name != arg && std::strcmp(name, "set") == 0 && i + 1 < *argc) {
        Values().push_back(argv[++i]);
        continue;
      }
    }
    argv[kept++] = argv[i];
  }
  *argc = kept;
  argv[kept] = nullptr;
}

const std::vector<std::string>& SetFlags() { return Values(); }

std::string OverridesSuffix(const std::vector<std::string>& overrides) {
  std::string suffix;
  for (const std::string& assignment : overrides) {
    const size_t equals = assignment.find('=');
    std::string path = assignment.substr(0, equals);
    const size_t dot = path.rfind('.');
    if (dot != std::string::npos) path = path.substr(dot + 1);
    std::string part = "_" + path;
    if (equals != std::string::npos) {
      part += "_" + assignment.substr(equals + 1);
    }
    for (char& c : part) {
      const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                      c == '_' || c == '-';
      if (!ok) c = '_';
    }
    suffix += part;
  }
  return suffix;
}

}  // namespace aanet
