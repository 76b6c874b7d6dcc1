#include "train/run_setup.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "models/checkpoint.h"

namespace aanet::train {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

constexpr char kConfig[] = R"pb(
  name: "t"
  training { num_steps: 100 batch_size: 10 }
)pb";

class RunSetupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(root_);
    fs::create_directories(root_ + "/run");
    config_ = root_ + "/model.pbtxt";
    std::ofstream(config_) << kConfig;
    // The default dataset, written where a run's checkpoint records it.
    absl::StatusOr<ExperimentConfig> data =
        ReadExperimentConfig("configs/harmonic/default.pbtxt");
    ASSERT_TRUE(data.ok());
    absl::StatusOr<data_gen::Dataset> dataset =
        data_gen::GenerateDataset(data->experiment, data->text);
    ASSERT_TRUE(dataset.ok());
    dataset_ = root_ + "/data.h5";
    ASSERT_TRUE(data_gen::WriteDataset(*dataset, dataset_).ok());
  }

  // A run directory holding a checkpoint of `config_text`.
  void WriteRun(const std::string& config_text) {
    Checkpoint c;
    c.model_kind = "x";
    c.config_text = config_text;
    c.dataset_path = dataset_;
    c.num_degrees_of_freedom = 1;
    c.parameters = {{"w", Eigen::MatrixXd::Ones(1, 1)}};
    c.scaler_mean = Eigen::RowVectorXd::Zero(2);
    c.scaler_scale = Eigen::RowVectorXd::Ones(2);
    ASSERT_TRUE(WriteCheckpoint(c, root_ + "/run/checkpoint.h5").ok());
    std::ofstream(root_ + "/run/config.pbtxt") << config_text;
  }

  std::string Error(const RunFlags& flags) {
    absl::StatusOr<RunSetup> setup = SetUpRun(flags);
    EXPECT_FALSE(setup.ok());
    return std::string(setup.status().message());
  }

  std::string root_, config_, dataset_;
};

TEST_F(RunSetupTest, NewRunNeedsConfigAndDatasetAndAFreeDirectory) {
  RunFlags flags;
  flags.out = root_ + "/run";
  EXPECT_THAT(Error(flags), HasSubstr("--config is required"));
  flags.config = config_;
  EXPECT_THAT(Error(flags), HasSubstr("--dataset is required"));
  flags.dataset = dataset_;
  flags.overrides = {"training.batch_size=5"};
  absl::StatusOr<RunSetup> setup = SetUpRun(flags);
  ASSERT_TRUE(setup.ok()) << setup.status();
  // Later calls in this process lock the same directory again.
  setup->lock.reset();
  EXPECT_FALSE(setup->resume);
  EXPECT_EQ(setup->config.experiment.training().batch_size(), 5);
  WriteRun(kConfig);
  EXPECT_THAT(Error(flags), HasSubstr("already holds a run (checkpoint.h5); "
                                      "pass --resume to continue it, "
                                      "--extend_to=N to train it further"));
}

// The run directory is locked before anything in it is looked at, so a
// second writer hears who holds it, not "already holds a run".
TEST_F(RunSetupTest, AnExistingRunDirectoryIsLockedFirst) {
  WriteRun(kConfig);
  RunFlags flags;
  flags.out = root_ + "/run";
  flags.resume = true;
  absl::StatusOr<RunSetup> first = SetUpRun(flags);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->lock.has_value());
  flags.resume = false;
  flags.config = config_;
  flags.dataset = dataset_;
  EXPECT_THAT(Error(flags), HasSubstr("in use by"));
  first->lock.reset();
  EXPECT_THAT(Error(flags), HasSubstr("already holds a run"));
}

TEST_F(RunSetupTest, ResumeTakesTheRunsConfigAndDataset) {
  WriteRun(kConfig);
  RunFlags flags;
  flags.resume = true;
  EXPECT_EQ(Error(flags), "--resume needs --out=RUN_DIR (or --config)");
  flags.out = root_ + "/run";
  absl::StatusOr<RunSetup> setup = SetUpRun(flags);
  ASSERT_TRUE(setup.ok()) << setup.status();
  // Later calls in this process lock the same directory again.
  setup->lock.reset();
  EXPECT_TRUE(setup->resume);
  EXPECT_EQ(setup->config.text, kConfig);
  EXPECT_EQ(setup->config_source, root_ + "/run/config.pbtxt");
  EXPECT_EQ(setup->dataset_path, dataset_);
  EXPECT_EQ(setup->dataset.num_degrees_of_freedom(), 2);

  fs::remove(dataset_);
  EXPECT_THAT(Error(flags), HasSubstr("(the dataset " + root_ +
                                      "/run/checkpoint.h5 records; pass "
                                      "--dataset)"));
  flags.out = root_ + "/empty";
  EXPECT_EQ(Error(flags), "--resume: " + root_ +
                              "/empty: holds no run to continue (no "
                              "checkpoint.h5)");
}

TEST_F(RunSetupTest, ExtendRaisesNumStepsAndFixesTheRamp) {
  WriteRun(kConfig);
  RunFlags flags;
  flags.out = root_ + "/run";
  flags.extend_to = 250;
  absl::StatusOr<RunSetup> setup = SetUpRun(flags);
  ASSERT_TRUE(setup.ok()) << setup.status();
  // Later calls in this process lock the same directory again.
  setup->lock.reset();
  EXPECT_TRUE(setup->resume);
  EXPECT_EQ(setup->config.experiment.training().num_steps(), 250);
  EXPECT_EQ(setup->config.experiment.training().jump_ramp_steps(), 100);
  EXPECT_THAT(setup->config.text,
              HasSubstr("with --set=training.num_steps=250 "
                        "--set=training.jump_ramp_steps=100\n"));
  flags.extend_to = 100;  // the current num_steps: the run's own config
  setup = SetUpRun(flags);
  ASSERT_TRUE(setup.ok()) << setup.status();
  // Later calls in this process lock the same directory again.
  setup->lock.reset();
  EXPECT_EQ(setup->config.text, kConfig);
  flags.extend_to = 50;
  EXPECT_EQ(Error(flags),
            "--extend_to: cannot extend to 50 steps: the run already has "
            "training.num_steps = 100");
}

TEST_F(RunSetupTest, InitFromIsANewRunRecordedInTheConfig) {
  RunFlags flags;
  flags.config = config_;
  flags.dataset = dataset_;
  flags.out = root_ + "/warm";
  flags.init_from = root_ + "/run/best.h5";
  absl::StatusOr<RunSetup> setup = SetUpRun(flags);
  ASSERT_TRUE(setup.ok()) << setup.status();
  // Later calls in this process lock the same directory again.
  setup->lock.reset();
  EXPECT_EQ(setup->config.experiment.training().init_from(),
            root_ + "/run/best.h5");
  EXPECT_THAT(setup->config.text, HasSubstr("init_from: \""));
  flags.resume = true;
  EXPECT_EQ(Error(flags),
            "--init_from starts a new run; it cannot be combined with "
            "--resume");
}

// Issue 18: a new run's outputs were written over its inputs and through
// links. Refused before training starts; the inputs stay as they were.
TEST_F(RunSetupTest, OutputsAreNeitherInputsNorLinks) {
  RunFlags flags;
  flags.config = config_;
  flags.dataset = dataset_;
  flags.out = root_ + "/run";
  const std::string best = root_ + "/run/best.h5";
  fs::copy_file(dataset_, best);
  flags.init_from = best;
  EXPECT_EQ(Error(flags), best + ": is the input " + best +
                              "; refusing to overwrite it, choose another "
                              "output path");
  flags.init_from.clear();
  flags.dataset = root_ + "/run/./best.h5";
  EXPECT_THAT(Error(flags), HasSubstr(": is the input "));
  flags.dataset = dataset_;
  fs::copy_file(config_, root_ + "/run/config.pbtxt");
  flags.config = root_ + "/run/config.pbtxt";
  EXPECT_THAT(Error(flags), HasSubstr("config.pbtxt: is the input "));
  flags.config = config_;
  fs::remove(best);
  fs::create_symlink(dataset_, root_ + "/run/metrics.jsonl");
  EXPECT_EQ(Error(flags), root_ +
                              "/run/metrics.jsonl: is a symbolic link, not a "
                              "regular file; refusing to replace it, choose "
                              "another output path");
  fs::remove(root_ + "/run/metrics.jsonl");
  EXPECT_TRUE(SetUpRun(flags).ok());
}

}  // namespace
}  // namespace aanet::train
