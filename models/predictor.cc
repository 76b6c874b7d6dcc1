#include "models/predictor.h"

#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/action_angle_network.h"
#include "models/checkpoint.h"
#include "models/named_parameters.h"
#include "proto/text_config.h"
#include "rng/random.h"
#include "status/status_macros.h"

namespace aanet {

absl::StatusOr<Predictor> Predictor::Load(const std::string& checkpoint_path) {
  AANET_ASSIGN_OR_RETURN(Checkpoint checkpoint,
                         ReadCheckpoint(checkpoint_path));
  Predictor predictor;
  AANET_RETURN_IF_ERROR(
      ParseTextProto(checkpoint.config_text,
                     absl::StrCat(checkpoint_path, " (recorded config)"),
                     &predictor.experiment_));
  // Parameters are overwritten below; the seed only fixes shapes.
  Random unused(0);
  absl::StatusOr<std::unique_ptr<Model>> model = CreateModel(
      predictor.experiment_.model(),
      ModelContext{checkpoint.num_degrees_of_freedom, checkpoint.scaler_scale},
      unused);
  if (!model.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        checkpoint_path, ": recorded config: ", model.status().message()));
  }
  if ((*model)->kind() != checkpoint.model_kind) {
    return absl::InvalidArgumentError(absl::StrCat(
        checkpoint_path, ": model_kind '", checkpoint.model_kind,
        "' does not match its config's model '", (*model)->kind(), "'"));
  }
  AANET_ASSIGN_OR_RETURN(Eigen::VectorXd values,
                         FromNamed((*model)->parameters(),
                                   checkpoint.parameters, checkpoint_path));
  AANET_RETURN_IF_ERROR((*model)->parameters().Unflatten(values));
  predictor.model_ = std::shared_ptr<Model>(*std::move(model));
  if (const auto* network =
          dynamic_cast<const ActionAngleNetwork*>(predictor.model_.get())) {
    predictor.one_state_ = network->FreezeOneState();
  }
  predictor.scaler_ =
      StandardScaler(checkpoint.scaler_mean, checkpoint.scaler_scale);
  predictor.config_text_ = std::move(checkpoint.config_text);
  predictor.checkpoint_path_ = checkpoint_path;
  predictor.step_ = checkpoint.step;
  predictor.dataset_config_text_ = std::move(checkpoint.dataset_config_text);
  predictor.dataset_hash_ = std::move(checkpoint.dataset_hash);
  return predictor;
}

Eigen::MatrixXd Predictor::Predict(const Eigen::MatrixXd& states,
                                   double dt) const {
  if (one_state_ != nullptr && states.rows() == 1) {
    // The scaler's arithmetic (StandardScaler) on one row, in place.
    const Eigen::Index size = states.cols();
    const double* mean = scaler_.mean().data();
    const double* scale = scaler_.scale().data();
    double standardized[2 * FrozenActionAngleNetwork::kMaxDegreesOfFreedom];
    for (Eigen::Index i = 0; i < size; ++i) {
      standardized[i] = (states(0, i) - mean[i]) / scale[i];
    }
    Eigen::MatrixXd predicted(1, size);
    one_state_->Predict(standardized, dt, predicted.data());
    for (Eigen::Index i = 0; i < size; ++i) {
      predicted(0, i) = predicted(0, i) * scale[i] + mean[i];
    }
    return predicted;
  }
  if (one_state_ != nullptr) {
    return scaler_.InverseTransform(
        one_state_->PredictBatch(scaler_.Transform(states), dt));
  }
  return scaler_.InverseTransform(
      model_->Predict(scaler_.Transform(states), dt));
}

std::vector<Eigen::MatrixXd> Predictor::PredictGrid(
    const Eigen::MatrixXd& states, double dt, int num_jumps) const {
  std::vector<Eigen::MatrixXd> grid =
      model_->PredictGrid(scaler_.Transform(states), dt, num_jumps);
  for (Eigen::MatrixXd& predicted : grid) {
    predicted = scaler_.InverseTransform(predicted);
  }
  return grid;
}

absl::Status Predictor::CheckStates(const Eigen::MatrixXd& states) const {
  return CheckStates(states, num_degrees_of_freedom());
}

absl::Status Predictor::CheckStates(const Eigen::MatrixXd& states,
                                    int num_degrees_of_freedom) {
  const int n = num_degrees_of_freedom;
  if (states.cols() != 2 * n) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "states have %d columns, expected 2n = %d (q_0..q_%d, p_0..p_%d)",
        states.cols(), 2 * n, n - 1, n - 1));
  }
  for (Eigen::Index r = 0; r < states.rows(); ++r) {
    for (Eigen::Index c = 0; c < states.cols(); ++c) {
      if (!std::isfinite(states(r, c))) {
        return absl::InvalidArgumentError(
            absl::StrFormat("states row %d, column %d: non-finite value %g", r,
                            c, states(r, c)));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Predictor::CheckDt(double dt) {
  if (!std::isfinite(dt)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("dt %g: must be a finite number >= 0", dt));
  }
  if (dt < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("dt %g: must be a finite number >= 0 (predictions run "
                        "forward in time only)",
                        dt));
  }
  return absl::OkStatus();
}

absl::Status Predictor::CheckPredicted(const Eigen::MatrixXd& predicted,
                                       double dt) const {
  const int n = num_degrees_of_freedom();
  for (Eigen::Index r = 0; r < predicted.rows(); ++r) {
    for (Eigen::Index c = 0; c < predicted.cols(); ++c) {
      if (!std::isfinite(predicted(r, c))) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "states row %d: the prediction at dt %g is not finite (%s_%d = "
            "%g): the state is too large for the model (overflow)",
            r, dt, c < n ? "q" : "p", c % n, predicted(r, c)));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Eigen::MatrixXd> Predictor::PredictChecked(
    const Eigen::MatrixXd& states, double dt) const {
  AANET_RETURN_IF_ERROR(CheckStates(states));
  AANET_RETURN_IF_ERROR(CheckDt(dt));
  Eigen::MatrixXd predicted = Predict(states, dt);
  AANET_RETURN_IF_ERROR(CheckPredicted(predicted, dt));
  return predicted;
}

absl::StatusOr<ActionAngleState> Predictor::Inspect(
    const Eigen::MatrixXd& states, double dt) const {
  const auto* network = dynamic_cast<const ActionAngleNetwork*>(model_.get());
  if (network == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("the model is '", model_->kind(),
                     "', which has no action-angle coordinates (only the "
                     "Action-Angle Network has them)"));
  }
  AANET_RETURN_IF_ERROR(CheckDt(dt));
  ActionAngleNetwork::ActionAngles encoded =
      network->Encode(scaler_.Transform(states));
  ActionAngleState result;
  result.angular_velocities = network->AngularVelocities(encoded.actions);
  result.actions = std::move(encoded.actions);
  result.angles = std::move(encoded.angles);
  if (dt != 0) {
    result.angles = (result.angles + dt * result.angular_velocities)
                        .unaryExpr(&ActionAngleNetwork::WrapAngleValue);
  }
  for (const Eigen::MatrixXd* m :
       {&result.actions, &result.angles, &result.angular_velocities}) {
    for (Eigen::Index r = 0; r < m->rows(); ++r) {
      if (!m->row(r).allFinite()) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "states row %d: the action-angle coordinates at dt %g are not "
            "finite: the state is too large for the model (overflow)",
            r, dt));
      }
    }
  }
  return result;
}

}  // namespace aanet
