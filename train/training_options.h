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
  double action_variance_weight = 0;
  int eval_every = 0;
  std::vector<int> test_jumps;
  int checkpoint_every = 0;
  uint64_t seed = 0;
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
absl::StatusOr<TrainingOptions> ResolveTrainingOptions(
    const TrainingConfig& config, int num_samples);

}  // namespace aanet::train

#endif  // AANET_TRAIN_TRAINING_OPTIONS_H_
