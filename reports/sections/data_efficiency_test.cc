#include "reports/sections/data_efficiency.h"

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
  EXPECT_THAT(data.k_pairs, ElementsAre(0.1, 0.5, 1.0));
  ASSERT_EQ(data.cells.size(), 18u);  // 2 models x 3 k_pair x 3 samples
  // 16 cells at 3 jumps, the 2 reference cells at 9.
  EXPECT_EQ(DataEfficiencyCsv(data).rows.size(), 16u * 3 + 2 * 9);

  const Table table = DataEfficiencyTable(data, 0.5);
  EXPECT_THAT(table.header,
              ElementsAre("model", "samples", "seeds", "loss, jump 1",
                          "loss, jump 10", "loss, jump 50"));
  ASSERT_EQ(table.rows.size(), 6u);
  const std::vector<std::string>* row =
      FindRow(table, {"action_angle_flow", "100"});
  ASSERT_NE(row, nullptr);
  // Seeds 1 and 3 times the loss 1: mean 2, std sqrt(2).
  EXPECT_EQ(CellAt(table, *row, "loss, jump 1"), "2 ± 1.414");
  EXPECT_EQ(CellAt(table, *row, "seeds"), "2");
}

TEST(DataEfficiencyTest, OnePanelPerKPairAndJump) {
  const Figure figure = DataEfficiencyFigure(
      ComputeDataEfficiency(SyntheticContext()), SyntheticContext());
  EXPECT_EQ(figure.columns, 3);
  ASSERT_EQ(figure.panels.size(), 9u);
  EXPECT_EQ(figure.panels[0].title, "k_pair 0.1, jump 1");
  EXPECT_EQ(figure.panels[0].series.size(), 2u);  // both models
}

}  // namespace
}  // namespace aanet::reports
