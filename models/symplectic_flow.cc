#include "models/symplectic_flow.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "autodiff/init.h"
#include "autodiff/internal/shear_kernels.h"
#include "autodiff/internal/shear_stack.h"

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
  // DEFAULT_PRECISION: float32 where the fused kernels cover the flow.
  const bool covered = (*activation == ad::Activation::kSigmoid ||
                        *activation == ad::Activation::kRelu) &&
                       n <= ad::internal::kMaxShearStackDegreesOfFreedom;
  if (config.precision() == SymplecticFlowConfig::FLOAT32 && !covered) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s.precision: FLOAT32 needs activation \"sigmoid\" or \"relu\" and "
        "at most %d degrees of freedom (the fused float32 kernels), got "
        "\"%s\" and %d; use FLOAT64 or leave it unset",
        field_path, ad::internal::kMaxShearStackDegreesOfFreedom,
        config.activation(), n));
  }
  const bool float32 =
      covered && config.precision() != SymplecticFlowConfig::FLOAT64;
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
  return SymplecticFlow(&store, n, config.conditioner(), *activation, width,
                        float32, std::move(layers));
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
  if (float32_) return Stack(tape, states, +1.0);
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
  if (float32_) return Stack(tape, latents, -1.0);
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
  // A FLOAT64 flow predicts in float64, one state or many.
  if (!float32_ || activation_ != ad::Activation::kSigmoid) return std::nullopt;
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
  if (float32_ && states.rows() > 1) return StackValues(states, +1.0);
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
  if (float32_ && latents.rows() > 1) return StackValues(latents, -1.0);
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

namespace {

// Whether the stack node keeps s = sigma(z) of every layer for its
// backward pass ([L, H, B] floats) rather than recomputing it from the saved
// fixed halves (models/README.md has the measurement).
constexpr bool kSaveActivations = true;

// The kernels' name for a covered activation (sigmoid or relu).
ad::internal::ShearActivation KernelActivation(ad::Activation activation) {
  return activation == ad::Activation::kRelu
             ? ad::internal::ShearActivation::kRelu
             : ad::internal::ShearActivation::kSigmoid;
}

// [B, 2n] (column-major: each coordinate's column is contiguous) into the
// kernels' [2n][ld] float layout, and back.
void StatesToFloat(const Matrix& states, int ld, std::vector<float>& out) {
  out.resize(static_cast<size_t>(states.cols()) * ld);
  for (Eigen::Index c = 0; c < states.cols(); ++c) {
    const double* src = states.col(c).data();
    float* dst = out.data() + c * ld;
    for (Eigen::Index b = 0; b < states.rows(); ++b) {
      dst[b] = static_cast<float>(src[b]);
    }
  }
}

void StatesFromFloat(const std::vector<float>& in, int ld, Matrix& states) {
  for (Eigen::Index c = 0; c < states.cols(); ++c) {
    const float* src = in.data() + c * ld;
    double* dst = states.col(c).data();
    for (Eigen::Index b = 0; b < states.rows(); ++b) dst[b] = src[b];
  }
}

// The floats a stack node keeps for its backward pass (packed parameters,
// gates, the fixed half of every layer), held in a tape scratch node's double
// storage so that a training step allocates nothing.
// params, forward_params and gates are packed (PackParameters) in that
// order at the start.
struct StackLayout {
  size_t params, forward_params, gates, saved_x, saved_s;
  size_t packed() const { return params + forward_params + gates; }
  size_t total() const { return packed() + saved_x + saved_s; }
};

StackLayout LayoutFor(int num_layers, int width, int n, int ld) {
  const size_t l = num_layers;
  return {l * width * (n + 2),
          l * width * ad::internal::ShearStackForwardParametersPerUnit(n),
          l * n, l * n * ld, kSaveActivations ? l * width * ld : 0};
}

// dst[h * kCount + i] (+)= src[h * kStride + i] for h < width, i < kCount,
// in double: one unit's run of a kernel record [width][kStride] into a
// parameter's gradient (or, <1, 1>, a float column into a double one).
// Constant sizes make each unit straight-line code (strided loops over a
// run-time n cost 3% of the Action-Angle Network's training step), and the
// branch is hoisted out of the loop (per element it cost 4%).
template <int kStride, int kCount>
void AddOrPutUnits(bool accumulate, const float* src, int width, double* dst) {
  if (accumulate) {
    for (int h = 0; h < width; ++h) {
      for (int i = 0; i < kCount; ++i) {
        dst[h * kCount + i] += src[h * kStride + i];
      }
    }
  } else {
    for (int h = 0; h < width; ++h) {
      for (int i = 0; i < kCount; ++i) {
        dst[h * kCount + i] = src[h * kStride + i];
      }
    }
  }
}

// Layer l's gradients (the kernel's [width][N + 2] sums `p` and its gate
// sums `gg`) added into its W, b, a and gate inputs of the stack node.
template <int N>
void AddLayerGradients(ad::BackwardContext& c, int l, int width, const float* p,
                       const float* gg) {
  constexpr int k = N + 2;
  for (int j = 0; j < 4; ++j) {
    const int input = 1 + 4 * l + j;
    if (!c.needs_grad(input)) continue;
    bool accumulate = false;
    Matrix& dst = c.InputGradForWrite(input, &accumulate);
    switch (j) {
      case 0:  // W [n, H], column-major: (i, h) at h * n + i
        AddOrPutUnits<k, N>(accumulate, p, width, dst.data());
        break;
      case 1:  // b
      case 2:  // a
        AddOrPutUnits<k, 1>(accumulate, p + N + j - 1, width, dst.data());
        break;
      default:
        if (dst.size() == 1) {  // c: every coordinate's term
          double sum = 0.0;
          for (int i = 0; i < N; ++i) sum += gg[i];
          dst(0, 0) = accumulate ? dst(0, 0) + sum : sum;
        } else {
          AddOrPutUnits<1, N>(accumulate, gg, 1, dst.data());
        }
        break;
    }
  }
}

// One layer's params [width][N + 2] and forward_params [width][2N + 1] from
// W [N, width] (column h contiguous), b and a [1, width]. N is a constant so
// that each unit is straight-line code (a loop over a run-time n cost 4% of
// the Action-Angle Network's training step).
template <int N>
void PackLayer(int width, const double* w, const double* b, const double* a,
               float* params, float* forward_params) {
  constexpr int k = N + 2;
  constexpr int kf = ad::internal::ShearStackForwardParametersPerUnit(N);
  for (int h = 0; h < width; ++h) {
    const double* w_h = w + static_cast<std::ptrdiff_t>(h) * N;
    float* p = params + static_cast<std::ptrdiff_t>(h) * k;
    for (int i = 0; i < N; ++i) p[i] = static_cast<float>(w_h[i]);
    p[N] = static_cast<float>(b[h]);
    p[N + 1] = static_cast<float>(a[h]);
    ad::internal::DeriveShearUnitForwardParameters(
        N, w_h, b[h], a[h],
        forward_params + static_cast<std::ptrdiff_t>(h) * kf);
  }
}

}  // namespace

void SymplecticFlow::PackParameters(float* packed) const {
  const int n = num_degrees_of_freedom_;
  const int k = n + 2;
  const int kf = ad::internal::ShearStackForwardParametersPerUnit(n);
  const StackLayout layout = LayoutFor(num_layers(), width_, n, 0);
  float* gates = packed + layout.params + layout.forward_params;
  for (int l = 0; l < num_layers(); ++l) {
    const LayerIds& ids = layers_[l];
    const Matrix& gate = *ids.gate_or_c_value;
    const double* w = ids.w_value->data();  // [n, width]: column h contiguous
    const double* b = ids.b_value->data();
    const double* a = ids.a_value->data();
    float* p = packed + static_cast<size_t>(l) * width_ * k;
    float* f = packed + layout.params + static_cast<size_t>(l) * width_ * kf;
    switch (n) {
      case 1:
        PackLayer<1>(width_, w, b, a, p, f);
        break;
      case 2:
        PackLayer<2>(width_, w, b, a, p, f);
        break;
      case 3:
        PackLayer<3>(width_, w, b, a, p, f);
        break;
      default:
        PackLayer<4>(width_, w, b, a, p, f);
        break;
    }
    for (int i = 0; i < n; ++i) {
      gates[l * n + i] =
          static_cast<float>(gate.size() == 1 ? gate(0, 0) : gate(0, i));
    }
  }
}

ad::internal::ShearStackArgs<float> SymplecticFlow::StackArgs(
    int batch, int ld, double sign, float* floats) const {
  const int n = num_degrees_of_freedom_;
  ad::internal::ShearStackArgs<float> args;
  args.n = n;
  args.width = width_;
  args.num_layers = num_layers();
  args.published_gate = conditioner_ == PUBLISHED_PER_COORDINATE_GATE;
  args.activation = KernelActivation(activation_);
  args.batch = batch;
  args.ld = ld;
  args.sign = static_cast<float>(sign);
  const StackLayout layout = LayoutFor(num_layers(), width_, n, ld);
  args.params = floats;
  args.forward_params = floats + layout.params;
  args.gates = floats + layout.params + layout.forward_params;
  return args;
}

Matrix SymplecticFlow::StackValues(const Matrix& states, double sign) const {
  const int n = num_degrees_of_freedom_;
  const int batch = static_cast<int>(states.rows());
  const int ld = ad::internal::ShearStackLd(batch);
  const StackLayout layout = LayoutFor(num_layers(), width_, n, ld);
  thread_local std::vector<float> packed;
  thread_local std::vector<float> state;
  packed.resize(layout.packed());
  PackParameters(packed.data());
  StatesToFloat(states, ld, state);
  ad::internal::ShearStackArgs<float> args =
      StackArgs(batch, ld, sign, packed.data());
  args.state = state.data();
  ad::internal::ShearStackForward(args);
  Matrix out(batch, 2 * n);
  StatesFromFloat(state, ld, out);
  return out;
}

ad::Var SymplecticFlow::Stack(ad::Tape& tape, ad::Var states,
                              double sign) const {
  const int n = num_degrees_of_freedom_;
  const int batch = static_cast<int>(states.rows());
  const int ld = ad::internal::ShearStackLd(batch);
  const StackLayout layout = LayoutFor(num_layers(), width_, n, ld);
  // Inputs: the states, each layer's W, b, a, gate, then the scratch node.
  thread_local std::vector<ad::Var> inputs;
  inputs.clear();
  inputs.push_back(states);
  for (const LayerIds& ids : layers_) {
    inputs.push_back(tape.Param(*store_, ids.w));
    inputs.push_back(tape.Param(*store_, ids.b));
    inputs.push_back(tape.Param(*store_, ids.a));
    inputs.push_back(tape.Param(*store_, ids.gate_or_c));
  }
  // Sized for batch + 15 rows rather than the rounded ld, so that the
  // node's size grows with the batch row by row (the trainer's memory
  // estimate measures tape values at 1 and 2 rows).
  const size_t floats_needed =
      LayoutFor(num_layers(), width_, n, batch + 15).total();
  ad::Var scratch =
      tape.Scratch(static_cast<Eigen::Index>((floats_needed + 1) / 2), 1);
  inputs.push_back(scratch);
  float* floats = reinterpret_cast<float*>(tape.MutableValue(scratch).data());
  PackParameters(floats);
  thread_local std::vector<float> state;
  StatesToFloat(states.value(), ld, state);
  ad::internal::ShearStackArgs<float> args = StackArgs(batch, ld, sign, floats);
  args.state = state.data();
  args.saved_x = floats + layout.packed();
  if (kSaveActivations) args.saved_s = args.saved_x + layout.saved_x;
  ad::internal::ShearStackForward(args);
  // `this` and the sign: 16 bytes, stored inline by std::function.
  ad::Var out = tape.AddNode(
      batch, 2 * n, inputs,
      [this, sign](ad::BackwardContext& c) { StackBackward(c, sign); });
  StatesFromFloat(state, ld, tape.MutableValue(out));
  return out;
}

void SymplecticFlow::StackBackward(ad::BackwardContext& c, double sign) const {
  const int n = num_degrees_of_freedom_;
  const int k = n + 2;
  const int num_layers = this->num_layers();
  const Matrix& g = c.grad();
  const int batch = static_cast<int>(g.rows());
  const int ld = ad::internal::ShearStackLd(batch);
  const StackLayout layout = LayoutFor(num_layers, width_, n, ld);
  const int scratch_input = 1 + 4 * num_layers;
  // The kernel only reads the saved floats.
  float* floats = const_cast<float*>(
      reinterpret_cast<const float*>(c.input(scratch_input).data()));
  thread_local std::vector<float> grad_state;
  thread_local std::vector<float> grad_params;
  StatesToFloat(g, ld, grad_state);
  grad_params.resize(layout.params + layout.gates);
  ad::internal::ShearStackArgs<float> args = StackArgs(batch, ld, sign, floats);
  args.saved_x = floats + layout.packed();
  if (kSaveActivations) args.saved_s = args.saved_x + layout.saved_x;
  args.grad_state = grad_state.data();
  args.grad_params = grad_params.data();
  args.grad_gates = grad_params.data() + layout.params;
  ad::internal::ShearStackBackward(args);
  if (c.needs_grad(0)) {
    bool accumulate = false;
    Matrix& gx = c.InputGradForWrite(0, &accumulate);
    for (int col = 0; col < 2 * n; ++col) {
      AddOrPutUnits<1, 1>(accumulate, grad_state.data() + col * ld, batch,
                          gx.col(col).data());
    }
  }
  // Each layer's float32 batch sums, added in double.
  for (int l = 0; l < num_layers; ++l) {
    const float* p = grad_params.data() + static_cast<size_t>(l) * width_ * k;
    const float* gg = args.grad_gates + l * n;
    switch (n) {
      case 1:
        AddLayerGradients<1>(c, l, width_, p, gg);
        break;
      case 2:
        AddLayerGradients<2>(c, l, width_, p, gg);
        break;
      case 3:
        AddLayerGradients<3>(c, l, width_, p, gg);
        break;
      default:
        AddLayerGradients<4>(c, l, width_, p, gg);
        break;
    }
  }
}

}  // namespace aanet
