#include "models/symplectic_flow.h"

#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "autodiff/init.h"
#include "autodiff/internal/shear_kernels.h"

namespace aanet {
namespace {

using ad::Matrix;
using ad::internal::kShearFixed;
using ad::internal::kShearGate;
using ad::internal::kShearHalf;

// A shear layer updates one half y of the state by a function of the other
// half x (paper Eq. 5):
//   y <- y + sign * f(x),  f(x) = F(u(x), x),  u(x) = (sigma(x W + b) * a) W^T.
// The ridge term u and its gradient are computed by the kernels of
// autodiff/internal/shear_kernels.h; F is the conditioner (proto
// ShearConditioner), written once here, forward and backward:
//   SYMPLECTIC_SKIP_GATE (ours):            F = u + gate * x     gate [1, n]
//   PAPER_EQUATION_5 (the paper's Eq. 5):   F = u + c x          c [1, 1]
//   PUBLISHED_PER_COORDINATE_GATE:          F = (u + x) * gate   gate [1, n]
// (`gate` below is gate or c, the layer's parameter "gate" or "c".)

// y = h + sign * F(u, x), for every state (row); y may be h.
template <typename U>
void ApplyShear(ShearConditioner conditioner, double sign,
                const Eigen::MatrixBase<U>& u, const Matrix& x,
                const Matrix& gate, const Matrix& h, Matrix& y) {
  switch (conditioner) {
    case SYMPLECTIC_SKIP_GATE:
      y = h + sign * (u + (x.array().rowwise() * gate.row(0).array()).matrix());
      return;
    case PUBLISHED_PER_COORDINATE_GATE:
      y = h + sign * ((u + x).array().rowwise() * gate.row(0).array()).matrix();
      return;
    default:  // PAPER_EQUATION_5
      y = h + sign * (u + gate(0, 0) * x);
      return;
  }
}

// The backward pass of F in a shear node: given g = dL/dF [B, n], accumulates
// dL/dgate and the skip term's dL/dx into the node's inputs and leaves
// dL/du in g. `ridge_value()` returns u, which only the published gate's
// gradient reads.
template <typename RidgeValue>
void ShearConditionerBackward(ShearConditioner conditioner,
                              ad::BackwardContext& c,
                              const RidgeValue& ridge_value, Matrix& g) {
  const Matrix& x = c.input(kShearFixed);
  const Matrix& gate = c.input(kShearGate);
  switch (conditioner) {
    case SYMPLECTIC_SKIP_GATE:
      // dL/dgate = colsum(x dL/dF), dL/dx = dL/dF * gate, dL/du = dL/dF.
      if (c.needs_grad(kShearGate)) {
        c.AccumulateGrad(kShearGate,
                         (x.array() * g.array()).colwise().sum().matrix());
      }
      c.AccumulateGrad(kShearFixed,
                       (g.array().rowwise() * gate.row(0).array()).matrix());
      return;
    case PUBLISHED_PER_COORDINATE_GATE:
      // dL/dgate = colsum((u + x) dL/dF), dL/dx = dL/du = dL/dF * gate.
      if (c.needs_grad(kShearGate)) {
        c.AccumulateGrad(
            kShearGate,
            ((ridge_value() + x).array() * g.array()).colwise().sum().matrix());
      }
      g.array().rowwise() *= gate.row(0).array();
      c.AccumulateGrad(kShearFixed, g);
      return;
    default:  // PAPER_EQUATION_5
      // dL/dc = sum(x dL/dF), dL/dx = c dL/dF, dL/du = dL/dF.
      if (c.needs_grad(kShearGate)) {
        c.AccumulateGrad(kShearGate,
                         Matrix::Constant(1, 1, (g.array() * x.array()).sum()));
      }
      c.AccumulateGrad(kShearFixed, gate(0, 0) * g);
      return;
  }
}

// dL/dF, then dL/du, in a shear node's backward pass; per thread, so that a
// training step does not allocate.
Matrix& ShearGradient() {
  thread_local Matrix g;
  return g;
}

}  // namespace

Eigen::RowVectorXd SymplecticPairScale(
    const Eigen::RowVectorXd& coordinate_scale, int num_degrees_of_freedom) {
  const int n = num_degrees_of_freedom;
  Eigen::RowVectorXd scale = Eigen::RowVectorXd::Ones(2 * n);
  if (coordinate_scale.size() != 2 * n) return scale;
  const Eigen::ArrayXd products =
      (coordinate_scale.head(n).array() * coordinate_scale.tail(n).array())
          .transpose();
  const double log_mean = products.log().mean();
  for (int i = 0; i < n; ++i) {
    const double s = std::sqrt(products[i] / std::exp(log_mean));
    scale[i] = s;
    scale[n + i] = s;
  }
  return scale;
}

absl::StatusOr<SymplecticFlow> SymplecticFlow::Create(
    ad::ParameterStore& store, const std::string& name,
    const SymplecticFlowConfig& config, const std::string& field_path,
    int num_degrees_of_freedom, Random& random) {
  if (!config.has_num_layers() || config.num_layers() < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s.num_layers: must be set and >= 1, got %d",
                        field_path, config.num_layers()));
  }
  if (!config.has_hidden_width() || config.hidden_width() < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s.hidden_width: must be set and >= 1, got %d",
                        field_path, config.hidden_width()));
  }
  if (!config.has_weight_init_stddev() ||
      !(config.weight_init_stddev() >= 0.0)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s.weight_init_stddev: must be set and >= 0", field_path));
  }
  absl::StatusOr<ad::Activation> activation =
      ad::ParseActivation(config.activation());
  if (!activation.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s.activation: %s", field_path, activation.status().message()));
  }
  const int n = num_degrees_of_freedom;
  const int width = config.hidden_width();
  const double stddev = config.weight_init_stddev();
  std::vector<LayerIds> layers;
  for (int l = 0; l < config.num_layers(); ++l) {
    const std::string prefix = absl::StrFormat("%s/layer_%02d", name, l);
    LayerIds ids;
    ids.w = store.Add(prefix + "/W", ad::NormalInit(n, width, stddev, random));
    ids.b = store.Add(prefix + "/b", ad::NormalInit(1, width, stddev, random));
    ids.a = store.Add(prefix + "/a", ad::ZerosInit(1, width));
    const bool paper = config.conditioner() == PAPER_EQUATION_5;
    ids.gate_or_c = store.Add(prefix + (paper ? "/c" : "/gate"),
                              ad::ZerosInit(1, paper ? 1 : n));
    ids.w_value = &store.value(ids.w);
    ids.b_value = &store.value(ids.b);
    ids.a_value = &store.value(ids.a);
    ids.gate_or_c_value = &store.value(ids.gate_or_c);
    layers.push_back(ids);
  }
  return SymplecticFlow(&store, n, config.conditioner(), *activation,
                        std::move(layers));
}

ad::Var SymplecticFlow::Shear(ad::Tape& tape, int layer, ad::Var fixed,
                              ad::Var half, double sign) const {
  const LayerIds& ids = layers_[layer];
  ad::Var w = tape.Param(*store_, ids.w);
  ad::Var b = tape.Param(*store_, ids.b);
  ad::Var a = tape.Param(*store_, ids.a);
  ad::Var gate = tape.Param(*store_, ids.gate_or_c);
  ad::internal::ShearRidgeSaved saved;
  const Matrix& u =
      ad::internal::ShearRidgeForward(tape, activation_, fixed, w, b, a, saved);
  const ShearConditioner conditioner = conditioner_;
  const ad::Activation activation = activation_;
  ad::Var out = tape.AddNode(
      fixed.value().rows(), fixed.value().cols(),
      {fixed, half, w, b, a, gate, saved.saved0, saved.saved1},
      [sign, conditioner, activation](ad::BackwardContext& c) {
        Matrix& g = ShearGradient();
        g = sign * c.grad();  // dL/dF
        ShearConditionerBackward(
            conditioner, c,
            [&]() -> const Matrix& {
              return ad::internal::ShearRidgeValue(c, activation);
            },
            g);
        ad::internal::ShearRidgeBackward(c, activation, g);  // g = dL/du
        c.MoveGradTo(kShearHalf);  // last use of c.grad()
      });
  ApplyShear(conditioner_, sign, u, fixed.value(), gate.value(), half.value(),
             tape.MutableValue(out));
  return out;
}

void SymplecticFlow::ShearValues(int layer, const Matrix& fixed, Matrix& half,
                                 double sign) const {
  const LayerIds& ids = layers_[layer];
  const Matrix& gate = *ids.gate_or_c_value;
  const int n = num_degrees_of_freedom_;
  if (fixed.rows() == 1 && n <= ad::internal::kMaxOneStateDegreesOfFreedom) {
    // One state: u on the stack, from the parameters read in place.
    double u[ad::internal::kMaxOneStateDegreesOfFreedom];
    ad::internal::ShearRidgeOneState(
        activation_, n, fixed.data(), ids.w_value->data(), ids.b_value->data(),
        ids.a_value->data(), ids.w_value->cols(), u);
    ApplyShear(conditioner_, sign, Eigen::Map<const Eigen::RowVectorXd>(u, n),
               fixed, gate, half, half);
    return;
  }
  const Matrix& u = ad::internal::ShearRidgeValues(
      activation_, fixed, *ids.w_value, *ids.b_value, *ids.a_value);
  ApplyShear(conditioner_, sign, u, fixed, gate, half, half);
}

ad::Var SymplecticFlow::ApplyLayer(ad::Tape& tape, int layer, ad::Var states,
                                   double sign) const {
  const int n = num_degrees_of_freedom_;
  ad::Var q = ad::ColSlice(states, 0, n);
  ad::Var p = ad::ColSlice(states, n, n);
  if (layer % 2 == 0) {
    p = Shear(tape, layer, q, p, sign);
  } else {
    q = Shear(tape, layer, p, q, sign);
  }
  return ad::ConcatCols({q, p});
}

ad::Var SymplecticFlow::Forward(ad::Tape& tape, ad::Var states) const {
  const int n = num_degrees_of_freedom_;
  ad::Var q = ad::ColSlice(states, 0, n);
  ad::Var p = ad::ColSlice(states, n, n);
  for (int l = 0; l < num_layers(); ++l) {
    if (l % 2 == 0) {
      p = Shear(tape, l, q, p, +1.0);
    } else {
      q = Shear(tape, l, p, q, +1.0);
    }
  }
  return ad::ConcatCols({q, p});
}

ad::Var SymplecticFlow::Inverse(ad::Tape& tape, ad::Var latents) const {
  const int n = num_degrees_of_freedom_;
  ad::Var q = ad::ColSlice(latents, 0, n);
  ad::Var p = ad::ColSlice(latents, n, n);
  for (int l = num_layers() - 1; l >= 0; --l) {
    if (l % 2 == 0) {
      p = Shear(tape, l, q, p, -1.0);
    } else {
      q = Shear(tape, l, p, q, -1.0);
    }
  }
  return ad::ConcatCols({q, p});
}

std::optional<ad::internal::PackedShearStack> SymplecticFlow::PackOneState()
    const {
  if (activation_ != ad::Activation::kSigmoid) return std::nullopt;
  const int width = static_cast<int>(layers_.front().w_value->cols());
  ad::internal::PackedShearStack stack(
      num_degrees_of_freedom_, width, num_layers(),
      conditioner_ == PUBLISHED_PER_COORDINATE_GATE
          ? ad::internal::ShearGate::kMultiplicative
          : ad::internal::ShearGate::kAdditive);
  for (int l = 0; l < num_layers(); ++l) {
    const LayerIds& ids = layers_[l];
    // The paper's Eq. 5 c [1, 1] is the additive gate with one value.
    stack.SetLayer(l, *ids.w_value, *ids.b_value, *ids.a_value,
                   *ids.gate_or_c_value);
  }
  return stack;
}

Matrix SymplecticFlow::ForwardValues(const Matrix& states) const {
  const int n = num_degrees_of_freedom_;
  Matrix q = states.leftCols(n);
  Matrix p = states.rightCols(n);
  for (int l = 0; l < num_layers(); ++l) {
    if (l % 2 == 0) {
      ShearValues(l, q, p, +1.0);
    } else {
      ShearValues(l, p, q, +1.0);
    }
  }
  Matrix out(states.rows(), 2 * n);
  out << q, p;
  return out;
}

Matrix SymplecticFlow::InverseValues(const Matrix& latents) const {
  const int n = num_degrees_of_freedom_;
  Matrix q = latents.leftCols(n);
  Matrix p = latents.rightCols(n);
  for (int l = num_layers() - 1; l >= 0; --l) {
    if (l % 2 == 0) {
      ShearValues(l, q, p, -1.0);
    } else {
      ShearValues(l, p, q, -1.0);
    }
  }
  Matrix out(latents.rows(), 2 * n);
  out << q, p;
  return out;
}

}  // namespace aanet
