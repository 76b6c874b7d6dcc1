// predict: a trained model's predictions for your own states.
//
//   bazel run //eval:predict -- --checkpoint=out/runs/action_angle_flow/best.h5
//         --states=states.csv --dt=1,10,50 [--out=pred.csv] [--action_angle]
//         [--truth=out/datasets/harmonic_k_pair_0.5.h5]
//
// States are in the dataset's original units, one row [q_0..q_{n-1},
// p_0..p_{n-1}] each, from .csv, .npy or .h5 (eval/predictions.h has the
// layouts); predictions are written in the format of --out (default: the
// states file's format, <states stem>_predictions.<ext> next to it).
// --action_angle adds the Action-Angle Network's actions, angles and angular
// velocities. --truth adds the true state at each dt from the dataset's system,
// the error and whether the state is outside the training range
// (eval/truth.h). Errors print one line and exit with status 1.
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/main_skeleton.h"
#include "cli/memory_budget.h"
#include "cli/paths.h"
#include "cli/stop_signals.h"
#include "eval/predictions.h"
#include "eval/truth.h"
#include "fileio/text_file.h"
#include "models/predictor.h"
#include "status/status_macros.h"

ABSL_FLAG(std::string, checkpoint, "",
          "checkpoint .h5 written by //train (best.h5 or checkpoint.h5)");
ABSL_FLAG(std::string, states, "",
          "states in original units: .csv, .npy [B, 2n] or .h5 (dataset "
          "'states' [B, 2n], or 'q' and 'p' [..., n])");
ABSL_FLAG(std::string, dt, "1",
          "comma-separated time steps to predict, in the dataset's time units");
ABSL_FLAG(std::string, out, "",
          "output file (.csv, .npy or .h5; default: "
          "<states stem>_predictions.<states extension> next to --states)");
ABSL_FLAG(double, max_memory_gb, 0,
          "refuse outputs whose estimated size is over this many GB "
          "(default: 80% of physical memory)");
ABSL_FLAG(bool, action_angle, false,
          "also write the Action-Angle Network's actions, angles and angular "
          "velocities");

ABSL_FLAG(std::string, truth, "",
          "the dataset (.h5) or dataset config (.pbtxt) of the checkpoint's "
          "system: adds the true state at each dt, the error and whether the "
          "state is outside the training range");

namespace aanet::eval {
namespace {

namespace fs = std::filesystem;

absl::Status Run() {
  // SIGINT/SIGTERM end predict at once, but not in the middle of writing its
  // output files (cli/stop_signals.h): all of them are written or none.
  StopSignals signals(StopSignals::kExitNow,
                      "predict: interrupted by {signal}; nothing written");
  if (absl::GetFlag(FLAGS_checkpoint).empty() ||
      absl::GetFlag(FLAGS_states).empty()) {
    return absl::InvalidArgumentError("--checkpoint and --states are required");
  }
  absl::StatusOr<std::vector<double>> dts =
      ParseDtList(absl::GetFlag(FLAGS_dt));
  if (!dts.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--dt: ", dts.status().message()));
  }
  const std::string checkpoint =
      ResolveUserPath(absl::GetFlag(FLAGS_checkpoint));
  const std::string states_path = ResolveUserPath(absl::GetFlag(FLAGS_states));
  // Before --out's default is derived from it, so that a missing file or a
  // directory is reported as what it is, not as --out's format.
  std::error_code error;
  const fs::file_status status = fs::status(states_path, error);
  if (!fs::exists(status)) {
    return absl::NotFoundError(
        absl::StrCat("--states: ", states_path, ": no such file"));
  }
  if (fs::is_directory(status)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--states: ", states_path,
                     ": is a directory, expected a .csv, .npy or .h5 file"));
  }
  if (absl::StatusOr<StatesFormat> format = StatesFormatOf(states_path);
      !format.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--states: ", format.status().message()));
  }
  const std::string truth_path = ResolveUserPath(absl::GetFlag(FLAGS_truth));
  std::string out = ResolveUserPath(absl::GetFlag(FLAGS_out));
  if (out.empty()) {
    const fs::path p(states_path);
    out = (p.parent_path() /
           (p.stem().string() + "_predictions" + p.extension().string()))
              .string();
  }
  if (absl::StatusOr<StatesFormat> format = StatesFormatOf(out); !format.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--out: ", format.status().message()));
  }
  // Every file the prediction may write (with --action_angle, .npy has
  // companions); Predictions with a latent stand for "all of them".
  Predictions all;
  all.latent.resize(absl::GetFlag(FLAGS_action_angle) ? 1 : 0);
  if (!truth_path.empty()) all.truth.emplace();
  std::vector<std::string> inputs = {checkpoint, states_path};
  if (!truth_path.empty()) inputs.push_back(truth_path);
  for (const std::string& file : PredictionFiles(all, out)) {
    AANET_RETURN_IF_ERROR(CheckOutputPath(file));
    AANET_RETURN_IF_ERROR(CheckOutputIsNotInput(file, inputs));
  }
  AANET_ASSIGN_OR_RETURN(Predictor predictor, Predictor::Load(checkpoint));
  // Before the states are read, so that the error names the flag at fault
  // rather than the states file.
  if (absl::GetFlag(FLAGS_action_angle) &&
      predictor.model().kind() != "action_angle") {
    return absl::InvalidArgumentError(
        absl::StrCat("--action_angle: ", checkpoint, " holds a model of kind '",
                     predictor.model().kind(),
                     "', which has no action-angle coordinates (only the "
                     "Action-Angle Network has them)"));
  }
  // The truth's system is checked before the states are read and anything
  // is predicted: a wrong dataset would make every error meaningless.
  std::optional<data_gen::Dataset> truth_dataset;
  if (!truth_path.empty()) {
    absl::StatusOr<data_gen::Dataset> dataset = LoadTruthDataset(truth_path);
    bool unchecked = false;
    absl::Status status = dataset.status();
    if (status.ok()) {
      status = CheckTruthSystem(predictor, checkpoint, *dataset, truth_path,
                                &unchecked);
    }
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat("--truth: ", status.message()));
    }
    truth_dataset = *std::move(dataset);
  }
  AANET_ASSIGN_OR_RETURN(
      Eigen::MatrixXd states,
      ReadStates(states_path, predictor.num_degrees_of_freedom()));
  // Checked before predicting: millions of predictions otherwise run for
  // minutes and then exhaust memory.
  AANET_ASSIGN_OR_RETURN(
      const MemoryBudget budget,
      ResolveMemoryBudget(absl::GetFlag(FLAGS_max_memory_gb)));
  const double bytes = EstimatePredictionBytes(
      states.rows(), static_cast<int64_t>(dts->size()),
      predictor.num_degrees_of_freedom(), absl::GetFlag(FLAGS_action_angle),
      *StatesFormatOf(out), truth_dataset.has_value());
  if (bytes > budget.bytes) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "--states x --dt: %d state(s) x %d dt need about %s to predict and "
        "write to %s, %s; predict fewer states or dt per call",
        states.rows(), dts->size(), FormatBytes(bytes), out,
        OverBudget(budget)));
  }
  absl::StatusOr<Predictions> predictions =
      PredictStates(predictor, states, *dts, absl::GetFlag(FLAGS_action_angle));
  if (!predictions.ok()) {
    return absl::Status(
        predictions.status().code(),
        absl::StrCat(states_path, ": ", predictions.status().message()));
  }
  if (truth_dataset.has_value()) {
    absl::StatusOr<TruthComparison> truth =
        CompareWithTruth(predictor, checkpoint, *truth_dataset, truth_path,
                         states, *dts, predictions->predicted);
    if (!truth.ok()) {
      return absl::Status(truth.status().code(),
                          absl::StrCat("--truth: ", truth.status().message()));
    }
    // Said, not only flagged in a column: a state far from the training
    // data makes the error a statement about extrapolation.
    for (const std::string& warning : truth->warnings) {
      std::cerr << "predict: warning: " << warning << "\n";
    }
    predictions->truth = *std::move(truth);
  }
  {
    CommitSection commit;
    AANET_RETURN_IF_ERROR(
        WritePredictions(*predictions, predictor, checkpoint, out));
    StopSignals::SetExitMessage(
        absl::StrCat("predict: interrupted by {signal} after writing ",
                     absl::StrJoin(PredictionFiles(*predictions, out), ", ")));
  }
  std::cout << absl::StrFormat(
      "%s model (step %d): %d state(s) x %d dt -> %s\n",
      predictor.model().kind(), predictor.step(), states.rows(), dts->size(),
      absl::StrJoin(PredictionFiles(*predictions, out), ", "));
  return absl::OkStatus();
}

}  // namespace
}  // namespace aanet::eval

int main(int argc, char** argv) {
  return aanet::RunMain(
      argc, argv, "predict",
      "Predicts a trained model's states after dt for your own states.\n"
      "  bazel run //eval:predict -- --checkpoint=RUN/best.h5 "
      "--states=states.csv --dt=1,10,50 [--out=pred.csv] [--action_angle] "
      "[--truth=DATA.h5]",
      aanet::eval::Run);
}
