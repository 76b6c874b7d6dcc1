#include "train/training_options.h"

#include <vector>

#include "gtest/gtest.h"

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

}  // namespace
}  // namespace aanet::train
