#include "reports/sections/budget.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/sections/testing.h"
#include "reports/synthetic_sweep.h"

namespace aanet::reports {
namespace {

using ::testing::HasSubstr;

const StudyData& EqualComputeStudy() {
  static const StudyData* study = [] {
    SyntheticSweepOptions options;
    options.include_equal_compute = true;
    return new StudyData(LoadSyntheticStudy("equal_compute", options));
  }();
  return *study;
}

TEST(BudgetTest, EqualComputeCellsAreNeverPooledWithEqualSteps) {
  const ReportContext context(EqualComputeStudy(), DefaultOptions());
  // The equal-step cells are those of the sweep without them.
  EXPECT_EQ(context.cells.size(), SyntheticContext().cells.size());
  for (const std::string& model : context.models) {
    EXPECT_NE(model, kSyntheticEqualComputeModel);
  }
  const std::vector<Cell> equal_compute =
      GroupIntoCells(context.study, EQUAL_COMPUTE);
  ASSERT_EQ(equal_compute.size(), 2u);  // 100 and 500 samples
  for (const Cell& c : equal_compute) {
    EXPECT_EQ(c.model, kSyntheticEqualComputeModel);
    EXPECT_FALSE(c.is_reference);
  }
}

TEST(BudgetTest, EqualComputeTableSitsBesideTheEqualStepCells) {
  const ReportContext context(EqualComputeStudy(), DefaultOptions());
  const std::vector<Cell> equal_compute =
      GroupIntoCells(context.study, EQUAL_COMPUTE);
  const std::vector<PointConvergence> convergence = ComputeConvergence(context);
  const Table table = EqualComputeTable(context, equal_compute, convergence);
  // At 100 and 500 samples: action_angle_flow and neural_ode at equal
  // steps, then the equal-compute model.
  ASSERT_EQ(table.rows.size(), 6u);
  const std::vector<std::string>* row = FindRow(
      table, {"harmonic_k_pair_0.5", "100", kSyntheticEqualComputeModel});
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(CellAt(table, *row, "protocol"), "equal compute");
  EXPECT_EQ(CellAt(table, *row, "steps"), "50000");
  EXPECT_EQ(CellAt(table, *row, "seeds"), "2");
  // A tenth of action_angle_flow's losses: seeds 0.1 and 0.3 at jump 1.
  EXPECT_THAT(CellAt(table, *row, "loss, jump 1"), HasSubstr("0.2"));
  // Its synthetic log stops at step 2,000 of 50,000.
  EXPECT_THAT(CellAt(table, *row, "convergence"),
              HasSubstr("seed 1, jump 1: too few evaluations"));
  const std::vector<std::string>* flow =
      FindRow(table, {"harmonic_k_pair_0.5", "100", "action_angle_flow"});
  ASSERT_NE(flow, nullptr);
  EXPECT_EQ(CellAt(table, *flow, "protocol"), "equal steps");
  EXPECT_EQ(CellAt(table, *flow, "convergence"), "converged");
  const std::vector<std::string>* node =
      FindRow(table, {"harmonic_k_pair_0.5", "100", "neural_ode"});
  ASSERT_NE(node, nullptr);
  EXPECT_THAT(CellAt(table, *node, "convergence"),
              HasSubstr("seed 2, jump 10: improving"));

  const Figure figure = EqualComputeFigure(context, equal_compute);
  ASSERT_EQ(figure.panels.size(), 2u);
  EXPECT_EQ(figure.panels[0].series.size(), 3u);
  EXPECT_THAT(figure.panels[0].series[2].style, HasSubstr("dashtype"));

  const Figure curves = EqualComputeCurves(context, equal_compute, convergence);
  ASSERT_EQ(curves.panels.size(), 2u);
  // 3 cells x 2 seeds.
  ASSERT_EQ(curves.panels[0].series.size(), 6u);
  EXPECT_EQ(curves.panels[0].series[5].title,
            "action_angle_flow@equal_compute, 50000 steps, seed 2");
}

TEST(BudgetTest, PublishedBudgetRowsAreLabelledNotRerun) {
  const Table table = PublishedBudgetTable(SyntheticContext());
  // action_angle_flow at 10, 100 and 500 samples on harmonic_k_pair_0.5,
  // each this run's and the recorded row; neural_ode without a recorded
  // grid.
  ASSERT_EQ(table.rows.size(), 3u * 2 + 1);
  const std::vector<std::string>* recorded = FindRow(
      table, {"action_angle_flow", "harmonic_k_pair_0.5", "100", "published"});
  ASSERT_NE(recorded, nullptr);
  EXPECT_EQ(CellAt(table, *recorded, "source"),
            "recorded, not rerun by this job");
  EXPECT_EQ(CellAt(table, *recorded, "steps"), "50000");
  EXPECT_EQ(CellAt(table, *recorded, "loss, jump 1"), "2.1e-4 ± 5e-5");
  const std::vector<std::string>* ours = FindRow(
      table, {"action_angle_flow", "harmonic_k_pair_0.5", "100", "this run"});
  ASSERT_NE(ours, nullptr);
  EXPECT_EQ(CellAt(table, *ours, "steps"), "2000");
  const std::vector<std::string>* node = FindRow(table, {"neural_ode"});
  ASSERT_NE(node, nullptr);
  EXPECT_THAT(CellAt(table, *node, "source"), HasSubstr("core-hours"));
}

TEST(BudgetTest, SectionNamesItsSources) {
  absl::StatusOr<Section> section =
      BudgetSection(ReportContext(EqualComputeStudy(), DefaultOptions()));
  ASSERT_TRUE(section.ok()) << section.status();
  std::string text;
  for (const Block& b : section->blocks) text += b.text;
  EXPECT_THAT(text, HasSubstr("## 2b. Equal steps, equal compute"));
  EXPECT_THAT(text, HasSubstr("not rerun by this job"));
  EXPECT_THAT(text, HasSubstr("docs/published_budget_results.md"));
  EXPECT_THAT(text, HasSubstr("f3a18b6"));
  ASSERT_EQ(section->csv_files.size(), 1u);
  EXPECT_EQ(section->csv_files[0].name, "equal_compute.csv");
}

}  // namespace
}  // namespace aanet::reports
