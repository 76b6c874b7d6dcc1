#include "proto/text_config.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aanet {
namespace {

using ::testing::HasSubstr;

std::string WriteTemp(const std::string& name, const std::string& contents) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << contents;
  return path;
}

TEST(TextConfigTest, ParsesValidExperiment) {
  const std::string path = WriteTemp("ok.pbtxt", R"pb(
    name: "demo"
    simulation {
      harmonic { num_particles: 2 k_pair: 0.5 }
      num_samples: 10
    }
  )pb");
  absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->experiment.name(), "demo");
  EXPECT_EQ(config->experiment.simulation().harmonic().num_particles(), 2);
  EXPECT_TRUE(config->experiment.simulation().harmonic().has_k_pair());
  EXPECT_FALSE(config->experiment.simulation().has_time_step());
  EXPECT_THAT(config->text, HasSubstr("num_samples: 10"));
  EXPECT_EQ(config->path, path);
}

TEST(TextConfigTest, MissingFileNamesPath) {
  absl::StatusOr<ExperimentConfig> config =
      ReadExperimentConfig("/nonexistent/dir/x.pbtxt");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("/nonexistent/dir/x.pbtxt"));
}

TEST(TextConfigTest, DirectoryIsRejected) {
  absl::StatusOr<ExperimentConfig> config =
      ReadExperimentConfig(std::getenv("TEST_TMPDIR"));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("is a directory"));
}

TEST(TextConfigTest, UnknownFieldGivesLineAndColumn) {
  const std::string path = WriteTemp("unknown.pbtxt",
                                     "name: \"x\"\n"
                                     "simulation {\n"
                                     "  num_sample: 10\n"
                                     "}\n");
  absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr(path + ":3:"));
  EXPECT_THAT(config.status().message(), HasSubstr("num_sample"));
}

TEST(TextConfigTest, WrongTypeGivesLineAndColumn) {
  const std::string path = WriteTemp("type.pbtxt",
                                     "simulation {\n"
                                     "  num_samples: \"many\"\n"
                                     "}\n");
  absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr(path + ":2:"));
  EXPECT_THAT(config.status().message(), HasSubstr("integer"));
}

TEST(TextConfigTest, OutOfRangeIntegerIsRejected) {
  const std::string path =
      WriteTemp("range.pbtxt", "simulation { num_samples: 99999999999 }\n");
  absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr(path + ":1:"));
}

TEST(TextConfigTest, SyntaxErrorGivesLine) {
  const std::string path = WriteTemp(
      "syntax.pbtxt", "name: \"x\"\nsimulation {\n  num_samples: 3\n");
  absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr(path + ":"));
}

}  // namespace
}  // namespace aanet

namespace aanet {
namespace {

TEST(TextConfigTest, OverridesGiveTheEffectiveConfigAndItsText) {
  const std::string path = WriteTemp("over.pbtxt", R"pb(
    name: "demo"  # a comment
    training { num_steps: 10 batch_size: 100 }
  )pb");
  absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(
      path, {"training.num_steps=5000", "training.batch_size=50"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->experiment.training().num_steps(), 5000);
  EXPECT_EQ(config->experiment.training().batch_size(), 50);
  EXPECT_THAT(config->text,
              HasSubstr(path + " with --set=training.num_steps=5000 "
                               "--set=training.batch_size=50\n"));
  Experiment reparsed;
  ASSERT_TRUE(ParseTextProto(config->text, "text", &reparsed).ok());
  EXPECT_EQ(reparsed.SerializeAsString(),
            config->experiment.SerializeAsString());
  // Without overrides the text is the file's, comments and all.
  absl::StatusOr<ExperimentConfig> plain = ReadExperimentConfig(path, {});
  ASSERT_TRUE(plain.ok());
  EXPECT_THAT(plain->text, HasSubstr("# a comment"));
}

TEST(TextConfigTest, OverrideErrorsNameTheFlagAndField) {
  const std::string path = WriteTemp("over2.pbtxt", "name: \"x\"\n");
  absl::StatusOr<ExperimentConfig> config =
      ReadExperimentConfig(path, {"training.batch_size=big"});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            "--set=training.batch_size=big: training.batch_size: expected an "
            "int32, got 'big'");
}

}  // namespace
}  // namespace aanet
