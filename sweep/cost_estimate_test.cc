#include "sweep/cost_estimate.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "cli/progress.h"
#include "data_gen/dataset.h"
#include "gtest/gtest.h"
#include "proto/text_config.h"

namespace aanet::sweep {
namespace {

using internal::LinearInJump;
using internal::Measured;

TEST(LinearInJumpTest, PassesThroughBothPointsAndNeverFalls) {
  const LinearInJump line = LinearInJump::Through(1, 2.0, 11, 12.0);
  EXPECT_DOUBLE_EQ(line.At(1), 2.0);
  EXPECT_DOUBLE_EQ(line.At(11), 12.0);
  EXPECT_DOUBLE_EQ(line.At(6), 7.0);
  // Noise that makes the longer jump cheaper gives a flat cost.
  const LinearInJump flat = LinearInJump::Through(1, 3.0, 10, 2.9);
  EXPECT_DOUBLE_EQ(flat.b, 0.0);
  EXPECT_DOUBLE_EQ(flat.At(400), 3.0);
}

TEST(TrainSecondsTest, SumsStepsAtTheScheduleMeanJumpAndPeriodicEvaluations) {
  Measured m;
  m.step = {1.0, 0.5};  // 1 s + 0.5 s per unit of jump
  m.periodic_eval = 2.0;
  m.options.num_steps = 10;
  m.options.eval_every = 5;
  m.options.max_jump = 3;
  m.options.jump_schedule = CONSTANT;
  // Every step draws uniformly from 1..3: mean jump 2, 2 s per step; 3
  // evaluations (steps 0, 5, 10).
  EXPECT_DOUBLE_EQ(internal::TrainSeconds(m), 10 * 2.0 + 3 * 2.0);
  // A linear ramp is cheaper: early steps draw shorter jumps.
  m.options.jump_schedule = LINEAR;
  m.options.jump_ramp_steps = 10;
  EXPECT_LT(internal::TrainSeconds(m), 10 * 2.0 + 3 * 2.0);
  EXPECT_GT(internal::TrainSeconds(m), 10 * 1.5 + 3 * 2.0);
}

TEST(EvalSecondsTest, CountsPairsPerJumpCapsThemAndAddsTimingBudgets) {
  Measured m;
  m.pair = {0.0, 1.0};  // jump seconds per pair
  m.trajectories = 2;
  m.options.num_test_samples = 11;
  PointSpec spec;
  spec.add_jumps(1);   // 2 x 10 pairs x 1 s
  spec.add_jumps(5);   // 2 x 6 pairs x 5 s
  spec.add_jumps(20);  // beyond the test split: skipped
  EXPECT_DOUBLE_EQ(internal::EvalSeconds(m, spec), 20.0 + 60.0);
  spec.set_max_pairs_per_jump(4);
  EXPECT_DOUBLE_EQ(internal::EvalSeconds(m, spec), 4.0 + 20.0);
  spec.set_measure_timing(true);
  spec.set_timing_budget_seconds(3.0);
  EXPECT_DOUBLE_EQ(internal::EvalSeconds(m, spec), 4.0 + 20.0 + 2 * 2 * 3.0);
  // The valid prediction time: 7 start states x (0.5 + 0.01 J) s at J = 100.
  m.vpt_grid = {0.5, 0.01};
  m.vpt_start_states = 7;
  spec.set_vpt_max_jump(100);
  EXPECT_DOUBLE_EQ(internal::EvalSeconds(m, spec),
                   4.0 + 20.0 + 2 * 2 * 3.0 + 7 * 1.5);
  // The pictured trajectory: one state's grid to J = 200 and 200 unit
  // predictions of one pair each (m.pair at jump 1: 1 s).
  spec.set_picture_jumps(200);
  EXPECT_DOUBLE_EQ(internal::EvalSeconds(m, spec),
                   4.0 + 20.0 + 2 * 2 * 3.0 + 7 * 1.5 + 2.5 + 200 * 1.0);
}

// With held-out trajectories the evaluation covers every trajectory (the
// held-out ones apart), so the estimate counts the dataset's K, not the
// trained ones; the valid prediction time has one block of start states
// for each.
TEST(MeasureTest, CountsEveryTrajectoryAndTheVptStartStates) {
  SweepConfigFile config;
  ASSERT_TRUE(
      ParseTextProto(R"pb(
                       name: "held_out"
                       models {
                         config: "configs/harmonic/action_angle_flow.pbtxt"
                         num_steps: 10
                         set: "training.held_out_trajectories=[1]"
                       }
                       dataset_variants {
                         name: "three"
                         config: "configs/harmonic/default.pbtxt"
                         set: "simulation.num_trajectories=3"
                         set: "simulation.harmonic.trajectory_sampling=UNIFORM"
                       }
                       num_train_samples: [ 10 ]
                       seeds: [ 0 ]
                     )pb",
                     "held_out.pbtxt", &config.config)
          .ok());
  const std::string root = ::testing::TempDir() + "/measure_held_out";
  std::filesystem::remove_all(root);
  absl::StatusOr<SweepPlan> plan =
      PlanSweep(config.config, std::filesystem::current_path(), root);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ProgressLine progress(stderr, 10.0, false);
  absl::StatusOr<PreparedSweep> sweep =
      PrepareSweep(*std::move(plan), config, 1, {}, progress);
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  ASSERT_EQ(sweep->to_run.size(), 1u);
  const PlannedPoint& point = sweep->plan.points[sweep->to_run[0]];
  absl::StatusOr<data_gen::Dataset> dataset =
      data_gen::ReadDataset(point.spec.dataset_path());
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  absl::StatusOr<internal::Measured> m =
      internal::Measure(point, *dataset, root + "/scratch");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->trajectories, 3);
  // 50 of the two trained trajectories' 998 test pairs, 50 of the held-out
  // one's 499.
  EXPECT_EQ(m->vpt_start_states, 100);
  EXPECT_GT(m->vpt_grid.At(1000), 0);
}

TEST(EstimateCostsTest, MeasuresEachModelAndFormatsAPlan) {
  SweepConfigFile config;
  ASSERT_TRUE(
      ParseTextProto(R"pb(
                       name: "tiny"
                       models {
                         config: "configs/harmonic/action_angle_flow.pbtxt"
                         num_steps: 100
                       }
                       models {
                         config: "configs/harmonic/neural_ode.pbtxt"
                         num_steps: 100
                       }
                       datasets: "configs/harmonic/default.pbtxt"
                       num_train_samples: [ 10, 20 ]
                       seeds: [ 0, 1 ]
                     )pb",
                     "tiny.pbtxt", &config.config)
          .ok());
  const std::string root = ::testing::TempDir() + "/cost_estimate";
  std::filesystem::remove_all(root);
  absl::StatusOr<SweepPlan> plan =
      PlanSweep(config.config, std::filesystem::current_path(), root);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ProgressLine progress(stderr, 10.0, false);
  absl::StatusOr<PreparedSweep> sweep =
      PrepareSweep(*std::move(plan), config, 1, {}, progress);
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  absl::StatusOr<CostPlan> costs = EstimateCosts(*sweep);
  ASSERT_TRUE(costs.ok()) << costs.status();
  ASSERT_EQ(costs->models.size(), 2u);
  EXPECT_EQ(costs->models[0].model, "action_angle_flow");
  EXPECT_EQ(costs->models[1].model, "neural_ode");
  for (const ModelCost& m : costs->models) {
    EXPECT_EQ(m.points, 4);
    EXPECT_GT(m.train_seconds, 0);
    EXPECT_GT(m.eval_seconds, 0);
    EXPECT_GE(m.train_seconds + m.eval_seconds, m.max_point_seconds);
  }
  const std::string text = FormatCostPlan(*costs);
  EXPECT_TRUE(absl::StrContains(text, "total core-h")) << text;
  EXPECT_TRUE(absl::StrContains(text, "  total ")) << text;
}

}  // namespace
}  // namespace aanet::sweep
