// Training checkpoints: a model's parameters and input scaler, plus (for
// resuming) the optimiser and random-number state, in one HDF5 file.
//
// Written by training; read by training (--resume) and by the inference API.
// Plain Eigen: this file does not depend on the differentiation core; a model
// maps its parameters to and from NamedMatrix by name.
//
// HDF5 layout (format_version 1). Every dataset is float64 (IEEE, 8 bytes);
// shapes are HDF5's row-major dimensions, i.e. what h5py's .shape shows; n is
// num_degrees_of_freedom, so a state has 2n coordinates:
//   root attributes:
//     format         = "aanet_checkpoint"   variable-length UTF-8 string
//     format_version = 1                    int64
//     model_kind     e.g. "action_angle"    string
//     config         text-format Experiment config of the run    string
//     dataset_path   informative            string
//     dataset_config the training dataset's config text           string
//     dataset_hash   data_gen::DatasetHash of the training dataset: 16 hex
//                    digits                                       string
//                    (both optional: absent in checkpoints written before
//                    they were introduced; read as "")
//     num_degrees_of_freedom  n >= 1                              int64
//                    (checkpoints written before issue 20 hold it as
//                    "num_particles"; either name is read)
//     step           training steps completed, >= 0               int64
//   /parameters/<name>          [rows, cols]  one per parameter; a name such
//                               as "encoder/layer_03/W" is nested groups
//   /parameters attribute order the parameter names joined by '\n', in the
//                               model's parameter order (the file's only
//                               record of it)
//   /scaler/mean, /scaler/scale [2n]          scale > 0
//   /training                   present iff the checkpoint can be resumed:
//     /training/adam_m/<name>   [rows, cols] of parameters/<name>
//     /training/adam_v/<name>   [rows, cols] of parameters/<name>, >= 0
//     attributes adam_step (int64 >= 0), rng_state (string),
//                best_loss (float64, not NaN), best_step (int64)
//
// From Python:
//   with h5py.File(path) as f:
//     names = f["parameters"].attrs["order"].split("\n")
//     params = [f["parameters"][name][()] for name in names]
//
// HDF5 (serial build) is not thread-safe: do not call WriteCheckpoint or
// ReadCheckpoint from several threads at once.
#ifndef AANET_MODELS_CHECKPOINT_H_
#define AANET_MODELS_CHECKPOINT_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace aanet {

// The value of the `format` attribute.
inline constexpr char kCheckpointFormat[] = "aanet_checkpoint";

// The version written to, and the only one accepted from, `format_version`.
inline constexpr int kCheckpointFormatVersion = 1;

// A named parameter (or optimiser moment) matrix.
struct NamedMatrix {
  std::string name;  // see ValidateParameterName
  Eigen::MatrixXd value;
};

// What training needs, beyond the parameters, to resume exactly.
struct TrainingState {
  std::vector<NamedMatrix> adam_m, adam_v;  // same names, order and shapes
                                            // as Checkpoint::parameters
  int64_t adam_step = 0;
  std::string rng_state;  // aanet::Random::SaveState() text
  // Best-state tracking so far.
  double best_loss = std::numeric_limits<double>::infinity();
  int64_t best_step = 0;
};

struct Checkpoint {
  std::string model_kind;    // e.g. "action_angle"; not empty
  std::string config_text;   // text-format Experiment config of the run
  std::string dataset_path;  // informative
  // The training dataset's identity; empty for an older checkpoint.
  std::string dataset_config_text;
  std::string dataset_hash;             // "" or 16 lower-case hex digits
  int num_degrees_of_freedom = 0;       // n >= 1
  int64_t step = 0;                     // training steps completed
  std::vector<NamedMatrix> parameters;  // in the model's order, >= 1
  Eigen::RowVectorXd scaler_mean, scaler_scale;  // [2n] each
  std::optional<TrainingState> training;         // present for resuming
};

// A parameter name: one or more segments of [A-Za-z0-9_.-] separated by '/'
// (no empty, "." or ".." segment), e.g. "encoder/layer_03/W". Error e.g.
// "parameter name 'a//b': empty segment".
absl::Status ValidateParameterName(const std::string& name);

// Checks everything ReadCheckpoint checks, in memory: model_kind not empty,
// num_degrees_of_freedom >= 1, step >= 0; parameter names valid, unique and
// none also a group of another ("a" and "a/b"), values finite; scaler sizes 2n,
// finite, scale > 0; training (if present) with adam_m and adam_v of exactly
// the parameters' names, order and shapes, finite, adam_v >= 0, adam_step >= 0,
// best_loss not NaN. Errors name the item, e.g.
// "training.adam_m[1] ('encoder/b') is [1,4], expected [1,3] as parameters[1]".
absl::Status ValidateCheckpoint(const Checkpoint& checkpoint);

// Writes `checkpoint` to `path` in the layout above, atomically (temporary
// file in the same directory, fsync, rename; see h5::WriteFileAtomically);
// creates the parent directory if missing. InvalidArgument without touching
// the disk if ValidateCheckpoint fails. Errors name `path`.
absl::Status WriteCheckpoint(const Checkpoint& checkpoint,
                             const std::string& path);

// Reads and fully validates a file written by WriteCheckpoint. Errors name
// the file and the item, e.g.
//   /x/c.h5: no such file                                (NotFound)
//   /x/c.h5: not an HDF5 file (or truncated)
//   /x/c.h5: not an aanet checkpoint (missing attribute 'format')
//   /x/c.h5: attribute 'format_version' is 2, expected 1
//   /x/c.h5: missing dataset 'parameters/encoder/W'
//   /x/c.h5: dataset 'training/adam_m/W' has shape [2,3], expected [3,3] to
//     match 'parameters/W'
//   /x/c.h5: dataset 'parameters/W' has a non-finite value (nan) at flat
//     index 4                            (row-major, as h5py's .flat)
// Datasets under /parameters that `order` does not list, and under
// /training/adam_m or adam_v that are not parameters, are errors too. Never
// crashes on malformed input.
absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path);

// ReadCheckpoint from a file's bytes in memory (h5::ReadImage); `name`
// stands for the file in messages.
absl::StatusOr<Checkpoint> ReadCheckpointImage(const std::string& image,
                                               const std::string& name);

}  // namespace aanet

#endif  // AANET_MODELS_CHECKPOINT_H_
