// The steps every backend of a sweep shares (runner.h runs points locally,
// slurm_runner.h through Slurm): the sweep directory prepared for its
// workers, the results file, and how progress and failures read.
#ifndef AANET_SWEEP_PREPARE_H_
#define AANET_SWEEP_PREPARE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/progress.h"
#include "proto/sweep.pb.h"
#include "sweep/eta.h"
#include "sweep/plan.h"

namespace aanet::sweep {

// A sweep ready for its workers.
struct PreparedSweep {
  SweepPlan plan;
  // Every planned point, in plan order: SKIPPED if its results exist for an
  // unchanged point.pbtxt, otherwise PENDING.
  SweepResults results;
  // Indices of the points to start, in plan order.
  std::vector<int> to_run;
};

// Puts the sweep's dataset in place at dataset.path and sets dataset.hash.
// A dataset's identity is its name and its contents (data_gen::DatasetHash):
// an existing file of the same contents is kept (whatever config text it
// records), a missing or unreadable one is generated, and one of other
// contents is refused, since another sweep on the same output root may
// train on it: FailedPrecondition "<path>: holds other contents (dataset
// hash A, from <its config name>) than dataset '<name>' of this sweep (hash
// B, <config path>); give the dataset another name, use another
// --output_root, or remove the file". The check and the generation hold the
// lock <datasets>/.<name>.h5.lock (fileio/file_lock.h), waiting for another
// sweep generating the same file.
absl::Status EnsureDataset(PlannedDataset& dataset, ProgressLine& progress);

// Puts the sweep's datasets in place (EnsureDataset), then sorts the points:
// - unchanged point.pbtxt and evaluation.json present: SKIPPED, with the wall
//   seconds an earlier run recorded in sweep_results.json;
// - `in_progress(index)` (a worker elsewhere still owns the point, e.g. a
//   queued Slurm task): left untouched, PENDING, not in to_run; an error if
//   its point.pbtxt changed, since the worker runs the old one;
// - unchanged but unfinished: to_run, resumed by its worker (log.txt
//   cleared);
// - new or changed: to_run, its directory emptied and point.pbtxt written.
// Writes sweep_results.json. `in_progress` may be empty. With `dry_run`, only
// the datasets are written: points are sorted as above but no directory is
// emptied or written, and sweep_results.json is left as it was.
absl::StatusOr<PreparedSweep> PrepareSweep(
    SweepPlan plan, const SweepConfigFile& config, int parallelism,
    const std::function<bool(int index)>& in_progress, ProgressLine& progress,
    bool dry_run = false);

// Writes sweep_results.json into `sweep_dir`, atomically.
absl::Status WriteResults(const SweepResults& results,
                          const std::string& sweep_dir);

// The worker's error: the last non-empty line of <point dir>/log.txt.
std::string WorkerError(const std::string& point_directory);

// "neural_ode harmonic_k_pair_0.5 n=100 seed 1"
std::string Describe(const SweepPoint& point);

// Counts of a running sweep, for the progress line.
struct SweepCounts {
  int total = 0;
  int done = 0;  // DONE or SKIPPED
  int running = 0;
  int pending = 0;  // not started yet (queued)
  int failed = 0;
  int finished_this_run = 0;  // points this run saw finish, failed or not
  // What the ETA is estimated from (sweep/eta.h): per model the wall times
  // of the points completed with results in this run, the running points'
  // progress, the pending points' models, and the points run at once.
  EtaInputs eta;
};

// "sweep quick: 10/40 done, 2 running, 28 pending, 0 failed, elapsed 4:05,
// ETA 12:00" (EstimateEta of counts.eta: per model, moving with the running
// points' progress; ">12:00" while some model has no estimate, "?" while
// none has).
std::string ProgressText(const std::string& name, const SweepCounts& counts,
                         double elapsed_seconds);

// "4 cores, Intel(R) Xeon(R) ..." of this machine.
std::string MachineDescription();

}  // namespace aanet::sweep

#endif  // AANET_SWEEP_PREPARE_H_
