#include "models/symplectic_flow.h"

#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "models/autodiff/activation_kernels.h"
#include "models/autodiff/init.h"
#include "models/autodiff/kernels.h"

namespace aanet {
namespace {

using ad::Matrix;

// Inputs of the fused shear node, in order.
enum ShearInput {
  kFixed = 0,  // x [B, n]
  kHalf,       // y [B, n]
  kW,          // [n, H]
  kB,          // [1, H]
  kA,          // [1, H]
  kGateOrC,    // gate or c, [1, 1]
  kPre,        // scratch: z = x W + b [B, H]
  kAct,        // scratch: s = sigma(z) [B, H]
  kNumShearInputs,
};

// Per-thread buffers for the backward pass, so that a training step does not
// allocate.
struct ShearWorkspace {
  Matrix weighted;  // W * a (row broadcast) [n, H]
  Matrix u;         // s (W * a)^T [B, n]
  Matrix g_f;       // dL/df [B, n]
  Matrix g_s;       // dL/ds [B, H]
  Matrix g_wa;      // dL/d(W * a) [n, H]
};

// Batches up to this size take the small-batch path of ShearValues.
constexpr Eigen::Index kSmallBatch = 8;
// Systems up to this size take the one-state path (a stack buffer).
constexpr int kMaxStackParticles = 64;

// One state's pre-activations z[j] = b[j] + sum_k x[k] W(k, j), W [n, H]
// column-major. N > 0 fixes n at compile time so the loops unroll; N == 0
// reads it from `n`.
template <int N>
void OneStatePre(const double* x, const double* w, const double* b,
                 Eigen::Index width, double* z, int n = N) {
  const int count = N > 0 ? N : n;
  for (Eigen::Index j = 0; j < width; ++j) {
    const double* w_j = w + j * count;
    double sum = b[j];
    for (int k = 0; k < count; ++k) sum += x[k] * w_j[k];
    z[j] = sum;
  }
}

// u[k] = sum_j s[j] a[j] W(k, j).
template <int N>
void OneStatePost(const double* s, const double* a, const double* w,
                  Eigen::Index width, double* u, int n = N) {
  const int count = N > 0 ? N : n;
  for (int k = 0; k < count; ++k) u[k] = 0.0;
  for (Eigen::Index j = 0; j < width; ++j) {
    const double* w_j = w + j * count;
    const double s_a = s[j] * a[j];
    for (int k = 0; k < count; ++k) u[k] += s_a * w_j[k];
  }
}

ShearWorkspace& Workspace() {
  thread_local ShearWorkspace workspace;
  return workspace;
}

}  // namespace

Eigen::RowVectorXd SymplecticPairScale(
    const Eigen::RowVectorXd& coordinate_scale, int num_particles) {
  const int n = num_particles;
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
    int num_particles, Random& random) {
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
  const int n = num_particles;
  const int width = config.hidden_width();
  const double stddev = config.weight_init_stddev();
  std::vector<LayerIds> layers;
  for (int l = 0; l < config.num_layers(); ++l) {
    const std::string prefix = absl::StrFormat("%s/layer_%02d", name, l);
    LayerIds ids;
    ids.w = store.Add(prefix + "/W", ad::NormalInit(n, width, stddev, random));
    ids.b = store.Add(prefix + "/b", ad::NormalInit(1, width, stddev, random));
    ids.a = store.Add(prefix + "/a", ad::ZerosInit(1, width));
    const bool paper = config.conditioner() == PAPER;
    ids.gate_or_c = store.Add(prefix + (paper ? "/c" : "/gate"),
                              ad::ZerosInit(1, paper ? 1 : n));
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
  ad::Var gate_or_c = tape.Param(*store_, ids.gate_or_c);
  const Matrix& x = fixed.value();
  const Eigen::Index batch = x.rows();
  const Eigen::Index width = w.cols();

  ad::Var pre = tape.Scratch(batch, width);
  Matrix& z = tape.MutableValue(pre);
  ad::ProductInto(x, w.value(), /*add=*/false, z);
  z.rowwise() += b.value().row(0);
  ad::Var act = tape.Scratch(batch, width);
  ad::ActivationInto(activation_, z, tape.MutableValue(act));

  const ShearConditioner conditioner = conditioner_;
  const ad::Activation activation = activation_;
  ad::Var out = tape.AddNode(
      batch, x.cols(), {fixed, half, w, b, a, gate_or_c, pre, act},
      [sign, conditioner, activation](ad::BackwardContext& c) {
        ShearWorkspace& ws = Workspace();
        const Matrix& g = c.grad();
        const Matrix& x = c.input(kFixed);
        const Matrix& w = c.input(kW);
        const Matrix& a = c.input(kA);
        const Matrix& gc = c.input(kGateOrC);
        const Matrix& z = c.input(kPre);
        const Matrix& s = c.input(kAct);
        c.AccumulateGrad(kHalf, g);

        // u = s (W*a)^T; GATED: f = gate (u + x), PAPER: f = u + c x.
        ws.weighted = w.array().rowwise() * a.row(0).array();
        ws.g_f = sign * g;
        if (conditioner == GATED_PER_COORDINATE) {
          // f = (u + x) * gate, gate [1, n].
          ad::ProductInto(s, ws.weighted.transpose(), false, ws.u);
          if (c.needs_grad(kGateOrC)) {
            c.AccumulateGrad(
                kGateOrC,
                ((ws.u + x).array() * ws.g_f.array()).colwise().sum().matrix());
          }
          ws.g_f.array().rowwise() *= gc.row(0).array();  // now dL/du
          c.AccumulateGrad(kFixed, ws.g_f);
        } else if (conditioner == GATED) {
          // f = u + gate * x, gate [1, n]; dL/du = dL/df.
          if (c.needs_grad(kGateOrC)) {
            c.AccumulateGrad(
                kGateOrC,
                (x.array() * ws.g_f.array()).colwise().sum().matrix());
          }
          c.AccumulateGrad(
              kFixed, (ws.g_f.array().rowwise() * gc.row(0).array()).matrix());
        } else {
          // f = u + c x.
          if (c.needs_grad(kGateOrC)) {
            c.AccumulateGrad(
                kGateOrC,
                Matrix::Constant(1, 1, (ws.g_f.array() * x.array()).sum()));
          }
          c.AccumulateGrad(kFixed, gc(0, 0) * ws.g_f);
        }
        // ws.g_f is now dL/d(s (W*a)^T).
        ad::ProductInto(ws.g_f, ws.weighted, false, ws.g_s);     // [B, H]
        ad::ProductInto(ws.g_f.transpose(), s, false, ws.g_wa);  // [n, H]
        if (c.needs_grad(kA)) {
          c.AccumulateGrad(
              kA, (ws.g_wa.array() * w.array()).colwise().sum().matrix());
        }
        const bool need_w = c.needs_grad(kW);
        if (need_w) {
          c.AccumulateGrad(
              kW, (ws.g_wa.array().rowwise() * a.row(0).array()).matrix());
        }
        // dL/dz = dL/ds * sigma'(z), in place in g_s.
        if (activation == ad::Activation::kSigmoid) {
          ws.g_s.array() *= s.array() * (1.0 - s.array());
        } else {
          ad::MultiplyByActivationDerivative(activation, z, ws.g_s);
        }
        c.AccumulateGrad(kB, ws.g_s.colwise().sum());
        if (need_w) {
          ad::ProductInto(x.transpose(), ws.g_s, /*add=*/true,
                          c.MutableInputGrad(kW));
        }
        if (c.needs_grad(kFixed)) {
          ad::ProductInto(ws.g_s, w.transpose(), /*add=*/true,
                          c.MutableInputGrad(kFixed));
        }
      });

  // Forward value: half + sign * f.
  Matrix& y = tape.MutableValue(out);
  ShearWorkspace& ws = Workspace();
  const Matrix& s = act.value();
  ws.weighted = w.value().array().rowwise() * a.value().row(0).array();
  ad::ProductInto(s, ws.weighted.transpose(), false, ws.u);
  if (conditioner == GATED_PER_COORDINATE) {
    y = half.value() +
        sign * ((ws.u + x).array().rowwise() * gate_or_c.value().row(0).array())
                   .matrix();
  } else if (conditioner == GATED) {
    y = half.value() +
        sign *
            (ws.u +
             (x.array().rowwise() * gate_or_c.value().row(0).array()).matrix());
  } else {
    y = half.value() + sign * (ws.u + gate_or_c.value()(0, 0) * x);
  }
  return out;
}

void SymplecticFlow::ShearOneState(int layer, const Matrix& fixed, Matrix& half,
                                   double sign) const {
  // The same arithmetic as the batched path, written as plain loops: for one
  // state every Eigen expression would cost more in setup than in work.
  const LayerIds& ids = layers_[layer];
  const Matrix& w = store_->value(ids.w);  // [n, H], column-major
  const double* b = store_->value(ids.b).data();
  const double* a = store_->value(ids.a).data();
  const double* gate_or_c = store_->value(ids.gate_or_c).data();
  const int n = num_particles_;
  const Eigen::Index width = w.cols();
  const double* x = fixed.data();  // [1, n] is contiguous
  double* y = half.data();
  ShearWorkspace& ws = Workspace();
  ws.g_s.resize(1, width);
  double u[kMaxStackParticles];
  switch (n) {
    case 1:
      OneStatePre<1>(x, w.data(), b, width, ws.g_s.data());
      ad::ActivationInto(activation_, ws.g_s, ws.g_s);
      OneStatePost<1>(ws.g_s.data(), a, w.data(), width, u);
      break;
    case 2:
      OneStatePre<2>(x, w.data(), b, width, ws.g_s.data());
      ad::ActivationInto(activation_, ws.g_s, ws.g_s);
      OneStatePost<2>(ws.g_s.data(), a, w.data(), width, u);
      break;
    case 3:
      OneStatePre<3>(x, w.data(), b, width, ws.g_s.data());
      ad::ActivationInto(activation_, ws.g_s, ws.g_s);
      OneStatePost<3>(ws.g_s.data(), a, w.data(), width, u);
      break;
    default:
      OneStatePre<0>(x, w.data(), b, width, ws.g_s.data(), n);
      ad::ActivationInto(activation_, ws.g_s, ws.g_s);
      OneStatePost<0>(ws.g_s.data(), a, w.data(), width, u, n);
      break;
  }
  for (int k = 0; k < n; ++k) {
    switch (conditioner_) {
      case GATED:
        y[k] += sign * (u[k] + gate_or_c[k] * x[k]);
        break;
      case GATED_PER_COORDINATE:
        y[k] += sign * (u[k] + x[k]) * gate_or_c[k];
        break;
      default:  // PAPER
        y[k] += sign * (u[k] + gate_or_c[0] * x[k]);
        break;
    }
  }
}

void SymplecticFlow::ShearValues(int layer, const Matrix& fixed, Matrix& half,
                                 double sign) const {
  const LayerIds& ids = layers_[layer];
  const Matrix& w = store_->value(ids.w);
  const Matrix& a = store_->value(ids.a);
  const Matrix& gate_or_c = store_->value(ids.gate_or_c);
  ShearWorkspace& ws = Workspace();
  if (fixed.rows() == 1 && num_particles_ <= kMaxStackParticles) {
    ShearOneState(layer, fixed, half, sign);
    return;
  }
  ws.weighted = w.array().rowwise() * a.row(0).array();
  if (fixed.rows() <= kSmallBatch) {
    // A few states (e.g. single-state inference): Eigen's own small
    // products beat ProductInto's column loops, which are built for batches.
    ws.g_s.noalias() = fixed * w;
    ws.g_s.rowwise() += store_->value(ids.b).row(0);
    ad::ActivationInto(activation_, ws.g_s, ws.g_s);
    ws.u.noalias() = ws.g_s * ws.weighted.transpose();
  } else {
    ad::ProductInto(fixed, w, false, ws.g_s);
    ws.g_s.rowwise() += store_->value(ids.b).row(0);
    ad::ActivationInto(activation_, ws.g_s, ws.g_s);
    ad::ProductInto(ws.g_s, ws.weighted.transpose(), false, ws.u);
  }
  if (conditioner_ == GATED_PER_COORDINATE) {
    half.array() +=
        sign * ((ws.u + fixed).array().rowwise() * gate_or_c.row(0).array());
  } else if (conditioner_ == GATED) {
    half +=
        sign *
        (ws.u + (fixed.array().rowwise() * gate_or_c.row(0).array()).matrix());
  } else {
    half += sign * (ws.u + gate_or_c(0, 0) * fixed);
  }
}

ad::Var SymplecticFlow::ApplyLayer(ad::Tape& tape, int layer, ad::Var states,
                                   double sign) const {
  const int n = num_particles_;
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
  const int n = num_particles_;
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
  const int n = num_particles_;
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

Matrix SymplecticFlow::ForwardValues(const Matrix& states) const {
  const int n = num_particles_;
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
  const int n = num_particles_;
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
