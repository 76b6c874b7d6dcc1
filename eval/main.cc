// eval: measures a trained model on its dataset's test split.
//
//   bazel run //eval -- --checkpoint=out/runs/action_angle_flow/best.h5
//         --dataset=out/datasets/default.h5
//
// Prints, per jump, the prediction loss (standardised units, the paper's
// metric) and the mean absolute change of the true Hamiltonian between the
// current and the predicted state (original units); for the Action-Angle
// Network also the learned angular velocities against the true normal-mode
// frequencies.
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "cli/paths.h"
#include "data_gen/dataset.h"
#include "data_gen/harmonic.h"
#include "data_gen/splits.h"
#include "eval/frequencies.h"
#include "models/predictor.h"

ABSL_FLAG(std::string, checkpoint, "", "checkpoint .h5 written by //train");
ABSL_FLAG(std::string, dataset, "", "the dataset .h5 the model was trained on");
ABSL_FLAG(std::string, jumps, "1,2,5,10,20,50,100,200,400",
          "comma-separated jumps (in samples) to evaluate");

namespace aanet::eval {
namespace {

absl::Status Run() {
  if (absl::GetFlag(FLAGS_checkpoint).empty() ||
      absl::GetFlag(FLAGS_dataset).empty()) {
    return absl::InvalidArgumentError(
        "--checkpoint and --dataset are required");
  }
  std::vector<int> jumps;
  for (absl::string_view part :
       absl::StrSplit(absl::GetFlag(FLAGS_jumps), ',', absl::SkipEmpty())) {
    int jump = 0;
    if (!absl::SimpleAtoi(part, &jump) || jump < 1) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--jumps: '%s' is not a positive integer", std::string(part)));
    }
    jumps.push_back(jump);
  }
  absl::StatusOr<Predictor> predictor =
      Predictor::Load(ResolveUserPath(absl::GetFlag(FLAGS_checkpoint)));
  if (!predictor.ok()) return predictor.status();
  const std::string dataset_path =
      ResolveUserPath(absl::GetFlag(FLAGS_dataset));
  absl::StatusOr<data_gen::Dataset> dataset =
      data_gen::ReadDataset(dataset_path);
  if (!dataset.ok()) return dataset.status();
  if (dataset->num_particles() != predictor->num_particles()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s has %d particles; the model was trained on %d", dataset_path,
        dataset->num_particles(), predictor->num_particles()));
  }
  const TrainingConfig& training = predictor->experiment().training();
  const int num_test =
      training.has_num_test_samples() ? training.num_test_samples() : 500;
  const data_gen::SampleRange test = {dataset->num_samples() - num_test,
                                      num_test};
  const double time_step = dataset->t[1] - dataset->t[0];
  const data_gen::HarmonicSystem system = dataset->parameters.system();
  const int n = dataset->num_particles();

  std::cout << absl::StrFormat(
      "%s model, %d parameters, step %d; test split: last %d samples\n",
      predictor->model().kind(), predictor->model().parameters().NumScalars(),
      predictor->step(), num_test);
  std::cout << "jump  prediction_loss  mean_abs_energy_change\n";
  for (int jump : jumps) {
    if (jump >= num_test) continue;
    const data_gen::StatePairs pairs =
        data_gen::MakePairs(*dataset, test, jump);
    const Eigen::MatrixXd predicted =
        predictor->Predict(pairs.inputs, jump * time_step);
    const Eigen::MatrixXd scaled_prediction =
        predictor->scaler().Transform(predicted);
    const Eigen::MatrixXd scaled_target =
        predictor->scaler().Transform(pairs.targets);
    const double loss = (scaled_prediction - scaled_target).squaredNorm() /
                        scaled_target.size();
    const Eigen::VectorXd before = data_gen::TrajectoryEnergy(
        system, pairs.inputs.leftCols(n), pairs.inputs.rightCols(n));
    const Eigen::VectorXd after = data_gen::TrajectoryEnergy(
        system, predicted.leftCols(n), predicted.rightCols(n));
    std::cout << absl::StrFormat("%4d  %15.4e  %22.4e\n", jump, loss,
                                 (after - before).cwiseAbs().mean());
  }

  absl::StatusOr<ActionAngleState> inspected =
      predictor->Inspect(data_gen::RangeStates(*dataset, test));
  if (inspected.ok()) {
    std::cout << "angular velocities on the test states vs true frequencies\n";
    for (const FrequencyMatch& m :
         MatchFrequencies(inspected->angular_velocities,
                          dataset->normal_modes.frequencies)) {
      std::cout << absl::StrFormat(
          "  pair %d: learned %.5f +- %.5f, true %.5f, relative error %.2f%%\n",
          m.latent_index, m.learned, m.learned_std, m.truth,
          100 * m.relative_error);
    }
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace aanet::eval

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Evaluates a trained model.\n"
      "  bazel run //eval -- --checkpoint=RUN/best.h5 --dataset=DATA.h5");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::cerr << "eval: unexpected argument '" << positional[1] << "'\n";
    return 1;
  }
  absl::Status status = aanet::eval::Run();
  if (!status.ok()) {
    std::cerr << "eval: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
