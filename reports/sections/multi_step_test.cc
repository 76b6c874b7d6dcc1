#include "reports/sections/multi_step.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "reports/sections/testing.h"

namespace aanet::reports {
namespace {

constexpr char kSingle[] = "SINGLE_STEP";
constexpr char kMulti[] = "EVERY_STEP_TO_JUMP";

// A point of the multi-step study as the sweep records it: the model named
// with the axis suffix, the axis value, and (unless it failed) an evaluation
// whose config sets the mode and whose loss at each jump is
// `scale` * jump * (1 for seed 0, 3 for seed 1).
StudyPoint Point(const std::string& model, const std::string& mode, int seed,
                 double scale, bool failed = false) {
  StudyPoint point;
  SweepPoint& p = point.point;
  p.set_model(absl::StrCat(model, "@prediction_targets=", mode));
  p.set_model_kind(model);
  p.set_dataset("pendulum");
  p.set_dataset_hash("abc");
  p.set_num_train_samples(100);
  p.set_seed(seed);
  p.set_num_steps(2000);
  p.set_is_reference(true);
  p.add_axis_values(absl::StrCat("training.prediction_targets=", mode));
  p.set_status(failed ? SweepPoint::FAILED : SweepPoint::DONE);
  if (failed) return point;
  EvaluationReport evaluation;
  evaluation.set_model_kind(model);
  evaluation.set_config_text(
      absl::StrCat("training { max_jump: 10 prediction_targets: ", mode, " }"));
  for (int jump : {1, 2, 10, 100, 400}) {
    JumpMetrics* metrics = evaluation.add_jumps();
    metrics->set_jump(jump);
    metrics->set_dt(0.1 * jump);
    metrics->set_prediction_loss(scale * jump * (seed == 0 ? 1.0 : 3.0));
  }
  point.evaluation = evaluation;
  return point;
}

// Action-Angle Network: single step 0.1 jump, multi-step half of it, two
// seeds each. Neural ODE: single step two seeds; multi-step seed 0 at 4 times
// the single-step loss, seed 1 FAILED.
StudyData MultiStepStudy() {
  StudyData study;
  study.sweep_dir = "/nonexistent";
  study.results.set_name("multi_step");
  for (int seed : {0, 1}) {
    study.points.push_back(Point("action_angle_flow", kSingle, seed, 0.1));
    study.points.push_back(Point("action_angle_flow", kMulti, seed, 0.05));
    study.points.push_back(Point("neural_ode", kSingle, seed, 0.2));
  }
  study.points.push_back(Point("neural_ode", kMulti, 0, 0.8));
  study.points.push_back(Point("neural_ode", kMulti, 1, 0.8, true));
  for (const StudyPoint& point : study.points) {
    *study.results.add_points() = point.point;
  }
  return study;
}

TEST(MultiStepTest, ModeComesFromTheRecordedConfigThenTheAxisValue) {
  StudyPoint point = Point("m", kSingle, 0, 1.0);
  EXPECT_EQ(PointPredictionTargets(point), TrainingConfig::SINGLE_STEP);
  // The recorded config wins over the axis value and the name.
  point.evaluation->set_config_text(
      "training { prediction_targets: EVERY_STEP_TO_JUMP }");
  EXPECT_EQ(PointPredictionTargets(point), TrainingConfig::EVERY_STEP_TO_JUMP);
  // A config that leaves it unset is single-step (the default).
  point.evaluation->set_config_text("training { max_jump: 3 }");
  EXPECT_EQ(PointPredictionTargets(point), TrainingConfig::SINGLE_STEP);
  // Without an evaluation: the axis value; without either: unknown.
  const StudyPoint failed = Point("m", kMulti, 0, 1.0, true);
  EXPECT_EQ(PointPredictionTargets(failed), TrainingConfig::EVERY_STEP_TO_JUMP);
  StudyPoint bare;
  bare.point.set_model("m@prediction_targets=EVERY_STEP_TO_JUMP");
  EXPECT_EQ(PointPredictionTargets(bare), std::nullopt);
  EXPECT_EQ(ModelWithoutTargetsAxis(failed.point), "m");
  EXPECT_EQ(ModelWithoutTargetsAxis(bare.point),
            "m@prediction_targets=EVERY_STEP_TO_JUMP");
}

TEST(MultiStepTest, ComparesBothModesPerModelWithFailedPointsCounted) {
  const StudyData study = MultiStepStudy();
  const ReportContext context(study, DefaultOptions());
  const MultiStep data = ComputeMultiStep(context);
  ASSERT_TRUE(data.varies);
  ASSERT_EQ(data.pairs.size(), 2u);
  const MultiStepPair& aan = data.pairs[0];
  const MultiStepPair& ode = data.pairs[1];
  EXPECT_EQ(aan.model, "action_angle_flow");
  EXPECT_EQ(ode.model, "neural_ode");
  EXPECT_EQ(aan.max_jump, 10);
  EXPECT_EQ(aan.num_steps, 2000);
  EXPECT_EQ(ode.failed_multi, 1);
  EXPECT_EQ(ode.points_multi, 2);
  EXPECT_EQ(ode.failed_single, 0);
  EXPECT_EQ(data.max_seeds, 2);

  // Jumps 1, the trained 10, 10 x 10 = 100 and the largest, 400.
  const Table table = MultiStepMarkdown(data);
  ASSERT_EQ(table.rows.size(), 8u);
  const std::vector<std::string>* found =
      FindRow(table, {"action_angle_flow", "pendulum, 100 samples", "10"});
  ASSERT_NE(found, nullptr);
  const std::vector<std::string>& row = *found;
  // Seeds 1 and 3 times 0.1 * 10: mean 2, std sqrt(2); multi-step half.
  EXPECT_EQ(CellAt(table, row, "single step"), "2 ± 1.414");
  EXPECT_EQ(CellAt(table, row, "every step to the jump"), "1 ± 0.7071");
  EXPECT_EQ(CellAt(table, row, "multi / single"), "0.5");
  found = FindRow(table, {"neural_ode", "pendulum, 100 samples", "400 †"});
  ASSERT_NE(found, nullptr);
  const std::vector<std::string>& beyond = *found;
  // 0.8 * 400 against the mean of 0.2 * 400 and 0.6 * 400.
  EXPECT_EQ(CellAt(table, beyond, "multi / single"), "2");
  EXPECT_EQ(CellAt(table, beyond, "seeds"), "2; 1");
  EXPECT_EQ(CellAt(table, beyond, "failed points (single; multi)"),
            "0 of 2 failed; 1 of 2 failed");
  EXPECT_EQ(FindRow(table, {"neural_ode", "pendulum, 100 samples", "2"}),
            nullptr);  // not one of the table's jumps
  // The CSV has every jump.
  EXPECT_EQ(MultiStepCsv(data).rows.size(), 10u);

  const Figure figure = MultiStepFigure(data);
  ASSERT_EQ(figure.panels.size(), 2u);
  for (const PlotPanel& panel : figure.panels) {
    ASSERT_EQ(panel.series.size(), 2u);
    EXPECT_EQ(panel.series[0].title, "single step");
    EXPECT_EQ(panel.series[1].title, "every step to the jump");
  }
}

TEST(MultiStepTest, SectionSaysWhatItsBudgetCannotShow) {
  const StudyData study = MultiStepStudy();
  const ReportContext context(study, DefaultOptions());
  absl::StatusOr<Section> section = MultiStepSection(context);
  ASSERT_TRUE(section.ok()) << section.status();
  ASSERT_FALSE(section->blocks.empty());
  const std::string& text = section->blocks.front().text;
  EXPECT_NE(text.find("## 8. Multi-step training"), std::string::npos);
  EXPECT_NE(text.find("2000 steps with up to 2 seeds per model"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("cannot be told from seed noise"), std::string::npos);
  ASSERT_EQ(section->csv_files.size(), 1u);
  EXPECT_EQ(section->csv_files[0].name, "multi_step.csv");
}

TEST(MultiStepTest, SilentWhenTheSweepDoesNotVaryTheTargets) {
  absl::StatusOr<Section> section = MultiStepSection(SyntheticContext());
  ASSERT_TRUE(section.ok()) << section.status();
  EXPECT_TRUE(section->blocks.empty());
  EXPECT_TRUE(section->csv_files.empty());
  EXPECT_FALSE(ComputeMultiStep(SyntheticContext()).varies);
}

// A mode without an evaluated point is named, not dropped.
TEST(MultiStepTest, AModeWithOnlyFailedPointsIsNamed) {
  StudyData study;
  study.points.push_back(Point("neural_ode", kSingle, 0, 0.2));
  study.points.push_back(Point("neural_ode", kMulti, 0, 0.8, true));
  for (const StudyPoint& point : study.points) {
    *study.results.add_points() = point.point;
  }
  const ReportContext context(study, DefaultOptions());
  absl::StatusOr<Section> section = MultiStepSection(context);
  ASSERT_TRUE(section.ok()) << section.status();
  std::string text;
  for (const Block& block : section->blocks) text += block.text;
  EXPECT_NE(text.find("No model has evaluated points in both modes"),
            std::string::npos);
  EXPECT_NE(text.find("neural_ode (pendulum, 100 samples): single step 0 of "
                      "1 failed, every step to the jump 1 of 1 failed"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace aanet::reports
