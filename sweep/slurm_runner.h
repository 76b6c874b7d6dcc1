// The Slurm backend of a sweep: the points that need running are submitted
// as one job array (`sbatch --array`), each task running the same worker as
// the local backend (`<worker> --sweep_point=DIR`, point.h) on one core.
//
// - Staging: the worker binary is copied into <sweep dir>/slurm/bin/ under
//   its content hash (FNV-1a, 64 bits) and the tasks run that copy, so a
//   rebuild while tasks are queued does not change what they run, and nodes
//   need not see Bazel's output tree. Each point's full config is staged
//   already, in its point.pbtxt. The output root must be on a filesystem
//   that every node shares (the sweep checks that it can write there; it
//   cannot check what the nodes see).
// - Bookkeeping: each point's directory keeps slurm_tasks.txt, one line per
//   event: "submitted <job>_<task> <time> <worker>" and "ended <job>_<task>
//   <STATE> <reason>". sweep_results.json records each point's task and its
//   last squeue state (SweepPoint.slurm_task, slurm_state).
// - Reruns are idempotent: finished points are skipped; points whose task
//   is still pending or running are left to it; points whose task ended
//   without results get their end recorded, with the reason Slurm gives
//   (time limit, out of memory, node failure, cancellation; sacct, else
//   scontrol, else the slurmstepd lines of the task's output), and are
//   submitted again, with every missing point, as a new array.
// - Waiting (the default): progress as the local backend's (done / running
//   / pending / failed, ETA) from the points' files and squeue; SIGINT or
//   SIGTERM leaves the array running, writes the results and says how to
//   pick them up (rerun) or cancel them (--cancel). The sweep root is locked
//   only while this process runs; each worker locks its own point.
#ifndef AANET_SWEEP_SLURM_RUNNER_H_
#define AANET_SWEEP_SLURM_RUNNER_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/sweep.pb.h"
#include "sweep/plan.h"
#include "sweep/prepare.h"
#include "sweep/runner.h"
#include "sweep/slurm.h"

namespace aanet::sweep {

// The Slurm commands the backend needs (an interface, so that tests can
// stand in for a cluster).
class SlurmClient {
 public:
  virtual ~SlurmClient() = default;
  // sbatch --parsable <script>: the job id.
  virtual absl::StatusOr<std::string> Submit(const std::string& script) = 0;
  // squeue: the tasks of `job_ids` that Slurm still lists.
  virtual absl::StatusOr<std::map<std::string, QueuedTask>> Queue(
      const std::vector<std::string>& job_ids) = 0;
  // How `task` ("1234_5") ended, from sacct, else scontrol; nullopt if
  // neither knows (no accounting, and the controller forgot it).
  virtual std::optional<TaskEnd> Ended(const std::string& task) = 0;
  // scancel the tasks.
  virtual absl::Status Cancel(const std::vector<std::string>& tasks) = 0;
};

// Runs sbatch, squeue, sacct, scontrol and scancel from PATH.
std::unique_ptr<SlurmClient> MakeSlurmCommandClient();

// Before submitting: a plan of the points to run, e.g. core-hours per model
// (cost_estimate.h). Returns the text to print.
using PlanPrinter =
    std::function<absl::StatusOr<std::string>(const PreparedSweep& sweep)>;

struct SlurmRunOptions {
  SlurmOptions sbatch;
  bool wait = true;      // false: submit and return (--no_wait)
  bool dry_run = false;  // print the plan and the script; submit nothing
  double poll_seconds = 10;
  SlurmClient* client = nullptr;  // null: MakeSlurmCommandClient()
  PlanPrinter plan;               // empty: no plan
  std::ostream* out = nullptr;    // plan and messages; null: std::cout
};

// Runs (or picks up) the sweep on Slurm as described above. Returns the
// results (also in sweep_results.json); points not finished yet (with
// --no_wait, or a dry run) stay PENDING. Errors as RunSweep's, plus Slurm's
// ("sbatch: ...") and Cancelled on an interrupt, naming the job(s) left
// running and the commands to pick them up or cancel them.
absl::StatusOr<SweepResults> RunSweepOnSlurm(const SweepConfigFile& config,
                                             const RunnerOptions& options,
                                             const SlurmRunOptions& slurm);

// Cancels the live tasks of the sweep's points (scancel) and marks those
// points FAILED "cancelled by --cancel (Slurm task <job>_<task>)".
absl::StatusOr<SweepResults> CancelSweepOnSlurm(const SweepConfigFile& config,
                                                const RunnerOptions& options,
                                                const SlurmRunOptions& slurm);

// The number of points with status PENDING (not finished yet).
int NumUnfinished(const SweepResults& results);

}  // namespace aanet::sweep

#endif  // AANET_SWEEP_SLURM_RUNNER_H_
