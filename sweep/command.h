// Runs an external command (the Slurm client tools: sbatch, squeue, sacct,
// scontrol, scancel) and captures what it prints.
#ifndef AANET_SWEEP_COMMAND_H_
#define AANET_SWEEP_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace aanet::sweep {

struct CommandResult {
  int exit_code = 0;  // 128 + signal if the command was killed
  std::string out;    // stdout
  std::string err;    // stderr
};

// Runs argv[0] (looked up on PATH) with `argv`, without a shell, and waits
// at most `timeout_seconds` (then kills it). An error only if the command
// could not be started ("sbatch: not found on PATH") or timed out; a
// non-zero exit is a result, for the caller to judge.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         double timeout_seconds = 60);

// "sbatch --parsable x.sh": the words joined with spaces, for messages.
std::string CommandLine(const std::vector<std::string>& argv);

}  // namespace aanet::sweep

#endif  // AANET_SWEEP_COMMAND_H_
