#include "train/training_options.h"

#include <cmath>
#include <limits>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/text_config.h"

namespace aanet::train {
namespace {

std::vector<int64_t> EvaluationSteps(const TrainingOptions& options) {
  std::vector<int64_t> steps;
  for (int64_t step = 1; step <= options.num_steps; ++step) {
    if (IsEvaluationStep(options, step)) steps.push_back(step);
  }
  return steps;
}

TEST(TrainingOptionsTest, EvaluatesDenselyOnlyAfterTheRamp) {
  TrainingOptions options;
  options.num_steps = 2000;
  options.jump_ramp_steps = 2000;
  options.max_jump = 10;
  options.eval_every = 500;
  EXPECT_EQ(EvaluationSteps(options),
            (std::vector<int64_t>{500, 1000, 1500, 2000}));
  // The ramp ends after 1,889 steps (train/jump_schedule.h).
  options.eval_every_after_ramp = 25;
  EXPECT_EQ(
      EvaluationSteps(options),
      (std::vector<int64_t>{500, 1000, 1500, 1900, 1925, 1950, 1975, 2000}));
  // A last step off the grid is still evaluated.
  options.num_steps = 1990;
  options.jump_ramp_steps = 1990;
  EXPECT_EQ(EvaluationSteps(options).back(), 1990);
}

TrainingConfig ValidConfig() {
  TrainingConfig config;
  config.set_num_steps(10);
  config.set_batch_size(2);
  config.set_learning_rate(1e-3);
  config.set_num_train_samples(20);
  config.set_num_test_samples(20);
  config.set_max_jump(3);
  config.set_action_variance_weight(1);
  config.set_eval_every(5);
  config.add_test_jumps(1);
  return config;
}

TEST(TrainingOptionsTest, HeldOutTrajectoriesAreCheckedBeforeTheDataset) {
  TrainingConfig config = ValidConfig();
  for (int k : {7, 2}) config.add_held_out_trajectories(k);
  absl::StatusOr<TrainingOptions> options = ResolveTrainingOptions(config, 100);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->held_out_trajectories, (std::vector<int>{7, 2}));

  config.add_held_out_trajectories(7);
  EXPECT_EQ(ResolveTrainingOptions(config, 100).status().message(),
            "training.held_out_trajectories: 7 is listed more than once");
  config = ValidConfig();
  config.add_held_out_trajectories(-3);
  EXPECT_EQ(ResolveTrainingOptions(config, 100).status().message(),
            "training.held_out_trajectories: -3 is not a trajectory index "
            "(must be >= 0)");
}

TEST(TrainingOptionsTest, RejectsANegativeDenseCadence) {
  TrainingConfig config;
  config.set_num_steps(10);
  config.set_batch_size(2);
  config.set_learning_rate(1e-3);
  config.set_num_train_samples(20);
  config.set_num_test_samples(20);
  config.set_max_jump(3);
  config.set_action_variance_weight(1);
  config.set_eval_every(5);
  config.add_test_jumps(1);
  ASSERT_TRUE(ResolveTrainingOptions(config, 100).ok());
  config.set_eval_every_after_ramp(-1);
  EXPECT_FALSE(ResolveTrainingOptions(config, 100).ok());
}

TEST(TrainingOptionsTest, PredictionTargetsAreResolvedAndChecked) {
  TrainingConfig config = ValidConfig();
  absl::StatusOr<TrainingOptions> options = ResolveTrainingOptions(config, 100);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->prediction_targets, TrainingConfig::SINGLE_STEP);
  config.set_prediction_targets(TrainingConfig::EVERY_STEP_TO_JUMP);
  options = ResolveTrainingOptions(config, 100);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->prediction_targets, TrainingConfig::EVERY_STEP_TO_JUMP);
  config.set_prediction_targets(
      static_cast<TrainingConfig::PredictionTargets>(7));
  EXPECT_EQ(ResolveTrainingOptions(config, 100).status().message(),
            "training.prediction_targets: expected SINGLE_STEP or "
            "EVERY_STEP_TO_JUMP, got 7");
}

TEST(TrainingOptionsTest, NoiseIsValidatedNamingTheField) {
  TrainingConfig config = ValidConfig();
  config.set_seed(7);
  absl::StatusOr<TrainingOptions> options = ResolveTrainingOptions(config, 100);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->noise_model, NoiseConfig::NO_NOISE);
  EXPECT_EQ(options->noise_std, 0);

  NoiseConfig& noise = *config.mutable_noise();
  noise.set_model(NoiseConfig::PUBLISHED_INPUT_NOISE);
  EXPECT_EQ(ResolveTrainingOptions(config, 100).status().message(),
            "training.noise.std: must be set (>= 0) with "
            "training.noise.model PUBLISHED_INPUT_NOISE");
  noise.set_std(-0.1);
  EXPECT_EQ(ResolveTrainingOptions(config, 100).status().message(),
            "training.noise.std: must be finite and >= 0, got -0.1");
  noise.set_std(std::numeric_limits<double>::infinity());
  EXPECT_EQ(ResolveTrainingOptions(config, 100).status().message(),
            "training.noise.std: must be finite and >= 0, got inf");
  noise.set_std(std::nan(""));
  EXPECT_FALSE(ResolveTrainingOptions(config, 100).ok());
  noise.set_std(0);  // the clean point of a sweep over std
  EXPECT_TRUE(ResolveTrainingOptions(config, 100).ok());
  noise.set_std(0.01);
  noise.set_type(NoiseConfig::RANDOM_WALK);
  options = ResolveTrainingOptions(config, 100);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->noise_model, NoiseConfig::PUBLISHED_INPUT_NOISE);
  EXPECT_EQ(options->noise_type, NoiseConfig::RANDOM_WALK);
  EXPECT_EQ(options->noise_std, 0.01);
  EXPECT_EQ(options->noise_seed, 7u);  // training.seed by default
  noise.set_seed(3);
  EXPECT_EQ(ResolveTrainingOptions(config, 100)->noise_seed, 3u);

  noise.set_model(NoiseConfig::NO_NOISE);
  EXPECT_EQ(ResolveTrainingOptions(config, 100).status().message(),
            "training.noise.std: 0.01 needs training.noise.model "
            "PUBLISHED_INPUT_NOISE or OBSERVATION (it is NO_NOISE)");
  noise.set_model(static_cast<NoiseConfig::Model>(9));
  EXPECT_EQ(ResolveTrainingOptions(config, 100).status().message(),
            "training.noise.model: expected NO_NOISE, PUBLISHED_INPUT_NOISE "
            "or OBSERVATION, got 9");
}

// The published double-pendulum config with its noise loads, resolves, and
// is action_angle_flow.pbtxt plus the noise.
TEST(TrainingOptionsTest, ShippedNoisyDoublePendulumConfigResolves) {
  absl::StatusOr<ExperimentConfig> noisy = ReadExperimentConfig(
      "configs/double_pendulum/action_angle_flow_published_noise.pbtxt");
  ASSERT_TRUE(noisy.ok()) << noisy.status();
  absl::StatusOr<TrainingOptions> options =
      ResolveTrainingOptions(noisy->experiment.training(), 1000);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->noise_model, NoiseConfig::PUBLISHED_INPUT_NOISE);
  EXPECT_EQ(options->noise_type, NoiseConfig::UNCORRELATED);
  EXPECT_EQ(options->noise_std, 0.01);
  EXPECT_EQ(options->num_train_samples, 200);

  absl::StatusOr<ExperimentConfig> clean =
      ReadExperimentConfig("configs/double_pendulum/action_angle_flow.pbtxt");
  ASSERT_TRUE(clean.ok()) << clean.status();
  Experiment expected = clean->experiment;
  expected.set_name("action_angle_flow_published_noise");
  *expected.mutable_training()->mutable_noise() =
      noisy->experiment.training().noise();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      noisy->experiment, expected));
}

}  // namespace
}  // namespace aanet::train
