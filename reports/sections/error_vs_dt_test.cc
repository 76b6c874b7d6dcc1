#include "reports/sections/error_vs_dt.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/sections/testing.h"
#include "reports/synthetic_sweep.h"

namespace aanet::reports {
namespace {

using ::testing::HasSubstr;

// The synthetic study with neural_ode's configs recording `max_jump` (none
// if negative).
StudyData WithNeuralOdeMaxJump(int max_jump) {
  StudyData study = SyntheticStudy();
  for (StudyPoint& p : study.points) {
    if (p.point.model() != "neural_ode" || !p.evaluation.has_value()) continue;
    p.evaluation->set_config_text(
        max_jump < 0 ? std::string("name: \"neural_ode\"\n")
                     : absl::StrCat("training { max_jump: ", max_jump, " }"));
  }
  return study;
}

TEST(ErrorVsDtTest, JumpsBeyondTheConfiguredMaxJumpAreExtrapolation) {
  const ErrorVsDt data = ComputeErrorVsDt(SyntheticContext());
  ASSERT_EQ(data.rows.size(), 18u);  // 2 models x 9 jumps
  for (const ErrorVsDtRow& row : data.rows) {
    EXPECT_EQ(row.beyond_trained_range, row.jump > 10) << row.jump;
    EXPECT_NEAR(row.loss.mean,
                2 * SyntheticLoss(row.cell->model, 0.5, 100, row.jump),
                1e-9 * row.loss.mean);
  }
  ASSERT_EQ(data.trained.size(), 2u);
  EXPECT_EQ(data.trained[0].max_jump, 10);
  EXPECT_EQ(data.shaded_jump, 10);
  EXPECT_EQ(data.shaded_dt, 10.0);  // time step 1

  const Table table = ErrorVsDtMarkdown(data);
  EXPECT_NE(FindRow(table, {"neural_ode", "k_pair 0.5, 100 samples", "20 †"}),
            nullptr);
  EXPECT_NE(FindRow(table, {"neural_ode", "k_pair 0.5, 100 samples", "10"}),
            nullptr);
  const Table csv = ErrorVsDtCsv(data);
  EXPECT_EQ(CellAt(csv, csv.rows.back(), "beyond_trained_range"), "1");

  const Figure figure = ErrorVsDtFigure(data, SyntheticContext());
  ASSERT_EQ(figure.panels.size(), 1u);
  EXPECT_THAT(figure.panels[0].commands[2],
              HasSubstr("trained range (jump <= 10)"));
}

TEST(ErrorVsDtTest, EachModelItsOwnTrainedRange) {
  const StudyData study = WithNeuralOdeMaxJump(50);
  const ReportContext context(study, ReportOptions());
  const ErrorVsDt data = ComputeErrorVsDt(context);
  for (const ErrorVsDtRow& row : data.rows) {
    const int max_jump = row.cell->model == "neural_ode" ? 50 : 10;
    EXPECT_EQ(row.beyond_trained_range, row.jump > max_jump)
        << row.cell->model << " " << row.jump;
  }
  EXPECT_EQ(data.shaded_jump, 10);  // the smallest
  absl::StatusOr<Section> section = ErrorVsDtSection(context);
  ASSERT_TRUE(section.ok());
  EXPECT_THAT(section->blocks[0].text,
              HasSubstr("action_angle_flow: 10, neural_ode: 50"));
}

TEST(ErrorVsDtTest, AnUnknownTrainedRangeMarksNothing) {
  const StudyData study = WithNeuralOdeMaxJump(-1);
  const ReportContext context(study, ReportOptions());
  const ErrorVsDt data = ComputeErrorVsDt(context);
  for (const ErrorVsDtRow& row : data.rows) {
    if (row.cell->model == "neural_ode") {
      EXPECT_FALSE(row.beyond_trained_range);
    }
  }
  EXPECT_FALSE(data.trained[1].max_jump.has_value());
}

}  // namespace
}  // namespace aanet::reports
