// --help for the project's binaries: the usage message and the program's own
// flags on stdout, exit status 0. (Abseil's --help lists only flags defined in
// a file named after the binary, none for our main.cc files, prints "No flags
// matched." and exits 1.)
#ifndef AANET_CLI_USAGE_H_
#define AANET_CLI_USAGE_H_

#include <string>

namespace aanet {

// The help text: absl::ProgramUsageMessage(), then "Flags:" and one entry per
// flag defined outside Abseil, sorted by name: "  --name (default: value)"
// and its help on the next line.
std::string HelpText();

// If argv holds --help, -help, --helpfull, -helpfull or -h (before a "--"),
// prints HelpText() to stdout and exits with status 0. Call after
// absl::SetProgramUsageMessage and before absl::ParseCommandLine.
void HandleHelpFlag(int argc, char** argv);

// If argv holds a flag no part of the program defines (before a "--"), the
// error for the first one: "unknown flag --datset (did you mean
// --dataset?)", the nearest of the program's own flags by edit distance, or
// "unknown flag --x (--help lists the flags)" if none is near; else "".
// Values given as the next argument ("--out -x") are not flags.
std::string UnknownFlagError(int argc, char** argv);

}  // namespace aanet

#endif  // AANET_CLI_USAGE_H_
