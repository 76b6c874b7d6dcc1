// Turns a finished sweep into the paper's study:
//   bazel run //reports:report -- --sweep_dir=out/sweeps/quick
//       --out=out/report --budget_description="quick: 2,000 steps"
// (one command line).
// Prints the path of REPORT.md; on error prints one line `report: <message>`
// and exits with status 1.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cli/paths.h"
#include "cli/usage.h"
#include "reports/report.h"
#include "reports/study.h"
#include "status/status_macros.h"

ABSL_FLAG(std::string, sweep_dir, "",
          "directory of a finished sweep (holds sweep_results.json)");
ABSL_FLAG(std::string, out, "",
          "output directory of the report; default: <sweep_dir>/report");
ABSL_FLAG(std::string, budget_description, "",
          "free text describing the sweep's budget, quoted in the header");
ABSL_FLAG(double, lyapunov_horizon, 1000,
          "time units over which section 4c estimates the Lyapunov exponent "
          "of each trajectory of a system without true frequencies (> 0)");

namespace aanet::reports {
namespace {

absl::StatusOr<std::string> Run() {
  const std::string sweep_dir = ResolveUserPath(absl::GetFlag(FLAGS_sweep_dir));
  if (sweep_dir.empty()) {
    return absl::InvalidArgumentError("--sweep_dir is required");
  }
  std::string out = ResolveUserPath(absl::GetFlag(FLAGS_out));
  if (out.empty()) out = (std::filesystem::path(sweep_dir) / "report").string();
  AANET_ASSIGN_OR_RETURN(const StudyData study, LoadSweep(sweep_dir));
  ReportOptions options;
  options.budget_description = absl::GetFlag(FLAGS_budget_description);
  options.lyapunov_horizon = absl::GetFlag(FLAGS_lyapunov_horizon);
  if (!(std::isfinite(options.lyapunov_horizon) &&
        options.lyapunov_horizon >= 10)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--lyapunov_horizon: must be >= 10 (time units), got ",
                     options.lyapunov_horizon));
  }
  AANET_RETURN_IF_ERROR(WriteReport(study, options, out));
  return (std::filesystem::path(out) / kReportFile).string();
}

}  // namespace
}  // namespace aanet::reports

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Writes the study report of a finished sweep: report "
      "--sweep_dir=out/sweeps/<name> [--out=DIR] [--budget_description=TEXT]");
  aanet::HandleHelpFlag(argc, argv);
  if (const std::string unknown = aanet::UnknownFlagError(argc, argv);
      !unknown.empty()) {
    std::cerr << "report: " << unknown << "\n";
    return 1;
  }
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::cerr << "report: unexpected argument '" << positional[1] << "'\n";
    return 1;
  }
  absl::StatusOr<std::string> report = aanet::reports::Run();
  if (!report.ok()) {
    std::cerr << "report: " << report.status().message() << "\n";
    return 1;
  }
  std::cout << *report << "\n";
  return 0;
}
