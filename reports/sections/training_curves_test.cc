#include "reports/sections/training_curves.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/sections/testing.h"

namespace aanet::reports {
namespace {

using ::testing::HasSubstr;

TEST(TrainingCurvesTest, EveryEvaluatedPointIsJudged) {
  const std::vector<PointConvergence> points =
      ComputeConvergence(SyntheticContext());
  ASSERT_EQ(points.size(), 35u);  // every point but the failed one
  for (const PointConvergence& p : points) {
    ASSERT_TRUE(p.curve.ok()) << p.curve.status();
    ASSERT_EQ(p.verdicts.size(), 2u);  // test jumps 1 and 10
    for (const ConvergenceVerdict& v : p.verdicts) {
      // The flow's loss settles; the Neural ODE's keeps falling.
      EXPECT_EQ(v.verdict, p.point->model() == "action_angle_flow"
                               ? Verdict::kConverged
                               : Verdict::kImproving);
    }
  }
  const Table totals = ConvergenceTotals(points);
  EXPECT_NE(FindRow(totals, {"action_angle_flow",
                             "jump 1: 18 converged; jump 10: 18 converged"}),
            nullptr);
  EXPECT_NE(FindRow(totals, {"neural_ode",
                             "jump 1: 17 improving; jump 10: 17 improving"}),
            nullptr);
  EXPECT_EQ(ConvergenceCsv(points).rows.size(), 70u);
  EXPECT_EQ(ConvergenceTable(points).rows.size(), 35u);
}

TEST(TrainingCurvesTest, OneFigurePerModelOfItsReferencePoints) {
  const auto figures =
      TrainingCurveFigures(ComputeConvergence(SyntheticContext()));
  ASSERT_EQ(figures.size(), 2u);
  EXPECT_EQ(figures[0].first, "action_angle_flow");
  EXPECT_EQ(figures[0].second.name, "fig_training_action_angle_flow");
  ASSERT_EQ(figures[0].second.panels.size(), 2u);            // jumps 1 and 10
  EXPECT_EQ(figures[0].second.panels[0].series.size(), 2u);  // two seeds
}

TEST(TrainingCurvesTest, AMissingLogIsReportedNotFatal) {
  StudyData study = SyntheticStudy();
  study.points.front().point.set_directory("no/such/run");
  const ReportContext context(study, DefaultOptions());
  const std::vector<PointConvergence> points = ComputeConvergence(context);
  ASSERT_FALSE(points.front().curve.ok());
  const Table table = ConvergenceTable(points);
  EXPECT_EQ(table.rows.front()[3], "—");
  EXPECT_THAT(table.rows.front()[5], HasSubstr("no training log: "));
  EXPECT_EQ(ConvergenceCsv(points).rows.size(), 68u);
}

}  // namespace
}  // namespace aanet::reports
