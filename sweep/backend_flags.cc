#include "sweep/backend_flags.h"

#include <algorithm>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "status/status_macros.h"
#include "sweep/cost_estimate.h"
#include "sweep/slurm_runner.h"

ABSL_FLAG(std::string, backend, "local",
          "where points run: 'local' (worker processes on this machine) or "
          "'slurm' (one sbatch job array; the output root must be on a "
          "filesystem the nodes share)");
ABSL_FLAG(std::string, slurm_partition, "",
          "slurm: sbatch --partition of each task (default: the cluster's)");
ABSL_FLAG(std::string, slurm_time, "",
          "slurm: sbatch --time of each task, e.g. 4:00:00 (default: the "
          "partition's; the plan prints the longest point's estimate)");
ABSL_FLAG(std::string, slurm_mem, "",
          "slurm: sbatch --mem of each task, e.g. 2G (default: the "
          "partition's)");
ABSL_FLAG(std::string, slurm_extra, "",
          "slurm: more sbatch options for each task, e.g. "
          "\"--account=phys --qos=long\"");
ABSL_FLAG(double, slurm_poll_seconds, 10,
          "slurm: seconds between looks at squeue while waiting");
ABSL_FLAG(bool, no_wait, false,
          "slurm: submit and return; rerun the same command to pick up the "
          "results");
ABSL_FLAG(bool, cancel, false,
          "slurm: cancel the sweep's queued and running tasks (scancel) and "
          "mark their points");
ABSL_FLAG(bool, dry_run, false,
          "slurm: print the plan (points and core-hours per model) and the "
          "sbatch script; submit nothing");

namespace aanet::sweep {

absl::Status CheckBackendFlags() {
  const std::string backend = absl::GetFlag(FLAGS_backend);
  if (backend != "local" && backend != "slurm") {
    return absl::InvalidArgumentError(
        absl::StrCat("--backend: '", backend,
                     "' is not a backend (expected local or "
                     "slurm)"));
  }
  if (backend == "local") {
    for (const auto& [set, flag] :
         {std::pair{absl::GetFlag(FLAGS_no_wait), "--no_wait"},
          std::pair{absl::GetFlag(FLAGS_cancel), "--cancel"},
          std::pair{absl::GetFlag(FLAGS_dry_run), "--dry_run"},
          std::pair{!absl::GetFlag(FLAGS_slurm_partition).empty(),
                    "--slurm_partition"},
          std::pair{!absl::GetFlag(FLAGS_slurm_time).empty(), "--slurm_time"},
          std::pair{!absl::GetFlag(FLAGS_slurm_mem).empty(), "--slurm_mem"},
          std::pair{!absl::GetFlag(FLAGS_slurm_extra).empty(),
                    "--slurm_extra"}}) {
      if (set) {
        return absl::InvalidArgumentError(
            absl::StrCat(flag, " needs --backend=slurm"));
      }
    }
  }
  if (absl::GetFlag(FLAGS_cancel) &&
      (absl::GetFlag(FLAGS_dry_run) || absl::GetFlag(FLAGS_no_wait))) {
    return absl::InvalidArgumentError(
        "--cancel does not go with --dry_run or --no_wait");
  }
  return absl::OkStatus();
}

bool SlurmBackendChosen() { return absl::GetFlag(FLAGS_backend) == "slurm"; }
bool CancelChosen() { return absl::GetFlag(FLAGS_cancel); }

absl::StatusOr<SweepResults> RunSweepOnChosenBackend(
    const SweepConfigFile& config, const RunnerOptions& options) {
  AANET_RETURN_IF_ERROR(CheckBackendFlags());
  if (!SlurmBackendChosen()) return RunSweep(config, options);
  SlurmRunOptions slurm;
  slurm.sbatch.partition = absl::GetFlag(FLAGS_slurm_partition);
  slurm.sbatch.time = absl::GetFlag(FLAGS_slurm_time);
  slurm.sbatch.mem = absl::GetFlag(FLAGS_slurm_mem);
  slurm.sbatch.extra = absl::GetFlag(FLAGS_slurm_extra);
  slurm.wait = !absl::GetFlag(FLAGS_no_wait);
  slurm.poll_seconds = std::max(0.1, absl::GetFlag(FLAGS_slurm_poll_seconds));
  slurm.dry_run = absl::GetFlag(FLAGS_dry_run);
  if (absl::GetFlag(FLAGS_cancel)) {
    return CancelSweepOnSlurm(config, options, slurm);
  }
  slurm.plan = [](const PreparedSweep& sweep) -> absl::StatusOr<std::string> {
    AANET_ASSIGN_OR_RETURN(const CostPlan plan, EstimateCosts(sweep));
    return FormatCostPlan(plan);
  };
  return RunSweepOnSlurm(config, options, slurm);
}

}  // namespace aanet::sweep
