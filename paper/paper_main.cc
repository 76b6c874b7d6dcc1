// The project's main job, `bazel run //:paper`: the paper's study (section 3)
// from one command.
//
//   datasets -> sweep (train + evaluate every point) -> report, per part
//
//   bazel run //:paper                       # the quick budget (about 23
//   minutes) bazel run //:paper -- --only=harmonic    # one part alone bazel
//   run //:paper -- --budget=paper     # the published settings bazel run
//   //:paper -- --sweep=my_sweep.pbtxt --out=out/my_report bazel run //:paper
//   -- --budget=paper --backend=slurm --output_root=/nfs/x
//
// With --backend=slurm (sweep/backend_flags.h) each part's sweep runs as a
// Slurm job array; with --no_wait the job returns once submitted, and the
// same command run later picks the results up and writes the report once
// every point of a part is finished.
//
// A budget is a list of parts (kParts below), each a sweep config
// configs/sweeps/<name>.pbtxt whose `description` says what it shrinks:
// `harmonic` (the study; its report is out/report/REPORT.md), `ablation`
// (the published flow against ours; out/report/ablation/REPORT.md) and
// `pendulum` (the simple pendulum and its omega(I);
// out/report/pendulum/REPORT.md), `kepler` (Kepler orbits;
// out/report/kepler/REPORT.md) and `double_pendulum` (its Lyapunov
// times and every model's error vs dt;
// out/report/double_pendulum/REPORT.md), and the `studies` group (noise,
// multi_step, model_size, training_length; out/report/studies/<name>/
// REPORT.md, run together by --only=studies), the others linked from the
// main report's appendix. Results go to out/sweeps/<name>/.
// Rerunning skips finished points, so an interrupted study continues where
// it stopped.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/main_skeleton.h"
#include "cli/paths.h"
#include "cli/progress.h"
#include "reports/report.h"
#include "reports/study.h"
#include "status/status_macros.h"
#include "sweep/backend_flags.h"
#include "sweep/plan.h"
#include "sweep/point.h"
#include "sweep/runner.h"
#include "sweep/slurm_runner.h"

ABSL_FLAG(std::string, budget, "quick",
          "quick (about 18 minutes on a quiet 2-core machine: every "
          "model at equal steps on each system, the ablation, the studies) or "
          "paper (the published settings); selects the parts' sweep configs "
          "under configs/sweeps/");
ABSL_FLAG(std::string, sweep, "",
          "a sweep config to run instead of the budget's");
ABSL_FLAG(std::string, out, "", "report directory; default out/report");
ABSL_FLAG(int, jobs, 0, "points trained in parallel; 0: one per core");
ABSL_FLAG(std::string, output_root, "",
          "where datasets/ and sweeps/ go; default: the workspace's out/");
ABSL_FLAG(std::string, only, "",
          "run one part of the budget alone: harmonic, ablation, "
          "pendulum, kepler, double_pendulum, noise, multi_step, model_size, "
          "training_length, or 'studies' for the last four");

namespace aanet {
namespace {

namespace fs = std::filesystem;

// Sweep config paths are relative to the workspace: the source tree under
// `bazel run`, else the working directory (a test's runfiles).
std::string Workspace() {
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  return workspace != nullptr ? workspace : fs::current_path().string();
}

// One part of a budget: a sweep and where its report goes, relative to the
// report directory ("" for the main report).
struct Part {
  const char* name;
  const char* quick_sweep;  // under configs/sweeps/
  const char* paper_sweep;
  const char* title;
  // A group of parts (e.g. "studies") run together by --only=<group>; its
  // reports go to <report>/<group>/<name>/. Null: a part of its own, whose
  // report goes to <report>/<name>/.
  const char* group = nullptr;
};

constexpr char kStudies[] = "studies";

// Later systems and studies add parts here.
constexpr Part kParts[] = {
    {"harmonic", "quick.pbtxt", "paper.pbtxt",
     "Coupled harmonic oscillators: the paper's study"},
    {"ablation", "ablation.pbtxt", "ablation.pbtxt",
     "Ablation: the published flow against ours (10,000 steps, 3 seeds)"},
    {"pendulum", "pendulum.pbtxt", "pendulum_paper.pbtxt",
     "The simple pendulum: every model like for like, and omega(I)"},
    {"kepler", "kepler.pbtxt", "kepler_paper.pbtxt",
     "Kepler orbits: every model like for like on 16 orbits"},
    {"double_pendulum", "double_pendulum.pbtxt", "double_pendulum_paper.pbtxt",
     "The double pendulum: Lyapunov times and every model's error vs dt"},
    // The published code's other studies (issue 22); the quick budget gives
    // them about 7 minutes on 2 cores in all.
    {"noise", "noise.pbtxt", "noise_paper.pbtxt",
     "Studies: noise on the training data", kStudies},
    {"multi_step", "multi_step.pbtxt", "multi_step_paper.pbtxt",
     "Studies: multi-step against single-step training", kStudies},
    {"model_size", "model_size.pbtxt", "model_size_paper.pbtxt",
     "Studies: model size (flow layers, Neural ODE depths)", kStudies},
    {"training_length", "training_length.pbtxt", "training_length_paper.pbtxt",
     "Studies: test loss against training steps", kStudies},
};

// Where a part's report goes, relative to the main report's directory.
std::string PartDirectory(const Part& part) {
  return part.group == nullptr ? part.name
                               : absl::StrCat(part.group, "/", part.name);
}

bool Selected(const Part& part, const std::string& only) {
  return only.empty() || only == part.name ||
         (part.group != nullptr && only == part.group);
}

// Runs one sweep and writes its report into `out`.
absl::Status RunPart(const std::string& sweep_path, const std::string& budget,
                     const std::string& out,
                     const reports::ReportOptions& base_options,
                     std::chrono::steady_clock::time_point start,
                     bool* any_failed) {
  AANET_ASSIGN_OR_RETURN(const sweep::SweepConfigFile config,
                         sweep::ReadSweepConfig(sweep_path));

  sweep::RunnerOptions options;
  options.workspace = Workspace();
  options.output_root = ResolveUserPath(absl::GetFlag(FLAGS_output_root));
  if (options.output_root.empty())
    options.output_root = WorkspaceOutputPath("");
  options.parallelism = absl::GetFlag(FLAGS_jobs);
  AANET_ASSIGN_OR_RETURN(const SweepResults results,
                         sweep::RunSweepOnChosenBackend(config, options));
  if (sweep::CancelChosen()) return absl::OkStatus();
  if (const int unfinished = sweep::NumUnfinished(results); unfinished > 0) {
    // Slurm with --no_wait or --dry_run: no report until every point is in.
    std::cout << absl::StrFormat(
        "study %s: %d of %d points not finished yet; run the same command "
        "again to pick up the results and write the report\n",
        results.name(), unfinished, results.points_size());
    return absl::OkStatus();
  }
  const int failed = sweep::NumFailed(results);
  *any_failed = *any_failed || failed > 0;

  const std::string sweep_dir =
      (fs::path(options.output_root) / "sweeps" / results.name()).string();
  AANET_ASSIGN_OR_RETURN(const reports::StudyData study,
                         reports::LoadSweep(sweep_dir));
  reports::ReportOptions report_options = base_options;
  report_options.budget_description = absl::StrFormat(
      "%s (%s); this run of //:paper took %s so far", budget, sweep_path,
      FormatDuration(std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count()));
  AANET_RETURN_IF_ERROR(reports::WriteReport(study, report_options, out));

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::cout << absl::StrFormat(
      "study %s: %d points (%d failed); %s since start\nreport: %s\n",
      results.name(), results.points_size(), failed, FormatDuration(seconds),
      (fs::path(out) / reports::kReportFile).string());
  return absl::OkStatus();
}

absl::Status Run(bool* any_failed) {
  const auto start = std::chrono::steady_clock::now();
  if (absl::GetFlag(FLAGS_jobs) < 0) {
    return absl::InvalidArgumentError("--jobs: must be >= 0");
  }
  AANET_RETURN_IF_ERROR(sweep::CheckBackendFlags());
  std::string out = ResolveUserPath(absl::GetFlag(FLAGS_out));
  if (out.empty()) out = WorkspaceOutputPath("report");

  const std::string sweep_path = ResolveUserPath(absl::GetFlag(FLAGS_sweep));
  if (!sweep_path.empty()) {
    return RunPart(sweep_path, "custom sweep " + sweep_path, out,
                   reports::ReportOptions(), start, any_failed);
  }
  const std::string budget = absl::GetFlag(FLAGS_budget);
  if (budget != "quick" && budget != "paper") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--budget: expected 'quick' or 'paper', got '", budget, "'"));
  }
  const std::string only = absl::GetFlag(FLAGS_only);
  bool known = only.empty();
  for (const Part& part : kParts) known = known || Selected(part, only);
  if (!known) {
    std::string names;
    for (const Part& part : kParts) {
      absl::StrAppend(&names, names.empty() ? "" : ", ", "'", part.name, "'");
    }
    absl::StrAppend(&names, " or '", kStudies, "' (every study)");
    return absl::InvalidArgumentError(
        absl::StrCat("--only: expected one of ", names, ", got '", only, "'"));
  }
  // The main report (the first part) links the others.
  reports::ReportOptions main_options;
  for (size_t i = 1; i < std::size(kParts); ++i) {
    main_options.other_parts.emplace_back(
        kParts[i].title,
        absl::StrCat(PartDirectory(kParts[i]), "/", reports::kReportFile));
  }
  for (size_t i = 0; i < std::size(kParts); ++i) {
    const Part& part = kParts[i];
    if (!Selected(part, only)) continue;
    const std::string path =
        (fs::path(Workspace()) / "configs/sweeps" /
         (budget == "quick" ? part.quick_sweep : part.paper_sweep))
            .string();
    const std::string part_out =
        i == 0 ? out : (fs::path(out) / PartDirectory(part)).string();
    AANET_RETURN_IF_ERROR(RunPart(
        path, absl::StrCat(budget, ", part ", part.name), part_out,
        i == 0 ? main_options : reports::ReportOptions(), start, any_failed));
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace aanet

int main(int argc, char** argv) {
  if (std::optional<int> worker =
          aanet::sweep::RunWorkerIfRequested(argc, argv)) {
    return *worker;
  }
  return aanet::RunMain(
      argc, argv, "paper",
      "Runs the paper's study and writes out/report/REPORT.md.\n"
      "  bazel run //:paper [-- --budget=quick|paper] "
      "[--only=harmonic|ablation|pendulum|kepler|double_pendulum|studies|"
      "noise|multi_step|model_size|training_length] "
      "[--backend=slurm "
      "[--no_wait|--dry_run|"
      "--cancel]]",
      [] {
        bool any_failed = false;
        AANET_RETURN_IF_ERROR(aanet::Run(&any_failed));
        if (any_failed) {
          return absl::InternalError(
              "some points failed; the report lists them");
        }
        return absl::OkStatus();
      });
}
