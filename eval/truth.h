// The true future of a user's states, from the system a dataset describes:
// the library behind `//eval:predict --truth` and the Python module's
// `aanet.true_trajectory` / `Model.compare_with_truth`.
//
// The harmonic oscillator is solved in closed form: a state (q, p) is
// projected onto the dataset's recorded normal modes (x = V^-1 q,
// v = V^-1 (p / m)), each mode is advanced exactly
// (x cos wt + v/w sin wt, -x w sin wt + v cos wt) and mapped back. No
// integration error, so the truth is exact to rounding at any dt.
//
// The error of a prediction is the study's prediction loss of its row
// (models/prediction_loss.h): the mean over the 2n coordinates of
// (predicted - true)^2, both standardised by the checkpoint's scaler.
//
// A state is outside the training range when its energy (the system's
// Hamiltonian, data_gen::Energy) lies outside [min, max] of the energies of
// the training split (the first num_train_samples samples of every
// trajectory, as the checkpoint's config resolves them) by more than 1e-9 of
// the larger bound's magnitude (rounding). The split is taken from the given
// dataset if it is the checkpoint's (DatasetHash), otherwise from the
// checkpoint's recorded dataset config, generated again. For the
// Action-Angle Network, a state is also outside when one of its encoded
// actions (Predictor::Inspect) lies outside that action's range over the
// training split.
#ifndef AANET_EVAL_TRUTH_H_
#define AANET_EVAL_TRUTH_H_

#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data_gen/dataset.h"
#include "models/predictor.h"

namespace aanet::eval {

// A dataset file (.h5/.hdf5, as written by //data_gen) or a dataset config
// (.pbtxt, generated here in closed form, the same numbers //data_gen
// writes). Errors name the path, e.g. "x.txt: unknown format '.txt'
// (expected a dataset .h5 or a dataset config .pbtxt)".
absl::StatusOr<data_gen::Dataset> LoadTruthDataset(const std::string& path);

// `states` [B, 2n] (original units) after `dt` under the dataset's system
// (System::Evolve: the harmonic system's closed form). Checks the states
// (Predictor::CheckStates) and dt (Predictor::CheckDt) as predictions do.
absl::StatusOr<Eigen::MatrixXd> TrueStates(const data_gen::Dataset& dataset,
                                           const Eigen::MatrixXd& states,
                                           double dt);

// OK if the dataset's system (System::Describe: for the harmonic system its
// masses, k_wall, k_pair) is the one of the checkpoint's recorded dataset
// config; otherwise one line naming both, e.g. "other.h5: its system
// (harmonic: 2 particle(s), k_pair 0.3, masses [1, 2], ...) is not the one
// the checkpoint run/best.h5 was trained on (harmonic: ...)". A checkpoint that
// records no dataset config cannot be checked: OK, and `*unchecked` is set.
absl::Status CheckTruthSystem(const Predictor& predictor,
                              const std::string& checkpoint_path,
                              const data_gen::Dataset& dataset,
                              const std::string& dataset_path, bool* unchecked);

struct EnergyRange {
  double min = 0;
  double max = 0;
  int num_train_samples = 0;  // per trajectory
  int num_trajectories = 0;
};

// The training split's energy range in `dataset`, with the number of
// training samples the checkpoint's config gives for it (num_train_samples,
// or round(train_split_proportion * T), as training resolves it).
absl::StatusOr<EnergyRange> TrainingEnergyRange(
    const Predictor& predictor, const data_gen::Dataset& dataset);

struct TruthComparison {
  std::string dataset_path;                  // the truth's dataset, as given
  std::vector<Eigen::MatrixXd> true_states;  // per dt, [B, 2n]
  std::vector<Eigen::VectorXd> errors;       // per dt, [B]
  Eigen::VectorXi outside_training_range;    // [B], 1 if outside
  // One line per state outside, e.g. "state 3: energy 4.2 outside the
  // training split's [0.5, 2.1], action_0 7 outside the training split's
  // [1, 3] (d.h5: the first 100 samples of 2 trajectory(ies))"; and one if
  // the system was not checked.
  std::vector<std::string> warnings;
};

// Everything --truth adds: CheckTruthSystem (an error if the systems
// differ), the true states at every dt, the error of `predicted` (per dt,
// [B, 2n], e.g. Predictions::predicted) and the training-range flags.
absl::StatusOr<TruthComparison> CompareWithTruth(
    const Predictor& predictor, const std::string& checkpoint_path,
    const data_gen::Dataset& dataset, const std::string& dataset_path,
    const Eigen::MatrixXd& states, const std::vector<double>& dts,
    const std::vector<Eigen::MatrixXd>& predicted);

}  // namespace aanet::eval

#endif  // AANET_EVAL_TRUTH_H_
