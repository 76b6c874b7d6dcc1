// The inference API: load a trained checkpoint and predict.
//
//   absl::StatusOr<Predictor> predictor = Predictor::Load("run/best.h5");
//   Eigen::MatrixXd later = predictor->Predict(states, /*dt=*/100.0);
//
// States are rows [q, p] in the dataset's original units ([B, 2n]); the
// checkpoint's scaler is applied and undone inside. For the Action-Angle
// Network, Inspect() exposes the actions, angles and angular velocities, and
// the cost of Predict does not depend on dt.
#ifndef AANET_MODELS_PREDICTOR_H_
#define AANET_MODELS_PREDICTOR_H_

#include <memory>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "models/action_angle_network.h"
#include "models/model.h"
#include "models/scaler.h"
#include "proto/experiment.pb.h"

namespace aanet {

struct ActionAngleState {
  Eigen::MatrixXd actions;             // [B, n]
  Eigen::MatrixXd angles;              // [B, n], in [-pi, pi]
  Eigen::MatrixXd angular_velocities;  // [B, n], radians per time unit
};

class Predictor {
 public:
  // Reads and validates a checkpoint (models/checkpoint.h), rebuilds the
  // model its config describes and loads the parameters. Fails if the
  // parameters do not fit that model.
  static absl::StatusOr<Predictor> Load(const std::string& checkpoint_path);

  // OK if `states` has 2n columns of finite values; otherwise an error such
  // as "states have 5 columns, expected 2n = 6 (q_0..q_2, p_0..p_2)" or
  // "states row 3, column 1: non-finite value nan". Predict and Inspect
  // expect states that pass.
  absl::Status CheckStates(const Eigen::MatrixXd& states) const;

  // CheckStates for `num_degrees_of_freedom` degrees of freedom, without a
  // model: the true trajectories (eval/truth.h) check states with it too.
  static absl::Status CheckStates(const Eigen::MatrixXd& states,
                                  int num_degrees_of_freedom);

  // OK if dt is a finite number >= 0; otherwise e.g. "dt -1: must be a
  // finite number >= 0 (predictions run forward in time only)". Negative dt
  // is refused for every model: the Neural ODE's integrator returned NaN for
  // it, and no model is checked against the truth backwards in time.
  static absl::Status CheckDt(double dt);

  // OK if every value of `predicted` (Predict's result for `states` at `dt`)
  // is finite; otherwise e.g. "states row 1: the prediction at dt 1 is not
  // finite (q_0 = nan): the state is too large for the model (overflow)".
  absl::Status CheckPredicted(const Eigen::MatrixXd& predicted,
                              double dt) const;

  // `states` [B, 2n] advanced by dt (in the dataset's time units). An
  // Action-Angle Network predicts through FrozenActionAngleNetwork: one
  // state on a path that allocates nothing but the result (equal to the
  // model's own Predict of that state), a batch with the angular-velocity
  // net as that path evaluates it (float32 when packed), so a batch and its
  // rows one at a time agree to the flow's float rounding.
  Eigen::MatrixXd Predict(const Eigen::MatrixXd& states, double dt) const;

  // `states` [B, 2n] at dt, 2 dt, ..., num_jumps * dt: Model::PredictGrid
  // (for the Neural ODE and the HNN one solve through the grid), in the
  // dataset's original units.
  std::vector<Eigen::MatrixXd> PredictGrid(const Eigen::MatrixXd& states,
                                           double dt, int num_jumps) const;

  // Predict after CheckStates and CheckDt, with CheckPredicted on the
  // result: never a non-finite value. The CLI and the Python module use it.
  absl::StatusOr<Eigen::MatrixXd> PredictChecked(const Eigen::MatrixXd& states,
                                                 double dt) const;

  // Action-Angle Network only (FailedPrecondition otherwise). Angular
  // velocities are in radians per dataset time unit (models take dt in those
  // units); actions and angles are the network's latent coordinates. With
  // dt != 0 the angles are the network's prediction after dt: the encoded
  // angles advanced by angular velocity * dt and wrapped into [-pi, pi)
  // (actions and angular velocities do not change with dt). The sign of an
  // angular velocity is the network's own convention: angles increase with
  // time where it is positive, so a negative value is a rotation the other
  // way, not an error. Errors: CheckDt's, and a state whose coordinates
  // are not finite (overflow).
  absl::StatusOr<ActionAngleState> Inspect(const Eigen::MatrixXd& states,
                                           double dt = 0) const;

  const Model& model() const { return *model_; }
  const StandardScaler& scaler() const { return scaler_; }
  const Experiment& experiment() const { return experiment_; }
  const std::string& config_text() const { return config_text_; }
  // As given to Load, for messages.
  const std::string& checkpoint_path() const { return checkpoint_path_; }
  int64_t step() const { return step_; }
  int num_degrees_of_freedom() const {
    return model_->num_degrees_of_freedom();
  }
  // The training dataset's identity (models/checkpoint.h); both empty for a
  // checkpoint written before it was recorded.
  const std::string& dataset_config_text() const {
    return dataset_config_text_;
  }
  const std::string& dataset_hash() const { return dataset_hash_; }

 private:
  Predictor() = default;

  std::shared_ptr<Model> model_;
  // The Action-Angle Network frozen for one state (its parameters never
  // change here), or null: Predict's single-state path.
  std::shared_ptr<const FrozenActionAngleNetwork> one_state_;
  StandardScaler scaler_;
  Experiment experiment_;
  std::string config_text_;
  std::string checkpoint_path_;
  int64_t step_ = 0;
  std::string dataset_config_text_;
  std::string dataset_hash_;
};

}  // namespace aanet

#endif  // AANET_MODELS_PREDICTOR_H_
