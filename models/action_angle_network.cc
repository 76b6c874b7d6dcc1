#include "models/action_angle_network.h"

#include <cmath>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "autodiff/ops.h"
#include "status/status_macros.h"

namespace aanet {

double ActionAngleNetwork::WrapAngleValue(double theta) {
  constexpr double kTwoPi = 2.0 * M_PI;
  double wrapped = theta - kTwoPi * std::floor((theta + M_PI) / kTwoPi);
  if (wrapped >= M_PI) wrapped -= kTwoPi;
  if (wrapped < -M_PI) wrapped += kTwoPi;
  return wrapped;
}

absl::StatusOr<std::unique_ptr<ActionAngleNetwork>> ActionAngleNetwork::Create(
    const ActionAngleNetworkConfig& config, const std::string& field_path,
    const ModelContext& context, Random& random) {
  const int num_degrees_of_freedom = context.num_degrees_of_freedom;
  if (num_degrees_of_freedom < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "num_degrees_of_freedom must be >= 1, got ", num_degrees_of_freedom));
  }
  std::unique_ptr<ActionAngleNetwork> model(
      new ActionAngleNetwork(num_degrees_of_freedom));
  AANET_ASSIGN_OR_RETURN(
      std::unique_ptr<CoordinateEncoder> encoder,
      CreateEncoder(config.encoder(), absl::StrCat(field_path, ".encoder"),
                    context, model->parameters_, random));
  model->encoder_ = std::move(encoder);

  AANET_ASSIGN_OR_RETURN(
      Mlp mlp, CreateMlpFromConfig(
                   model->parameters_, "angular_velocity_net",
                   config.angular_velocity_net(),
                   absl::StrCat(field_path, ".angular_velocity_net"),
                   num_degrees_of_freedom, num_degrees_of_freedom, random));
  model->angular_velocity_net_ = std::make_unique<Mlp>(std::move(mlp));
  model->angular_velocity_net_float32_ =
      model->encoder_->is_float32() &&
      model->angular_velocity_net_->HasShearKernelShape();
  return model;
}

ForwardResult ActionAngleNetwork::Forward(ad::Tape& tape, ad::Var states,
                                          double dt) const {
  // The grid of one jump: the same operations in the same order (1 * dt is
  // dt exactly).
  GridForwardResult grid = ForwardGrid(tape, states, dt, 1);
  return {grid.predictions.front(), grid.actions};
}

GridForwardResult ActionAngleNetwork::ForwardGrid(ad::Tape& tape,
                                                  ad::Var states, double dt,
                                                  int num_jumps) const {
  const int n = num_degrees_of_freedom();
  // Encode.
  ad::Var latent = encoder_->Encode(tape, states);
  ad::Var x = ad::ColSlice(latent, 0, n);
  ad::Var y = ad::ColSlice(latent, n, n);
  ad::Var actions = ad::Sqrt(ad::Add(ad::Square(x), ad::Square(y)));
  ad::Var angles = ad::Atan2(y, x);
  // Evolve, then decode, once per grid point.
  ad::Var angular_velocities =
      angular_velocity_net_float32_
          ? angular_velocity_net_->ForwardOnShearKernel<float>(tape, actions)
          : angular_velocity_net_->Forward(tape, actions);
  GridForwardResult grid;
  grid.actions = actions;
  for (int j = 1; j <= num_jumps; ++j) {
    // j * dt, as the caller of Forward computes its Δt: the same numbers.
    ad::Var evolved =
        ad::WrapAngle(ad::Add(angles, ad::Scale(angular_velocities, j * dt)));
    ad::Var decoded_x = ad::Mul(actions, ad::Cos(evolved));
    ad::Var decoded_y = ad::Mul(actions, ad::Sin(evolved));
    grid.predictions.push_back(
        encoder_->Decode(tape, ad::ConcatCols({decoded_x, decoded_y})));
  }
  return grid;
}

ActionAngleNetwork::ActionAngles ActionAngleNetwork::Encode(
    const Eigen::MatrixXd& states) const {
  const int n = num_degrees_of_freedom();
  const Eigen::MatrixXd latent = encoder_->EncodeValues(states);
  ActionAngles result;
  result.actions.resize(states.rows(), n);
  result.angles.resize(states.rows(), n);
  for (int j = 0; j < n; ++j) {
    for (Eigen::Index i = 0; i < states.rows(); ++i) {
      const double x = latent(i, j);
      const double y = latent(i, n + j);
      result.actions(i, j) = std::sqrt(x * x + y * y);
      result.angles(i, j) = std::atan2(y, x);
    }
  }
  return result;
}

Eigen::MatrixXd ActionAngleNetwork::AngularVelocities(
    const Eigen::MatrixXd& actions) const {
  return angular_velocity_net_->Evaluate(actions);
}

Eigen::MatrixXd ActionAngleNetwork::Decode(
    const ActionAngles& action_angles) const {
  const int n = num_degrees_of_freedom();
  const Eigen::Index batch = action_angles.actions.rows();
  Eigen::MatrixXd latent(batch, 2 * n);
  latent.leftCols(n) =
      action_angles.actions.array() * action_angles.angles.array().cos();
  latent.rightCols(n) =
      action_angles.actions.array() * action_angles.angles.array().sin();
  return encoder_->DecodeValues(latent);
}

std::unique_ptr<FrozenActionAngleNetwork> ActionAngleNetwork::FreezeOneState()
    const {
  if (num_degrees_of_freedom() >
      FrozenActionAngleNetwork::kMaxDegreesOfFreedom) {
    return nullptr;
  }
  std::unique_ptr<FrozenOneStateCodec> codec = encoder_->FreezeOneState();
  if (codec == nullptr) return nullptr;
  return std::make_unique<FrozenActionAngleNetwork>(
      this, std::move(codec), angular_velocity_net_->PackOneState());
}

void FrozenActionAngleNetwork::Predict(const double* state, double dt,
                                       double* predicted) const {
  const int n = network_->num_degrees_of_freedom();
  // Encode.
  double latent[2 * kMaxDegreesOfFreedom];
  codec_->Encode(state, latent);
  double actions[kMaxDegreesOfFreedom], angles[kMaxDegreesOfFreedom];
  for (int k = 0; k < n; ++k) {
    const double x = latent[k];
    const double y = latent[n + k];
    actions[k] = std::sqrt(x * x + y * y);
    angles[k] = std::atan2(y, x);
  }
  // Evolve.
  double omega[kMaxDegreesOfFreedom];
  if (omega_net_.has_value()) {
    float actions_f[kMaxDegreesOfFreedom], omega_f[kMaxDegreesOfFreedom];
    for (int k = 0; k < n; ++k) actions_f[k] = static_cast<float>(actions[k]);
    omega_net_->Evaluate(actions_f, omega_f);
    for (int k = 0; k < n; ++k) omega[k] = omega_f[k];
  } else {
    network_->angular_velocity_net().EvaluateRow(actions, omega);
  }
  for (int k = 0; k < n; ++k) {
    const double theta =
        ActionAngleNetwork::WrapAngleValue(angles[k] + dt * omega[k]);
    latent[k] = actions[k] * std::cos(theta);
    latent[n + k] = actions[k] * std::sin(theta);
  }
  // Decode.
  codec_->Decode(latent, predicted);
}

Eigen::MatrixXd FrozenActionAngleNetwork::PredictBatch(
    const Eigen::MatrixXd& states, double dt) const {
  const int n = network_->num_degrees_of_freedom();
  ActionAngleNetwork::ActionAngles action_angles = network_->Encode(states);
  Eigen::MatrixXd omega;
  if (omega_net_.has_value()) {
    // Row by row on the one-state kernel: 2n floats in and out per row, no
    // packing per call (the batched double net took 8% of a batch of 500).
    omega.resize(states.rows(), n);
    float actions_f[kMaxDegreesOfFreedom], omega_f[kMaxDegreesOfFreedom];
    for (Eigen::Index r = 0; r < states.rows(); ++r) {
      for (int k = 0; k < n; ++k) {
        actions_f[k] = static_cast<float>(action_angles.actions(r, k));
      }
      omega_net_->Evaluate(actions_f, omega_f);
      for (int k = 0; k < n; ++k) omega(r, k) = omega_f[k];
    }
  } else {
    omega = network_->AngularVelocities(action_angles.actions);
  }
  return network_->Evolve(action_angles, omega, dt);
}

Eigen::MatrixXd ActionAngleNetwork::Evolve(ActionAngles& action_angles,
                                           const Eigen::MatrixXd& omega,
                                           double dt) const {
  action_angles.angles =
      (action_angles.angles + dt * omega).unaryExpr([](double t) {
        return WrapAngleValue(t);
      });
  return Decode(action_angles);
}

Eigen::MatrixXd ActionAngleNetwork::Predict(const Eigen::MatrixXd& states,
                                            double dt) const {
  if (states.rows() == 1) {
    // One state: the float32 one-state kernels, as the Predictor runs them
    // (which freezes the network once instead of per call).
    if (std::unique_ptr<FrozenActionAngleNetwork> frozen = FreezeOneState()) {
      const Eigen::RowVectorXd state = states.row(0);
      Eigen::MatrixXd predicted(1, states.cols());
      frozen->Predict(state.data(), dt, predicted.data());
      return predicted;
    }
  }
  ActionAngles action_angles = Encode(states);
  const Eigen::MatrixXd omega = AngularVelocities(action_angles.actions);
  return Evolve(action_angles, omega, dt);
}

}  // namespace aanet
