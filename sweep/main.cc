// sweep: trains and evaluates a grid of models x datasets x training sample
// counts x seeds (proto/sweep.proto), in parallel, resumably.
//
//   bazel run //sweep -- --sweep=configs/sweeps/quick.pbtxt [--jobs=2]
//   bazel run //sweep -- --sweep=configs/sweeps/paper.pbtxt --backend=slurm \
//       [--slurm_partition=... --slurm_time=... --no_wait --dry_run --cancel]
//
// Results: out/sweeps/<name>/sweep_results.json and one directory per point
// (sweep/point.h). The exit status is 1 if any point failed.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "cli/main_skeleton.h"
#include "cli/paths.h"
#include "status/status_macros.h"
#include "sweep/backend_flags.h"
#include "sweep/plan.h"
#include "sweep/point.h"
#include "sweep/runner.h"
#include "sweep/slurm_runner.h"

ABSL_FLAG(std::string, sweep, "",
          "sweep config, e.g. configs/sweeps/quick.pbtxt");
ABSL_FLAG(int, jobs, 0, "points trained in parallel; 0: one per core");
ABSL_FLAG(std::string, output_root, "",
          "where datasets/ and sweeps/ go; default: the workspace's out/");

namespace aanet::sweep {
namespace {

absl::Status Run() {
  if (absl::GetFlag(FLAGS_sweep).empty()) {
    return absl::InvalidArgumentError(
        "--sweep is required, e.g. configs/sweeps/quick.pbtxt");
  }
  if (absl::GetFlag(FLAGS_jobs) < 0) {
    return absl::InvalidArgumentError("--jobs must be >= 0");
  }
  AANET_RETURN_IF_ERROR(CheckBackendFlags());
  AANET_ASSIGN_OR_RETURN(
      const SweepConfigFile config,
      ReadSweepConfig(ResolveUserPath(absl::GetFlag(FLAGS_sweep))));
  RunnerOptions options;
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  options.workspace = workspace != nullptr
                          ? workspace
                          : std::filesystem::current_path().string();
  options.output_root = ResolveUserPath(absl::GetFlag(FLAGS_output_root));
  if (options.output_root.empty()) {
    options.output_root = WorkspaceOutputPath("");
  }
  options.parallelism = absl::GetFlag(FLAGS_jobs);
  AANET_ASSIGN_OR_RETURN(const SweepResults results,
                         RunSweepOnChosenBackend(config, options));
  if (CancelChosen()) return absl::OkStatus();  // it said what it cancelled
  if (const int unfinished = NumUnfinished(results);
      SlurmBackendChosen() && unfinished > 0) {
    // --no_wait or --dry_run: the results are not all in yet.
    std::cout << absl::StrFormat("sweep %s: %d of %d points not finished yet\n",
                                 results.name(), unfinished,
                                 results.points_size());
    return absl::OkStatus();
  }
  std::cout << absl::StrFormat(
      "sweep %s: %d points in %.0f s; results in %s\n", results.name(),
      results.points_size(), results.wall_seconds(),
      (std::filesystem::path(options.output_root) / "sweeps" / results.name() /
       "sweep_results.json")
          .string());
  if (const int failed = NumFailed(results); failed > 0) {
    return absl::InternalError(absl::StrFormat("%d of %d points failed", failed,
                                               results.points_size()));
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace aanet::sweep

int main(int argc, char** argv) {
  if (std::optional<int> worker =
          aanet::sweep::RunWorkerIfRequested(argc, argv)) {
    return *worker;
  }
  return aanet::RunMain(
      argc, argv, "sweep",
      "Trains and evaluates every point of a sweep, on this machine or "
      "through Slurm.\n"
      "  bazel run //sweep -- --sweep=configs/sweeps/quick.pbtxt\n"
      "  bazel run //sweep -- --sweep=configs/sweeps/paper.pbtxt "
      "--backend=slurm [--dry_run | --no_wait | --cancel]",
      aanet::sweep::Run);
}
