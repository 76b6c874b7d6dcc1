// The training settings of an Experiment config, validated and resolved
// against a dataset into concrete numbers.
#ifndef AANET_TRAIN_TRAINING_OPTIONS_H_
#define AANET_TRAIN_TRAINING_OPTIONS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/experiment.pb.h"

namespace aanet::train {

struct TrainingOptions {
  int num_steps = 0;
  int batch_size = 0;
  double learning_rate = 0;
  int num_train_samples = 0;  // per trajectory
  int num_test_samples = 0;   // per trajectory
  int max_jump = 0;  // capped at num_train_samples - 1 (see Resolve...)
  JumpSchedule jump_schedule = LINEAR;
  int jump_ramp_steps = 0;  // LINEAR: jump_ramp_steps, default num_steps
  double action_variance_weight = 0;
  int eval_every = 0;
  int eval_every_after_ramp = 0;  // 0: off
  std::vector<int> test_jumps;
  int checkpoint_every = 0;
  uint64_t seed = 0;
  TrainingConfig::BatchRule batch_rule =
      TrainingConfig::MIN_OF_BATCH_SIZE_AND_PAIRS;
  TrainingConfig::BestStateRule best_state =
      TrainingConfig::TRAIN_LOSS_AT_FIXED_JUMPS;
  std::vector<int> selection_jumps;  // resolved: never empty, each <= max_jump
  // As configured: each >= 0, none repeated. Checked against the dataset's
  // trajectories by data_gen::MakeTrajectorySplit (Trainer::Create).
  std::vector<int> held_out_trajectories;
  // SINGLE_STEP or EVERY_STEP_TO_JUMP (models/prediction_loss.h,
  // MultiStepPredictionLoss).
  TrainingConfig::PredictionTargets prediction_targets =
      TrainingConfig::SINGLE_STEP;
  // training.noise (train/noise.h): std 0 draws nothing, so such a run is
  // the clean run bit for bit; seed defaults to training.seed.
  NoiseConfig::Model noise_model = NoiseConfig::NO_NOISE;
  NoiseConfig::Type noise_type = NoiseConfig::UNCORRELATED;
  double noise_std = 0;
  uint64_t noise_seed = 0;
};

// Largest training.batch_size accepted (1000 times the published 100), so
// that a typo fails validation instead of exhausting memory.
inline constexpr int kMaxBatchSize = 100000;

// Checks `config` and resolves it for a dataset of `num_samples` samples per
// trajectory: train_split_proportion p gives round(p * num_samples) training
// samples. Every field but seed, jump_schedule and checkpoint_every (default:
// num_steps / 10) must be set. Errors name the field, e.g.
// "training.batch_size: must be set and >= 1, got 0" (or "must be <= 100000").
// A max_jump that leaves no training pair (>= num_train_samples) is lowered to
// num_train_samples - 1, so tiny training sets still train.
// held_out_trajectories is checked as far as it can be without the dataset:
// "training.held_out_trajectories: -1 is not a trajectory index (must be >=
// 0)", "...: 3 is listed more than once". training.noise: std finite and
// >= 0, set exactly when a noise model is chosen (errors name
// `training.noise.std` or `training.noise.model`).
absl::StatusOr<TrainingOptions> ResolveTrainingOptions(
    const TrainingConfig& config, int num_samples);

// Whether training logs an evaluation after `step` steps (1-based): every
// eval_every steps, every eval_every_after_ramp steps after RampEndStep, and
// at the last step.
bool IsEvaluationStep(const TrainingOptions& options, int64_t step);

// Extending a run to `num_steps` steps: raises training.num_steps and, if
// unset, fixes training.jump_ramp_steps at the current num_steps, so that
// the steps already trained keep their jump schedule and the added ones draw
// from the full 1..max_jump (LINEAR; CONSTANT ignores the ramp). Extending
// to the current num_steps changes nothing. InvalidArgument if `num_steps` is
// below training.num_steps.
absl::Status ExtendTrainingConfig(int num_steps, Experiment& experiment);

// Whether a run of `config` may continue the checkpoint of a run of
// `recorded`: the two are equal, or `config` is `recorded` extended
// (ExtendTrainingConfig) to some num_steps.
bool ContinuesConfig(const Experiment& config, const Experiment& recorded);

}  // namespace aanet::train

#endif  // AANET_TRAIN_TRAINING_OPTIONS_H_
