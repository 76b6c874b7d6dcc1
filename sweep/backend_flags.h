// The flags that choose where a sweep runs, shared by `sweep` and
// `//:paper`, and the one call that runs a sweep as they say:
//
//   --backend=local|slurm   local worker processes (default) or a Slurm job
//                           array (slurm_runner.h)
//   --slurm_partition, --slurm_time, --slurm_mem, --slurm_extra
//                           sbatch options of each task
//   --slurm_poll_seconds    slurm: seconds between looks at squeue
//   --no_wait               slurm: submit and return; rerun to pick up
//   --cancel                slurm: scancel the sweep's live tasks
//   --dry_run               slurm: print the plan and the script only
#ifndef AANET_SWEEP_BACKEND_FLAGS_H_
#define AANET_SWEEP_BACKEND_FLAGS_H_

#include "absl/status/statusor.h"
#include "proto/sweep.pb.h"
#include "sweep/plan.h"
#include "sweep/runner.h"

namespace aanet::sweep {

// InvalidArgument naming the flag if the flags do not go together, e.g.
// "--no_wait needs --backend=slurm".
absl::Status CheckBackendFlags();

// Whether the flags ask for the Slurm backend; for --cancel.
bool SlurmBackendChosen();
bool CancelChosen();

// Runs, picks up, plans (--dry_run) or cancels the sweep on the chosen
// backend. With Slurm, points not finished yet stay PENDING in the results
// (NumUnfinished in slurm_runner.h).
absl::StatusOr<SweepResults> RunSweepOnChosenBackend(
    const SweepConfigFile& config, const RunnerOptions& options);

}  // namespace aanet::sweep

#endif  // AANET_SWEEP_BACKEND_FLAGS_H_
