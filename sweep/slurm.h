// What the Slurm backend says to Slurm and how it reads Slurm's answers:
// the job-array script, and parsers for sbatch, squeue, sacct, scontrol and
// the slurmstepd lines Slurm writes into a task's output. Pure functions
// (slurm_runner.h runs the commands), unit-tested on sample output.
//
// The Slurm facts relied on (Slurm 22.05, Debian 12):
// - `sbatch --parsable` prints "<job id>" or "<job id>;<cluster>".
// - `squeue -h -r -j <id> -o '%i|%T|%r|%S'` prints one line per array task,
//   "1234_5|RUNNING|None|2026-11-30T10:00:00"; pending tasks may still be
//   folded into one line, "1234_[5-9%2]|PENDING|Resources|N/A".
// - `sacct -n -P -X -j <id> -o JobID,State,ExitCode,Reason` prints
//   "1234_5|TIMEOUT|0:0|None" per task; without accounting it fails.
// - `scontrol -o show job <id>_<task>` prints "... JobState=TIMEOUT
//   Reason=TimeLimit ..." for MinJobAge seconds after the task ended.
// - slurmstepd writes "*** JOB <id> ON <node> CANCELLED AT <time> DUE TO
//   TIME LIMIT ***" (or "... DUE TO NODE FAILURE", "... DUE TO PREEMPTION",
//   or nothing after the time for a cancellation) into the task's output,
//   and "Detected N oom-kill event(s) in StepId=..." after an out-of-memory
//   kill.
#ifndef AANET_SWEEP_SLURM_H_
#define AANET_SWEEP_SLURM_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace aanet::sweep {

// User-chosen sbatch options (flags of `sweep` and `//:paper`).
struct SlurmOptions {
  std::string partition;  // --partition; empty: the cluster's default
  std::string time;       // --time per task, e.g. "4:00:00"; empty: default
  std::string mem;        // --mem per task, e.g. "2G"; empty: default
  std::string extra;      // more #SBATCH options, e.g. "--account=x --qos=y"
};

// The job array running `worker --sweep_point=<dir>` for each of
// `point_directories` (task i runs directory i), one CPU and one thread per
// task, Slurm's own output per task in `log_dir`/<job>_<task>.out, the
// worker's in <dir>/log.txt (as the local backend).
std::string JobArrayScript(const SlurmOptions& options,
                           const std::string& job_name,
                           const std::string& worker,
                           const std::vector<std::string>& point_directories,
                           const std::string& log_dir);

// The words of SlurmOptions::extra, each of which must start with "--"
// (InvalidArgument naming the word otherwise).
absl::StatusOr<std::vector<std::string>> SplitExtraOptions(
    const std::string& extra);

// "1234" from sbatch --parsable's output.
absl::StatusOr<std::string> ParseSbatchJobId(const std::string& out);

// A task's state in the queue (squeue).
struct QueuedTask {
  std::string state;   // PENDING, RUNNING, CONFIGURING, COMPLETING, ...
  std::string reason;  // e.g. "Resources", "None"
  std::string start;   // start time "2026-11-30T10:00:00"; empty if unknown
};

// squeue lines as above, keyed by "<job>_<task>"; folded pending ranges
// ("1234_[5-9,12%2]") are expanded. Lines that do not parse are skipped.
std::map<std::string, QueuedTask> ParseSqueue(const std::string& out);

// How a task ended, as Slurm tells it.
struct TaskEnd {
  std::string state;   // COMPLETED, FAILED, TIMEOUT, CANCELLED, OUT_OF_MEMORY,
                       // NODE_FAIL, PREEMPTED, ...
  std::string detail;  // e.g. "ExitCode=1:0", "Reason=TimeLimit"
};

// The line of `sacct -n -P -X -o JobID,State,ExitCode,Reason` for `task`
// ("1234_5"); "CANCELLED by 0" becomes CANCELLED.
std::optional<TaskEnd> ParseSacct(const std::string& out,
                                  const std::string& task);
// `scontrol -o show job` output for one task.
std::optional<TaskEnd> ParseScontrolJob(const std::string& out);
// The slurmstepd lines in a task's Slurm output.
std::optional<TaskEnd> ParseSlurmstepd(const std::string& log);

// A killed task's reason for people: "time limit (Slurm TIMEOUT)", "out of
// memory (Slurm OUT_OF_MEMORY)", "node failure (Slurm NODE_FAIL)",
// "cancelled (Slurm CANCELLED)", "preempted (Slurm PREEMPTED)"; nullopt for
// states that are not a kill by Slurm (COMPLETED, FAILED).
std::optional<std::string> KillReason(const TaskEnd& end);

// Whether a squeue state means the task will still run or is running.
bool IsLive(const std::string& squeue_state);

}  // namespace aanet::sweep

#endif  // AANET_SWEEP_SLURM_H_
