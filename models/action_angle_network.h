// The Action-Angle Network (paper section 2).
//
//   encode:  (q, p) --encoder--> (I_x, I_y) --polar--> actions I,
//            angles theta, per coordinate pair (I_x_i, I_y_i)        (Eq. 6)
//            The shipped encoder is the symplectic flow (with the fixed pair
//            scale that undoes what standardisation does to the symplectic
//            form; see SymplecticPairScale); the "MLP" variant uses the
//            published MLP encoder (encoder.h).
//   evolve:  angular velocities omega = F(I) (an MLP of the actions only);
//            theta <- wrap(theta + omega dt) into [-pi, pi)           (Eq. 7)
//   decode:  the polar map back, then the decoder (for the flow: its exact
//            inverse).
//
// The cost of a prediction does not depend on dt: no integration happens.
// Shapes: states [B, 2n]; actions, angles, angular velocities [B, n].
#ifndef AANET_MODELS_ACTION_ANGLE_NETWORK_H_
#define AANET_MODELS_ACTION_ANGLE_NETWORK_H_

#include <memory>
#include <optional>
#include <string>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "models/encoder.h"
#include "models/mlp.h"
#include "models/model.h"

namespace aanet {

class ActionAngleNetwork;

// An Action-Angle Network frozen for prediction (the single-state path of
// Predict and of the Predictor, and the Predictor's batches): encode, evolve,
// decode with no tape and nothing allocated, the flow in float32 on the
// one-state kernels. It holds a snapshot of the encoder's parameters and reads
// the angular-velocity net in place, so use it while the network lives and is
// not trained further (a Predictor's never is).
class FrozenActionAngleNetwork {
 public:
  // `omega_net`: the angular-velocity net packed for one state
  // (Mlp::PackOneState), or nullopt to evaluate it in double.
  FrozenActionAngleNetwork(
      const ActionAngleNetwork* network,
      std::unique_ptr<FrozenOneStateCodec> codec,
      std::optional<ad::internal::PackedSigmoidNet> omega_net)
      : network_(network),
        codec_(std::move(codec)),
        omega_net_(std::move(omega_net)) {}

  // One standardised state [2n] advanced by dt into `predicted` [2n]: the
  // arithmetic of ActionAngleNetwork::Predict, with the flow (and the
  // angular-velocity net, when Mlp::PackOneState takes it) in float32.
  void Predict(const double* state, double dt, double* predicted) const;

  // Standardised states [B, 2n] advanced by dt: ActionAngleNetwork::Predict
  // with the angular-velocity net as Predict above evaluates it (float32
  // when Mlp::PackOneState took it), so that a batch and its rows one at a
  // time agree to the flow's float rounding; the flow runs on the batched
  // kernels.
  Eigen::MatrixXd PredictBatch(const Eigen::MatrixXd& states, double dt) const;

  // The largest n this path takes (larger systems take the batched one).
  static constexpr int kMaxDegreesOfFreedom = 64;

 private:
  const ActionAngleNetwork* network_;
  std::unique_ptr<FrozenOneStateCodec> codec_;
  std::optional<ad::internal::PackedSigmoidNet> omega_net_;
};

class ActionAngleNetwork : public Model {
 public:
  // `field_path` prefixes config errors ("model.action_angle").
  static absl::StatusOr<std::unique_ptr<ActionAngleNetwork>> Create(
      const ActionAngleNetworkConfig& config, const std::string& field_path,
      const ModelContext& context, Random& random);

  std::string kind() const override { return "action_angle"; }

  ForwardResult Forward(ad::Tape& tape, ad::Var states,
                        double dt) const override;
  // Encodes once and decodes every jump: the same arithmetic per jump as
  // Forward, so each prediction equals Forward's bit for bit.
  GridForwardResult ForwardGrid(ad::Tape& tape, ad::Var states, double dt,
                                int num_jumps) const override;
  Eigen::MatrixXd Predict(const Eigen::MatrixXd& states,
                          double dt) const override;

  // The three steps on values, for inspection.
  struct ActionAngles {
    Eigen::MatrixXd actions;  // [B, n], >= 0
    Eigen::MatrixXd angles;   // [B, n], in [-pi, pi]
  };
  ActionAngles Encode(const Eigen::MatrixXd& states) const;
  Eigen::MatrixXd AngularVelocities(const Eigen::MatrixXd& actions) const;
  Eigen::MatrixXd Decode(const ActionAngles& action_angles) const;
  // Advances the angles by omega [B, n] times dt (wrapped), then decodes.
  Eigen::MatrixXd Evolve(ActionAngles& action_angles,
                         const Eigen::MatrixXd& omega, double dt) const;

  const CoordinateEncoder& encoder() const { return *encoder_; }
  const Mlp& angular_velocity_net() const { return *angular_velocity_net_; }

  // The network frozen for one state at a time, or nullptr if its encoder
  // has no one-state kernels (the MLP encoder, a float64 flow, n > 64).
  std::unique_ptr<FrozenActionAngleNetwork> FreezeOneState() const;

  // theta wrapped into [-pi, pi), as the published code's
  // (theta + pi) mod 2 pi - pi and the tape's WrapAngle: floor-based, which
  // costs the same at every dt (std::fmod takes longer the larger theta is).
  static double WrapAngleValue(double theta);

 private:
  explicit ActionAngleNetwork(int num_degrees_of_freedom)
      : Model(num_degrees_of_freedom) {}

  // Built after construction because they register parameters in the
  // model's own store.
  std::unique_ptr<CoordinateEncoder> encoder_;
  std::unique_ptr<Mlp> angular_velocity_net_;
  // Training evaluates the angular-velocity net in float32 on the shear
  // kernels when the flow is float32 and the net has their shape (one
  // sigmoid hidden layer, as shipped): 8% of a training step in float64 on
  // the tape, and prediction's one-state path is float32 too.
  bool angular_velocity_net_float32_ = false;
};

}  // namespace aanet

#endif  // AANET_MODELS_ACTION_ANGLE_NETWORK_H_
