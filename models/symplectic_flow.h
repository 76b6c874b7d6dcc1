// A symplectic normalising flow of G-SympNet shear layers (paper Eq. 5).
//
// The state [q, p] (each [B, n]) passes through num_layers shears; layer l
// updates one half by a function of the other:
//   even l:  p <- p + f_l(q)        odd l:  q <- q + f_l(p)
// Each shear is symplectic and exactly invertible (subtract the same f_l),
// so the flow is a symplectic map with an exact inverse: Inverse(Forward(x))
// = x up to rounding, whatever the parameters.
//
// The conditioner f has two forms (proto ShearConditioner), with W [n, H],
// b, a [1, H] and s = sigma(x W + b) [B, H]:
//   GATED (the published code's):  f(x) = gate ((s * a) W^T + x)
//   PAPER (the paper's Eq. 5):     f(x) = (s * a) W^T + c x
// with scalars gate and c. a, gate and c start at zero, so every layer starts
// as the identity; W, b ~ N(0, weight_init_stddev^2).
//
// Why the gate is a scalar: a shear p <- p + f(q) is symplectic exactly when
// df/dq is symmetric. Here df/dx = W diag(a sigma') W^T (+ I), which is
// symmetric, times the gate. The published code's gate has one entry per
// coordinate ([n]), giving diag(gate) times a symmetric matrix, which is not
// symmetric unless all entries agree: that flow preserves volume but not the
// symplectic form (symplectic_flow_test shows J^T Omega J - Omega ~ 0.1 for
// random gates). A scalar gate keeps the published form and the identity
// start, makes every layer exactly symplectic, and costs n - 1 parameters per
// layer (8522 instead of 8542 for the shipped config, both "about 8.5K").
//
// Each layer is one fused tape operation (forward and backward written out
// below), which keeps training at thousands of steps per second.
#ifndef AANET_MODELS_SYMPLECTIC_FLOW_H_
#define AANET_MODELS_SYMPLECTIC_FLOW_H_

#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "models/autodiff/ops.h"
#include "models/autodiff/parameters.h"
#include "models/autodiff/tape.h"
#include "proto/experiment.pb.h"
#include "rng/random.h"

namespace aanet {

class SymplecticFlow {
 public:
  // Validates `config` (errors name fields under `field_path`) and adds the
  // parameters "<name>/layer_<l>/{W,b,a,gate|c}" to `store`.
  static absl::StatusOr<SymplecticFlow> Create(
      ad::ParameterStore& store, const std::string& name,
      const SymplecticFlowConfig& config, const std::string& field_path,
      int num_particles, Random& random);

  // [B, 2n] -> [B, 2n], differentiable.
  ad::Var Forward(ad::Tape& tape, ad::Var states) const;
  ad::Var Inverse(ad::Tape& tape, ad::Var latents) const;

  // The same maps on values, without a tape.
  Eigen::MatrixXd ForwardValues(const Eigen::MatrixXd& states) const;
  Eigen::MatrixXd InverseValues(const Eigen::MatrixXd& latents) const;

  // One shear layer alone (for tests): applies layer `layer` with sign +1
  // (forward) or -1 (its inverse).
  ad::Var ApplyLayer(ad::Tape& tape, int layer, ad::Var states,
                     double sign) const;

  int num_layers() const { return static_cast<int>(layers_.size()); }
  int num_particles() const { return num_particles_; }

 private:
  struct LayerIds {
    int w, b, a;
    int gate_or_c;  // gate (GATED) or c (PAPER), [1, 1]
  };

  SymplecticFlow(ad::ParameterStore* store, int num_particles,
                 ShearConditioner conditioner, ad::Activation activation,
                 std::vector<LayerIds> layers)
      : store_(store),
        num_particles_(num_particles),
        conditioner_(conditioner),
        activation_(activation),
        layers_(std::move(layers)) {}

  // half_out = half + sign * f_layer(fixed), differentiable and fused.
  ad::Var Shear(ad::Tape& tape, int layer, ad::Var fixed, ad::Var half,
                double sign) const;
  // The same on values; `half` is updated in place.
  void ShearValues(int layer, const Eigen::MatrixXd& fixed,
                   Eigen::MatrixXd& half, double sign) const;

  ad::ParameterStore* store_;
  int num_particles_;
  ShearConditioner conditioner_;
  ad::Activation activation_;
  std::vector<LayerIds> layers_;
};

}  // namespace aanet

#endif  // AANET_MODELS_SYMPLECTIC_FLOW_H_
