#include "reports/study.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/synthetic_sweep.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string FreshDir(const std::string& name) {
  const fs::path dir = fs::path(std::getenv("TEST_TMPDIR")) / name;
  fs::remove_all(dir);
  return dir.string();
}

TEST(LoadSweepTest, ReadsEveryPointAndEvaluation) {
  const std::string dir = FreshDir("sweep");
  ASSERT_TRUE(WriteSyntheticSweep(dir).ok());
  absl::StatusOr<StudyData> study = LoadSweep(dir);
  ASSERT_TRUE(study.ok()) << study.status();
  EXPECT_EQ(study->sweep_dir, dir);
  EXPECT_EQ(study->results.name(), "synthetic");
  EXPECT_EQ(study->results.parallelism(), 2);
  // 2 models x 3 datasets x 3 sample counts x 2 seeds.
  ASSERT_EQ(study->points.size(), 36u);
  int done = 0, skipped = 0, failed = 0;
  for (const StudyPoint& p : study->points) {
    switch (p.point.status()) {
      case SweepPoint::DONE:
        ++done;
        break;
      case SweepPoint::SKIPPED:
        ++skipped;
        break;
      case SweepPoint::FAILED:
        ++failed;
        EXPECT_EQ(p.point.error(), kSyntheticError);
        break;
      default:
        ADD_FAILURE() << "unexpected status";
    }
    EXPECT_EQ(p.evaluation.has_value(), p.point.status() != SweepPoint::FAILED);
  }
  EXPECT_EQ(done, 29);
  EXPECT_EQ(skipped, 6);
  EXPECT_EQ(failed, 1);
  // Numbers survive the JSON round trip.
  const StudyPoint& first = study->points.front();
  ASSERT_TRUE(first.evaluation.has_value());
  EXPECT_EQ(first.evaluation->num_parameters(),
            SyntheticNumParameters(first.point.model()));
  EXPECT_FALSE(first.point.is_reference());
  ASSERT_EQ(first.evaluation->jumps_size(), 3);  // 1, 10, 50
  EXPECT_EQ(first.evaluation->jumps(1).jump(), 10);
  EXPECT_DOUBLE_EQ(first.evaluation->jumps(1).prediction_loss(),
                   SyntheticSeedFactor(first.point.seed()) *
                       SyntheticLoss(first.point.model(),
                                     SyntheticKPair(first.point.dataset()),
                                     first.point.num_train_samples(), 10));
}

TEST(LoadSweepTest, IgnoresUnknownFields) {
  const std::string dir = FreshDir("unknown_fields");
  ASSERT_TRUE(fs::create_directories(dir));
  std::ofstream(fs::path(dir) / kSweepResultsFile)
      << R"({"name": "x", "from_the_future": 3, "points": [{"model": "m",
            "status": "FAILED", "error": "boom", "seed": "7"}]})";
  absl::StatusOr<StudyData> study = LoadSweep(dir);
  ASSERT_TRUE(study.ok()) << study.status();
  ASSERT_EQ(study->points.size(), 1u);
  EXPECT_EQ(study->points[0].point.seed(), 7u);
  EXPECT_FALSE(study->points[0].evaluation.has_value());
}

TEST(LoadSweepTest, MissingResultsFileIsNamed) {
  const std::string dir = FreshDir("empty");
  ASSERT_TRUE(fs::create_directories(dir));
  absl::StatusOr<StudyData> study = LoadSweep(dir);
  ASSERT_FALSE(study.ok());
  EXPECT_THAT(std::string(study.status().message()),
              HasSubstr((fs::path(dir) / kSweepResultsFile).string()));
}

TEST(LoadSweepTest, MissingEvaluationFileIsNamed) {
  const std::string dir = FreshDir("missing_evaluation");
  ASSERT_TRUE(WriteSyntheticSweep(dir).ok());
  absl::StatusOr<StudyData> complete = LoadSweep(dir);
  ASSERT_TRUE(complete.ok()) << complete.status();
  const SweepPoint& victim = complete->points[5].point;
  ASSERT_EQ(victim.status(), SweepPoint::DONE);
  const std::string path = (fs::path(dir) / victim.evaluation_file()).string();
  ASSERT_TRUE(fs::remove(path));
  absl::StatusOr<StudyData> study = LoadSweep(dir);
  ASSERT_FALSE(study.ok());
  EXPECT_THAT(std::string(study.status().message()), HasSubstr(path));
  EXPECT_THAT(std::string(study.status().message()),
              HasSubstr(PointLabel(victim)));
}

TEST(LoadSweepTest, CorruptEvaluationFileIsNamed) {
  const std::string dir = FreshDir("corrupt_evaluation");
  ASSERT_TRUE(WriteSyntheticSweep(dir).ok());
  absl::StatusOr<StudyData> complete = LoadSweep(dir);
  ASSERT_TRUE(complete.ok()) << complete.status();
  const SweepPoint& victim = complete->points[0].point;
  const std::string path = (fs::path(dir) / victim.evaluation_file()).string();
  std::ofstream(path, std::ios::trunc) << "{\"jumps\": [ {\"jump\": ";
  absl::StatusOr<StudyData> study = LoadSweep(dir);
  ASSERT_FALSE(study.ok());
  EXPECT_THAT(std::string(study.status().message()), HasSubstr(path));
  EXPECT_THAT(std::string(study.status().message()),
              HasSubstr("not an evaluation report"));
}

TEST(LoadSweepTest, DonePointWithoutEvaluationFileIsAnError) {
  const std::string dir = FreshDir("no_evaluation_file");
  ASSERT_TRUE(fs::create_directories(dir));
  std::ofstream(fs::path(dir) / kSweepResultsFile)
      << R"({"points": [{"model": "m", "dataset": "d", "status": "DONE"}]})";
  absl::StatusOr<StudyData> study = LoadSweep(dir);
  ASSERT_FALSE(study.ok());
  EXPECT_THAT(std::string(study.status().message()),
              HasSubstr("has no evaluation_file"));
  EXPECT_THAT(std::string(study.status().message()), HasSubstr("m on d"));
}

TEST(PointLabelTest, NamesModelDatasetSamplesAndSeed) {
  SweepPoint point;
  point.set_model("neural_ode");
  point.set_dataset("harmonic_k_pair_0.1");
  point.set_num_train_samples(100);
  point.set_seed(3);
  EXPECT_EQ(PointLabel(point),
            "neural_ode on harmonic_k_pair_0.1, 100 samples, seed 3");
  EXPECT_EQ(StatusName(SweepPoint::SKIPPED), "SKIPPED");
}

}  // namespace
}  // namespace aanet::reports
