#include "train/training_options.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "status/status_macros.h"
#include "train/jump_schedule.h"

namespace aanet::train {
namespace {

absl::Status AtLeast(const char* field, bool has, int64_t value,
                     int64_t minimum) {
  if (!has || value < minimum) {
    return absl::InvalidArgumentError(
        absl::StrFormat("training.%s: must be set and >= %d, got %d", field,
                        minimum, has ? value : 0));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TrainingOptions> ResolveTrainingOptions(
    const TrainingConfig& config, int num_samples) {
  absl::Status status;
  status.Update(
      AtLeast("num_steps", config.has_num_steps(), config.num_steps(), 1));
  status.Update(
      AtLeast("batch_size", config.has_batch_size(), config.batch_size(), 1));
  if (config.batch_size() > kMaxBatchSize) {
    status.Update(absl::InvalidArgumentError(
        absl::StrFormat("training.batch_size: must be <= %d, got %d",
                        kMaxBatchSize, config.batch_size())));
  }
  status.Update(AtLeast("num_test_samples", config.has_num_test_samples(),
                        config.num_test_samples(), 2));
  status.Update(
      AtLeast("max_jump", config.has_max_jump(), config.max_jump(), 1));
  status.Update(
      AtLeast("eval_every", config.has_eval_every(), config.eval_every(), 1));
  AANET_RETURN_IF_ERROR(status);
  if (!config.has_learning_rate() || !(config.learning_rate() > 0) ||
      !std::isfinite(config.learning_rate())) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "training.learning_rate: must be set, finite and > 0, got %g",
        config.learning_rate()));
  }
  if (!config.has_action_variance_weight() ||
      !(config.action_variance_weight() >= 0) ||
      !std::isfinite(config.action_variance_weight())) {
    return absl::InvalidArgumentError(
        "training.action_variance_weight: must be set, finite and >= 0");
  }
  if (config.test_jumps().empty()) {
    return absl::InvalidArgumentError(
        "training.test_jumps: must list at least one jump");
  }
  TrainingOptions options;
  for (int jump : config.test_jumps()) {
    if (jump < 1 || jump >= config.num_test_samples()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "training.test_jumps: %d must be in [1, num_test_samples - 1 = %d]",
          jump, config.num_test_samples() - 1));
    }
    options.test_jumps.push_back(jump);
  }
  switch (config.train_size_case()) {
    case TrainingConfig::kTrainSplitProportion: {
      const double p = config.train_split_proportion();
      if (!(p > 0 && p < 1)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "training.train_split_proportion: must be in (0, 1), got %g", p));
      }
      options.num_train_samples =
          static_cast<int>(std::lround(p * num_samples));
      break;
    }
    case TrainingConfig::kNumTrainSamples:
      options.num_train_samples = config.num_train_samples();
      break;
    case TrainingConfig::TRAIN_SIZE_NOT_SET:
      return absl::InvalidArgumentError(
          "training: set train_split_proportion or num_train_samples");
  }
  if (options.num_train_samples < 2) {
    return absl::InvalidArgumentError(
        absl::StrFormat("training: %d training samples; at least 2 are needed",
                        options.num_train_samples));
  }
  if (options.num_train_samples + config.num_test_samples() > num_samples) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "training: %d training + %d test samples exceed the dataset's %d "
        "samples per trajectory",
        options.num_train_samples, config.num_test_samples(), num_samples));
  }
  if (config.jump_schedule() != LINEAR && config.jump_schedule() != CONSTANT &&
      config.jump_schedule() != FIXED) {
    return absl::InvalidArgumentError(
        "training.jump_schedule: expected LINEAR, CONSTANT or FIXED");
  }
  options.num_steps = config.num_steps();
  options.batch_size = config.batch_size();
  options.learning_rate = config.learning_rate();
  options.num_test_samples = config.num_test_samples();
  options.max_jump = std::min(config.max_jump(), options.num_train_samples - 1);
  options.jump_schedule = config.jump_schedule();
  if (config.has_jump_ramp_steps() && config.jump_ramp_steps() < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("training.jump_ramp_steps: must be >= 1, got %d",
                        config.jump_ramp_steps()));
  }
  options.jump_ramp_steps = config.has_jump_ramp_steps()
                                ? config.jump_ramp_steps()
                                : config.num_steps();
  options.action_variance_weight = config.action_variance_weight();
  options.eval_every = config.eval_every();
  if (config.eval_every_after_ramp() < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("training.eval_every_after_ramp: must be >= 0, got %d",
                        config.eval_every_after_ramp()));
  }
  options.eval_every_after_ramp = config.eval_every_after_ramp();
  options.checkpoint_every = config.has_checkpoint_every()
                                 ? config.checkpoint_every()
                                 : std::max(1, config.num_steps() / 10);
  if (options.checkpoint_every < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("training.checkpoint_every: must be >= 1, got %d",
                        config.checkpoint_every()));
  }
  options.seed = config.seed();
  options.batch_rule = config.batch_rule();
  options.best_state = config.best_state();
  // Open enums parse any number: name the field rather than train silently
  // as one mode or the other.
  if (!TrainingConfig::PredictionTargets_IsValid(config.prediction_targets())) {
    return absl::InvalidArgumentError(
        absl::StrFormat("training.prediction_targets: expected SINGLE_STEP or "
                        "EVERY_STEP_TO_JUMP, got %d",
                        static_cast<int>(config.prediction_targets())));
  }
  options.prediction_targets = config.prediction_targets();
  if (config.selection_jumps().empty()) {
    for (int jump : {1, 2, 5, 10}) {
      if (jump < options.max_jump) options.selection_jumps.push_back(jump);
    }
    options.selection_jumps.push_back(options.max_jump);
  } else {
    for (int jump : config.selection_jumps()) {
      if (jump < 1 || jump > options.max_jump) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "training.selection_jumps: each must be in 1..max_jump (%d), got "
            "%d",
            options.max_jump, jump));
      }
      options.selection_jumps.push_back(jump);
    }
  }
  for (int k : config.held_out_trajectories()) {
    if (k < 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "training.held_out_trajectories: %d is not a trajectory index "
          "(must be >= 0)",
          k));
    }
    if (std::find(options.held_out_trajectories.begin(),
                  options.held_out_trajectories.end(),
                  k) != options.held_out_trajectories.end()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "training.held_out_trajectories: %d is listed more than once", k));
    }
    options.held_out_trajectories.push_back(k);
  }
  const NoiseConfig& noise = config.noise();
  if (!NoiseConfig::Model_IsValid(noise.model())) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "training.noise.model: expected NO_NOISE, PUBLISHED_INPUT_NOISE or "
        "OBSERVATION, got %d",
        noise.model()));
  }
  if (!NoiseConfig::Type_IsValid(noise.type())) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "training.noise.type: expected UNCORRELATED or RANDOM_WALK, got %d",
        noise.type()));
  }
  if (noise.has_std() && (!std::isfinite(noise.std()) || !(noise.std() >= 0))) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "training.noise.std: must be finite and >= 0, got %g", noise.std()));
  }
  if (noise.model() == NoiseConfig::NO_NOISE && noise.std() > 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("training.noise.std: %g needs training.noise.model "
                        "PUBLISHED_INPUT_NOISE or OBSERVATION (it is NO_NOISE)",
                        noise.std()));
  }
  if (noise.model() != NoiseConfig::NO_NOISE && !noise.has_std()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "training.noise.std: must be set (>= 0) with training.noise.model %s",
        NoiseConfig::Model_Name(noise.model())));
  }
  options.noise_model = noise.model();
  options.noise_type = noise.type();
  options.noise_std = noise.std();
  options.noise_seed = noise.has_seed() ? noise.seed() : config.seed();
  return options;
}

bool IsEvaluationStep(const TrainingOptions& options, int64_t step) {
  if (step % options.eval_every == 0 || step == options.num_steps) return true;
  return options.eval_every_after_ramp > 0 &&
         step > RampEndStep(options.jump_schedule, options.jump_ramp_steps,
                            options.max_jump) &&
         step % options.eval_every_after_ramp == 0;
}

absl::Status ExtendTrainingConfig(int num_steps, Experiment& experiment) {
  TrainingConfig& training = *experiment.mutable_training();
  if (num_steps < training.num_steps()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cannot extend to %d steps: the run already has training.num_steps = "
        "%d",
        num_steps, training.num_steps()));
  }
  if (num_steps == training.num_steps()) return absl::OkStatus();
  if (!training.has_jump_ramp_steps()) {
    training.set_jump_ramp_steps(training.num_steps());
  }
  training.set_num_steps(num_steps);
  return absl::OkStatus();
}

bool ContinuesConfig(const Experiment& config, const Experiment& recorded) {
  Experiment extended = recorded;
  if (!ExtendTrainingConfig(config.training().num_steps(), extended).ok()) {
    return false;
  }
  return google::protobuf::util::MessageDifferencer::Equals(config, extended);
}

}  // namespace aanet::train
