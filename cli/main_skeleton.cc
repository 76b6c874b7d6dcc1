#include "cli/main_skeleton.h"

#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "cli/stop_signals.h"
#include "cli/usage.h"

namespace aanet {

int RunMain(int argc, char** argv, const std::string& name,
            const std::string& usage, absl::FunctionRef<absl::Status()> run,
            const MainOptions& options) {
  absl::SetProgramUsageMessage(usage);
  HandleHelpFlag(argc, argv);
  if (options.extract_args != nullptr) options.extract_args(&argc, argv);
  // Before Abseil, whose message names neither the binary nor the flag meant.
  if (const std::string unknown = UnknownFlagError(argc, argv);
      !unknown.empty()) {
    std::cerr << name << ": " << unknown << "\n";
    return 1;
  }
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::cerr << name << ": unexpected argument '" << positional[1] << "'"
              << options.positional_hint << "\n";
    return 1;
  }
  const absl::Status status = run();
  if (!status.ok()) {
    std::cerr << name << ": " << status.message() << "\n";
    // Stopped by a signal (cli/stop_signals.h): the status a shell reports
    // for a death by that signal, so that scripts tell it from a failure.
    if (absl::IsCancelled(status) && StopSignals::Signal() != 0) {
      return 128 + StopSignals::Signal();
    }
    return 1;
  }
  return 0;
}

}  // namespace aanet
