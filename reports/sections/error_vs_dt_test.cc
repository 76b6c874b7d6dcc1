#include "reports/sections/error_vs_dt.h"

#include <cmath>
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
using ::testing::Not;

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
  EXPECT_NE(FindRow(table,
                    {"neural_ode", "harmonic_k_pair_0.5, 100 samples", "20 †"}),
            nullptr);
  EXPECT_NE(
      FindRow(table, {"neural_ode", "harmonic_k_pair_0.5, 100 samples", "10"}),
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
  const ReportContext context(study, DefaultOptions());
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
  const ReportContext context(study, DefaultOptions());
  const ErrorVsDt data = ComputeErrorVsDt(context);
  for (const ErrorVsDtRow& row : data.rows) {
    if (row.cell->model == "neural_ode") {
      EXPECT_FALSE(row.beyond_trained_range);
    }
  }
  EXPECT_FALSE(data.trained[1].max_jump.has_value());
}

// The common unit and the levels of each row, in the reference point's
// units (100 samples: the published unit is 5 times the test split's).
TEST(ErrorVsDtTest, CommonUnitAndLevels) {
  const ErrorVsDt data = ComputeErrorVsDt(SyntheticContext());
  ASSERT_FALSE(data.rows.empty());
  for (const ErrorVsDtRow& row : data.rows) {
    SCOPED_TRACE(row.cell->model + " " + std::to_string(row.jump));
    EXPECT_NEAR(row.loss_test_scaled.mean, row.loss.mean / 5,
                1e-12 * row.loss.mean);
    EXPECT_DOUBLE_EQ(row.train_mean.mean, 5 * kSyntheticTrainMeanLevel);
    EXPECT_DOUBLE_EQ(row.random_phase.mean, 5 * kSyntheticRandomPhaseLevel);
    EXPECT_DOUBLE_EQ(row.train_mean_test_scaled.mean, kSyntheticTrainMeanLevel);
    EXPECT_EQ(row.failed.num_seeds, 0);
  }
  const Figure figure = ErrorVsDtFigure(data, SyntheticContext());
  ASSERT_EQ(figure.panels.size(), 1u);
  // Both models, then the levels of their one reference point.
  ASSERT_EQ(figure.panels[0].series.size(), 4u);
  EXPECT_EQ(figure.panels[0].series[2].title, "training mean");
  EXPECT_EQ(figure.panels[0].series[3].title, "true orbit, random phase");
  EXPECT_THAT(figure.data, HasSubstr("# level 'training mean': dt, loss\n1 "
                                     "10\n2 10\n5 10\n"));
  const Table csv = ErrorVsDtCsv(data);
  EXPECT_EQ(CellAt(csv, csv.rows[0], "train_mean_loss"), "10");
  EXPECT_EQ(CellAt(csv, csv.rows[0], "random_phase_loss_test_scaled"), "1");
  EXPECT_EQ(CellAt(csv, csv.rows[0], "mean_loss_test_scaled"), "0.4");
  EXPECT_EQ(ErrorVsDtFigureNote(data), "");
}

// neural_ode's seed 2 failed every prediction at jump 400 and 7 at jump
// 200: the table marks them, the figure's note names both and the point it
// leaves out.
TEST(ErrorVsDtTest, FailedPredictionsAreNamed) {
  const ErrorVsDt data = ComputeErrorVsDt(FailedSolveContext());
  const ErrorVsDtRow* at_200 = nullptr;
  const ErrorVsDtRow* at_400 = nullptr;
  for (const ErrorVsDtRow& row : data.rows) {
    if (row.cell->model != "neural_ode") continue;
    if (row.jump == 200) at_200 = &row;
    if (row.jump == 400) at_400 = &row;
  }
  ASSERT_NE(at_200, nullptr);
  ASSERT_NE(at_400, nullptr);
  EXPECT_EQ(at_200->failed.num_failed, kSyntheticFailedPairs);
  EXPECT_EQ(at_200->failed.num_pairs, 300);  // of the seed that failed
  EXPECT_EQ(at_400->failed.num_failed, 100);
  EXPECT_EQ(at_400->failed.num_seeds_all_failed, 1);
  EXPECT_TRUE(std::isnan(at_400->loss.mean));
  const Table table = ErrorVsDtMarkdown(data);
  const std::vector<std::string>* row = FindRow(
      table, {"neural_ode", "harmonic_k_pair_0.5, 100 samples", "200 †"});
  ASSERT_NE(row, nullptr);
  EXPECT_THAT(CellAt(table, *row, "prediction loss"), HasSubstr(" ‡"));
  const std::string note = ErrorVsDtFigureNote(data);
  EXPECT_THAT(note,
              HasSubstr("left out (no positive finite value): "
                        "neural_ode (harmonic_k_pair_0.5, 100 samples), jump "
                        "400: mean loss nan."));
  EXPECT_THAT(note,
              HasSubstr("neural_ode (harmonic_k_pair_0.5, 100 samples), jump "
                        "200: 7 of 300 predictions failed in 1 of 2 "
                        "seeds (" +
                        std::string(kSyntheticFailure) + ")"));
  EXPECT_THAT(note, HasSubstr("jump 400: 100 of 100 predictions failed"));
  // The section's text carries the note.
  absl::StatusOr<Section> section = ErrorVsDtSection(FailedSolveContext());
  ASSERT_TRUE(section.ok());
  EXPECT_EQ(section->blocks.back().text, note);
}

// A reference dataset without true frequencies (the double pendulum) points
// to section 4c, which marks the Lyapunov time; the harmonic one does not.
TEST(ErrorVsDtTest, PointsToTheLyapunovSectionWithoutTrueFrequencies) {
  const std::string pointer = "section 4c gives its Lyapunov time";
  absl::StatusOr<Section> harmonic = ErrorVsDtSection(SyntheticContext());
  ASSERT_TRUE(harmonic.ok());
  for (const Block& block : harmonic->blocks) {
    EXPECT_THAT(block.text, Not(HasSubstr(pointer)));
  }
  StudyData study = SyntheticStudy();
  for (StudyPoint& point : study.points) {
    if (point.evaluation.has_value()) {
      point.evaluation->clear_true_frequencies();
    }
  }
  const ReportContext context(study, DefaultOptions());
  absl::StatusOr<Section> chaotic = ErrorVsDtSection(context);
  ASSERT_TRUE(chaotic.ok());
  EXPECT_THAT(chaotic->blocks.back().text, HasSubstr(pointer));
}

}  // namespace
}  // namespace aanet::reports
