// The project's main job, `bazel run //:paper`: the paper's study (section 3)
// from one command.
//
//   datasets -> sweep (train + evaluate every point) -> report
//
//   bazel run //:paper                       # the quick budget (~20 min)
//   bazel run //:paper -- --budget=paper     # the published settings
//   bazel run //:paper -- --sweep=my_sweep.pbtxt --out=out/my_report
//
// The budgets are the sweep configs configs/sweeps/<budget>.pbtxt; their
// `description` says what each shrinks. Results go to out/sweeps/<name>/ and
// the report to out/report/ (REPORT.md, CSVs, PNG plots). Rerunning skips
// finished points, so an interrupted study continues where it stopped.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/paths.h"
#include "cli/progress.h"
#include "cli/usage.h"
#include "reports/report.h"
#include "reports/study.h"
#include "sweep/plan.h"
#include "sweep/point.h"
#include "sweep/runner.h"

ABSL_FLAG(std::string, budget, "quick",
          "quick (about 20 minutes on 2 cores) or paper (the published "
          "settings); selects configs/sweeps/<budget>.pbtxt");
ABSL_FLAG(std::string, sweep, "",
          "a sweep config to run instead of the budget's");
ABSL_FLAG(std::string, out, "", "report directory; default out/report");
ABSL_FLAG(int, jobs, 0, "points trained in parallel; 0: one per core");
ABSL_FLAG(std::string, output_root, "",
          "where datasets/ and sweeps/ go; default: the workspace's out/");

namespace aanet {
namespace {

namespace fs = std::filesystem;

// Sweep config paths are relative to the workspace: the source tree under
// `bazel run`, else the working directory (a test's runfiles).
std::string Workspace() {
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  return workspace != nullptr ? workspace : fs::current_path().string();
}

absl::Status Run(bool* any_failed) {
  const auto start = std::chrono::steady_clock::now();
  std::string sweep_path = ResolveUserPath(absl::GetFlag(FLAGS_sweep));
  std::string budget = "custom sweep " + sweep_path;
  if (sweep_path.empty()) {
    budget = absl::GetFlag(FLAGS_budget);
    if (budget != "quick" && budget != "paper") {
      return absl::InvalidArgumentError(absl::StrCat(
          "--budget: expected 'quick' or 'paper', got '", budget, "'"));
    }
    sweep_path =
        (fs::path(Workspace()) / "configs/sweeps" / (budget + ".pbtxt"))
            .string();
  }
  if (absl::GetFlag(FLAGS_jobs) < 0) {
    return absl::InvalidArgumentError("--jobs: must be >= 0");
  }
  absl::StatusOr<sweep::SweepConfigFile> config =
      sweep::ReadSweepConfig(sweep_path);
  if (!config.ok()) return config.status();

  sweep::RunnerOptions options;
  options.workspace = Workspace();
  options.output_root = ResolveUserPath(absl::GetFlag(FLAGS_output_root));
  if (options.output_root.empty())
    options.output_root = WorkspaceOutputPath("");
  options.parallelism = absl::GetFlag(FLAGS_jobs);
  absl::StatusOr<SweepResults> results = sweep::RunSweep(*config, options);
  if (!results.ok()) return results.status();
  const int failed = sweep::NumFailed(*results);
  *any_failed = failed > 0;

  const std::string sweep_dir =
      (fs::path(options.output_root) / "sweeps" / results->name()).string();
  absl::StatusOr<reports::StudyData> study = reports::LoadSweep(sweep_dir);
  if (!study.ok()) return study.status();
  std::string out = ResolveUserPath(absl::GetFlag(FLAGS_out));
  if (out.empty()) out = WorkspaceOutputPath("report");
  reports::ReportOptions report_options;
  report_options.budget_description = absl::StrFormat(
      "%s (%s); this run of //:paper took %s", budget, sweep_path,
      FormatDuration(std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count()));
  absl::Status written = reports::WriteReport(*study, report_options, out);
  if (!written.ok()) return written;

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::cout << absl::StrFormat(
      "study %s: %d points (%d failed) in %s\nreport: %s\n", results->name(),
      results->points_size(), failed, FormatDuration(seconds),
      (fs::path(out) / reports::kReportFile).string());
  return absl::OkStatus();
}

}  // namespace
}  // namespace aanet

int main(int argc, char** argv) {
  if (std::optional<int> worker =
          aanet::sweep::RunWorkerIfRequested(argc, argv)) {
    return *worker;
  }
  absl::SetProgramUsageMessage(
      "Runs the paper's study and writes out/report/REPORT.md.\n"
      "  bazel run //:paper [-- --budget=quick|paper]");
  aanet::HandleHelpFlag(argc, argv);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::cerr << "paper: unexpected argument '" << positional[1] << "'\n";
    return 1;
  }
  bool any_failed = false;
  absl::Status status = aanet::Run(&any_failed);
  if (!status.ok()) {
    std::cerr << "paper: " << status.message() << "\n";
    return 1;
  }
  if (any_failed) {
    std::cerr << "paper: some points failed; the report lists them\n";
    return 1;
  }
  return 0;
}
