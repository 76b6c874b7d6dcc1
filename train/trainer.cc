#include "train/trainer.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/stop_signals.h"
#include "fileio/text_file.h"
#include "google/protobuf/util/json_util.h"
#include "models/checkpoint.h"
#include "models/named_parameters.h"
#include "models/prediction_loss.h"
#include "proto/text_config.h"
#include "status/status_macros.h"
#include "train/jump_schedule.h"
#include "train/loss.h"
#include "train/noise.h"

namespace aanet::train {
namespace {

namespace fs = std::filesystem;

constexpr char kCheckpointFile[] = "checkpoint.h5";
constexpr char kBestFile[] = "best.h5";
constexpr char kMetricsFile[] = "metrics.jsonl";
constexpr char kConfigFile[] = "config.pbtxt";
constexpr char kTimingFile[] = "timing.json";

double ProcessCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

// Random streams of a run, derived from its seed.
constexpr uint64_t kInitStream = 0;
constexpr uint64_t kBatchStream = 1;

std::string Json(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return absl::StrFormat("%.17g", value);
}

std::string JsonLosses(const std::map<int, double>& losses) {
  std::vector<std::string> items;
  for (const auto& [jump, loss] : losses) {
    items.push_back(absl::StrFormat("\"%d\": %s", jump, Json(loss)));
  }
  return absl::StrCat("{", absl::StrJoin(items, ", "), "}");
}

// `split`: only when trajectories are held out are the split and the
// held-out test losses recorded, so one-trajectory logs keep their form.
std::string MetricsLine(const Evaluation& e,
                        const data_gen::TrajectorySplit& split) {
  std::string held_out;
  if (!split.held_out.empty()) {
    held_out = absl::StrFormat(
        ", \"train_trajectories\": %d, \"held_out_trajectories\": [%s], "
        "\"held_out_test_loss\": %s",
        split.train.size(), absl::StrJoin(split.held_out, ", "),
        JsonLosses(e.held_out_test_losses));
  }
  return absl::StrFormat(
      "{\"step\": %d, \"jump\": %d, \"train_loss\": %s, "
      "\"train_prediction_loss\": %s, \"train_action_variance\": %s, "
      "\"test_loss\": %s, \"selection_loss\": %s, \"best_step\": %d, "
      "\"best_loss\": %s%s}",
      e.step, e.jump, Json(e.train_loss), Json(e.train_prediction_loss),
      Json(e.train_action_variance), JsonLosses(e.test_losses),
      Json(e.selection_loss), e.best_step, Json(e.best_loss), held_out);
}

}  // namespace

std::string DescribeProgress(const ProgressInfo& info) {
  std::string text =
      absl::StrFormat("step %d/%d  sampled jump %d (max %d)  ", info.step,
                      info.num_steps, info.jump, info.max_jump);
  if (info.has_actions) {
    absl::StrAppendFormat(
        &text, "loss %.3e + %g * %.3e", info.batch_prediction_loss,
        info.action_variance_weight, info.batch_action_variance);
  } else {
    absl::StrAppendFormat(&text, "loss %.3e", info.batch_prediction_loss);
  }
  if (info.last_evaluation != nullptr &&
      !info.last_evaluation->test_losses.empty()) {
    const auto& first = *info.last_evaluation->test_losses.begin();
    absl::StrAppendFormat(&text, "  test@%d %.3e", first.first, first.second);
  }
  return text;
}

std::string DescribeTrajectories(const data_gen::TrajectorySplit& split) {
  if (split.held_out.empty()) {
    return absl::StrFormat("%d trajectories", split.train.size());
  }
  return absl::StrFormat("%d training trajectories, %d held out (%s)",
                         split.train.size(), split.held_out.size(),
                         absl::StrJoin(split.held_out, ", "));
}

std::string DescribeLossTerms(const TrainingOptions& options,
                              bool has_actions) {
  const std::string prediction =
      options.prediction_targets == TrainingConfig::EVERY_STEP_TO_JUMP
          ? "prediction (the mean over jumps 1..J)"
          : "prediction";
  if (!has_actions) return absl::StrCat("loss = ", prediction);
  return absl::StrFormat("loss = %s + lambda * action variance (lambda = %g)",
                         prediction, options.action_variance_weight);
}

namespace {

// Data a model cannot learn from is refused before training and named as a
// data problem, rather than reported later as a diverged training.
absl::Status CheckTrainingStates(const Eigen::MatrixXd& states,
                                 Eigen::Index per_trajectory,
                                 const std::string& dataset_path,
                                 double time_step) {
  // Beyond this, squares (variances, energies, losses in original units)
  // overflow double.
  constexpr double kMaxMagnitude = 1e100;
  // Relative to a coordinate's magnitude: a range below it is rounding.
  constexpr double kConstant = 1e-12;
  const Eigen::Index n = states.cols() / 2;
  auto name = [n](Eigen::Index c) {
    return absl::StrCat(c < n ? "q_" : "p_", c % n);
  };
  for (Eigen::Index c = 0; c < states.cols(); ++c) {
    for (Eigen::Index r = 0; r < states.rows(); ++r) {
      const double value = states(r, c);
      if (!std::isfinite(value) || std::abs(value) > kMaxMagnitude) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s: training state values reach %g (%s), larger than %g, whose "
            "squares leave double's range; rescale the system",
            dataset_path, value, name(c), kMaxMagnitude));
      }
    }
  }
  // Along each trajectory: trajectories that differ but do not move have
  // no dynamics either.
  for (Eigen::Index begin = 0; begin + per_trajectory <= states.rows();
       begin += per_trajectory) {
    const Eigen::MatrixXd block = states.middleRows(begin, per_trajectory);
    for (Eigen::Index c = 0; c < block.cols(); ++c) {
      const double range = block.col(c).maxCoeff() - block.col(c).minCoeff();
      if (range > kConstant * block.col(c).cwiseAbs().maxCoeff()) {
        return absl::OkStatus();
      }
    }
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s: the training states do not change: every coordinate is constant "
      "along each trajectory's %d training samples (to a relative %g; the "
      "sample time step is %g), so there are no dynamics to learn",
      dataset_path, per_trajectory, kConstant, time_step));
}

}  // namespace

bool IsCompleteJsonObjectLine(const std::string& line) {
  if (line.size() < 2 || line.front() != '{' || line.back() != '}') {
    return false;
  }
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth < 0) return false;
      if (depth == 0 && i + 1 != line.size()) return false;
    }
  }
  return depth == 0 && !in_string;
}

absl::StatusOr<std::unique_ptr<Trainer>> Trainer::Create(
    const Experiment& experiment, const std::string& config_text,
    const data_gen::Dataset& dataset, const std::string& dataset_path,
    const std::string& run_dir) {
  std::unique_ptr<Trainer> trainer(new Trainer());
  trainer->experiment_ = experiment;
  trainer->config_text_ = config_text;
  trainer->dataset_path_ = dataset_path;
  trainer->run_dir_ = run_dir;
  trainer->dataset_ = &dataset;
  trainer->dataset_hash_ = data_gen::DatasetHash(dataset);

  AANET_ASSIGN_OR_RETURN(
      TrainingOptions options,
      ResolveTrainingOptions(experiment.training(), dataset.num_samples()));
  trainer->options_ = std::move(options);

  AANET_ASSIGN_OR_RETURN(
      data_gen::TimeSplit split,
      data_gen::MakeTimeSplit(dataset, trainer->options_.num_train_samples,
                              trainer->options_.num_test_samples));
  trainer->split_ = split;
  AANET_ASSIGN_OR_RETURN(trainer->trajectory_split_,
                         data_gen::MakeTrajectorySplit(
                             dataset.num_trajectories(),
                             experiment.training().held_out_trajectories()));
  // Held-out trajectories are in no statistic of training (the scaler
  // included): they are to be judged as data never seen.
  const Eigen::MatrixXd training_states = data_gen::RangeStates(
      dataset, split.train, trainer->trajectory_split_.train);
  AANET_RETURN_IF_ERROR(CheckTrainingStates(
      training_states, split.train.count, dataset_path,
      dataset.num_samples() > 1 ? dataset.t[1] - dataset.t[0] : 1.0));

  // A warm start keeps the scaler its parameters were trained with, so that
  // the network starts as the same function of the physical states.
  const std::string& init_from = experiment.training().init_from();
  std::optional<Checkpoint> initial;
  if (!init_from.empty()) {
    absl::StatusOr<Checkpoint> read = ReadCheckpoint(init_from);
    if (!read.ok()) {
      return absl::Status(
          read.status().code(),
          absl::StrCat("training.init_from: ", read.status().message()));
    }
    if (read->num_degrees_of_freedom != dataset.num_degrees_of_freedom()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "training.init_from: %s has %d degrees of freedom, the dataset %d",
          init_from, read->num_degrees_of_freedom,
          dataset.num_degrees_of_freedom()));
    }
    initial = *std::move(read);
    trainer->scaler_ =
        StandardScaler(initial->scaler_mean, initial->scaler_scale);
  }
  Eigen::MatrixXd fit_states = training_states;
  if (HasObservationNoise(trainer->options_)) {
    // std is in units of the clean training split's deviations; the scaler
    // is then fitted on the noisy series, as on measured data.
    AANET_ASSIGN_OR_RETURN(const StandardScaler clean,
                           StandardScaler::Fit(training_states));
    trainer->noisy_dataset_ = std::make_unique<const data_gen::Dataset>(
        AddObservationNoise(trainer->options_, dataset, split.train,
                            trainer->trajectory_split_.train, clean.scale()));
    fit_states = data_gen::RangeStates(*trainer->noisy_dataset_, split.train,
                                       trainer->trajectory_split_.train);
  }
  if (!initial.has_value()) {
    AANET_ASSIGN_OR_RETURN(StandardScaler scaler,
                           StandardScaler::Fit(fit_states));
    trainer->scaler_ = std::move(scaler);
  }

  const uint64_t seed = trainer->options_.seed;
  Random init_random(Random::DeriveSeed(seed, kInitStream));
  AANET_ASSIGN_OR_RETURN(
      trainer->model_,
      CreateModel(experiment.model(),
                  ModelContext{dataset.num_degrees_of_freedom(),
                               trainer->scaler_.scale()},
                  init_random));
  if (initial.has_value()) {
    ad::ParameterStore& store = trainer->model_->parameters();
    absl::StatusOr<Eigen::VectorXd> values =
        FromNamed(store, initial->parameters, init_from);
    if (!values.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("training.init_from: ", values.status().message(),
                       " (the model config must match the checkpoint's)"));
    }
    AANET_RETURN_IF_ERROR(store.Unflatten(*values));
  }

  trainer->random_ = Random(Random::DeriveSeed(seed, kBatchStream));
  ad::AdamOptions adam_options;
  adam_options.learning_rate = trainer->options_.learning_rate;
  trainer->adam_ = ad::Adam(adam_options);
  trainer->time_step_ =
      dataset.num_samples() > 1 ? dataset.t[1] - dataset.t[0] : 1.0;
  return trainer;
}

const data_gen::StatePairs& Trainer::TrainPairs(int jump) {
  return CachedPairs(noisy_dataset_ ? *noisy_dataset_ : *dataset_, split_.train,
                     trajectory_split_.train, jump, train_pairs_);
}

const data_gen::StatePairs& Trainer::TestPairs(int jump) {
  return CachedPairs(*dataset_, split_.test, trajectory_split_.train, jump,
                     test_pairs_);
}

const data_gen::StatePairs& Trainer::HeldOutTestPairs(int jump) {
  return CachedPairs(*dataset_, split_.test, trajectory_split_.held_out, jump,
                     held_out_test_pairs_);
}

const data_gen::StatePairs& Trainer::CachedPairs(
    const data_gen::Dataset& dataset, data_gen::SampleRange range,
    const std::vector<int>& trajectories, int jump,
    std::map<int, data_gen::StatePairs>& cache) {
  auto it = cache.find(jump);
  if (it == cache.end()) {
    data_gen::StatePairs pairs =
        data_gen::MakePairs(dataset, range, jump, trajectories);
    pairs.inputs = scaler_.Transform(pairs.inputs);
    pairs.targets = scaler_.Transform(pairs.targets);
    it = cache.emplace(jump, std::move(pairs)).first;
  }
  return it->second;
}

void Trainer::SampleBatch(int jump) {
  const data_gen::StatePairs& pairs = TrainPairs(jump);
  const Eigen::Index available = pairs.inputs.rows();
  // The published rule: no more pairs per batch than the jump offers.
  const int batch =
      options_.batch_rule == TrainingConfig::MIN_OF_BATCH_SIZE_AND_PAIRS
          ? static_cast<int>(
                std::min<Eigen::Index>(options_.batch_size, available))
          : options_.batch_size;
  batch_inputs_.resize(batch, pairs.inputs.cols());
  batch_targets_.resize(batch, pairs.targets.cols());
  batch_trajectories_.resize(batch);
  batch_rows_scratch_.clear();
  // The published code noises every pair's input, then draws the batch; the
  // noise has its own stream, so the batch rows are the clean run's.
  Eigen::MatrixXd noise;
  const bool noisy = HasInputNoise(options_);
  if (noisy) noise = InputNoise(options_, pairs, step_);
  for (int i = 0; i < batch; ++i) {
    const Eigen::Index row =
        static_cast<Eigen::Index>(random_.UniformInt(available));
    batch_inputs_.row(i) = pairs.inputs.row(row);
    if (noisy) batch_inputs_.row(i) += noise.row(row);
    batch_targets_.row(i) = pairs.targets.row(row);
    batch_trajectories_[i] = pairs.trajectories[row];
    if (multi_step()) batch_rows_scratch_.push_back(row);
  }
  if (!multi_step()) return;
  // The same rows' states 1..J samples on: no draw beyond single-step's, so
  // both modes see the same inputs for a seed.
  batch_step_targets_.resize(jump);
  for (int j = 1; j <= jump; ++j) {
    const Eigen::MatrixXd& targets = TrainPairs(j).targets;
    Eigen::MatrixXd& out = batch_step_targets_[j - 1];
    out.resize(batch, targets.cols());
    for (int i = 0; i < batch; ++i) {
      out.row(i) = targets.row(PairRow(batch_rows_scratch_[i], jump, j));
    }
  }
}

Eigen::Index Trainer::PairRow(Eigen::Index row, int jump, int j) const {
  const Eigen::Index at_jump = split_.train.count - jump;
  const Eigen::Index at_j = split_.train.count - j;
  return (row / at_jump) * at_j + row % at_jump;
}

std::vector<Eigen::MatrixXd> Trainer::MultiStepTargets(int jump) {
  const Eigen::Index rows = TrainPairs(jump).inputs.rows();
  std::vector<Eigen::MatrixXd> targets(jump);
  for (int j = 1; j <= jump; ++j) {
    const Eigen::MatrixXd& at_j = TrainPairs(j).targets;
    targets[j - 1].resize(rows, at_j.cols());
    for (Eigen::Index row = 0; row < rows; ++row) {
      targets[j - 1].row(row) = at_j.row(PairRow(row, jump, j));
    }
  }
  return targets;
}

double Trainer::Step(const Eigen::MatrixXd& inputs,
                     const Eigen::MatrixXd& targets,
                     absl::Span<const int> trajectories, int jump) {
  tape_.Clear();
  ad::Var x = tape_.Constant(inputs);
  ad::Var y = tape_.Constant(targets);
  const ForwardResult forward = model_->Forward(tape_, x, jump * time_step_);
  return FinishStep(
      ComputeLoss(forward, y, trajectories, options_.action_variance_weight));
}

double Trainer::MultiStep(const Eigen::MatrixXd& inputs,
                          absl::Span<const Eigen::MatrixXd> targets,
                          absl::Span<const int> trajectories) {
  tape_.Clear();
  ad::Var x = tape_.Constant(inputs);
  std::vector<ad::Var> y;
  y.reserve(targets.size());
  for (const Eigen::MatrixXd& target : targets) {
    y.push_back(tape_.Constant(target));
  }
  const GridForwardResult forward = model_->ForwardGrid(
      tape_, x, time_step_, static_cast<int>(targets.size()));
  return FinishStep(ComputeMultiStepLoss(forward, y, trajectories,
                                         options_.action_variance_weight));
}

double Trainer::FinishStep(const LossTerms& loss) {
  const double value = loss.total.scalar();
  last_prediction_ = loss.prediction.scalar();
  last_has_actions_ = loss.action_variance.valid();
  last_action_variance_ =
      last_has_actions_ ? loss.action_variance.scalar() : 0.0;
  if (!std::isfinite(value)) return value;  // no update from a broken loss
  model_->parameters().ZeroGrad();
  tape_.Backward(loss.total);
  adam_.Step(model_->parameters());
  return value;
}

Evaluation Trainer::Evaluate(int jump) {
  Evaluation e;
  e.step = step_;
  e.jump = jump;
  const data_gen::StatePairs& train = TrainPairs(jump);
  tape_.Clear();
  LossTerms loss;
  if (multi_step()) {
    // The training loss the steps minimise: every step to the jump.
    std::vector<ad::Var> targets;
    for (const Eigen::MatrixXd& target : MultiStepTargets(jump)) {
      targets.push_back(tape_.Constant(target));
    }
    const GridForwardResult forward = model_->ForwardGrid(
        tape_, tape_.Constant(train.inputs), time_step_, jump);
    loss = ComputeMultiStepLoss(forward, targets, train.trajectories,
                                options_.action_variance_weight);
  } else {
    const ForwardResult forward =
        model_->Forward(tape_, tape_.Constant(train.inputs), jump * time_step_);
    loss = ComputeLoss(forward, tape_.Constant(train.targets),
                       train.trajectories, options_.action_variance_weight);
  }
  e.train_loss = loss.total.scalar();
  e.train_prediction_loss = loss.prediction.scalar();
  e.train_action_variance =
      loss.action_variance.valid() ? loss.action_variance.scalar() : 0.0;
  for (int test_jump : options_.test_jumps) {
    const data_gen::StatePairs& test = TestPairs(test_jump);
    e.test_losses[test_jump] = PredictionLoss(
        model_->Predict(test.inputs, test_jump * time_step_), test.targets);
    if (!trajectory_split_.held_out.empty()) {
      const data_gen::StatePairs& held_out = HeldOutTestPairs(test_jump);
      e.held_out_test_losses[test_jump] = PredictionLoss(
          model_->Predict(held_out.inputs, test_jump * time_step_),
          held_out.targets);
    }
  }
  if (options_.best_state == TrainingConfig::TRAIN_LOSS_AT_FIXED_JUMPS) {
    double sum = 0;
    for (int jump : options_.selection_jumps) {
      const data_gen::StatePairs& train_pairs = TrainPairs(jump);
      if (multi_step()) {
        // The same multi-step loss as training's, on values.
        sum += MultiStepPredictionLoss(
            model_->PredictGrid(train_pairs.inputs, time_step_, jump),
            MultiStepTargets(jump));
        continue;
      }
      sum +=
          PredictionLoss(model_->Predict(train_pairs.inputs, jump * time_step_),
                         train_pairs.targets);
    }
    e.selection_loss =
        sum / static_cast<double>(options_.selection_jumps.size());
  } else {
    e.selection_loss = e.train_loss;
  }
  return e;
}

MemoryEstimate Trainer::EstimateMemory() {
  const data_gen::StatePairs& train = TrainPairs(1);  // the most pairs
  const double dt = options_.max_jump * time_step_;
  auto tape_bytes = [&](int rows) {
    ad::Tape tape;
    const Eigen::MatrixXd states = train.inputs.topRows(1).replicate(rows, 1);
    if (multi_step()) {
      // max_jump predictions per state (and per-segment solves).
      model_->ForwardGrid(tape, tape.Constant(states), time_step_,
                          options_.max_jump);
    } else {
      model_->Forward(tape, tape.Constant(states), dt);
    }
    double values = 0;
    for (int i = 0; i < tape.size(); ++i) {
      values += static_cast<double>(tape.value(i).size());
    }
    return 8 * values;
  };
  const double one = tape_bytes(1);
  const double two = tape_bytes(2);
  MemoryEstimate estimate;
  estimate.bytes_per_row = std::max(two - one, 0.0);
  if (multi_step()) {
    // And its max_jump targets, on the tape beside the predictions.
    estimate.bytes_per_row +=
        8.0 * options_.max_jump * static_cast<double>(train.targets.cols());
  }
  const double fixed = std::max(one - estimate.bytes_per_row, 0.0);
  const int64_t train_rows = train.inputs.rows();
  const int64_t test_rows = static_cast<int64_t>(options_.num_test_samples) *
                            dataset_->num_trajectories();
  // The published batch rule draws no more states than the jump has pairs.
  const int64_t batch_rows =
      options_.batch_rule == TrainingConfig::MIN_OF_BATCH_SIZE_AND_PAIRS
          ? std::min<int64_t>(options_.batch_size, train_rows)
          : options_.batch_size;
  const double step_rows = 3.0 * static_cast<double>(batch_rows);
  estimate.rows = std::max(batch_rows, train_rows);
  const double parameters =
      8.0 * 5 * static_cast<double>(model_->parameters().NumScalars());
  estimate.bytes = fixed + parameters +
                   estimate.bytes_per_row *
                       (std::max(step_rows, static_cast<double>(train_rows)) +
                        static_cast<double>(test_rows));
  return estimate;
}

absl::Status Trainer::LockRunDirectory() {
  if (lock_.has_value()) return absl::OkStatus();
  AANET_ASSIGN_OR_RETURN(DirectoryLock lock, DirectoryLock::Acquire(run_dir_));
  lock_ = std::move(lock);
  return absl::OkStatus();
}

absl::Status Trainer::Run(
    const std::function<void(const ProgressInfo&)>& progress,
    int64_t stop_at_step, const std::function<bool()>& stop) {
  AANET_RETURN_IF_ERROR(LockRunDirectory());
  AANET_RETURN_IF_ERROR(WriteTextFileAtomically(
      (fs::path(run_dir_) / kConfigFile).string(), config_text_));
  // Drop log lines past the current step, e.g. from an earlier run that
  // died before its first checkpoint.
  AANET_RETURN_IF_ERROR(RewriteMetricsUpTo(step_));

  ProgressInfo info;
  info.num_steps = options_.num_steps;
  if (stop && step_ < options_.num_steps && stop()) {
    if (step_ == 0) {
      return absl::CancelledError(
          "stopped before the first step; nothing was saved");
    }
    if (checkpoint_step_ != step_) AANET_RETURN_IF_ERROR(WriteCheckpoints());
    return absl::CancelledError(absl::StrFormat(
        "stopped at step %d of %d; %s holds it", step_, options_.num_steps,
        (fs::path(run_dir_) / kCheckpointFile).string()));
  }
  while (step_ < options_.num_steps &&
         (stop_at_step < 0 || step_ < stop_at_step)) {
    // Timed from the draw of the jump to the divergence check: the cost of
    // a step, without evaluations and checkpoints.
    const auto wall_start = std::chrono::steady_clock::now();
    const double cpu_start = ProcessCpuSeconds();
    const int jump =
        SampleJump(options_.jump_schedule, static_cast<int>(step_),
                   options_.jump_ramp_steps, options_.max_jump, random_);
    SampleBatch(jump);
    const double loss =
        multi_step()
            ? MultiStep(batch_inputs_, batch_step_targets_, batch_trajectories_)
            : Step(batch_inputs_, batch_targets_, batch_trajectories_, jump);
    std::string broken;
    if (!std::isfinite(loss)) {
      const std::string cause = model_->last_failure();
      broken = absl::StrCat("the loss is ", Json(loss),
                            cause.empty() ? "" : " (" + cause + ")");
    } else {
      broken = FirstNonFiniteState();
    }
    if (!broken.empty()) return Diverged(step_ + 1, jump, broken);
    ++step_;
    timing_.set_timed_steps(timing_.timed_steps() + 1);
    timing_.set_train_step_seconds(
        timing_.train_step_seconds() +
        std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                      wall_start)
            .count());
    timing_.set_train_step_cpu_seconds(timing_.train_step_cpu_seconds() +
                                       ProcessCpuSeconds() - cpu_start);
    const bool last = step_ == options_.num_steps;
    if (IsEvaluationStep(options_, step_)) {
      Evaluation e = Evaluate(jump);
      if (std::isfinite(e.selection_loss) &&
          (best_step_ < 0 || e.selection_loss < best_loss_)) {
        best_loss_ = e.selection_loss;
        best_step_ = step_;
        best_parameters_ = model_->parameters().Flatten();
      }
      e.best_step = best_step_;
      e.best_loss = best_loss_;
      AANET_RETURN_IF_ERROR(AppendMetrics(e));
      evaluations_.push_back(std::move(e));
      info.last_evaluation = &evaluations_.back();
    }
    if (step_ % options_.checkpoint_every == 0 || last) {
      AANET_RETURN_IF_ERROR(WriteCheckpoints());
    }
    info.step = step_;
    info.jump = jump;
    info.max_jump =
        MaxJumpAt(options_.jump_schedule, static_cast<int>(step_ - 1),
                  options_.jump_ramp_steps, options_.max_jump);
    info.batch_loss = loss;
    info.batch_prediction_loss = last_prediction_;
    info.batch_action_variance = last_action_variance_;
    info.action_variance_weight = options_.action_variance_weight;
    info.has_actions = last_has_actions_;
    if (progress) progress(info);
    if (stop && !last && stop()) {
      if (checkpoint_step_ != step_) AANET_RETURN_IF_ERROR(WriteCheckpoints());
      return absl::CancelledError(absl::StrFormat(
          "stopped at step %d of %d; %s holds it", step_, options_.num_steps,
          (fs::path(run_dir_) / kCheckpointFile).string()));
    }
  }
  return absl::OkStatus();
}

absl::Status Trainer::WriteCheckpoints() {
  CommitSection commit;
  AANET_RETURN_IF_ERROR(WriteBest());
  AANET_RETURN_IF_ERROR(WriteLatest());
  checkpoint_step_ = step_;
  return WriteTiming();
}

absl::Status Trainer::WriteTiming() {
  timing_.set_step(step_);
  const int64_t n = timing_.timed_steps();
  timing_.set_seconds_per_step(n > 0 ? timing_.train_step_seconds() / n : 0);
  timing_.set_cpu_seconds_per_step(n > 0 ? timing_.train_step_cpu_seconds() / n
                                         : 0);
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  if (!google::protobuf::util::MessageToJsonString(timing_, &json, options)
           .ok()) {
    return absl::InternalError("cannot serialise the training timing");
  }
  return WriteTextFileAtomically((fs::path(run_dir_) / kTimingFile).string(),
                                 json);
}

void Trainer::ReadTiming() {
  timing_.Clear();
  std::ifstream in(fs::path(run_dir_) / kTimingFile, std::ios::binary);
  if (!in) return;
  std::stringstream text;
  text << in.rdbuf();
  TrainingTiming recorded;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  // A file of another step (or unreadable) would count steps that the
  // resumed run trains again: start counting afresh instead.
  if (google::protobuf::util::JsonStringToMessage(text.str(), &recorded,
                                                  options)
          .ok() &&
      recorded.step() == step_) {
    timing_ = recorded;
  }
}

std::string Trainer::FirstNonFiniteState() const {
  const ad::ParameterStore& store = model_->parameters();
  // The flat index of the first non-finite entry of `values`, or -1.
  auto first_bad = [](const double* values, Eigen::Index size) {
    for (Eigen::Index i = 0; i < size; ++i) {
      if (!std::isfinite(values[i])) return i;
    }
    return Eigen::Index{-1};
  };
  for (int id = 0; id < store.size(); ++id) {
    const Eigen::MatrixXd& value = store.value(id);
    const Eigen::Index bad = first_bad(value.data(), value.size());
    if (bad >= 0) {
      return absl::StrFormat("parameter '%s' is %s at index %d", store.name(id),
                             Json(value.data()[bad]), bad);
    }
  }
  const ad::AdamState adam = adam_.ExportState(store);
  const std::pair<const char*, const Eigen::VectorXd*> moments[] = {
      {"first", &adam.m}, {"second", &adam.v}};
  for (const auto& [which, moment] : moments) {
    Eigen::Index offset = 0;
    for (int id = 0; id < store.size(); ++id) {
      const Eigen::Index size = store.value(id).size();
      if (offset + size > moment->size()) break;
      const Eigen::Index bad = first_bad(moment->data() + offset, size);
      if (bad >= 0) {
        return absl::StrFormat(
            "Adam's %s moment of parameter '%s' is %s at index %d", which,
            store.name(id), Json(moment->data()[offset + bad]), bad);
      }
      offset += size;
    }
  }
  return "";
}

absl::Status Trainer::Diverged(int64_t step, int jump,
                               const std::string& what) {
  // Keep the best state found since the last checkpoint too.
  AANET_RETURN_IF_ERROR(WriteBest());
  std::string message = absl::StrFormat(
      "training diverged at step %d (jump %d): %s; stopped", step, jump, what);
  const fs::path dir(run_dir_);
  std::vector<std::string> kept;
  if (best_step_ >= 0 && fs::exists(dir / kBestFile)) {
    kept.push_back(absl::StrFormat("%s keeps the best state so far (step %d)",
                                   (dir / kBestFile).string(), best_step_));
  }
  if (fs::exists(dir / kCheckpointFile)) {
    kept.push_back(absl::StrFormat("%s the last checkpoint",
                                   (dir / kCheckpointFile).string()));
  }
  if (kept.empty()) {
    absl::StrAppend(&message,
                    "; no state was saved (it diverged before the "
                    "first evaluation)");
  } else {
    absl::StrAppend(&message, ". ", absl::StrJoin(kept, " and "));
  }
  return absl::InternalError(message);
}

Checkpoint Trainer::CheckpointHeader() const {
  Checkpoint checkpoint;
  checkpoint.model_kind = model_->kind();
  checkpoint.config_text = config_text_;
  checkpoint.dataset_path = dataset_path_;
  checkpoint.dataset_config_text = dataset_->config_text;
  checkpoint.dataset_hash = dataset_hash_;
  checkpoint.num_degrees_of_freedom = model_->num_degrees_of_freedom();
  checkpoint.scaler_mean = scaler_.mean();
  checkpoint.scaler_scale = scaler_.scale();
  return checkpoint;
}

absl::Status Trainer::WriteBest() const {
  if (best_step_ < 0) return absl::OkStatus();
  Checkpoint checkpoint = CheckpointHeader();
  checkpoint.step = best_step_;
  checkpoint.parameters = ToNamed(model_->parameters(), best_parameters_);
  return aanet::WriteCheckpoint(checkpoint,
                                (fs::path(run_dir_) / kBestFile).string());
}

absl::Status Trainer::WriteLatest() const {
  const ad::ParameterStore& store = model_->parameters();
  Checkpoint checkpoint = CheckpointHeader();
  checkpoint.step = step_;
  checkpoint.parameters = ToNamed(store, store.Flatten());
  const ad::AdamState adam = adam_.ExportState(store);
  TrainingState training;
  if (adam.step > 0) {
    training.adam_m = ToNamed(store, adam.m);
    training.adam_v = ToNamed(store, adam.v);
  } else {
    const Eigen::VectorXd zeros = Eigen::VectorXd::Zero(store.NumScalars());
    training.adam_m = ToNamed(store, zeros);
    training.adam_v = ToNamed(store, zeros);
  }
  training.adam_step = adam.step;
  training.rng_state = random_.SaveState();
  training.best_loss = best_loss_;
  training.best_step = best_step_;
  checkpoint.training = std::move(training);
  return aanet::WriteCheckpoint(
      checkpoint, (fs::path(run_dir_) / kCheckpointFile).string());
}

absl::Status Trainer::Resume() {
  AANET_RETURN_IF_ERROR(LockRunDirectory());
  const std::string path = (fs::path(run_dir_) / kCheckpointFile).string();
  AANET_ASSIGN_OR_RETURN(Checkpoint checkpoint, ReadCheckpoint(path));
  if (checkpoint.config_text != config_text_) {
    Experiment recorded;
    const bool parsed =
        ParseTextProto(checkpoint.config_text, path, &recorded).ok();
    if (!parsed || !ContinuesConfig(experiment_, recorded)) {
      return absl::FailedPreconditionError(absl::StrCat(
          path,
          ": was written by a different config; resume with the same "
          "--config (or none: the run's own), extend it with --extend_to=N, "
          "or train into a new --out directory"));
    }
  }
  if (checkpoint.model_kind != model_->kind()) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": model_kind '", checkpoint.model_kind,
        "' does not match the config's model '", model_->kind(), "'"));
  }
  if (!checkpoint.dataset_hash.empty() &&
      checkpoint.dataset_hash != dataset_hash_) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": was trained on a different dataset than ",
                     dataset_path_, " (dataset hash ", checkpoint.dataset_hash,
                     ", this one ", dataset_hash_, ")"));
  }
  if (!checkpoint.training.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": holds no training state to resume from"));
  }
  if (checkpoint.num_degrees_of_freedom != model_->num_degrees_of_freedom() ||
      checkpoint.scaler_mean != scaler_.mean() ||
      checkpoint.scaler_scale != scaler_.scale()) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": was trained on a different dataset than ", dataset_path_));
  }
  ad::ParameterStore& store = model_->parameters();
  AANET_ASSIGN_OR_RETURN(Eigen::VectorXd values,
                         FromNamed(store, checkpoint.parameters, path));
  const TrainingState& training = *checkpoint.training;
  AANET_ASSIGN_OR_RETURN(Eigen::VectorXd m,
                         FromNamed(store, training.adam_m, path));
  AANET_ASSIGN_OR_RETURN(Eigen::VectorXd v,
                         FromNamed(store, training.adam_v, path));

  AANET_RETURN_IF_ERROR(store.Unflatten(values));
  ad::AdamState adam;
  adam.step = training.adam_step;
  adam.m = std::move(m);
  adam.v = std::move(v);
  AANET_RETURN_IF_ERROR(adam_.ImportState(adam, store));
  const absl::Status status = random_.RestoreState(training.rng_state);
  if (!status.ok())
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", status.message()));
  step_ = checkpoint.step;
  checkpoint_step_ = step_;
  best_loss_ = training.best_loss;
  best_step_ = training.best_step;
  if (best_step_ >= 0) {
    const std::string best_path = (fs::path(run_dir_) / kBestFile).string();
    AANET_ASSIGN_OR_RETURN(Checkpoint best, ReadCheckpoint(best_path));
    AANET_ASSIGN_OR_RETURN(Eigen::VectorXd best_values,
                           FromNamed(store, best.parameters, best_path));
    best_parameters_ = std::move(best_values);
  }
  ReadTiming();
  return RewriteMetricsUpTo(step_);
}

absl::Status Trainer::AppendMetrics(const Evaluation& evaluation) {
  return AppendToFile((fs::path(run_dir_) / kMetricsFile).string(),
                      MetricsLine(evaluation, trajectory_split_) + "\n");
}

absl::Status Trainer::RewriteMetricsUpTo(int64_t step) {
  const std::string path = (fs::path(run_dir_) / kMetricsFile).string();
  std::ifstream in(path);
  if (!in) return absl::OkStatus();  // nothing logged yet
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  // A crash while appending can cut the last line off: drop it.
  if (!lines.empty() && !IsCompleteJsonObjectLine(lines.back())) {
    std::cerr << "warning: " << path << ": dropping the incomplete last line ("
              << lines.back().size() << " characters), left by an "
              << "interrupted write\n";
    lines.pop_back();
  }
  std::string kept;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    // Our appends only ever cut the last line; a cut one before it was made
    // by something else, and what else it changed is unknown: refuse.
    if (!IsCompleteJsonObjectLine(line)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", i + 1, ": malformed line: ", line.substr(0, 80),
          " (not a whole JSON object; only the last line may be cut off, by "
          "an interrupted write): refusing to rewrite the file; restore or "
          "remove that line"));
    }
    // Lines start with {"step": N, ...
    const size_t colon = line.find(':');
    const size_t comma = line.find(',');
    int64_t line_step = 0;
    if (colon == std::string::npos || comma == std::string::npos ||
        !absl::SimpleAtoi(line.substr(colon + 1, comma - colon - 1),
                          &line_step)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": malformed line: ", line));
    }
    if (line_step <= step) absl::StrAppend(&kept, line, "\n");
  }
  return WriteTextFileAtomically(path, kept);
}

}  // namespace aanet::train
