#include "sweep/eta.h"

#include <string>

#include "gtest/gtest.h"
#include "testing/test_util.h"

namespace aanet::sweep {
namespace {

using ::aanet::test_util::TestDir;
using ::aanet::test_util::WriteAll;

TEST(EtaTest, NothingKnownIsUnknownAndNothingLeftIsZero) {
  EtaInputs inputs;
  inputs.parallel = 2;
  EXPECT_EQ(FormatEta(EstimateEta(inputs)), "0s");
  inputs.running = {{"neural_ode", 30, 0, 0}};
  inputs.pending = {"neural_ode"};
  EXPECT_FALSE(EstimateEta(inputs).has_value());
  EXPECT_EQ(FormatEta(EstimateEta(inputs)), "?");
}

TEST(EtaTest, PerModelPointTimes) {
  // A user's sweep: flow models take 8 s a point, the Neural ODE 30 s. One
  // mean over both (19 s) would be wrong for each.
  EtaInputs inputs;
  inputs.parallel = 1;
  inputs.completed_seconds = {{"action_angle_flow", {6, 10}},
                              {"neural_ode", {30}}};
  inputs.pending = {"action_angle_flow", "neural_ode", "neural_ode"};
  std::optional<Eta> eta = EstimateEta(inputs);
  ASSERT_TRUE(eta.has_value());
  EXPECT_DOUBLE_EQ(eta->seconds, 8 + 30 + 30);
  EXPECT_FALSE(eta->lower_bound);
  // Two workers: the pending points start on whichever is free first.
  inputs.parallel = 2;
  // Worker 1: flow (8) then the second Neural ODE (30) = 38; worker 2: the
  // first Neural ODE, 30.
  EXPECT_DOUBLE_EQ(EstimateEta(inputs)->seconds, 38);
}

TEST(EtaTest, MovesWithTheRunningPointsProgress) {
  // Two long Neural ODE points running, nothing completed yet: the ETA
  // comes from their progress and changes as they advance (it stood still
  // at "ETA 17s" for two minutes before).
  EtaInputs inputs;
  inputs.parallel = 2;
  inputs.running = {{"neural_ode", 60, 0, 0.25}, {"neural_ode", 60, 0, 0.25}};
  inputs.pending = {"neural_ode", "neural_ode"};
  std::optional<Eta> early = EstimateEta(inputs);
  ASSERT_TRUE(early.has_value());
  // 240 s a point: 180 s left on each worker, then one pending point each.
  EXPECT_DOUBLE_EQ(early->seconds, 180 + 240);
  EXPECT_EQ(FormatEta(early), "7:00");
  // A minute later at half way: still 240 s a point, 120 s left.
  inputs.running = {{"neural_ode", 120, 0, 0.5}, {"neural_ode", 120, 0, 0.5}};
  EXPECT_DOUBLE_EQ(EstimateEta(inputs)->seconds, 120 + 240);
  // Slower than it looked: 40% after two minutes.
  inputs.running = {{"neural_ode", 120, 0, 0.4}, {"neural_ode", 120, 0, 0.4}};
  EXPECT_DOUBLE_EQ(EstimateEta(inputs)->seconds, 180 + 300);
}

TEST(EtaTest, ARunningPointSlowerThanTheCompletedOnesStillCounts) {
  // Completed Neural ODE points took 100 s, but the running one is at 20%
  // after 100 s: it needs 400 s more, not 0.
  EtaInputs inputs;
  inputs.completed_seconds = {{"neural_ode", {100}}};
  inputs.running = {{"neural_ode", 100, 0, 0.2}};
  EXPECT_DOUBLE_EQ(EstimateEta(inputs)->seconds, 400);
  // Done training (its evaluation runs): the completed points' time says
  // how long a point takes, evaluation included.
  inputs.running = {{"neural_ode", 60, 0, 1.0}};
  EXPECT_DOUBLE_EQ(EstimateEta(inputs)->seconds, 40);
  // No metrics yet: the completed points' time alone.
  inputs.running = {{"neural_ode", 30, 0, 0}};
  EXPECT_DOUBLE_EQ(EstimateEta(inputs)->seconds, 70);
}

TEST(EtaTest, AResumedPointCountsOnlyTheProgressOfThisRun) {
  // Resumed at 50%, now at 75% after 50 s: 200 s a point, 50 s left.
  EtaInputs inputs;
  inputs.running = {{"hnn", 50, 0.5, 0.75}};
  inputs.pending = {"hnn"};
  EXPECT_DOUBLE_EQ(EstimateEta(inputs)->seconds, 50 + 200);
}

TEST(EtaTest, AModelWithoutAnEstimateMakesALowerBound) {
  EtaInputs inputs;
  inputs.parallel = 1;
  inputs.completed_seconds = {{"action_angle_flow", {10}}};
  inputs.pending = {"action_angle_flow", "hamiltonian_neural_network"};
  std::optional<Eta> eta = EstimateEta(inputs);
  ASSERT_TRUE(eta.has_value());
  EXPECT_TRUE(eta->lower_bound);
  EXPECT_DOUBLE_EQ(eta->seconds, 10);
  EXPECT_EQ(FormatEta(eta), ">10s");
}

TEST(EtaTest, TrainingProgressReadsTheLastWholeMetricsLine) {
  const std::string dir = TestDir();
  EXPECT_EQ(TrainingProgress(dir, 2000), 0) << "no metrics.jsonl yet";
  std::string metrics;
  for (int step = 100; step <= 1500; step += 100) {
    metrics += "{\"step\": " + std::to_string(step) +
               ", \"jump\": 3, \"train_loss\": 0.5, \"best_step\": 100}\n";
  }
  WriteAll(dir + "/metrics.jsonl", metrics);
  EXPECT_DOUBLE_EQ(TrainingProgress(dir, 2000), 0.75);
  // A line being written does not count.
  WriteAll(dir + "/metrics.jsonl", metrics + "{\"step\": 1600, \"jum");
  EXPECT_DOUBLE_EQ(TrainingProgress(dir, 2000), 0.75);
  // Past the planned steps (an extended run): at most 1.
  EXPECT_DOUBLE_EQ(TrainingProgress(dir, 1000), 1.0);
  EXPECT_EQ(TrainingProgress(dir, 0), 0);
}

}  // namespace
}  // namespace aanet::sweep
