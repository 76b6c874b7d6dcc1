#include "train/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "models/checkpoint.h"
#include "proto/text_config.h"

namespace aanet::train {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// A small Action-Angle Network on the default dataset: 300 steps, checkpoints
// every 100.
constexpr char kConfig[] = R"pb(
  name: "small"
  model {
    action_angle {
      encoder {
        flow {
          num_layers: 6
          hidden_width: 16
          activation: "sigmoid"
          conditioner: GATED
          weight_init_stddev: 0.01
        }
      }
      angular_velocity_net { hidden_widths: 16 activation: "sigmoid" }
    }
  }
  training {
    num_steps: 300
    batch_size: 50
    learning_rate: 1e-2
    train_split_proportion: 0.1
    num_test_samples: 500
    max_jump: 10
    action_variance_weight: 1.0
    eval_every: 50
    test_jumps: [ 1, 5 ]
    checkpoint_every: 100
    seed: 3
  }
)pb";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class TrainerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<ExperimentConfig> data =
        ReadExperimentConfig("configs/harmonic/default.pbtxt");
    ASSERT_TRUE(data.ok()) << data.status();
    dataset_ = new data_gen::Dataset(
        *data_gen::GenerateDataset(data->experiment, data->text));
  }
  static void TearDownTestSuite() { delete dataset_; }

  std::unique_ptr<Trainer> MakeTrainer(const std::string& run_dir,
                                       const std::string& text = kConfig) {
    Experiment experiment;
    EXPECT_TRUE(ParseTextProto(text, "test", &experiment).ok());
    absl::StatusOr<std::unique_ptr<Trainer>> trainer =
        Trainer::Create(experiment, text, *dataset_, "default.h5", run_dir);
    EXPECT_TRUE(trainer.ok()) << trainer.status();
    return trainer.ok() ? *std::move(trainer) : nullptr;
  }

  std::string RunDir(const std::string& name) {
    const std::string dir =
        std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
    fs::remove_all(dir);
    return dir;
  }

  static data_gen::Dataset* dataset_;
};

data_gen::Dataset* TrainerTest::dataset_ = nullptr;

TEST_F(TrainerTest, TrainingReducesTheLossAndWritesTheRun) {
  const std::string dir = RunDir("reduce");
  // A log left by an earlier run that died before its first checkpoint.
  fs::create_directories(dir);
  std::ofstream(dir + "/metrics.jsonl") << "{\"step\": 50, \"stale\": 1}\n";
  std::unique_ptr<Trainer> trainer = MakeTrainer(dir);
  const Evaluation before = trainer->Evaluate(1);
  int calls = 0;
  ASSERT_TRUE(trainer->Run([&](const ProgressInfo&) { ++calls; }).ok());
  EXPECT_EQ(calls, 300);
  ASSERT_EQ(trainer->evaluations().size(), 6u);
  const Evaluation& last = trainer->evaluations().back();
  EXPECT_EQ(last.step, 300);
  EXPECT_LT(last.best_loss, 0.7 * before.train_loss);
  EXPECT_LT(last.test_losses.at(1), 0.7 * before.test_losses.at(1));
  for (const char* file :
       {"checkpoint.h5", "best.h5", "metrics.jsonl", "config.pbtxt"}) {
    EXPECT_TRUE(fs::exists(fs::path(dir) / file)) << file;
  }
  EXPECT_EQ(ReadAll(dir + "/config.pbtxt"), kConfig);
  const std::string metrics = ReadAll(dir + "/metrics.jsonl");
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 6);
  EXPECT_EQ(metrics.find("stale"), std::string::npos);
  absl::StatusOr<Checkpoint> best = ReadCheckpoint(dir + "/best.h5");
  ASSERT_TRUE(best.ok()) << best.status();
  EXPECT_EQ(best->step, last.best_step);
  EXPECT_FALSE(best->training.has_value());
  absl::StatusOr<Checkpoint> latest = ReadCheckpoint(dir + "/checkpoint.h5");
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->step, 300);
  EXPECT_EQ(latest->config_text, kConfig);
  ASSERT_TRUE(latest->training.has_value());
  // The training dataset's identity, for eval to check.
  EXPECT_EQ(latest->dataset_config_text, dataset_->config_text);
  EXPECT_EQ(latest->dataset_hash, data_gen::DatasetHash(*dataset_));
  EXPECT_EQ(best->dataset_hash, latest->dataset_hash);
}

TEST_F(TrainerTest, SameSeedSameNumbers) {
  std::unique_ptr<Trainer> a = MakeTrainer(RunDir("seed_a"));
  std::unique_ptr<Trainer> b = MakeTrainer(RunDir("seed_b"));
  ASSERT_TRUE(a->Run(nullptr, 120).ok());
  ASSERT_TRUE(b->Run(nullptr, 120).ok());
  EXPECT_EQ(a->model().parameters().Flatten(),
            b->model().parameters().Flatten());
}

TEST_F(TrainerTest, ResumedRunMatchesUninterruptedRunBitForBit) {
  const std::string full_dir = RunDir("full");
  std::unique_ptr<Trainer> full = MakeTrainer(full_dir);
  ASSERT_TRUE(full->Run(nullptr).ok());

  // Interrupted after 250 steps: the last checkpoint is at step 200, and the
  // log already holds evaluations up to 250.
  const std::string dir = RunDir("interrupted");
  ASSERT_TRUE(MakeTrainer(dir)->Run(nullptr, 250).ok());
  std::unique_ptr<Trainer> resumed = MakeTrainer(dir);
  ASSERT_TRUE(resumed->Resume().ok());
  EXPECT_EQ(resumed->step(), 200);
  ASSERT_TRUE(resumed->Run(nullptr).ok());

  EXPECT_EQ(resumed->model().parameters().Flatten(),
            full->model().parameters().Flatten());
  EXPECT_EQ(ReadAll(dir + "/metrics.jsonl"),
            ReadAll(full_dir + "/metrics.jsonl"));
  absl::StatusOr<Checkpoint> best = ReadCheckpoint(dir + "/best.h5");
  absl::StatusOr<Checkpoint> full_best = ReadCheckpoint(full_dir + "/best.h5");
  ASSERT_TRUE(best.ok() && full_best.ok());
  EXPECT_EQ(best->step, full_best->step);
  ASSERT_EQ(best->parameters.size(), full_best->parameters.size());
  for (size_t i = 0; i < best->parameters.size(); ++i) {
    EXPECT_EQ(best->parameters[i].value, full_best->parameters[i].value);
  }
}

TEST_F(TrainerTest, ResumeRejectsADifferentConfig) {
  const std::string dir = RunDir("different");
  ASSERT_TRUE(MakeTrainer(dir)->Run(nullptr, 100).ok());
  std::string other = kConfig;
  other.replace(other.find("seed: 3"), 7, "seed: 4");
  absl::Status status = MakeTrainer(dir, other)->Resume();
  EXPECT_THAT(status.message(), HasSubstr("different config"));
}

TEST_F(TrainerTest, NonFiniteLossStopsWithTheStepAndKeepsTheBestState) {
  const std::string dir = RunDir("nan");
  std::unique_ptr<Trainer> trainer = MakeTrainer(dir);
  ASSERT_TRUE(trainer->Run(nullptr, 100).ok());
  // Break one parameter: the next loss is NaN.
  trainer->mutable_model().parameters().value(0)(0, 0) = std::nan("");
  absl::Status status = trainer->Run(nullptr);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("diverged at step 101"));
  EXPECT_THAT(status.message(), HasSubstr("best.h5 keeps the best state"));
  EXPECT_THAT(status.message(), HasSubstr("checkpoint.h5 the last checkpoint"));
  absl::StatusOr<Checkpoint> best = ReadCheckpoint(dir + "/best.h5");
  ASSERT_TRUE(best.ok()) << best.status();
  EXPECT_LE(best->step, 100);
  absl::StatusOr<Checkpoint> latest = ReadCheckpoint(dir + "/checkpoint.h5");
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->step, 100);
}

TEST_F(TrainerTest, ResumeDropsACutOffLastMetricsLine) {
  const std::string dir = RunDir("cut_off");
  ASSERT_TRUE(MakeTrainer(dir)->Run(nullptr, 100).ok());
  // A crash while appending the evaluation of step 150 cut its line off.
  const std::string complete = ReadAll(dir + "/metrics.jsonl");
  std::ofstream(dir + "/metrics.jsonl", std::ios::app)
      << "{\"step\": 150, \"jump\": 2, \"train_loss\": 0.12";
  std::unique_ptr<Trainer> resumed = MakeTrainer(dir);
  ASSERT_TRUE(resumed->Resume().ok());
  EXPECT_EQ(ReadAll(dir + "/metrics.jsonl"), complete);
  // A malformed line before the last is still an error.
  std::ofstream(dir + "/metrics.jsonl") << "garbage\n" << complete;
  resumed.reset();
  EXPECT_THAT(MakeTrainer(dir)->Resume().message(),
              HasSubstr("malformed line: garbage"));
}

TEST(IsCompleteJsonObjectLineTest, TellsWholeLinesFromCutOnes) {
  const std::string line =
      "{\"step\": 50, \"test_loss\": {\"1\": NaN}, \"best_loss\": 1}";
  EXPECT_TRUE(IsCompleteJsonObjectLine(line));
  for (size_t cut = 0; cut < line.size(); ++cut) {
    EXPECT_FALSE(IsCompleteJsonObjectLine(line.substr(0, cut))) << cut;
  }
  EXPECT_FALSE(IsCompleteJsonObjectLine("{\"a\": \"}\"}}"));
  EXPECT_FALSE(IsCompleteJsonObjectLine("{\"a\": 1}{\"b\": 2}"));
}

// One trainer per run directory at a time; the lock goes with the trainer.
TEST_F(TrainerTest, SecondTrainerOnALockedRunDirectoryIsRefused) {
  const std::string dir = RunDir("locked");
  std::unique_ptr<Trainer> first = MakeTrainer(dir);
  ASSERT_TRUE(first->LockRunDirectory().ok());
  std::ofstream(dir + "/checkpoint.h5.tmp-4242") << "left by a killed run";
  std::unique_ptr<Trainer> second = MakeTrainer(dir);
  absl::Status status = second->Run(nullptr, 10);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("in use by"));
  EXPECT_FALSE(fs::exists(dir + "/config.pbtxt"));
  EXPECT_EQ(second->Resume().code(), absl::StatusCode::kFailedPrecondition);
  first.reset();
  EXPECT_TRUE(second->Run(nullptr, 10).ok());
  EXPECT_FALSE(fs::exists(dir + "/checkpoint.h5.tmp-4242"));
}

TEST_F(TrainerTest, ResumeRejectsAnotherModelKindOrDataset) {
  const std::string dir = RunDir("kind");
  ASSERT_TRUE(MakeTrainer(dir)->Run(nullptr, 100).ok());
  const std::string path = dir + "/checkpoint.h5";
  absl::StatusOr<Checkpoint> original = ReadCheckpoint(path);
  ASSERT_TRUE(original.ok());
  Checkpoint changed = *original;
  changed.model_kind = "mystery";
  ASSERT_TRUE(WriteCheckpoint(changed, path).ok());
  EXPECT_THAT(MakeTrainer(dir)->Resume().message(),
              HasSubstr("model_kind 'mystery' does not match the config's "
                        "model 'action_angle'"));
  changed = *original;
  changed.dataset_hash = "0123456789abcdef";
  ASSERT_TRUE(WriteCheckpoint(changed, path).ok());
  EXPECT_THAT(MakeTrainer(dir)->Resume().message(),
              HasSubstr("trained on a different dataset"));
}

// With the shipped Action-Angle config at learning rate 100 the loss stays
// finite while Adam's second moment overflows: caught at that step, naming
// the tensor; nothing was saved yet, so no file is named.
TEST_F(TrainerTest, OptimiserOverflowIsCaughtAtItsStep) {
  absl::StatusOr<ExperimentConfig> config =
      ReadExperimentConfig("configs/harmonic/action_angle_flow.pbtxt");
  ASSERT_TRUE(config.ok()) << config.status();
  TrainingConfig& training = *config->experiment.mutable_training();
  training.set_learning_rate(100);
  training.set_num_steps(100);
  training.set_eval_every(50);
  training.set_checkpoint_every(50);
  const std::string dir = RunDir("adam_overflow");
  absl::StatusOr<std::unique_ptr<Trainer>> trainer = Trainer::Create(
      config->experiment, config->text, *dataset_, "default.h5", dir);
  ASSERT_TRUE(trainer.ok()) << trainer.status();
  absl::Status status = (*trainer)->Run(nullptr);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(),
            "training diverged at step 2 (jump 1): Adam's second moment of "
            "parameter 'encoder/layer_00/W' is Infinity at index 0; stopped; "
            "no state was saved (it diverged before the first evaluation)");
  EXPECT_FALSE(fs::exists(dir + "/best.h5"));
  EXPECT_FALSE(fs::exists(dir + "/checkpoint.h5"));
}

TEST_F(TrainerTest, InvalidTrainingConfigsNameTheField) {
  Experiment experiment;
  ASSERT_TRUE(ParseTextProto(kConfig, "test", &experiment).ok());
  experiment.mutable_training()->set_batch_size(0);
  absl::StatusOr<std::unique_ptr<Trainer>> trainer =
      Trainer::Create(experiment, "", *dataset_, "d.h5", RunDir("bad"));
  ASSERT_FALSE(trainer.ok());
  EXPECT_THAT(trainer.status().message(), HasSubstr("training.batch_size"));

  // Huge sizes are refused by validation, naming the field, rather than
  // ending in std::bad_alloc.
  experiment.mutable_training()->set_batch_size(2000000000);
  trainer = Trainer::Create(experiment, "", *dataset_, "d.h5", RunDir("bad"));
  ASSERT_FALSE(trainer.ok());
  EXPECT_EQ(trainer.status().message(),
            "training.batch_size: must be <= 100000, got 2000000000");
  ASSERT_TRUE(ParseTextProto(kConfig, "test", &experiment).ok());
  experiment.mutable_model()
      ->mutable_action_angle()
      ->mutable_angular_velocity_net()
      ->set_hidden_widths(0, 2000000000);
  trainer = Trainer::Create(experiment, "", *dataset_, "d.h5", RunDir("bad"));
  ASSERT_FALSE(trainer.ok());
  EXPECT_EQ(trainer.status().message(),
            "model.action_angle.angular_velocity_net.hidden_widths[0]: must "
            "be <= 10000, got 2000000000");
  ASSERT_TRUE(ParseTextProto(kConfig, "test", &experiment).ok());
  experiment.mutable_model()
      ->mutable_action_angle()
      ->mutable_encoder()
      ->mutable_flow()
      ->set_num_layers(2000000000);
  trainer = Trainer::Create(experiment, "", *dataset_, "d.h5", RunDir("bad"));
  ASSERT_FALSE(trainer.ok());
  EXPECT_THAT(trainer.status().message(),
              HasSubstr("model.action_angle.encoder.flow.num_layers: must be "
                        "<= 1000"));

  ASSERT_TRUE(ParseTextProto(kConfig, "test", &experiment).ok());
  experiment.mutable_training()->set_num_train_samples(600);
  trainer = Trainer::Create(experiment, "", *dataset_, "d.h5", RunDir("bad"));
  ASSERT_FALSE(trainer.ok());
  EXPECT_THAT(trainer.status().message(), HasSubstr("exceed"));

  ASSERT_TRUE(ParseTextProto(kConfig, "test", &experiment).ok());
  experiment.mutable_model()
      ->mutable_action_angle()
      ->mutable_encoder()
      ->mutable_flow()
      ->set_activation("sigmod");
  trainer = Trainer::Create(experiment, "", *dataset_, "d.h5", RunDir("bad"));
  ASSERT_FALSE(trainer.ok());
  EXPECT_THAT(trainer.status().message(),
              HasSubstr("model.action_angle.encoder.flow.activation"));
}

}  // namespace
}  // namespace aanet::train
