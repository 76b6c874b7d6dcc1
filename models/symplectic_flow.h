// A symplectic normalising flow of G-SympNet shear layers (paper Eq. 5).
//
// The state [q, p] (each [B, n]) passes through num_layers shears; layer l
// updates one half by a function of the other:
//   even l:  p <- p + f_l(q)        odd l:  q <- q + f_l(p)
// Each shear is symplectic and exactly invertible (subtract the same f_l),
// so the flow is a symplectic map with an exact inverse: Inverse(Forward(x))
// = x up to rounding, whatever the parameters.
//
// The conditioner f (proto ShearConditioner), with W [n, H], b, a [1, H] and
// the ridge term u(x) = (sigma(x W + b) * a) W^T [B, n]:
//   SYMPLECTIC_SKIP_GATE:  f(x) = u(x) + gate * x,  gate [1, n]
//                          (ours, shipped; symplectic)
//   PAPER_EQUATION_5:      f(x) = u(x) + c x,  c [1, 1]  (the paper's Eq. 5)
//   PUBLISHED_PER_COORDINATE_GATE:  f(x) = (u(x) + x) * gate,  gate [1, n]
//                          (the published code; NOT symplectic)
// a, gate and c start at zero, so every layer starts as the identity;
// W, b ~ N(0, weight_init_stddev^2).
//
// A shear p <- p + f(q) is symplectic exactly when df/dq is symmetric.
// du/dx = W diag(a sigma') W^T is symmetric, and so is a diagonal gate on the
// skip term; SYMPLECTIC_SKIP_GATE and PAPER_EQUATION_5 are therefore exactly
// symplectic. The published
// code multiplies u by the per-coordinate gate as well, giving
// diag(gate) W diag(a sigma') W^T, which is not symmetric: that flow only
// preserves volume (symplectic_flow_test measures J^T Omega J - Omega ~ 0.1).
// It needed that freedom because standardising coordinates distorts the
// symplectic form differently per degree of freedom; SymplecticPairScale below
// undoes the distortion instead, and with it the symplectic skip-gate flow
// trains to the published accuracy with the published parameter count (8542 for
// n = 2).
//
// Precision (SymplecticFlowConfig.precision, resolved by Create):
//   FLOAT32 (the default for sigmoid flows with n <= 4): the whole stack is
//   one tape node on the fused float32 kernels of
//   autodiff/internal/shear_stack.h (bit-identical on every instruction set);
//   parameters, their gradients and the optimiser stay float64, each layer's
//   gradient is summed over the batch in float32 and added in double.
//   ForwardValues/InverseValues of more than one state use the same kernels;
//   one state alone keeps the float64 one-state path.
//   FLOAT64 (any other activation, n > 4, or asked for): each layer is one
//   fused float64 tape operation: symplectic_flow.cc writes each conditioner
//   once, forward and backward, and computes u and its gradient on the
//   kernels of autodiff/internal/shear_kernels.h; the arithmetic of every run
//   before the option existed, bit for bit.
#ifndef AANET_MODELS_SYMPLECTIC_FLOW_H_
#define AANET_MODELS_SYMPLECTIC_FLOW_H_

#include <optional>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "autodiff/internal/shear_stack.h"
#include "autodiff/internal/shear_stack_one_state.h"
#include "autodiff/ops.h"
#include "autodiff/parameters.h"
#include "autodiff/tape.h"
#include "proto/experiment.pb.h"
#include "rng/random.h"

namespace aanet {

// Standardising each coordinate by its own deviation (q_i / sigma_q_i,
// p_i / sigma_p_i) multiplies the symplectic form of pair i by
// 1 / (sigma_q_i sigma_p_i), a different factor per degree of freedom, so no
// symplectic map of the standardised state can reach the action-angle
// coordinates when those factors differ (e.g. unequal masses). Multiplying
// both coordinates of pair i by
//   s_i = sqrt(sigma_q_i sigma_p_i / C),  C = geometric mean of the products,
// makes the factor the same, 1 / C, for every pair: the map from physical
// coordinates into the flow is then conformally symplectic with one constant,
// which only rescales the Hamiltonian. Returns [s_1..s_n, s_1..s_n] for a
// state [q, p]; `coordinate_scale` is [2n] (empty: all ones).
Eigen::RowVectorXd SymplecticPairScale(
    const Eigen::RowVectorXd& coordinate_scale, int num_degrees_of_freedom);

class SymplecticFlow {
 public:
  // Validates `config` (errors name fields under `field_path`) and adds the
  // parameters "<name>/layer_<l>/{W,b,a,gate|c}" to `store`.
  static absl::StatusOr<SymplecticFlow> Create(
      ad::ParameterStore& store, const std::string& name,
      const SymplecticFlowConfig& config, const std::string& field_path,
      int num_degrees_of_freedom, Random& random);

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
  int num_degrees_of_freedom() const { return num_degrees_of_freedom_; }
  // The resolved precision: "float32" or "float64".
  std::string precision() const { return float32_ ? "float32" : "float64"; }
  bool is_float32() const { return float32_; }

  // A snapshot of the current parameters for the float32 one-state kernel
  // (autodiff/internal/shear_stack_one_state.h: prediction of one state with
  // no tape and no allocation); nullopt unless the flow is a float32 sigmoid
  // flow.
  std::optional<ad::internal::PackedShearStack> PackOneState() const;

 private:
  struct LayerIds {
    int w, b, a;
    int gate_or_c;  // gate [1, n] (the gated conditioners) or c [1, 1]
    // The store's matrices for these ids, which never move: the single-state
    // path reads them without the store's checked lookups, which cost as
    // much as a layer's arithmetic there.
    const ad::Matrix* w_value = nullptr;
    const ad::Matrix* b_value = nullptr;
    const ad::Matrix* a_value = nullptr;
    const ad::Matrix* gate_or_c_value = nullptr;
  };

  SymplecticFlow(ad::ParameterStore* store, int num_degrees_of_freedom,
                 ShearConditioner conditioner, ad::Activation activation,
                 int width, bool float32, std::vector<LayerIds> layers)
      : store_(store),
        num_degrees_of_freedom_(num_degrees_of_freedom),
        conditioner_(conditioner),
        activation_(activation),
        width_(width),
        float32_(float32),
        layers_(std::move(layers)) {}

  // The whole stack in float32 (sign +1: Forward, -1: Inverse), as one tape
  // node, and on values.
  ad::Var Stack(ad::Tape& tape, ad::Var states, double sign) const;
  Eigen::MatrixXd StackValues(const Eigen::MatrixXd& states, double sign) const;
  // The parameters in the kernels' float layout (shear_stack.h), one after
  // the other at `packed`: params [L][H][n + 2], forward_params
  // [L][H][2n + 1] (derived from params), gates [L][n] (c copied into each
  // entry).
  void PackParameters(float* packed) const;
  // The stack node's backward pass.
  void StackBackward(ad::BackwardContext& c, double sign) const;
  // The kernels' arguments every stack call shares: the flow's shape and
  // conditioner, the batch, and the packed parameters at `floats`
  // (as PackParameters lays them out).
  ad::internal::ShearStackArgs<float> StackArgs(int batch, int ld, double sign,
                                                float* floats) const;

  // half_out = half + sign * f_layer(fixed), differentiable and fused.
  ad::Var Shear(ad::Tape& tape, int layer, ad::Var fixed, ad::Var half,
                double sign) const;
  // The same on values; `half` is updated in place. A single state takes
  // the one-state kernels (no Eigen temporaries).
  void ShearValues(int layer, const Eigen::MatrixXd& fixed,
                   Eigen::MatrixXd& half, double sign) const;

  ad::ParameterStore* store_;
  int num_degrees_of_freedom_;
  ShearConditioner conditioner_;
  ad::Activation activation_;
  int width_;
  bool float32_;
  std::vector<LayerIds> layers_;
};

}  // namespace aanet

#endif  // AANET_MODELS_SYMPLECTIC_FLOW_H_
