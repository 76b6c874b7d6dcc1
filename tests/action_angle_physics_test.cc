// End to end: the Action-Angle Network with the shipped architecture, trained
// briefly on the default dataset, recovers the true normal-mode frequencies
// from its angular velocities; the same check fails before training.
//
// The full budget (50,000 steps) is for the closing note and the report; this
// test uses 3,000 steps and looser bounds (measured at this budget: fast mode
// within ~1%, slow mode within ~2%; untrained: 14% and 530%).
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "data_gen/dataset.h"
#include "data_gen/splits.h"
#include "eval/frequencies.h"
#include "gtest/gtest.h"
#include "models/predictor.h"
#include "proto/text_config.h"
#include "train/trainer.h"

namespace aanet {
namespace {

std::vector<eval::FrequencyMatch> Frequencies(const Predictor& predictor,
                                              const data_gen::Dataset& data) {
  const data_gen::SampleRange test = {data.num_samples() - 500, 500};
  absl::StatusOr<ActionAngleState> state =
      predictor.Inspect(data_gen::RangeStates(data, test));
  EXPECT_TRUE(state.ok()) << state.status();
  // One trajectory: its true frequencies (the normal modes) are row 0.
  return eval::MatchFrequencies(
      state->angular_velocities,
      Eigen::VectorXd(data.true_frequencies.row(0).transpose()));
}

TEST(ActionAnglePhysicsTest, LearnedAngularVelocitiesMatchNormalModes) {
  absl::StatusOr<ExperimentConfig> data_config =
      ReadExperimentConfig("configs/harmonic/default.pbtxt");
  absl::StatusOr<ExperimentConfig> model_config =
      ReadExperimentConfig("configs/harmonic/action_angle_flow.pbtxt");
  ASSERT_TRUE(data_config.ok() && model_config.ok());
  absl::StatusOr<data_gen::Dataset> data =
      data_gen::GenerateDataset(data_config->experiment, data_config->text);
  ASSERT_TRUE(data.ok());

  // Trains the shipped architecture for `steps` and loads the result.
  auto train = [&](int steps) -> absl::StatusOr<Predictor> {
    Experiment experiment = model_config->experiment;
    experiment.mutable_training()->set_num_steps(steps);
    experiment.mutable_training()->set_checkpoint_every(steps);
    const std::string run_dir =
        absl::StrCat(std::getenv("TEST_TMPDIR"), "/run_", steps);
    absl::StatusOr<std::unique_ptr<train::Trainer>> trainer =
        train::Trainer::Create(experiment, experiment.DebugString(), *data,
                               "default.h5", run_dir);
    if (!trainer.ok()) return trainer.status();
    absl::Status status = (*trainer)->Run(nullptr);
    if (!status.ok()) return status;
    return Predictor::Load(run_dir + "/best.h5");
  };
  absl::StatusOr<Predictor> untrained = train(1);
  ASSERT_TRUE(untrained.ok()) << untrained.status();
  absl::StatusOr<Predictor> trained = train(3000);
  ASSERT_TRUE(trained.ok()) << trained.status();
  const std::vector<eval::FrequencyMatch> before =
      Frequencies(*untrained, *data);
  const std::vector<eval::FrequencyMatch> after = Frequencies(*trained, *data);

  ASSERT_EQ(after.size(), 2u);
  // Slow mode (0.050 rad per time unit), then fast mode (0.777).
  EXPECT_NEAR(after[0].truth, 0.0500, 1e-3);
  EXPECT_NEAR(after[1].truth, 0.7775, 1e-3);
  EXPECT_LT(after[0].relative_error, 0.25) << after[0].learned;
  EXPECT_LT(after[1].relative_error, 0.05) << after[1].learned;
  // The same bounds fail for the untrained network.
  EXPECT_TRUE(before[0].relative_error >= 0.25 ||
              before[1].relative_error >= 0.05)
      << before[0].learned << " " << before[1].learned;
}

}  // namespace
}  // namespace aanet
