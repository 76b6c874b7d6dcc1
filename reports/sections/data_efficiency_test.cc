#include "reports/sections/data_efficiency.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/sections/testing.h"
#include "reports/synthetic_sweep.h"

namespace aanet::reports {
namespace {

using ::testing::ElementsAre;

TEST(DataEfficiencyTest, JumpsComeFromTheSweepConfig) {
  EXPECT_THAT(ComputeDataEfficiency(SyntheticContext()).jumps,
              ElementsAre(1, 10, 50));
  ReportContext context = SyntheticContext();
  context.sweep_config->mutable_evaluation()->clear_jumps();
  context.sweep_config->mutable_evaluation()->add_jumps(20);
  context.sweep_config->mutable_evaluation()->add_jumps(2);
  EXPECT_THAT(ComputeDataEfficiency(context).jumps, ElementsAre(2, 20));
  // Jumps nobody evaluated: the smallest evaluated one.
  context.sweep_config->mutable_evaluation()->clear_jumps();
  context.sweep_config->mutable_evaluation()->add_jumps(7);
  EXPECT_THAT(ComputeDataEfficiency(context).jumps, ElementsAre(1));
}

TEST(DataEfficiencyTest, WithoutConfiguredJumpsTheJumpsOfEveryCell) {
  ReportContext context = SyntheticContext();
  context.sweep_config.reset();
  EXPECT_THAT(ComputeDataEfficiency(context).jumps, ElementsAre(1, 10, 50));
}

TEST(DataEfficiencyTest, Rows) {
  const DataEfficiency data = ComputeDataEfficiency(SyntheticContext());
  EXPECT_THAT(data.datasets,
              ElementsAre("harmonic_k_pair_0.1", "harmonic_k_pair_0.5",
                          "harmonic_k_pair_1.0"));
  ASSERT_EQ(data.cells.size(), 18u);  // 2 models x 3 datasets x 3 samples
  // 16 cells at 3 jumps, the 2 reference cells at 9.
  EXPECT_EQ(DataEfficiencyCsv(data).rows.size(), 16u * 3 + 2 * 9);

  const Table table = DataEfficiencyTable(data, "harmonic_k_pair_0.5");
  EXPECT_THAT(
      table.header,
      ElementsAre("model", "samples", "seeds", "loss, jump 1", "loss, jump 10",
                  "loss, jump 50", "test-σ loss, jump 1",
                  "test-σ loss, jump 10", "test-σ loss, jump 50"));
  ASSERT_EQ(table.rows.size(), 6u);
  const std::vector<std::string>* row =
      FindRow(table, {"action_angle_flow", "100"});
  ASSERT_NE(row, nullptr);
  // Seeds 1 and 3 times the loss 1: mean 2, std sqrt(2); a factor of 3
  // between the seeds shows both.
  EXPECT_EQ(CellAt(table, *row, "loss, jump 1"),
            "2 ± 1.414 (seed 1: 1, seed 2: 3)");
  EXPECT_EQ(CellAt(table, *row, "seeds"), "2");
  // The common unit: at 100 samples the synthetic test split's variance is
  // 5 times the training split's, so the losses are a fifth.
  EXPECT_EQ(CellAt(table, *row, "test-σ loss, jump 1"), "0.4 ± 0.2828");
  // 10 samples: 1 and 3 times 4 * 10, then times 10 / 500.
  row = FindRow(table, {"neural_ode", "10"});
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(CellAt(table, *row, "loss, jump 1"),
            "80 ± 56.57 (seed 1: 40, seed 2: 120)");
  EXPECT_EQ(CellAt(table, *row, "test-σ loss, jump 1"), "1.6 ± 1.131");
}

TEST(DataEfficiencyTest, LevelsPerPointInBothUnits) {
  const DataEfficiency data = ComputeDataEfficiency(SyntheticContext());
  for (const CellLosses& c : data.cells) {
    SCOPED_TRACE(c.cell->model + " " +
                 std::to_string(c.cell->num_train_samples));
    const double ratio = SyntheticTestScaledRatio(c.cell->num_train_samples);
    const JumpStatistic* s = FindJump(c.train_mean, 10);
    ASSERT_NE(s, nullptr);
    EXPECT_DOUBLE_EQ(s->value.mean, kSyntheticTrainMeanLevel / ratio);
    s = FindJump(c.random_phase_test_scaled, 10);
    ASSERT_NE(s, nullptr);
    EXPECT_DOUBLE_EQ(s->value.mean, kSyntheticRandomPhaseLevel);
    EXPECT_TRUE(c.failed.empty());
  }
  EXPECT_EQ(DataEfficiencyFigureNote(data), "");
}

TEST(DataEfficiencyTest, MarksEveryCellThatDidNotConverge) {
  const DataEfficiency data = ComputeDataEfficiency(SyntheticContext());
  const std::vector<PointConvergence> convergence =
      ComputeConvergence(SyntheticContext());
  const Table table =
      DataEfficiencyTable(data, "harmonic_k_pair_0.5", &convergence);
  EXPECT_EQ(table.header.back(), "not converged");
  // The synthetic flow converged, the Neural ODE still improves.
  EXPECT_EQ(table.rows.front().back(), "—");
  const std::vector<std::string>* node = FindRow(table, {"neural_ode", "100"});
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->back(),
            "seed 1, jump 1: improving; seed 1, jump 10: improving; "
            "seed 2, jump 1: improving; seed 2, jump 10: improving");
}

TEST(DataEfficiencyTest, NamesCellsWorseWithMoreSamples) {
  DataEfficiency data = ComputeDataEfficiency(SyntheticContext());
  // Losses fall with the samples in the synthetic sweep.
  EXPECT_TRUE(WorseWithMoreSamples(data).empty());
  // action_angle_flow on harmonic_k_pair_0.1: 500 samples 10 times 100's loss.
  ASSERT_EQ(data.cells[2].cell->num_train_samples, 500);
  data.cells[2].losses.front().value.mean =
      10 * data.cells[1].losses.front().value.mean;
  EXPECT_THAT(
      WorseWithMoreSamples(data),
      ElementsAre("action_angle_flow on harmonic_k_pair_0.1: 500 samples 4 "
                  "against 0.4 with 100 at jump 1"));
}

TEST(DataEfficiencyTest, OnePanelPerKPairAndJump) {
  const Figure figure = DataEfficiencyFigure(
      ComputeDataEfficiency(SyntheticContext()), SyntheticContext());
  EXPECT_EQ(figure.columns, 3);
  // Per dataset a row in the published unit, then one in the test split's.
  ASSERT_EQ(figure.panels.size(), 18u);
  EXPECT_EQ(figure.panels[0].title,
            "harmonic_k_pair_0.1, jump 1, published unit");
  EXPECT_EQ(figure.panels[3].title,
            "harmonic_k_pair_0.1, jump 1, test-split unit");
  EXPECT_EQ(figure.panels[6].title,
            "harmonic_k_pair_0.5, jump 1, published unit");
  // Both models, then the two levels.
  ASSERT_EQ(figure.panels[0].series.size(), 4u);
  EXPECT_EQ(figure.panels[0].series[2].title, "training mean");
  EXPECT_EQ(figure.panels[0].series[3].title, "true orbit, random phase");
  // The level's data: one point per sample count, in that point's units
  // (harmonic_k_pair_0.1 has 10, 100 and 500 samples): 2 / (samples / 500).
  const std::string block =
      "# level 'training mean', harmonic_k_pair_0.1, jump 1, published unit: "
      "samples, loss\n10 100\n100 10\n500 2\n";
  EXPECT_THAT(figure.data, ::testing::HasSubstr(block));
  EXPECT_THAT(figure.data, ::testing::HasSubstr(
                               "# level 'training mean', harmonic_k_pair_0.1, "
                               "jump 1, test-split unit: samples, "
                               "loss\n10 2\n100 2\n500 2\n"));
}

}  // namespace
}  // namespace aanet::reports
