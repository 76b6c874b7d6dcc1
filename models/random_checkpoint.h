// Checkpoints of generic (randomly parameterised) models, for the tests of
// what reads checkpoints: the predictor, evaluation, predict's outputs.
#ifndef AANET_MODELS_RANDOM_CHECKPOINT_H_
#define AANET_MODELS_RANDOM_CHECKPOINT_H_

#include <cstdint>
#include <string>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "models/checkpoint.h"

namespace aanet::testing {

// The checkpoint of the model that `config` (an Experiment in text format)
// describes, on mean.size() / 2 degrees of freedom with the scaler (mean,
// scale), every parameter drawn from N(0, stddev^2) with `seed`
// (RandomizeParameters). Step 1; callers set the other fields they need
// (step, dataset_path, dataset_config_text) before writing it. An error if
// the config does not parse or describes no model.
absl::StatusOr<Checkpoint> RandomCheckpoint(const std::string& config,
                                            const Eigen::RowVectorXd& mean,
                                            const Eigen::RowVectorXd& scale,
                                            double stddev, uint64_t seed);

}  // namespace aanet::testing

#endif  // AANET_MODELS_RANDOM_CHECKPOINT_H_
