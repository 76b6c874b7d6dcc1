// The main() every command-line binary of the project shares:
//
//   ABSL_FLAG(std::string, config, "", "...");
//
//   absl::Status Run() { ... }  // reads the flags, does the work, prints
//
//   int main(int argc, char** argv) {
//     return aanet::RunMain(argc, argv, "data_gen",
//                           "Generates ...\n  bazel run //data_gen -- ...",
//                           aanet::data_gen::Run);
//   }
//
// (with MainOptions as a last argument for a binary that takes --set, or
// explains its flags after an unexpected argument).
//
// RunMain, in order:
//   1. absl::SetProgramUsageMessage(usage);
//   2. --help / -h: prints the usage and the binary's flags on stdout and
//      exits 0 (cli/usage.h);
//   3. extract_args(&argc, argv), if set (e.g. ExtractSetFlags, which takes
//      the repeatable --set out of argv; cli/set_flags.h);
//   4. an unknown flag: "<name>: unknown flag --datset (did you mean
//      --dataset?)" on stderr, returns 1 (UnknownFlagError, cli/usage.h);
//      then absl::ParseCommandLine (a malformed value: Abseil's message,
//      exit status 1);
//   5. a positional argument: "<name>: unexpected argument 'ARG'<hint>" on
//      stderr, returns 1;
//   6. run(): OK returns 0; an error prints "<name>: <message>" on stderr and
//      returns 1, or 128 + the signal's number (130, 143) for a Cancelled
//      status after a SIGINT or SIGTERM caught by cli/stop_signals.h.
// A binary whose failure is not an error of its own (a sweep with a failed
// point) returns an error status carrying the line to print.
#ifndef AANET_CLI_MAIN_SKELETON_H_
#define AANET_CLI_MAIN_SKELETON_H_

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"

namespace aanet {

// What some binaries add to the skeleton.
struct MainOptions {
  // Appended to the unexpected-argument line, e.g.
  // " (flags are --config, --set and --out)".
  std::string positional_hint;
  // Takes arguments out of argv before Abseil parses it (updating *argc).
  void (*extract_args)(int* argc, char** argv) = nullptr;
};

// Runs a binary's main (see above); returns its exit status. `name` is the
// prefix of its error lines ("train"), `usage` what --help prints first.
int RunMain(int argc, char** argv, const std::string& name,
            const std::string& usage, absl::FunctionRef<absl::Status()> run,
            const MainOptions& options = MainOptions());

}  // namespace aanet

#endif  // AANET_CLI_MAIN_SKELETON_H_
