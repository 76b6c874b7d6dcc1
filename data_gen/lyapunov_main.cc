// lyapunov: the largest Lyapunov exponent of one trajectory's initial state
// (data_gen/lyapunov.h), with its running estimate lambda(t) as CSV.
//
//   bazel run //data_gen:lyapunov --
//       --config=configs/double_pendulum/default.pbtxt --horizon=1000
//       [--trajectory=k] [--output=out/lyapunov/<name>.csv]
//
// Prints lambda, the verdict and the Lyapunov time. Errors print one line
// and exit with status 1.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/main_skeleton.h"
#include "cli/paths.h"
#include "cli/set_flags.h"
#include "data_gen/lyapunov.h"
#include "fileio/text_file.h"
#include "proto/text_config.h"
#include "status/status_macros.h"

ABSL_FLAG(std::string, config, "",
          "text-format Experiment config, e.g. "
          "configs/double_pendulum/default.pbtxt");
ABSL_FLAG(double, horizon, 1000,
          "time units to follow the two trajectories (> 0)");
ABSL_FLAG(double, renormalisation_interval, 1,
          "time between renormalisations (in (0, horizon / 10])");
ABSL_FLAG(int, trajectory, 0, "which trajectory's initial state (0-based)");
ABSL_FLAG(std::string, output, "",
          "CSV of the running estimate t,lambda (default: "
          "out/lyapunov/<the config's name>[_trajectory_<k>].csv)");

namespace aanet::data_gen {
namespace {

absl::Status Run() {
  const std::string config_flag = absl::GetFlag(FLAGS_config);
  if (config_flag.empty()) {
    return absl::InvalidArgumentError(
        "--config is required: a text-format Experiment config such as "
        "configs/double_pendulum/default.pbtxt");
  }
  const std::string config_path = ResolveUserPath(config_flag);
  AANET_ASSIGN_OR_RETURN(const ExperimentConfig config,
                         ReadExperimentConfig(config_path, SetFlags()));
  const int trajectory = absl::GetFlag(FLAGS_trajectory);
  std::string output = ResolveUserPath(absl::GetFlag(FLAGS_output));
  if (output.empty()) {
    const std::string& name = config.experiment.name();
    if (name.find_first_of("/\\") != std::string::npos || name == "." ||
        name == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat(config_path, ": name: '", name,
                       "' is not a file name (it names the default output "
                       "out/lyapunov/<name>.csv); give --output"));
    }
    const std::string stem =
        name.empty() ? std::filesystem::path(config_path).stem().string()
                     : name;
    output = WorkspaceOutputPath(absl::StrCat(
        "lyapunov/", stem, OverridesSuffix(SetFlags()),
        trajectory == 0 ? "" : absl::StrCat("_trajectory_", trajectory),
        ".csv"));
  }
  // Before the work: a refused output should not cost the whole run.
  AANET_RETURN_IF_ERROR(CheckOutputPath(output));
  AANET_RETURN_IF_ERROR(CheckOutputIsNotInput(output, {config_path}));

  absl::StatusOr<LyapunovInput> input =
      LyapunovInputFor(config.experiment.simulation(), trajectory);
  if (!input.ok()) {
    const bool is_flag =
        absl::StartsWith(input.status().message(), "trajectory:");
    return absl::Status(
        input.status().code(),
        absl::StrCat(is_flag ? "--" : absl::StrCat(config_path, ": "),
                     input.status().message()));
  }
  LyapunovOptions options;
  options.horizon = absl::GetFlag(FLAGS_horizon);
  options.renormalisation_interval =
      absl::GetFlag(FLAGS_renormalisation_interval);
  absl::StatusOr<LyapunovEstimate> estimate = EstimateLargestLyapunovExponent(
      *input->system, input->parameters, input->state, options);
  if (!estimate.ok()) {
    // Option errors name the option, which is also the flag's name.
    const bool is_flag =
        estimate.status().code() == absl::StatusCode::kInvalidArgument &&
        !absl::StartsWith(estimate.status().message(), "lyapunov:");
    return absl::Status(
        estimate.status().code(),
        absl::StrCat(is_flag ? "--" : "", estimate.status().message()));
  }
  AANET_RETURN_IF_ERROR(
      WriteTextFileAtomically(output, LyapunovCsv(*estimate)));
  std::cout << input->system->Describe(input->parameters) << ", trajectory "
            << trajectory << ", horizon " << estimate->t.back() << "\n";
  std::cout << absl::StrFormat("lambda %.6g per time unit\n",
                               estimate->exponent);
  std::cout << estimate->Verdict() << "\n";
  std::cout << (estimate->chaotic
                    ? absl::StrFormat("Lyapunov time %.6g\n",
                                      estimate->lyapunov_time)
                    : std::string("Lyapunov time: none (regular)\n"));
  std::cout << "wrote " << output << "\n";
  return absl::OkStatus();
}

}  // namespace
}  // namespace aanet::data_gen

int main(int argc, char** argv) {
  aanet::MainOptions options;
  options.positional_hint =
      " (flags are --config, --set, --horizon, --renormalisation_interval, "
      "--trajectory and --output)";
  options.extract_args = aanet::ExtractSetFlags;
  return aanet::RunMain(
      argc, argv, "lyapunov",
      "Estimates the largest Lyapunov exponent of a trajectory's initial "
      "state.\n"
      "  bazel run //data_gen:lyapunov -- "
      "--config=configs/double_pendulum/default.pbtxt --horizon=1000 "
      "[--trajectory=k] [--output=out/lyapunov/<name>.csv]",
      aanet::data_gen::Run, options);
}
