#include "cli/usage.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace aanet {

std::string HelpText() {
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (!absl::StrContains(flag->Filename(), "absl/")) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(),
            [](const absl::CommandLineFlag* a, const absl::CommandLineFlag* b) {
              return a->Name() < b->Name();
            });
  std::string text = absl::StrCat(absl::ProgramUsageMessage(), "\n\nFlags:\n");
  for (const absl::CommandLineFlag* flag : flags) {
    const std::string value = flag->DefaultValue();
    absl::StrAppend(&text, "  --", flag->Name(),
                    " (default: ", value.empty() ? "\"\"" : value, ")\n      ",
                    flag->Help(), "\n");
  }
  absl::StrAppend(&text, "  --help\n      prints this and exits\n");
  return text;
}

void HandleHelpFlag(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") return;
    if (arg == "--help" || arg == "-help" || arg == "--helpfull" ||
        arg == "-helpfull" || arg == "-h") {
      std::cout << HelpText();
      std::cout.flush();
      std::exit(0);
    }
  }
}

namespace {

// Levenshtein distance: insertions, deletions and substitutions.
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string UnknownFlagError(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") return "";
    if (arg.size() < 2 || arg[0] != '-') continue;
    const std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    const size_t equals = body.find('=');
    const std::string name = body.substr(0, equals);
    const bool has_value = equals != std::string::npos;
    if (name.empty()) continue;
    if (const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name)) {
      // "--flag value": the next argument is the value, whatever it is.
      if (!has_value && !flag->IsOfType<bool>()) ++i;
      continue;
    }
    if (absl::StartsWith(name, "no")) {
      const absl::CommandLineFlag* flag =
          absl::FindCommandLineFlag(name.substr(2));
      if (flag != nullptr && flag->IsOfType<bool>()) continue;
    }
    std::string nearest;
    size_t best = std::max<size_t>(2, name.size() / 3) + 1;
    for (const auto& [candidate, flag] : absl::GetAllFlags()) {
      if (absl::StrContains(flag->Filename(), "absl/")) continue;
      const size_t distance = EditDistance(name, std::string(candidate));
      if (distance < best ||
          (distance == best && !nearest.empty() && candidate < nearest)) {
        best = distance;
        nearest = std::string(candidate);
      }
    }
    return nearest.empty() ? absl::StrCat("unknown flag --", name,
                                          " (--help lists the flags)")
                           : absl::StrCat("unknown flag --", name,
                                          " (did you mean --", nearest, "?)");
  }
  return "";
}

}  // namespace aanet
