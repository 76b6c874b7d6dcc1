#include "reports/sections/training_length.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "proto/sweep.pb.h"
#include "reports/study.h"
#include "testing/test_util.h"
#include "train/jump_schedule.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// The vertical line is the default study's budget: every equal-step model
// of configs/sweeps/quick.pbtxt trains kDefaultStudySteps.
TEST(DefaultStudyStepsTest, IsTheQuickSweepsBudget) {
  std::ifstream in("configs/sweeps/quick.pbtxt");
  ASSERT_TRUE(in);
  std::stringstream text;
  text << in.rdbuf();
  SweepConfig config;
  ASSERT_TRUE(
      google::protobuf::TextFormat::ParseFromString(text.str(), &config));
  int equal_steps = 0;
  for (const SweepModel& model : config.models()) {
    if (model.protocol() != EQUAL_STEPS) continue;
    ++equal_steps;
    EXPECT_EQ(model.num_steps(), kDefaultStudySteps) << model.config();
  }
  EXPECT_GT(equal_steps, 0);
}

// Long runs of known curves: action_angle_flow 20,000 steps with seeds 0
// and 1 (seed 0 shown), euler_update_flow without a log, and a
// 2,000-step neural_ode, which is no long run.
class TrainingLengthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    study_.sweep_dir = test_util::FreshDir("training_length_sweep");
    Add("action_angle_flow", 0, 20000,
        "{\"step\": 1000, \"test_loss\": {\"1\": 0.5, \"10\": 5}}\n"
        "{\"step\": 2000, \"test_loss\": {\"1\": 0.2, \"10\": 4}}\n"
        "{\"step\": 3000, \"test_loss\": {\"1\": 0.01, \"10\": 3}}\n"
        "{\"step\": 20000, \"test_loss\": {\"1\": 0.02, \"10\": 1}}\n");
    Add("action_angle_flow", 1, 20000,
        "{\"step\": 20000, \"test_loss\": {\"1\": 7, \"10\": 7}}\n");
    Add("euler_update_flow", 0, 20000, "");
    Add("neural_ode", 0, 2000,
        "{\"step\": 2000, \"test_loss\": {\"1\": 0.1, \"10\": 1}}\n");
  }

  void Add(const std::string& model, int seed, int64_t steps,
           const std::string& metrics) {
    StudyPoint p;
    p.point.set_model(model);
    p.point.set_model_kind(model);
    p.point.set_dataset("harmonic_k_pair_0.5");
    p.point.set_num_train_samples(100);
    p.point.set_seed(seed);
    p.point.set_num_steps(steps);
    p.point.set_is_reference(true);
    p.point.set_status(SweepPoint::DONE);
    p.point.set_directory(absl::StrCat(model, "/seed_", seed));
    EvaluationReport e;
    e.set_model_kind(model);
    e.set_config_text("training { max_jump: 10 jump_schedule: LINEAR }");
    p.evaluation = e;
    const fs::path dir = fs::path(study_.sweep_dir) / p.point.directory();
    fs::create_directories(dir);
    if (!metrics.empty()) {
      test_util::WriteAll((dir / "metrics.jsonl").string(), metrics);
    }
    study_.points.push_back(std::move(p));
    *study_.results.add_points() = study_.points.back().point;
  }

  StudyData study_;
  ReportOptions options_;
};

TEST_F(TrainingLengthTest, OneRunPerModelReadAlongTheWay) {
  const ReportContext context(study_, options_);
  const std::vector<LongRun> runs = ComputeTrainingLength(context);
  ASSERT_EQ(runs.size(), 2u);
  const LongRun& aa = runs[0];
  EXPECT_EQ(aa.point->point.model(), "action_angle_flow");
  EXPECT_EQ(aa.point->point.seed(), 0u);
  ASSERT_TRUE(aa.curve.ok()) << aa.curve.status();
  EXPECT_EQ(aa.loss_at_default.at(1), 0.2);
  EXPECT_EQ(aa.loss_at_end.at(1), 0.02);
  EXPECT_EQ(aa.lowest_loss.at(1), 0.01);
  EXPECT_EQ(aa.lowest_step.at(1), 3000);
  EXPECT_EQ(aa.loss_at_end.at(10), 1);
  // Ramped over all 20,000 steps: by step 2,000 only jumps up to 2.
  EXPECT_EQ(aa.max_jump_at_default, 2);
  EXPECT_EQ(aa.max_jump, 10);
  EXPECT_EQ(aa.ramp_end_step, train::RampEndStep(LINEAR, 20000, 10));
  EXPECT_EQ(runs[1].point->point.model(), "euler_update_flow");
  EXPECT_FALSE(runs[1].curve.ok());

  const Table table = TrainingLengthMarkdown(runs);
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.rows[0][5], "2 of 10");
  EXPECT_EQ(table.header[7], "loss @1 at 2000");
  EXPECT_EQ(table.rows[0][7], "0.2");
  EXPECT_EQ(table.rows[0][8], "0.02");
  EXPECT_EQ(table.rows[0][9], "0.01 (3000)");
  EXPECT_THAT(table.rows[1][4], HasSubstr("no training log"));
  EXPECT_EQ(TrainingLengthCsv(runs).rows.size(), 8u);
}

TEST_F(TrainingLengthTest, FigureIsLogLogWithTheDefaultBudgetMarked) {
  const ReportContext context(study_, options_);
  const Figure figure = TrainingLengthFigure(ComputeTrainingLength(context));
  ASSERT_EQ(figure.panels.size(), 2u);  // jumps 1 and 10, one dataset
  for (const PlotPanel& panel : figure.panels) {
    EXPECT_TRUE(panel.log_x);
    EXPECT_TRUE(panel.log_y);
    ASSERT_EQ(panel.series.size(), 1u);
    EXPECT_EQ(panel.series[0].title, "action_angle_flow");
    EXPECT_THAT(panel.commands[1],
                HasSubstr("set arrow from first 2000, graph 0 to first 2000"));
  }
}

TEST_F(TrainingLengthTest, SectionSaysWhichRunItShowsAndWhatItCannotShow) {
  const ReportContext context(study_, options_);
  absl::StatusOr<Section> section = TrainingLengthSection(context);
  ASSERT_TRUE(section.ok()) << section.status();
  ASSERT_FALSE(section->blocks.empty());
  const std::string& text = section->blocks[0].text;
  EXPECT_THAT(text, HasSubstr("## 10. Training length"));
  EXPECT_THAT(text, HasSubstr("one long run per model and dataset"));
  EXPECT_THAT(text, HasSubstr("read mid-curriculum, not from shorter runs"));
  EXPECT_THAT(text, HasSubstr("one seed per run"));
  // The run without a log is named under the figure.
  EXPECT_THAT(section->blocks.back().text,
              HasSubstr("euler_update_flow on harmonic_k_pair_0.5"));
}

TEST_F(TrainingLengthTest, NoSectionWithoutLongRuns) {
  study_.points.erase(study_.points.begin(), study_.points.begin() + 3);
  const ReportContext context(study_, options_);
  absl::StatusOr<Section> section = TrainingLengthSection(context);
  ASSERT_TRUE(section.ok());
  EXPECT_TRUE(section->blocks.empty());
}

}  // namespace
}  // namespace aanet::reports
