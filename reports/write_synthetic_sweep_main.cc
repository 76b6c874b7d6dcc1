// Writes the synthetic sweep of reports/synthetic_sweep.h, to try the report
// without running a sweep:
//   bazel run //reports:write_synthetic_sweep -- --out=/tmp/sweep
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "cli/paths.h"
#include "cli/usage.h"
#include "reports/synthetic_sweep.h"

ABSL_FLAG(std::string, out, "", "directory to write the synthetic sweep to");
ABSL_FLAG(bool, include_action_angle, true,
          "include the action_angle_flow model");
ABSL_FLAG(bool, include_failed_solve, false,
          "give neural_ode's reference point of seed 2 failed solves at "
          "jumps 200 and 400");
ABSL_FLAG(bool, include_conserved_quantities, false,
          "record a conserved quantity's drift in every evaluation (section "
          "4b)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Writes a synthetic sweep: write_synthetic_sweep --out=DIR");
  aanet::HandleHelpFlag(argc, argv);
  if (const std::string unknown = aanet::UnknownFlagError(argc, argv);
      !unknown.empty()) {
    std::cerr << "write_synthetic_sweep: " << unknown << "\n";
    return 1;
  }
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::cerr << "write_synthetic_sweep: unexpected argument '" << positional[1]
              << "'\n";
    return 1;
  }
  const std::string out = aanet::ResolveUserPath(absl::GetFlag(FLAGS_out));
  if (out.empty()) {
    std::cerr << "write_synthetic_sweep: --out is required\n";
    return 1;
  }
  aanet::reports::SyntheticSweepOptions options;
  options.include_action_angle = absl::GetFlag(FLAGS_include_action_angle);
  options.include_failed_solve = absl::GetFlag(FLAGS_include_failed_solve);
  options.include_conserved_quantities =
      absl::GetFlag(FLAGS_include_conserved_quantities);
  absl::Status written = aanet::reports::WriteSyntheticSweep(out, options);
  if (!written.ok()) {
    std::cerr << "write_synthetic_sweep: " << written.message() << "\n";
    return 1;
  }
  std::cout << out << "\n";
  return 0;
}
