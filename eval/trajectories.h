// The pictured trajectory of an evaluation: one test trajectory followed far
// past the trained range, the truth beside the model's predictions, written
// as trajectories.h5 beside evaluation.json so that users can plot it their
// own way (the report's "Pictures of the dynamics" reads it).
//
// The trajectory is the first held-out one if the config holds any out,
// else trajectory 0; its start state s0 is the first sample of its test
// window. Row j of every array is time j * dt after s0, j = 0..N:
//   * truth: the dataset's samples while there are any, then the system's
//     truth from s0 (eval/truth.h TrueStates); an imported dataset has no
//     system, so N is cut to its recorded samples;
//   * one-shot: Predict(s0, j dt), the paper's Figure 3b protocol (for the
//     Euler Update Network a single Euler step in latent space), through
//     Predictor::PredictGrid (one solve through the grid for the
//     integrating models);
//   * rollout: s_{j+1} = Predict(s_j, dt), recursively;
//   * actions (the Action-Angle Network only): its actions of the TRUE
//     states, physical units where they convert (eval/learned_actions.h).
// Row 0 of one-shot and rollout is s0 itself. Non-finite predictions are
// kept as they are and counted; a rollout stays non-finite (NaN) after its
// first failure, since nothing can be predicted from a non-finite state.
#ifndef AANET_EVAL_TRAJECTORIES_H_
#define AANET_EVAL_TRAJECTORIES_H_

#include <string>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data_gen/dataset.h"
#include "models/predictor.h"
#include "proto/evaluation.pb.h"

namespace aanet::eval {

// The file's name beside evaluation.json.
inline constexpr char kTrajectoriesFile[] = "trajectories.h5";

// N unless told otherwise: far past the published configs' largest trained
// jump (10), as the paper's Figure 3b.
inline constexpr int kDefaultPictureJumps = 200;

struct PicturedArrays {
  PicturedTrajectory summary;  // everything but `file`
  Eigen::VectorXd t;           // [N+1], time since s0
  Eigen::MatrixXd truth;       // [N+1, 2n]
  Eigen::MatrixXd one_shot;    // [N+1, 2n]
  Eigen::MatrixXd rollout;     // [N+1, 2n]
  Eigen::MatrixXd actions;     // [N+1, n]; [0, 0] for other models
  std::string model_kind;
  std::string config_text;  // the checkpoint's
};

// Computes the arrays above for `num_jumps` >= 1 jumps, with the test window
// of `num_test` samples. Errors: a dataset without a trajectory split of
// the config's held-out list (as evaluation), or the truth's.
absl::StatusOr<PicturedArrays> ComputePicturedTrajectory(
    const Predictor& predictor, const data_gen::Dataset& dataset, int num_test,
    int num_jumps);

// Writes `arrays` to `path` (h5/hdf5_io.h WriteFileAtomically: temporary
// name, then rename): datasets /t, /truth, /one_shot, /rollout and, if
// present, /actions; attributes trajectory, held_out, start_sample,
// num_jumps, dt, num_recorded_rows, num_non_finite_one_shot,
// num_non_finite_rollout, failure, action_units, model_kind, config.
absl::Status WritePicturedTrajectory(const PicturedArrays& arrays,
                                     const std::string& path);

// Reads a file written by WritePicturedTrajectory (shapes checked); errors
// name the file and the item.
absl::StatusOr<PicturedArrays> ReadPicturedTrajectory(const std::string& path);

}  // namespace aanet::eval

#endif  // AANET_EVAL_TRAJECTORIES_H_
