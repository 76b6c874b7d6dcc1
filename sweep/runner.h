// Runs a sweep: generates missing datasets, then trains and evaluates every
// point of the grid in parallel worker processes, skipping points whose
// results exist for an unchanged config, and keeps
// out/sweeps/<name>/sweep_results.json (a SweepResults) up to date.
//
// Workers are separate processes (the calling binary re-run with
// --sweep_point=DIR, see point.h), so a crash or a diverging point cannot take
// the sweep down; its error is recorded and the rest go on. Interrupting the
// sweep (SIGINT, SIGTERM) stops the workers of the local backend (see
// backend.h; they die even with a sweep killed by SIGKILL); rerunning it
// skips finished points and resumes interrupted ones from their last
// checkpoint. The sweep directory is locked for the sweep's life
// (fileio/directory_lock.h): a second sweep on it fails naming the first.
#ifndef AANET_SWEEP_RUNNER_H_
#define AANET_SWEEP_RUNNER_H_

#include <string>

#include "absl/status/statusor.h"
#include "proto/sweep.pb.h"
#include "sweep/backend.h"
#include "sweep/plan.h"

namespace aanet::sweep {

struct RunnerOptions {
  std::string workspace;    // sweep config paths are relative to it
  std::string output_root;  // the out/ directory
  int parallelism = 0;      // worker processes; 0: one per core
  // The executable to run as `worker_executable --sweep_point=DIR`; empty:
  // this process's own executable (/proc/self/exe).
  std::string worker_executable;
  bool show_progress = true;  // a progress line on stderr
  // Where workers run; null: MakeLocalBackend().
  WorkerBackend* backend = nullptr;
};

// Runs every point. Returns the results (also written to sweep_results.json)
// even if points failed; an error only if the sweep itself could not run
// (bad configs, a dataset that cannot be generated, unwritable output, a sweep
// directory locked by another sweep: FailedPrecondition naming its host:PID)
// or was interrupted (Cancelled "interrupted by <signal>; stopped N running
// point(s); ..."; results written, the stopped points left PENDING).
absl::StatusOr<SweepResults> RunSweep(const SweepConfigFile& config,
                                      const RunnerOptions& options);

// The number of points with status FAILED.
int NumFailed(const SweepResults& results);

}  // namespace aanet::sweep

#endif  // AANET_SWEEP_RUNNER_H_
