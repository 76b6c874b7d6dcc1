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
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "cli/paths.h"
#include "cli/usage.h"
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

int main(int argc, char** argv) {
  if (std::optional<int> worker =
          aanet::sweep::RunWorkerIfRequested(argc, argv)) {
    return *worker;
  }
  absl::SetProgramUsageMessage(
      "Trains and evaluates every point of a sweep, on this machine or "
      "through Slurm.\n"
      "  bazel run //sweep -- --sweep=configs/sweeps/quick.pbtxt\n"
      "  bazel run //sweep -- --sweep=configs/sweeps/paper.pbtxt "
      "--backend=slurm [--dry_run | --no_wait | --cancel]");
  aanet::HandleHelpFlag(argc, argv);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::cerr << "sweep: unexpected argument '" << positional[1] << "'\n";
    return 1;
  }
  if (absl::GetFlag(FLAGS_sweep).empty()) {
    std::cerr << "sweep: --sweep is required, e.g. "
                 "configs/sweeps/quick.pbtxt\n";
    return 1;
  }
  if (absl::GetFlag(FLAGS_jobs) < 0) {
    std::cerr << "sweep: --jobs must be >= 0\n";
    return 1;
  }
  if (absl::Status flags = aanet::sweep::CheckBackendFlags(); !flags.ok()) {
    std::cerr << "sweep: " << flags.message() << "\n";
    return 1;
  }
  absl::StatusOr<aanet::sweep::SweepConfigFile> config =
      aanet::sweep::ReadSweepConfig(
          aanet::ResolveUserPath(absl::GetFlag(FLAGS_sweep)));
  if (!config.ok()) {
    std::cerr << "sweep: " << config.status().message() << "\n";
    return 1;
  }
  aanet::sweep::RunnerOptions options;
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  options.workspace = workspace != nullptr
                          ? workspace
                          : std::filesystem::current_path().string();
  options.output_root =
      aanet::ResolveUserPath(absl::GetFlag(FLAGS_output_root));
  if (options.output_root.empty()) {
    options.output_root = aanet::WorkspaceOutputPath("");
  }
  options.parallelism = absl::GetFlag(FLAGS_jobs);
  absl::StatusOr<aanet::SweepResults> results =
      aanet::sweep::RunSweepOnChosenBackend(*config, options);
  if (!results.ok()) {
    std::cerr << "sweep: " << results.status().message() << "\n";
    return 1;
  }
  const int failed = aanet::sweep::NumFailed(*results);
  if (aanet::sweep::CancelChosen()) return 0;  // it said what it cancelled
  if (const int unfinished = aanet::sweep::NumUnfinished(*results);
      aanet::sweep::SlurmBackendChosen() && unfinished > 0) {
    // --no_wait or --dry_run: the results are not all in yet.
    std::cout << absl::StrFormat("sweep %s: %d of %d points not finished yet\n",
                                 results->name(), unfinished,
                                 results->points_size());
    return 0;
  }
  std::cout << absl::StrFormat(
      "sweep %s: %d points in %.0f s; results in %s\n", results->name(),
      results->points_size(), results->wall_seconds(),
      (std::filesystem::path(options.output_root) / "sweeps" / results->name() /
       "sweep_results.json")
          .string());
  if (failed > 0) {
    std::cerr << absl::StrFormat("sweep: %d of %d points failed\n", failed,
                                 results->points_size());
    return 1;
  }
  return 0;
}
