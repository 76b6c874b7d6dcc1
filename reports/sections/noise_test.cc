// Section 7 on a hand-made sweep: levels come from each point's config
// (never from its name), seeds are averaged per level, failed points are
// counted from their point.pbtxt and never averaged, and a sweep without
// noise has no section.
#include "reports/sections/noise.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "proto/evaluation.pb.h"
#include "proto/sweep.pb.h"
#include "reports/section.h"
#include "reports/sections/testing.h"
#include "reports/study.h"
#include "testing/test_util.h"

namespace aanet::reports {
namespace {

std::string Config(const std::string& name, const std::string& noise) {
  return absl::StrCat("# header comment\nname: \"", name,
                      "\"\ntraining { num_steps: 2000 seed: 1 ", noise, " }\n");
}

// A DONE point whose losses at jumps 1 and 10 are `loss` and 10 * `loss`.
StudyPoint Done(const std::string& point_model, const std::string& config,
                uint64_t seed, double loss) {
  StudyPoint p;
  p.point.set_model(point_model);
  p.point.set_dataset("pendulum");
  p.point.set_num_train_samples(100);
  p.point.set_num_steps(2000);
  p.point.set_seed(seed);
  p.point.set_status(SweepPoint::DONE);
  EvaluationReport evaluation;
  evaluation.set_config_text(config);
  for (int jump : {1, 2, 10}) {
    JumpMetrics* metrics = evaluation.add_jumps();
    metrics->set_jump(jump);
    metrics->set_prediction_loss(123);  // the published unit: not shown
    metrics->set_prediction_loss_test_scaled(jump == 10 ? 10 * loss : loss);
    metrics->set_train_mean_loss_test_scaled(2.0);
  }
  p.evaluation = evaluation;
  return p;
}

class NoiseSectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    study_.sweep_dir = test_util::FreshDir("noise_sweep");
    const std::string published =
        "noise { model: PUBLISHED_INPUT_NOISE std: 0.1 }";
    // The point names disagree with the configs on purpose.
    study_.points.push_back(Done("aa@std=5", Config("aa", published), 0, 1.0));
    study_.points.push_back(Done("aa@std=5", Config("aa", published), 1, 3.0));
    study_.points.push_back(Done("aa@std=0",
                                 Config("aa",
                                        "noise { model: PUBLISHED_INPUT_NOISE "
                                        "std: 0 }"),
                                 0, 0.5));
    study_.points.push_back(Done(
        "aa_obs",
        Config("aa", "noise { model: OBSERVATION type: RANDOM_WALK std: 1 }"),
        0, 2.5));
    study_.points.push_back(Done("node", Config("node", ""), 0, 0.2));
    // A failed point: no evaluation, its config in point.pbtxt.
    StudyPoint failed;
    failed.point.set_model("aa@std=0.1-failed");
    failed.point.set_dataset("pendulum");
    failed.point.set_num_train_samples(100);
    failed.point.set_num_steps(2000);
    failed.point.set_seed(2);
    failed.point.set_status(SweepPoint::FAILED);
    failed.point.set_directory("points/failed");
    std::filesystem::create_directories(study_.sweep_dir + "/points/failed");
    PointSpec spec;
    spec.set_experiment_text(Config("aa", published));
    std::ofstream(study_.sweep_dir + "/points/failed/point.pbtxt")
        << spec.DebugString();
    study_.points.push_back(failed);
    for (const StudyPoint& p : study_.points) {
      *study_.results.add_points() = p.point;
    }
  }

  StudyData study_;
};

TEST_F(NoiseSectionTest, LevelsComeFromTheConfigsAndFailuresAreCounted) {
  const ReportContext context(study_, DefaultOptions());
  const NoiseStudy noise = ComputeNoiseStudy(context);
  ASSERT_EQ(noise.curves.size(), 3u);
  const NoiseCurve& published = noise.curves[0];
  EXPECT_EQ(published.model, "aa");
  EXPECT_EQ(published.noise_model, NoiseConfig::PUBLISHED_INPUT_NOISE);
  ASSERT_EQ(published.levels.size(), 2u);
  EXPECT_EQ(published.levels[0].std, 0);
  EXPECT_EQ(published.levels[0].evaluated, 1);
  EXPECT_EQ(published.levels[0].losses[0].mean, 0.5);
  const NoiseLevel& level = published.levels[1];
  EXPECT_EQ(level.std, 0.1);
  EXPECT_EQ(level.evaluated, 2);
  EXPECT_EQ(level.failed, 1);
  EXPECT_EQ(level.losses[0].count, 2);
  EXPECT_DOUBLE_EQ(level.losses[0].mean, 2.0);
  EXPECT_DOUBLE_EQ(level.losses[0].std, std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(level.losses[1].mean, 20.0);
  EXPECT_EQ(level.train_mean[0].mean, 2.0);

  const NoiseCurve& observation = noise.curves[1];
  EXPECT_EQ(observation.noise_model, NoiseConfig::OBSERVATION);
  EXPECT_EQ(observation.noise_type, NoiseConfig::RANDOM_WALK);
  ASSERT_EQ(observation.levels.size(), 1u);
  EXPECT_EQ(observation.levels[0].std, 1);
  const NoiseCurve& clean = noise.curves[2];
  EXPECT_EQ(clean.model, "node");
  EXPECT_EQ(clean.noise_model, NoiseConfig::NO_NOISE);
  EXPECT_EQ(noise.steps, (std::vector<int>{2000}));
  EXPECT_EQ(noise.max_seeds, 2);

  const Table table = NoiseTable(noise);
  ASSERT_EQ(table.rows.size(), 4u);
  EXPECT_EQ(table.rows[1],
            (std::vector<std::string>{
                "aa", "pendulum, 100 samples", "published input, uncorrelated",
                "0.1", "2", "**1**", "2 ± 1.414", "20 ± 14.14", "2"}));
  EXPECT_EQ(table.rows[2][2], "observation, random walk");
  EXPECT_EQ(table.rows[3][2], "none");

  const Figure figure = NoiseFigure(noise);
  ASSERT_EQ(figure.panels.size(), 2u);
  EXPECT_EQ(figure.panels[0].series.size(), 3u);
  // The clean level sits a decade below the smallest positive one.
  EXPECT_EQ(figure.panels[0].commands[0], "set xtics add (\"0\" 0.01)");

  absl::StatusOr<Section> section = NoiseSection(context);
  ASSERT_TRUE(section.ok()) << section.status();
  ASSERT_FALSE(section->blocks.empty());
  EXPECT_TRUE(absl::StrContains(section->blocks[0].text, "## 7. Noise"));
  EXPECT_TRUE(absl::StrContains(section->blocks[0].text,
                                "2000 training steps, 2 seeds per level"));
  ASSERT_EQ(section->csv_files.size(), 1u);
  EXPECT_EQ(section->csv_files[0].name, "noise.csv");
}

// One seed: the text says that no spread is measured.
TEST_F(NoiseSectionTest, OneSeedSaysWhatItCannotShow) {
  study_.points.erase(study_.points.begin() + 1);
  const ReportContext context(study_, DefaultOptions());
  absl::StatusOr<Section> section = NoiseSection(context);
  ASSERT_TRUE(section.ok()) << section.status();
  ASSERT_FALSE(section->blocks.empty());
  EXPECT_TRUE(absl::StrContains(section->blocks[0].text,
                                "with one seed no spread is measured"));
}

// A failed point whose config cannot be read is named, not guessed.
TEST_F(NoiseSectionTest, UnreadableFailedPointsAreNamed) {
  std::filesystem::remove(study_.sweep_dir + "/points/failed/point.pbtxt");
  const ReportContext context(study_, DefaultOptions());
  const NoiseStudy noise = ComputeNoiseStudy(context);
  EXPECT_EQ(noise.unreadable, 1);
  EXPECT_EQ(noise.curves[0].levels[1].failed, 0);
  absl::StatusOr<Section> section = NoiseSection(context);
  ASSERT_TRUE(section.ok());
  EXPECT_TRUE(
      absl::StrContains(section->blocks[1].text, "1 failed point(s) left out"));
}

TEST(NoiseSectionNoNoiseTest, NoSectionWithoutNoise) {
  absl::StatusOr<Section> section = NoiseSection(SyntheticContext());
  ASSERT_TRUE(section.ok()) << section.status();
  EXPECT_TRUE(section->blocks.empty());
  EXPECT_TRUE(section->csv_files.empty());
}

}  // namespace
}  // namespace aanet::reports
