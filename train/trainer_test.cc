#include "train/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "autodiff/ops.h"
#include "data_gen/splits.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "models/checkpoint.h"
#include "models/prediction_loss.h"
#include "proto/text_config.h"
#include "proto/timing.pb.h"
#include "testing/test_util.h"
#include "train/jump_schedule.h"

namespace aanet::train {
namespace {

using ::aanet::test_util::FreshDir;
using ::aanet::test_util::ReadAll;

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
          # Pinned float64 numbers and a memory estimate that grows with the
          # flow's width (the float32 stack keeps no [B, H] values).
          precision: FLOAT64
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

  std::string RunDir(const std::string& name) { return FreshDir(name); }

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
  EXPECT_LT(last.best_loss, 0.7 * before.selection_loss);
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

// With eval_every_after_ramp, evaluations also come every that many steps
// once the ramp has ended: max jump 10 over 300 steps after 284 steps.
TEST_F(TrainerTest, EvaluatesDenselyAfterTheRamp) {
  std::string text = kConfig;
  const std::string every = "eval_every: 50";
  text.replace(text.find(every), every.size(),
               "eval_every: 50 eval_every_after_ramp: 10");
  std::unique_ptr<Trainer> trainer = MakeTrainer(RunDir("dense"), text);
  ASSERT_NE(trainer, nullptr);
  ASSERT_TRUE(trainer->Run(nullptr).ok());
  std::vector<int64_t> steps;
  for (const Evaluation& e : trainer->evaluations()) steps.push_back(e.step);
  EXPECT_EQ(steps, (std::vector<int64_t>{50, 100, 150, 200, 250, 290, 300}));
}

// best.h5 holds the state with the lowest selection loss: by default the
// mean training-split prediction loss over fixed jumps (recomputed here
// independently), under the published rule the training loss at the
// evaluation's sampled jump.
TEST_F(TrainerTest, BestStateFollowsTheSelectionRule) {
  for (const char* rule :
       {"", "best_state: PUBLISHED_TRAIN_LOSS_AT_SAMPLED_JUMP"}) {
    SCOPED_TRACE(rule);
    std::string text = kConfig;
    text.replace(text.find("seed: 3"), 7, std::string("seed: 3 ") + rule);
    const std::string dir = RunDir("best_rule");
    std::unique_ptr<Trainer> trainer = MakeTrainer(dir, text);
    ASSERT_TRUE(trainer->Run(nullptr).ok());
    const std::vector<Evaluation>& evaluations = trainer->evaluations();
    const Evaluation* best = &evaluations.front();
    for (const Evaluation& e : evaluations) {
      if (e.selection_loss < best->selection_loss) best = &e;
    }
    EXPECT_EQ(evaluations.back().best_step, best->step);
    EXPECT_EQ(evaluations.back().best_loss, best->selection_loss);
    absl::StatusOr<Checkpoint> saved = ReadCheckpoint(dir + "/best.h5");
    ASSERT_TRUE(saved.ok()) << saved.status();
    EXPECT_EQ(saved->step, best->step);

    const Evaluation& last = evaluations.back();
    if (std::string(rule).empty()) {
      double sum = 0;
      for (int jump : {1, 2, 5, 10}) {
        const data_gen::StatePairs& pairs = trainer->TrainPairs(jump);
        const Eigen::MatrixXd predicted =
            trainer->model().Predict(pairs.inputs, jump * 1.0);
        sum += (predicted - pairs.targets).squaredNorm() /
               static_cast<double>(pairs.targets.size());
      }
      EXPECT_NEAR(last.selection_loss, sum / 4, 1e-12 * sum);
      EXPECT_NE(last.selection_loss, last.train_loss);
    } else {
      EXPECT_EQ(last.selection_loss, last.train_loss);
    }
    EXPECT_NE(ReadAll(dir + "/metrics.jsonl").find("\"selection_loss\""),
              std::string::npos);
  }
}

// The published rule draws min(batch_size, pairs at the jump): on 10
// training samples batch sizes 100 and 9 train identically; always drawing
// batch_size does not.
TEST_F(TrainerTest, BatchRuleFollowsThePublishedCode) {
  auto train = [&](int batch_size, const std::string& rule) {
    std::string text = kConfig;
    text.replace(text.find("batch_size: 50"), 14,
                 "batch_size: " + std::to_string(batch_size) + " " + rule);
    text.replace(text.find("train_split_proportion: 0.1"), 27,
                 "num_train_samples: 10");
    std::unique_ptr<Trainer> trainer = MakeTrainer(RunDir("batch_rule"), text);
    EXPECT_TRUE(trainer->Run(nullptr, 40).ok());
    return trainer->model().parameters().Flatten();
  };
  EXPECT_EQ(train(100, ""), train(9, ""));
  EXPECT_NE(train(100, "batch_rule: ALWAYS_BATCH_SIZE"),
            train(9, "batch_rule: ALWAYS_BATCH_SIZE"));
  EXPECT_NE(train(100, ""), train(100, "batch_rule: ALWAYS_BATCH_SIZE"));
}

TEST_F(TrainerTest, SameSeedSameNumbers) {
  std::unique_ptr<Trainer> a = MakeTrainer(RunDir("seed_a"));
  std::unique_ptr<Trainer> b = MakeTrainer(RunDir("seed_b"));
  ASSERT_TRUE(a->Run(nullptr, 120).ok());
  ASSERT_TRUE(b->Run(nullptr, 120).ok());
  EXPECT_EQ(a->model().parameters().Flatten(),
            b->model().parameters().Flatten());
}

// FNV-1a over the bytes of `values`, as 16 hex digits.
std::string BitHash(const std::vector<double>& values) {
  uint64_t h = 1469598103934665603ULL;
  for (double value : values) {
    unsigned char bytes[sizeof(double)];
    std::memcpy(bytes, &value, sizeof(double));
    for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ULL;
  }
  return absl::StrFormat("%016x", h);
}

// The default study is one trajectory split in time: its numbers are pinned
// to the bit (parameters and every logged loss after 120 steps, recorded
// before the action variance was taken per trajectory and trajectories could
// be held out), so that neither change moved them.
TEST_F(TrainerTest, OneTrajectoryRunIsPinnedToTheBit) {
  ASSERT_EQ(dataset_->num_trajectories(), 1);
  std::unique_ptr<Trainer> trainer = MakeTrainer(RunDir("pinned"));
  ASSERT_TRUE(trainer->Run(nullptr, 120).ok());
  const Eigen::VectorXd parameters = trainer->model().parameters().Flatten();
  std::vector<double> values(parameters.data(),
                             parameters.data() + parameters.size());
  for (const Evaluation& e : trainer->evaluations()) {
    values.insert(values.end(), {e.train_loss, e.train_prediction_loss,
                                 e.train_action_variance, e.selection_loss});
    for (const auto& [jump, loss] : e.test_losses) values.push_back(loss);
  }
  EXPECT_EQ(values.size(), 490u);
  EXPECT_EQ(BitHash(values), "20ba84b47715c648");
}

// The default dataset with K = 3 trajectories of different amplitudes.
data_gen::Dataset ThreeTrajectories() {
  absl::StatusOr<ExperimentConfig> data =
      ReadExperimentConfig("configs/harmonic/default.pbtxt");
  EXPECT_TRUE(data.ok()) << data.status();
  data->experiment.mutable_simulation()->set_num_trajectories(3);
  data->experiment.mutable_simulation()
      ->mutable_harmonic()
      ->set_trajectory_sampling(UNIFORM);
  absl::StatusOr<data_gen::Dataset> dataset =
      data_gen::GenerateDataset(data->experiment, data->text);
  EXPECT_TRUE(dataset.ok()) << dataset.status();
  return *std::move(dataset);
}

std::unique_ptr<Trainer> MakeTrainerOn(const data_gen::Dataset& dataset,
                                       const std::string& run_dir,
                                       const std::string& training_extra) {
  std::string text = kConfig;
  text.replace(text.find("seed: 3"), 7, "seed: 3 " + training_extra);
  Experiment experiment;
  EXPECT_TRUE(ParseTextProto(text, "test", &experiment).ok());
  absl::StatusOr<std::unique_ptr<Trainer>> trainer =
      Trainer::Create(experiment, text, dataset, "three.h5", run_dir);
  EXPECT_TRUE(trainer.ok()) << trainer.status();
  return trainer.ok() ? *std::move(trainer) : nullptr;
}

// A held-out trajectory's states reach no batch, no scaler statistic, no
// training loss and no best-state choice: scaling it by 1e4 changes none of
// them, to the bit; only its own logged test loss moves.
TEST_F(TrainerTest, HeldOutTrajectoriesNeverReachTraining) {
  const data_gen::Dataset plain = ThreeTrajectories();
  data_gen::Dataset huge = plain;
  huge.q[1] *= 1e4;
  huge.p[1] *= 1e4;
  const std::string extra = "held_out_trajectories: 1";
  const std::string dir = RunDir("held_out");
  std::unique_ptr<Trainer> a = MakeTrainerOn(plain, dir, extra);
  std::unique_ptr<Trainer> b =
      MakeTrainerOn(huge, RunDir("held_out_huge"), extra);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->trajectory_split().train, (std::vector<int>{0, 2}));
  EXPECT_EQ(a->trajectory_split().held_out, (std::vector<int>{1}));
  EXPECT_EQ(a->scaler().mean(), b->scaler().mean());
  EXPECT_EQ(a->scaler().scale(), b->scaler().scale());
  for (int jump : {1, 10}) {
    const data_gen::StatePairs& pairs = a->TrainPairs(jump);
    EXPECT_EQ(
        std::count(pairs.trajectories.begin(), pairs.trajectories.end(), 1), 0);
    EXPECT_EQ(pairs.inputs.rows(), 2 * (100 - jump));  // 2 trajectories
    EXPECT_EQ(a->TestPairs(jump).trajectories.front(), 0);
    EXPECT_EQ(a->HeldOutTestPairs(jump).trajectories,
              std::vector<int>(500 - jump, 1));
  }
  ASSERT_TRUE(a->Run(nullptr, 100).ok());
  ASSERT_TRUE(b->Run(nullptr, 100).ok());
  EXPECT_EQ(a->model().parameters().Flatten(),
            b->model().parameters().Flatten());
  ASSERT_EQ(a->evaluations().size(), 2u);
  ASSERT_EQ(b->evaluations().size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const Evaluation& x = a->evaluations()[i];
    const Evaluation& y = b->evaluations()[i];
    EXPECT_EQ(x.train_loss, y.train_loss);
    EXPECT_EQ(x.train_action_variance, y.train_action_variance);
    EXPECT_EQ(x.selection_loss, y.selection_loss);
    EXPECT_EQ(x.best_step, y.best_step);
    EXPECT_EQ(x.test_losses, y.test_losses);
    ASSERT_EQ(x.held_out_test_losses.size(), 2u);
    EXPECT_NE(x.held_out_test_losses.at(1), y.held_out_test_losses.at(1));
  }
  const std::string metrics = ReadAll(dir + "/metrics.jsonl");
  EXPECT_THAT(metrics, HasSubstr("\"train_trajectories\": 2, "
                                 "\"held_out_trajectories\": [1], "
                                 "\"held_out_test_loss\": {\"1\": "));
  // Without held-out trajectories the log keeps its form.
  const std::string all_dir = RunDir("all");
  std::unique_ptr<Trainer> all = MakeTrainerOn(plain, all_dir, "");
  ASSERT_TRUE(all->Run(nullptr, 50).ok());
  EXPECT_EQ(ReadAll(all_dir + "/metrics.jsonl").find("held_out"),
            std::string::npos);
  EXPECT_TRUE(all->evaluations().back().held_out_test_losses.empty());
}

// The logged action variance is the mean over trajectories of each
// trajectory's own (summed over action dimensions), recomputed here one
// trajectory at a time, and is not the variance over all rows at once.
TEST_F(TrainerTest, ActionVarianceIsTakenWithinEachTrajectory) {
  const data_gen::Dataset dataset = ThreeTrajectories();
  std::unique_ptr<Trainer> trainer =
      MakeTrainerOn(dataset, RunDir("within"), "");
  ASSERT_NE(trainer, nullptr);
  ASSERT_TRUE(trainer->Run(nullptr, 50).ok());
  const int jump = 3;
  const Evaluation e = trainer->Evaluate(jump);
  const data_gen::StatePairs& pairs = trainer->TrainPairs(jump);
  auto action_variance = [&](const Eigen::MatrixXd& states) {
    ad::Tape tape;
    const ForwardResult forward = trainer->model().Forward(
        tape, tape.Constant(states), jump * dataset.t[1]);
    return ad::Sum(ad::BatchVariance(*forward.actions)).scalar();
  };
  double sum = 0;
  for (int k = 0; k < 3; ++k) {
    std::vector<Eigen::Index> rows;
    for (size_t r = 0; r < pairs.trajectories.size(); ++r) {
      if (pairs.trajectories[r] == k) rows.push_back(r);
    }
    ASSERT_EQ(rows.size(), 97u);
    Eigen::MatrixXd states(rows.size(), pairs.inputs.cols());
    for (size_t i = 0; i < rows.size(); ++i) {
      states.row(i) = pairs.inputs.row(rows[i]);
    }
    sum += action_variance(states);
  }
  EXPECT_NEAR(e.train_action_variance, sum / 3, 1e-12 * sum);
  EXPECT_GT(std::abs(action_variance(pairs.inputs) - sum / 3), 1e-3 * sum);
}

TEST(DescribeTrajectoriesTest, NamesTheHeldOutOnesOnlyWhenThereAreAny) {
  EXPECT_EQ(DescribeTrajectories({{0, 1, 2}, {}}), "3 trajectories");
  EXPECT_EQ(DescribeTrajectories({{0, 2}, {1, 3}}),
            "2 training trajectories, 2 held out (1, 3)");
}

TEST_F(TrainerTest, HeldOutTrajectoriesAreValidatedAgainstTheDataset) {
  const data_gen::Dataset dataset = ThreeTrajectories();
  Experiment experiment;
  ASSERT_TRUE(ParseTextProto(kConfig, "test", &experiment).ok());
  auto create_error = [&](std::vector<int> held_out) {
    experiment.mutable_training()->clear_held_out_trajectories();
    for (int k : held_out) {
      experiment.mutable_training()->add_held_out_trajectories(k);
    }
    return std::string(Trainer::Create(experiment, kConfig, dataset, "d.h5",
                                       RunDir("bad_held_out"))
                           .status()
                           .message());
  };
  EXPECT_EQ(create_error({0, 3}),
            "training.held_out_trajectories: 3 is not a trajectory of the "
            "dataset (it has 3, numbered 0..2)");
  EXPECT_EQ(create_error({2, 0, 1}),
            "training.held_out_trajectories: holds out all 3 of the "
            "dataset's trajectories; at least one must be left for training");
  EXPECT_EQ(create_error({1, 1}),
            "training.held_out_trajectories: 1 is listed more than once");
  EXPECT_EQ(create_error({0, 2}), "");
  EXPECT_EQ(create_error({0}).empty(), true);
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

// timing.json: the training steps' time, written with every checkpoint,
// kept counting across a resume whose checkpoint it matches, started afresh
// when it does not; never part of the bit-identical files (the test above).
TEST_F(TrainerTest, TimingIsWrittenWithCheckpointsAndCountsAcrossResumes) {
  auto read_timing = [](const std::string& dir) {
    TrainingTiming timing;
    google::protobuf::util::JsonParseOptions options;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                    ReadAll(dir + "/timing.json"), &timing, options)
                    .ok())
        << ReadAll(dir + "/timing.json");
    return timing;
  };
  const std::string dir = RunDir("timing");
  ASSERT_TRUE(MakeTrainer(dir)->Run(nullptr, 250).ok());
  // Written at the checkpoint of step 200, not at the stop at 250.
  TrainingTiming at_checkpoint = read_timing(dir);
  EXPECT_EQ(at_checkpoint.step(), 200);
  EXPECT_EQ(at_checkpoint.timed_steps(), 200);
  EXPECT_GT(at_checkpoint.train_step_seconds(), 0);
  EXPECT_GT(at_checkpoint.train_step_cpu_seconds(), 0);
  EXPECT_DOUBLE_EQ(at_checkpoint.seconds_per_step(),
                   at_checkpoint.train_step_seconds() / 200);
  EXPECT_DOUBLE_EQ(at_checkpoint.cpu_seconds_per_step(),
                   at_checkpoint.train_step_cpu_seconds() / 200);

  std::unique_ptr<Trainer> resumed = MakeTrainer(dir);
  ASSERT_TRUE(resumed->Resume().ok());
  ASSERT_TRUE(resumed->Run(nullptr).ok());
  const TrainingTiming done = read_timing(dir);
  EXPECT_EQ(done.step(), 300);
  EXPECT_EQ(done.timed_steps(), 300);
  EXPECT_GT(done.train_step_seconds(), at_checkpoint.train_step_seconds());
  EXPECT_EQ(resumed->timing().timed_steps(), 300);

  // A timing file of another step (a crash between the checkpoint and it):
  // the resumed run counts only what it trains itself.
  const std::string stale = RunDir("timing_stale");
  ASSERT_TRUE(MakeTrainer(stale)->Run(nullptr, 200).ok());
  std::ofstream(stale + "/timing.json")
      << "{\"step\": 150, \"timed_steps\": 150, "
         "\"train_step_seconds\": 1000}";
  std::unique_ptr<Trainer> again = MakeTrainer(stale);
  ASSERT_TRUE(again->Resume().ok());
  ASSERT_TRUE(again->Run(nullptr).ok());
  const TrainingTiming fresh = read_timing(stale);
  EXPECT_EQ(fresh.step(), 300);
  EXPECT_EQ(fresh.timed_steps(), 100);
  EXPECT_LT(fresh.train_step_seconds(), 1000);
}

// A stop request (train's SIGINT/SIGTERM) at any step, not only at a
// checkpoint: the trainer writes the state of that step, and the resumed run
// ends with the same files, byte for byte, as an uninterrupted one.
TEST_F(TrainerTest, StoppedAtAnyStepResumesBitForBit) {
  const std::string full_dir = RunDir("stop_full");
  ASSERT_TRUE(MakeTrainer(full_dir)->Run(nullptr).ok());
  for (int stop_at : {1, 49, 50, 173, 200, 299}) {
    const std::string dir = RunDir(absl::StrCat("stop_", stop_at));
    std::unique_ptr<Trainer> first = MakeTrainer(dir);
    Trainer* t = first.get();
    const absl::Status stopped =
        first->Run(nullptr, -1, [&] { return t->step() >= stop_at; });
    ASSERT_EQ(stopped.code(), absl::StatusCode::kCancelled) << stopped;
    EXPECT_THAT(std::string(stopped.message()),
                HasSubstr(absl::StrCat("stopped at step ", stop_at, " of 300; ",
                                       dir, "/checkpoint.h5 holds it")));
    first.reset();
    absl::StatusOr<Checkpoint> latest = ReadCheckpoint(dir + "/checkpoint.h5");
    ASSERT_TRUE(latest.ok()) << latest.status();
    EXPECT_EQ(latest->step, stop_at);

    std::unique_ptr<Trainer> resumed = MakeTrainer(dir);
    ASSERT_TRUE(resumed->Resume().ok());
    EXPECT_EQ(resumed->step(), stop_at);
    ASSERT_TRUE(resumed->Run(nullptr).ok());
    for (const char* file : {"checkpoint.h5", "best.h5", "metrics.jsonl"}) {
      EXPECT_EQ(ReadAll(dir + "/" + file), ReadAll(full_dir + "/" + file))
          << file << " after a stop at step " << stop_at;
    }
  }
  // A stop asked before the first step saves nothing.
  const std::string dir = RunDir("stop_before");
  const absl::Status stopped =
      MakeTrainer(dir)->Run(nullptr, -1, [] { return true; });
  EXPECT_EQ(stopped.code(), absl::StatusCode::kCancelled) << stopped;
  EXPECT_THAT(std::string(stopped.message()), HasSubstr("nothing was saved"));
  EXPECT_FALSE(fs::exists(dir + "/checkpoint.h5"));
  // One asked before the first step of a later Run saves the steps taken.
  const std::string later = RunDir("stop_later");
  std::unique_ptr<Trainer> t = MakeTrainer(later);
  ASSERT_TRUE(t->Run(nullptr, 120).ok());
  EXPECT_EQ(t->Run(nullptr, -1, [] { return true; }).code(),
            absl::StatusCode::kCancelled);
  absl::StatusOr<Checkpoint> saved = ReadCheckpoint(later + "/checkpoint.h5");
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->step, 120);
}

// Multi-step training (training.prediction_targets: EVERY_STEP_TO_JUMP).
constexpr char kMultiStep[] = "prediction_targets: EVERY_STEP_TO_JUMP";

// Entry j - 1 of the targets at jump J holds, for each training pair at J,
// the (standardised) state j samples after its input, in its trajectory.
TEST_F(TrainerTest, MultiStepTargetsAreTheStatesJSamplesOn) {
  const data_gen::Dataset three = ThreeTrajectories();
  std::unique_ptr<Trainer> trainer =
      MakeTrainerOn(three, RunDir("multi_targets"), kMultiStep);
  ASSERT_NE(trainer, nullptr);
  const int count = trainer->options().num_train_samples;
  for (int jump : {1, 4, 10}) {
    const data_gen::StatePairs& pairs = trainer->TrainPairs(jump);
    const std::vector<Eigen::MatrixXd> targets =
        trainer->MultiStepTargets(jump);
    ASSERT_EQ(targets.size(), static_cast<size_t>(jump));
    ASSERT_EQ(pairs.inputs.rows(), 3 * (count - jump));
    EXPECT_EQ(targets.back(), pairs.targets);
    for (Eigen::Index row = 0; row < pairs.inputs.rows(); ++row) {
      const int k = pairs.trajectories[row];
      const int sample = static_cast<int>(row % (count - jump));
      for (int j = 1; j <= jump; ++j) {
        Eigen::MatrixXd state(1, pairs.inputs.cols());
        state << three.q[k].row(sample + j), three.p[k].row(sample + j);
        ASSERT_EQ(targets[j - 1].row(row), trainer->scaler().Transform(state))
            << "jump " << jump << " row " << row << " j " << j;
        ASSERT_LT(sample + j, count);  // inside the training split
      }
      Eigen::MatrixXd input(1, pairs.inputs.cols());
      input << three.q[k].row(sample), three.p[k].row(sample);
      ASSERT_EQ(pairs.inputs.row(row), trainer->scaler().Transform(input));
    }
  }
}

// The logged training loss and the selection loss are the multi-step loss:
// the mean over j = 1..J of the per-jump losses (plus the regulariser, once).
TEST_F(TrainerTest, MultiStepEvaluationIsTheMeanOverTheJumps) {
  std::string text = kConfig;
  text.replace(text.find("seed: 3"), 7,
               absl::StrCat("seed: 3 ", kMultiStep,
                            " best_state: TRAIN_LOSS_AT_FIXED_JUMPS "
                            "selection_jumps: [ 2, 6 ]"));
  std::unique_ptr<Trainer> multi = MakeTrainer(RunDir("multi_eval"), text);
  std::unique_ptr<Trainer> single = MakeTrainer(RunDir("single_eval"));
  ASSERT_NE(multi, nullptr);
  const double dt = dataset_->t[1] - dataset_->t[0];
  auto mean_loss = [&](int jump) {
    const data_gen::StatePairs& pairs = multi->TrainPairs(jump);
    const std::vector<Eigen::MatrixXd> targets = multi->MultiStepTargets(jump);
    double sum = 0;
    for (int j = 1; j <= jump; ++j) {
      sum += PredictionLoss(multi->model().Predict(pairs.inputs, j * dt),
                            targets[j - 1]);
    }
    return sum / jump;
  };
  const Evaluation e = multi->Evaluate(6);
  EXPECT_NEAR(e.train_prediction_loss, mean_loss(6),
              1e-12 * e.train_prediction_loss);
  EXPECT_NEAR(e.selection_loss, (mean_loss(2) + mean_loss(6)) / 2,
              1e-12 * e.selection_loss);
  const Evaluation s = single->Evaluate(6);
  EXPECT_EQ(e.train_action_variance, s.train_action_variance);
  EXPECT_EQ(e.test_losses, s.test_losses);  // the same per-jump test losses
  EXPECT_NE(e.train_prediction_loss, s.train_prediction_loss);
  // At jump 1 both modes are the same loss.
  EXPECT_NEAR(multi->Evaluate(1).train_loss, single->Evaluate(1).train_loss,
              1e-15);
}

// Multi-step training trains, differs from single-step training, and a run
// stopped at any step resumes to the same files byte for byte.
TEST_F(TrainerTest, MultiStepTrainsAndResumesBitForBit) {
  std::string text = kConfig;
  text.replace(text.find("seed: 3"), 7, absl::StrCat("seed: 3 ", kMultiStep));
  const std::string full_dir = RunDir("multi_full");
  std::unique_ptr<Trainer> full = MakeTrainer(full_dir, text);
  const Evaluation before = full->Evaluate(1);
  ASSERT_TRUE(full->Run(nullptr).ok());
  const Evaluation& last = full->evaluations().back();
  EXPECT_LT(last.test_losses.at(1), 0.7 * before.test_losses.at(1));
  std::unique_ptr<Trainer> single = MakeTrainer(RunDir("multi_single"));
  ASSERT_TRUE(single->Run(nullptr, 100).ok());
  std::unique_ptr<Trainer> multi = MakeTrainer(RunDir("multi_100"), text);
  ASSERT_TRUE(multi->Run(nullptr, 100).ok());
  EXPECT_NE(single->model().parameters().Flatten(),
            multi->model().parameters().Flatten());
  for (int stop_at : {37, 200}) {
    const std::string dir = RunDir(absl::StrCat("multi_stop_", stop_at));
    std::unique_ptr<Trainer> first = MakeTrainer(dir, text);
    Trainer* t = first.get();
    ASSERT_EQ(
        first->Run(nullptr, -1, [&] { return t->step() >= stop_at; }).code(),
        absl::StatusCode::kCancelled);
    first.reset();
    std::unique_ptr<Trainer> resumed = MakeTrainer(dir, text);
    ASSERT_TRUE(resumed->Resume().ok());
    ASSERT_TRUE(resumed->Run(nullptr).ok());
    for (const char* file : {"checkpoint.h5", "best.h5", "metrics.jsonl"}) {
      EXPECT_EQ(ReadAll(dir + "/" + file), ReadAll(full_dir + "/" + file))
          << file << " after a stop at step " << stop_at;
    }
  }
}

TEST_F(TrainerTest, MultiStepMemoryEstimateCountsTheJPredictions) {
  std::string text = kConfig;
  text.replace(text.find("seed: 3"), 7, absl::StrCat("seed: 3 ", kMultiStep));
  const MemoryEstimate single =
      MakeTrainer(RunDir("memory_single"))->EstimateMemory();
  const MemoryEstimate multi =
      MakeTrainer(RunDir("memory_multi"), text)->EstimateMemory();
  // The decoder runs for each of the 10 jumps.
  EXPECT_GT(multi.bytes_per_row, 3 * single.bytes_per_row);
  EXPECT_GT(multi.bytes, single.bytes);
}

// The noise of training.noise (train/noise.h), on the small run.
std::string WithNoise(const std::string& noise) {
  std::string text = kConfig;
  text.replace(text.find("seed: 3"), 7, "seed: 3 noise { " + noise + " }");
  return text;
}

// A std of 0 draws nothing: the run is the clean one bit for bit (and the
// clean run's numbers are pinned by OneTrajectoryRunIsPinnedToTheBit).
TEST_F(TrainerTest, ZeroNoiseIsTheCleanRunBitForBit) {
  std::unique_ptr<Trainer> clean = MakeTrainer(RunDir("noise_clean"));
  ASSERT_TRUE(clean->Run(nullptr, 120).ok());
  for (const char* noise : {"model: PUBLISHED_INPUT_NOISE std: 0",
                            "model: OBSERVATION type: RANDOM_WALK std: 0"}) {
    SCOPED_TRACE(noise);
    std::unique_ptr<Trainer> zero =
        MakeTrainer(RunDir("noise_zero"), WithNoise(noise));
    ASSERT_TRUE(zero->Run(nullptr, 120).ok());
    EXPECT_EQ(zero->model().parameters().Flatten(),
              clean->model().parameters().Flatten());
  }
  std::unique_ptr<Trainer> noisy = MakeTrainer(
      RunDir("noise_some"), WithNoise("model: PUBLISHED_INPUT_NOISE std: 0.1"));
  ASSERT_TRUE(noisy->Run(nullptr, 120).ok());
  EXPECT_NE(noisy->model().parameters().Flatten(),
            clean->model().parameters().Flatten());
}

// Published input noise: the batch is the clean run's rows (the noise has
// a stream of its own) with noisy inputs and the same targets; the
// training pairs, evaluations and selection stay clean.
TEST_F(TrainerTest, PublishedInputNoiseTouchesOnlyTheBatchInputs) {
  std::unique_ptr<Trainer> clean = MakeTrainer(RunDir("input_clean"));
  std::unique_ptr<Trainer> noisy =
      MakeTrainer(RunDir("input_noisy"),
                  WithNoise("model: PUBLISHED_INPUT_NOISE std: 0.5"));
  for (int step = 1; step <= 3; ++step) {
    ASSERT_TRUE(clean->Run(nullptr, step).ok());
    ASSERT_TRUE(noisy->Run(nullptr, step).ok());
    EXPECT_EQ(noisy->last_batch_targets(), clean->last_batch_targets());
    const Eigen::MatrixXd diff =
        noisy->last_batch_inputs() - clean->last_batch_inputs();
    // 50 rows x 4 coordinates of N(0, 0.25): RMS 0.5 within 4 standard
    // errors (0.5 / sqrt(400)).
    const double rms = std::sqrt(diff.squaredNorm() / diff.size());
    EXPECT_NEAR(rms, 0.5, 0.1) << "step " << step;
  }
  EXPECT_EQ(noisy->TrainPairs(1).inputs, clean->TrainPairs(1).inputs);
  EXPECT_EQ(noisy->scaler().scale(), clean->scaler().scale());
}

// Observation noise: drawn once, on the training window only, inputs and
// targets alike; the scaler is fitted on it and the best state chosen on
// it; the test split stays clean.
TEST_F(TrainerTest, ObservationNoiseIsDrawnOnceAndSelectionSeesIt) {
  std::unique_ptr<Trainer> clean = MakeTrainer(RunDir("obs_clean"));
  const std::string text = WithNoise("model: OBSERVATION std: 0.3");
  std::unique_ptr<Trainer> noisy = MakeTrainer(RunDir("obs_noisy"), text);
  const data_gen::StatePairs before = noisy->TrainPairs(1);
  EXPECT_NE(before.inputs, clean->TrainPairs(1).inputs);
  // One noisy series: pair t's target is pair t + 1's input.
  EXPECT_EQ(before.targets.topRows(before.targets.rows() - 1),
            before.inputs.bottomRows(before.inputs.rows() - 1));
  // Fitted on the noisy series: each scale grows by about sqrt(1 + 0.3^2).
  for (int c = 0; c < 4; ++c) {
    EXPECT_NEAR(noisy->scaler().scale()[c] / clean->scaler().scale()[c],
                std::sqrt(1.09), 0.05)
        << c;
  }
  // The test split is the clean data, standardised by the run's scaler.
  const data_gen::TimeSplit split =
      *data_gen::MakeTimeSplit(*dataset_, noisy->options().num_train_samples,
                               noisy->options().num_test_samples);
  const data_gen::StatePairs test =
      data_gen::MakePairs(*dataset_, split.test, 5);
  EXPECT_EQ(noisy->TestPairs(5).inputs, noisy->scaler().Transform(test.inputs));
  EXPECT_EQ(noisy->TestPairs(5).targets,
            noisy->scaler().Transform(test.targets));

  ASSERT_TRUE(noisy->Run(nullptr).ok());
  // Drawn once: the same pairs after 300 steps, and in another trainer of
  // the same config.
  EXPECT_EQ(noisy->TrainPairs(1).inputs, before.inputs);
  EXPECT_EQ(MakeTrainer(RunDir("obs_again"), text)->TrainPairs(1).inputs,
            before.inputs);
  // The selection loss is the mean prediction loss on the noisy pairs.
  auto mean_loss = [&](Trainer& trainer, auto pairs_of) {
    double sum = 0;
    for (int jump : {1, 2, 5, 10}) {
      const data_gen::StatePairs& pairs = pairs_of(jump);
      sum += (trainer.model().Predict(pairs.inputs, jump * 1.0) - pairs.targets)
                 .squaredNorm() /
             static_cast<double>(pairs.targets.size());
    }
    return sum / 4;
  };
  const double on_noisy =
      mean_loss(*noisy, [&](int jump) -> const data_gen::StatePairs& {
        return noisy->TrainPairs(jump);
      });
  std::map<int, data_gen::StatePairs> clean_pairs;
  const double on_clean =
      mean_loss(*noisy, [&](int jump) -> const data_gen::StatePairs& {
        data_gen::StatePairs pairs =
            data_gen::MakePairs(*dataset_, split.train, jump);
        pairs.inputs = noisy->scaler().Transform(pairs.inputs);
        pairs.targets = noisy->scaler().Transform(pairs.targets);
        return clean_pairs[jump] = std::move(pairs);
      });
  const double selection = noisy->evaluations().back().selection_loss;
  EXPECT_NEAR(selection, on_noisy, 1e-12 * on_noisy);
  EXPECT_GT(std::abs(selection - on_clean), 1e-3 * on_clean);
}

// Resuming a noisy run continues it bit for bit: the draws are keyed on
// (seed, step) and (seed, trajectory), not on a state.
TEST_F(TrainerTest, NoisyRunsResumeBitForBit) {
  for (const char* noise :
       {"model: PUBLISHED_INPUT_NOISE type: RANDOM_WALK std: 0.05",
        "model: PUBLISHED_INPUT_NOISE std: 0.05 seed: 8",
        "model: OBSERVATION type: RANDOM_WALK std: 0.05"}) {
    SCOPED_TRACE(noise);
    const std::string text = WithNoise(noise);
    const std::string full_dir = RunDir("noise_full");
    ASSERT_TRUE(MakeTrainer(full_dir, text)->Run(nullptr).ok());
    const std::string dir = RunDir("noise_resumed");
    ASSERT_TRUE(MakeTrainer(dir, text)->Run(nullptr, 173).ok());
    std::unique_ptr<Trainer> resumed = MakeTrainer(dir, text);
    ASSERT_TRUE(resumed->Resume().ok());
    EXPECT_EQ(resumed->step(), 100);
    ASSERT_TRUE(resumed->Run(nullptr).ok());
    for (const char* file : {"checkpoint.h5", "best.h5", "metrics.jsonl"}) {
      EXPECT_EQ(ReadAll(dir + "/" + file), ReadAll(full_dir + "/" + file))
          << file;
    }
  }
}

// train checks this estimate before the first step: a batch and a flow
// width within the validated limits ended in std::bad_alloc.
TEST_F(TrainerTest, MemoryEstimateGrowsWithBatchAndWidth) {
  std::unique_ptr<Trainer> small = MakeTrainer(RunDir("memory_small"));
  const MemoryEstimate s = small->EstimateMemory();
  EXPECT_GT(s.bytes_per_row, 16 * 6 * 8.0);  // a value per layer and unit
  EXPECT_GT(s.bytes, 1e5);
  EXPECT_LT(s.bytes, 1e8);
  // Estimating changes nothing training reads.
  std::unique_ptr<Trainer> plain = MakeTrainer(RunDir("memory_plain"));
  ASSERT_TRUE(small->Run(nullptr, 60).ok());
  ASSERT_TRUE(plain->Run(nullptr, 60).ok());
  EXPECT_EQ(small->model().parameters().Flatten(),
            plain->model().parameters().Flatten());

  std::string big = kConfig;
  big.replace(big.find("hidden_width: 16"), 16, "hidden_width: 10000");
  big.replace(big.find("batch_size: 50"), 14, "batch_size: 100000");
  // The published batch rule draws at most the 99 pairs at jump 1.
  std::unique_ptr<Trainer> capped = MakeTrainer(RunDir("memory_capped"), big);
  ASSERT_NE(capped, nullptr);
  const MemoryEstimate c = capped->EstimateMemory();
  EXPECT_EQ(c.rows, 99);
  EXPECT_GT(c.bytes_per_row, 100 * s.bytes_per_row);
  EXPECT_LT(c.bytes, 1e10) << c.bytes;
  big.replace(big.find("seed: 3"), 7, "seed: 3 batch_rule: ALWAYS_BATCH_SIZE");
  std::unique_ptr<Trainer> large = MakeTrainer(RunDir("memory_large"), big);
  ASSERT_NE(large, nullptr);
  const MemoryEstimate l = large->EstimateMemory();
  EXPECT_EQ(l.rows, 100000);
  EXPECT_GT(l.bytes, 1e11) << l.bytes;
  EXPECT_EQ(l.bytes_per_row, c.bytes_per_row);
}

TEST_F(TrainerTest, ResumeRejectsADifferentConfig) {
  const std::string dir = RunDir("different");
  ASSERT_TRUE(MakeTrainer(dir)->Run(nullptr, 100).ok());
  std::string other = kConfig;
  other.replace(other.find("seed: 3"), 7, "seed: 4");
  absl::Status status = MakeTrainer(dir, other)->Resume();
  EXPECT_THAT(status.message(), HasSubstr("different config"));
}

// Extending a finished run of 300 steps to 450 equals training 450 steps in
// one go with the ramp fixed at 300, bit for bit.
TEST_F(TrainerTest, ExtendedRunMatchesAOneGoRunWithTheSameRamp) {
  const std::string dir = RunDir("extend");
  ASSERT_TRUE(MakeTrainer(dir)->Run(nullptr).ok());
  Experiment extended;
  ASSERT_TRUE(ParseTextProto(kConfig, "test", &extended).ok());
  ASSERT_TRUE(ExtendTrainingConfig(450, extended).ok());
  EXPECT_EQ(extended.training().num_steps(), 450);
  EXPECT_EQ(extended.training().jump_ramp_steps(), 300);
  const std::string text = EffectiveConfigText(
      extended, "small",
      {"training.num_steps=450", "training.jump_ramp_steps=300"});
  std::unique_ptr<Trainer> continued = MakeTrainer(dir, text);
  ASSERT_TRUE(continued->Resume().ok());
  EXPECT_EQ(continued->step(), 300);
  ASSERT_TRUE(continued->Run(nullptr).ok());
  EXPECT_EQ(continued->step(), 450);

  std::string one_go = kConfig;
  one_go.replace(one_go.find("num_steps: 300"), 14,
                 "num_steps: 450 jump_ramp_steps: 300");
  std::unique_ptr<Trainer> fresh = MakeTrainer(RunDir("one_go"), one_go);
  ASSERT_TRUE(fresh->Run(nullptr).ok());
  EXPECT_EQ(continued->model().parameters().Flatten(),
            fresh->model().parameters().Flatten());
  // The added steps use jumps up to max_jump (10) throughout.
  const std::string metrics = ReadAll(dir + "/metrics.jsonl");
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 9);
  absl::StatusOr<Checkpoint> latest = ReadCheckpoint(dir + "/checkpoint.h5");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->step, 450);
  EXPECT_EQ(latest->config_text, text);
  EXPECT_EQ(ReadAll(dir + "/config.pbtxt"), text);
}

TEST_F(TrainerTest, ExtensionRulesForConfigs) {
  Experiment base;
  ASSERT_TRUE(ParseTextProto(kConfig, "test", &base).ok());
  Experiment e = base;
  EXPECT_THAT(ExtendTrainingConfig(200, e).message(),
              HasSubstr("cannot extend to 200 steps: the run already has "
                        "training.num_steps = 300"));
  ASSERT_TRUE(ExtendTrainingConfig(300, e).ok());
  EXPECT_FALSE(e.training().has_jump_ramp_steps());  // unchanged
  EXPECT_TRUE(ContinuesConfig(e, base));
  ASSERT_TRUE(ExtendTrainingConfig(400, e).ok());
  EXPECT_TRUE(ContinuesConfig(e, base));
  Experiment twice = e;
  ASSERT_TRUE(ExtendTrainingConfig(500, twice).ok());
  EXPECT_EQ(twice.training().jump_ramp_steps(), 300);  // the original ramp
  EXPECT_TRUE(ContinuesConfig(twice, e));
  EXPECT_TRUE(ContinuesConfig(twice, base));
  EXPECT_FALSE(ContinuesConfig(base, e));  // shrinking
  // Raising num_steps alone would change the schedule of the steps trained.
  Experiment raised = base;
  raised.mutable_training()->set_num_steps(400);
  EXPECT_FALSE(ContinuesConfig(raised, base));
  Experiment other = e;
  other.mutable_training()->set_learning_rate(0.5);
  EXPECT_FALSE(ContinuesConfig(other, base));
}

TEST_F(TrainerTest, ResumeRefusesRaisingNumStepsWithoutExtension) {
  const std::string dir = RunDir("raised");
  ASSERT_TRUE(MakeTrainer(dir)->Run(nullptr, 100).ok());
  std::string raised = kConfig;
  raised.replace(raised.find("num_steps: 300"), 14, "num_steps: 400");
  EXPECT_THAT(MakeTrainer(dir, raised)->Resume().message(),
              HasSubstr("extend it with --extend_to=N"));
}

TEST_F(TrainerTest, InitFromStartsFromAnotherRunsParametersAndScaler) {
  const std::string source = RunDir("source");
  std::unique_ptr<Trainer> first = MakeTrainer(source);
  ASSERT_TRUE(first->Run(nullptr, 100).ok());
  std::string warm = kConfig;
  warm.replace(warm.find("seed: 3"), 7,
               "seed: 9 init_from: \"" + source + "/checkpoint.h5\"");
  std::unique_ptr<Trainer> second = MakeTrainer(RunDir("warm"), warm);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->step(), 0);
  EXPECT_EQ(second->model().parameters().Flatten(),
            first->model().parameters().Flatten());
  EXPECT_EQ(second->scaler().mean(), first->scaler().mean());
  // It starts where the first left off: a lower loss than a cold start.
  const double warm_loss = second->Evaluate(1).train_loss;
  const double cold_loss = MakeTrainer(RunDir("cold"))->Evaluate(1).train_loss;
  EXPECT_LT(warm_loss, cold_loss);
  ASSERT_TRUE(second->Run(nullptr, 50).ok());

  Experiment mismatch;
  ASSERT_TRUE(ParseTextProto(warm, "test", &mismatch).ok());
  mismatch.mutable_model()
      ->mutable_action_angle()
      ->mutable_encoder()
      ->mutable_flow()
      ->set_num_layers(3);
  absl::StatusOr<std::unique_ptr<Trainer>> bad =
      Trainer::Create(mismatch, "", *dataset_, "d.h5", RunDir("bad_warm"));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("training.init_from: "));
  mismatch.mutable_training()->set_init_from(source + "/none.h5");
  bad = Trainer::Create(mismatch, "", *dataset_, "d.h5", RunDir("bad_warm"));
  EXPECT_THAT(bad.status().message(), HasSubstr("training.init_from: "));
  EXPECT_THAT(bad.status().message(), HasSubstr("no such file"));
}

TEST_F(TrainerTest, ProgressShowsTheSampledJumpAndTheLossTerms) {
  std::unique_ptr<Trainer> trainer = MakeTrainer(RunDir("progress"));
  std::vector<ProgressInfo> seen;
  ASSERT_TRUE(
      trainer->Run([&](const ProgressInfo& info) { seen.push_back(info); }, 150)
          .ok());
  for (const ProgressInfo& info : seen) {
    EXPECT_GE(info.jump, 1);
    EXPECT_LE(info.jump, info.max_jump);
    EXPECT_EQ(info.max_jump,
              MaxJumpAt(LINEAR, static_cast<int>(info.step - 1), 300, 10));
    EXPECT_TRUE(info.has_actions);
    EXPECT_DOUBLE_EQ(info.batch_loss, info.batch_prediction_loss +
                                          1.0 * info.batch_action_variance);
  }
  ProgressInfo info = seen.back();
  info.batch_prediction_loss = 0.012;
  info.batch_action_variance = 3.4e-4;
  info.jump = 3;
  info.max_jump = 6;
  info.last_evaluation = nullptr;
  EXPECT_EQ(DescribeProgress(info),
            "step 150/300  sampled jump 3 (max 6)  loss 1.200e-02 + 1 * "
            "3.400e-04");
  info.has_actions = false;
  EXPECT_EQ(DescribeProgress(info),
            "step 150/300  sampled jump 3 (max 6)  loss 1.200e-02");
  EXPECT_EQ(DescribeLossTerms(trainer->options(), true),
            "loss = prediction + lambda * action variance (lambda = 1)");
  TrainingOptions multi = trainer->options();
  multi.prediction_targets = TrainingConfig::EVERY_STEP_TO_JUMP;
  EXPECT_EQ(DescribeLossTerms(multi, false),
            "loss = prediction (the mean over jumps 1..J)");
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

// Issue 24: a line cut off in the middle of metrics.jsonl (not by our
// appends, which only ever cut the last one) was kept by --extend_to.
TEST_F(TrainerTest, ResumeRefusesALineCutOffInTheMiddle) {
  const std::string dir = RunDir("cut_in_middle");
  ASSERT_TRUE(MakeTrainer(dir)->Run(nullptr, 100).ok());
  const std::string complete = ReadAll(dir + "/metrics.jsonl");
  std::ofstream(dir + "/metrics.jsonl")
      << "{\"step\": 50, \"jump\": 2, \"train_lo\n"
      << complete;
  absl::Status status = MakeTrainer(dir)->Resume();
  EXPECT_THAT(status.message(),
              HasSubstr("/metrics.jsonl:1: malformed line: {\"step\": 50, "
                        "\"jump\": 2, \"train_lo (not a whole JSON object; "
                        "only the last line may be cut off"));
  EXPECT_EQ(
      ReadAll(dir + "/metrics.jsonl").substr(0, 30),
      std::string("{\"step\": 50, \"jump\": 2, \"train_lo\n").substr(0, 30));
}

// Issue 24: a dataset whose states do not move (data_gen
// --set=simulation.time_step=1e-320) trained "successfully", and huge values
// were reported as a diverged training; the data is now checked first.
TEST_F(TrainerTest, RefusesDataThatDoesNotMoveOrIsTooLarge) {
  Experiment experiment;
  ASSERT_TRUE(ParseTextProto(kConfig, "test", &experiment).ok());
  data_gen::Dataset still = *dataset_;
  // Trajectories that differ from each other, each standing still.
  still.q.push_back(still.q[0] * 2);
  still.p.push_back(still.p[0] * 2);
  still.energy.conservativeResize(still.q.size(), Eigen::NoChange);
  still.energy.row(still.q.size() - 1) = still.energy.row(0) * 4;
  for (size_t k = 0; k < still.q.size(); ++k) {
    still.q[k].rowwise() = still.q[k].row(0).eval();
    still.p[k].rowwise() = still.p[k].row(0).eval();
  }
  absl::StatusOr<std::unique_ptr<Trainer>> trainer =
      Trainer::Create(experiment, "", still, "still.h5", RunDir("still"));
  EXPECT_THAT(trainer.status().message(),
              HasSubstr("still.h5: the training states do not change: every "
                        "coordinate is constant along each trajectory's"));
  data_gen::Dataset huge = *dataset_;
  for (size_t k = 0; k < huge.q.size(); ++k) {
    huge.q[k] *= 1e300;
    huge.p[k] *= 1e300;
  }
  trainer = Trainer::Create(experiment, "", huge, "huge.h5", RunDir("huge"));
  EXPECT_THAT(trainer.status().message(),
              HasSubstr("huge.h5: training state values reach"));
  EXPECT_THAT(trainer.status().message(),
              HasSubstr("larger than 1e+100, whose squares leave double's "
                        "range"));
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
  // In float32 the flow overflows first (a non-finite loss, its own test);
  // this one is about Adam's moments.
  config->experiment.mutable_model()
      ->mutable_action_angle()
      ->mutable_encoder()
      ->mutable_flow()
      ->set_precision(SymplecticFlowConfig::FLOAT64);
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

  ASSERT_TRUE(ParseTextProto(kConfig, "test", &experiment).ok());
  experiment.mutable_training()->add_selection_jumps(11);  // max_jump is 10
  trainer = Trainer::Create(experiment, "", *dataset_, "d.h5", RunDir("bad"));
  ASSERT_FALSE(trainer.ok());
  EXPECT_THAT(trainer.status().message(),
              HasSubstr("training.selection_jumps"));
}

}  // namespace
}  // namespace aanet::train
