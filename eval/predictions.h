// Predictions for a user's own states: the library behind //eval:predict.
//
// States are rows [q_0..q_{n-1}, p_0..p_{n-1}] in the dataset's original
// units, read from
//   .csv        one state per line, 2n comma-separated numbers; an optional
//               header line (the first line, if none of its fields is a
//               number) and '#' comment lines are skipped; any other field
//               that is not a number is an error;
//   .npy        float64/float32/int array [B, 2n] or one state [2n];
//   .h5/.hdf5   float64 dataset `states` [B, 2n], or `q` and `p` of the same
//               shape [..., n] (e.g. a //data_gen dataset's [K, T, n]: every
//               stored state, trajectory-major).
// Predictions are written in the format of the output's extension:
//   .csv   header "state,dt,q_0,...,p_{n-1}" (plus "action_i", "angle_i",
//          "angular_velocity_i" columns with the Action-Angle Network's
//          coordinates, then "true_q_i", "true_p_i", "error",
//          "outside_training_range" with the truth, eval/truth.h), one row
//          per dt and state, dt-major; full precision;
//   .npy   predictions [D, B, 2n]; the coordinates go to <out>_actions.npy,
//          <out>_angles.npy, <out>_angular_velocities.npy, each [D, B, n];
//          the truth to <out>_true.npy [D, B, 2n], <out>_error.npy [D, B]
//          and <out>_outside_training_range.npy [B] (0 or 1);
//   .h5    datasets dt [D], states [B, 2n], predictions [D, B, 2n] and
//          actions, angles, angular_velocities [D, B, n]; true_states
//          [D, B, 2n], error [D, B], outside_training_range [B]; attributes
//          checkpoint, model_kind, config (and truth, the truth's dataset).
// The coordinates after dt are the network's own prediction in its latent
// space: actions and angular velocities of the input state, angles advanced
// by angular velocity * dt (Predictor::Inspect).
#ifndef AANET_EVAL_PREDICTIONS_H_
#define AANET_EVAL_PREDICTIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eval/truth.h"
#include "models/predictor.h"

namespace aanet::eval {

enum class StatesFormat { kCsv, kNpy, kHdf5 };

// From the extension (.csv, .npy, .h5, .hdf5; case-insensitive). Error e.g.
// "x.txt: unknown format '.txt' (expected .csv, .npy, .h5 or .hdf5)".
absl::StatusOr<StatesFormat> StatesFormatOf(const std::string& path);

// Reads states [B >= 1, 2n]; errors name the file and the line, item or
// value, e.g. "s.csv:3: expected 6 values (q_0..q_2, p_0..p_2), got 5".
absl::StatusOr<Eigen::MatrixXd> ReadStates(const std::string& path,
                                           int num_degrees_of_freedom);

// "1,10,50" -> {1, 10, 50}; every dt must be a finite number >= 0 (in the
// dataset's time units; Predictor::CheckDt, shared with the Python module).
// Error e.g. "'x' is not a finite number".
absl::StatusOr<std::vector<double>> ParseDtList(const std::string& text);

struct Predictions {
  std::vector<double> dts;
  Eigen::MatrixXd states;                  // [B, 2n], the inputs
  std::vector<Eigen::MatrixXd> predicted;  // per dt, [B, 2n]
  std::vector<ActionAngleState> latent;    // per dt if requested, else empty
  std::optional<TruthComparison> truth;    // with --truth (CompareWithTruth)
};

// Predicts every dt with Predictor::PredictChecked (states, dt and
// predictions checked: never a non-finite value); with
// `action_angle` also the Action-Angle Network's coordinates
// (FailedPrecondition for other models).
absl::StatusOr<Predictions> PredictStates(const Predictor& predictor,
                                          const Eigen::MatrixXd& states,
                                          const std::vector<double>& dts,
                                          bool action_angle);

// An upper estimate of the bytes PredictStates and WritePredictions hold at
// once for `num_states` states x `num_dts` dts: the predictions (and
// coordinates) in memory plus the output as it is built before its atomic
// write (CSV text at up to 26 bytes a number; .npy and HDF5 a stacked copy
// and the file image). //eval:predict refuses sizes over its memory budget
// with it before predicting anything. `truth`: with the true states and
// errors as well.
double EstimatePredictionBytes(int64_t num_states, int64_t num_dts,
                               int num_degrees_of_freedom, bool action_angle,
                               StatesFormat format, bool truth = false);

// Writes `predictions` to `path` (format from the extension), atomically;
// `checkpoint_path` is recorded in HDF5 output. The .npy files of one call
// (PredictionFiles) are replaced together: a failure changes none of them.
absl::Status WritePredictions(const Predictions& predictions,
                              const Predictor& predictor,
                              const std::string& checkpoint_path,
                              const std::string& path);

// The files WritePredictions writes for `path` (more than one for .npy with
// coordinates or the truth).
std::vector<std::string> PredictionFiles(const Predictions& predictions,
                                         const std::string& path);

}  // namespace aanet::eval

#endif  // AANET_EVAL_PREDICTIONS_H_
