#include "models/mlp.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "autodiff/activation_kernels.h"
#include "autodiff/init.h"
#include "autodiff/internal/shear_stack.h"
#include "status/status_macros.h"

namespace aanet {

absl::StatusOr<Mlp> Mlp::Create(ad::ParameterStore& store,
                                const std::string& name, int input_size,
                                const std::vector<int>& hidden_widths,
                                int output_size, ad::Activation activation,
                                Random& random) {
  std::vector<int> widths;
  widths.push_back(input_size);
  widths.insert(widths.end(), hidden_widths.begin(), hidden_widths.end());
  widths.push_back(output_size);
  for (int width : widths) {
    if (width < 1) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: layer widths must be >= 1, got %d", name, width));
    }
  }
  std::vector<int> weight_ids, bias_ids;
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    const std::string prefix = absl::StrFormat("%s/layer_%02d", name, i);
    weight_ids.push_back(store.Add(
        prefix + "/W", ad::LecunNormal(widths[i], widths[i + 1], random)));
    bias_ids.push_back(
        store.Add(prefix + "/b", ad::ZerosInit(1, widths[i + 1])));
  }
  return Mlp(&store, std::move(widths), std::move(weight_ids),
             std::move(bias_ids), activation);
}

absl::StatusOr<Mlp> CreateMlpFromConfig(ad::ParameterStore& store,
                                        const std::string& name,
                                        const MlpConfig& config,
                                        const std::string& field_path,
                                        int input_size, int output_size,
                                        Random& random) {
  absl::StatusOr<ad::Activation> activation =
      ad::ParseActivation(config.activation());
  if (!activation.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s.activation: %s", field_path, activation.status().message()));
  }
  absl::StatusOr<Mlp> mlp =
      Mlp::Create(store, name, input_size,
                  std::vector<int>(config.hidden_widths().begin(),
                                   config.hidden_widths().end()),
                  output_size, *activation, random);
  if (!mlp.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s.hidden_widths: %s", field_path, mlp.status().message()));
  }
  return mlp;
}

absl::StatusOr<std::unique_ptr<Mlp>> CreateDerivativeNet(
    ad::ParameterStore& store, const MlpConfig& config,
    const std::string& model_field_path, int num_degrees_of_freedom,
    Random& random) {
  const int latent_size = 2 * num_degrees_of_freedom;
  AANET_ASSIGN_OR_RETURN(
      Mlp net,
      CreateMlpFromConfig(store, "derivative_net", config,
                          absl::StrCat(model_field_path, ".derivative_net"),
                          latent_size, latent_size, random));
  return std::make_unique<Mlp>(std::move(net));
}

ad::Var Mlp::Forward(ad::Tape& tape, ad::Var inputs) const {
  ad::Var h = inputs;
  for (int i = 0; i < num_layers(); ++i) {
    ad::Var z = ad::Add(ad::MatMul(h, tape.Param(*store_, weight_ids_[i])),
                        tape.Param(*store_, bias_ids_[i]));
    if (i + 1 < num_layers()) z = ad::Activate(activation_, z);
    h = is_residual(i) ? ad::Add(z, h) : z;
  }
  return h;
}

namespace {

// The shear-stack buffers of a sigmoid net over `batch` rows, in T's
// (Mlp::ForwardOnShearKernel): params [H][n + 2], forward_params
// [H][2n + 1], gates [n], then the forward pass's saved x [n][ld] and s
// [H][ld] for the backward pass.
struct SigmoidNetLayout {
  size_t params, forward_params, gates, saved_x, saved_s;
  size_t total() const {
    return params + forward_params + gates + saved_x + saved_s;
  }
};

SigmoidNetLayout SigmoidNetLayoutFor(int n, int width, int ld) {
  const size_t h = width;
  return {h * (n + 2), h * ad::internal::ShearStackForwardParametersPerUnit(n),
          static_cast<size_t>(n), static_cast<size_t>(n) * ld, h * ld};
}

// The kernel's arguments for one layer over those buffers at `data`.
template <typename T>
ad::internal::ShearStackArgs<T> SigmoidNetArgs(int n, int width, int batch,
                                               T* data) {
  const int ld = ad::internal::ShearStackLd(batch);
  const SigmoidNetLayout layout = SigmoidNetLayoutFor(n, width, ld);
  ad::internal::ShearStackArgs<T> args;
  args.n = n;
  args.width = width;
  args.num_layers = 1;
  args.published_gate = false;
  args.activation = ad::internal::ShearActivation::kSigmoid;
  args.batch = batch;
  args.ld = ld;
  args.sign = 1;
  args.params = data;
  args.forward_params = data + layout.params;
  args.gates = args.forward_params + layout.forward_params;
  args.saved_x = data + layout.params + layout.forward_params + layout.gates;
  args.saved_s = args.saved_x + layout.saved_x;
  return args;
}

// dst[i] (+)= src[i * src_stride] for i < count, in double.
template <typename T>
void AddOrPutValues(bool accumulate, const T* src, std::ptrdiff_t src_stride,
                    int count, double* dst) {
  for (int i = 0; i < count; ++i) {
    const double value = src[i * src_stride];
    dst[i] = accumulate ? dst[i] + value : value;
  }
}

// The node's backward pass. Inputs: x [B, n], W1 [n, H], b1 [1, H],
// W2 [H, n], b2 [1, n], the scratch node with the packed parameters and
// the saved activations.
template <typename T>
void SigmoidNetBackward(ad::BackwardContext& c) {
  const ad::Matrix& g = c.grad();
  const int batch = static_cast<int>(g.rows());
  const int n = static_cast<int>(g.cols());
  const int width = static_cast<int>(c.input(1).cols());
  const int ld = ad::internal::ShearStackLd(batch);
  constexpr int kScratch = 5;
  // The kernel only reads the saved values.
  T* data =
      const_cast<T*>(reinterpret_cast<const T*>(c.input(kScratch).data()));
  ad::internal::ShearStackArgs<T> args =
      SigmoidNetArgs<T>(n, width, batch, data);
  thread_local std::vector<T> grad_state, grad_params, unit_sums;
  // dL/d(output) in the updated half, zero in the input half.
  grad_state.assign(static_cast<size_t>(2 * n) * ld, T(0));
  for (int i = 0; i < n; ++i) {
    for (int b = 0; b < batch; ++b) {
      grad_state[static_cast<size_t>(n + i) * ld + b] = static_cast<T>(g(b, i));
    }
  }
  const int kf = ad::internal::ShearStackForwardParametersPerUnit(n);
  grad_params.resize(static_cast<size_t>(width) * (n + 2) + n);
  unit_sums.resize(static_cast<size_t>(width) * kf);
  args.grad_state = grad_state.data();
  args.grad_params = grad_params.data();
  args.grad_gates = grad_params.data() + static_cast<size_t>(width) * (n + 2);
  args.unit_sums = unit_sums.data();
  ad::internal::ShearStackBackward(args);
  bool accumulate = false;
  if (c.needs_grad(0)) {  // dL/dx
    ad::Matrix& dx = c.InputGradForWrite(0, &accumulate);
    for (int i = 0; i < n; ++i) {
      AddOrPutValues(accumulate,
                     grad_state.data() + static_cast<size_t>(i) * ld, 1, batch,
                     dx.col(i).data());
    }
  }
  if (c.needs_grad(1)) {  // dL/dW1 [n, H]: X_i, (i, h) at h * n + i
    ad::Matrix& dw1 = c.InputGradForWrite(1, &accumulate);
    for (int h = 0; h < width; ++h) {
      AddOrPutValues(accumulate, unit_sums.data() + h * kf, 1, n,
                     dw1.data() + static_cast<std::ptrdiff_t>(h) * n);
    }
  }
  if (c.needs_grad(2)) {  // dL/db1: D
    ad::Matrix& db1 = c.InputGradForWrite(2, &accumulate);
    AddOrPutValues(accumulate, unit_sums.data() + 2 * n, kf, width, db1.data());
  }
  if (c.needs_grad(3)) {  // dL/dW2 [H, n]: S_i, (h, i) at i * H + h
    ad::Matrix& dw2 = c.InputGradForWrite(3, &accumulate);
    for (int i = 0; i < n; ++i) {
      AddOrPutValues(accumulate, unit_sums.data() + n + i, kf, width,
                     dw2.col(i).data());
    }
  }
  if (c.needs_grad(4)) {  // dL/db2: the batch sum of dL/d(output), in double
    ad::Matrix& db2 = c.InputGradForWrite(4, &accumulate);
    for (int i = 0; i < n; ++i) {
      const double sum = g.col(i).sum();
      db2(0, i) = accumulate ? db2(0, i) + sum : sum;
    }
  }
}

}  // namespace

bool Mlp::HasShearKernelShape() const {
  return num_layers() == 2 && activation_ == ad::Activation::kSigmoid &&
         input_size() == output_size() &&
         input_size() <= ad::internal::kMaxShearStackDegreesOfFreedom &&
         !is_residual(0);
}

template <typename T>
ad::Var Mlp::ForwardOnShearKernel(ad::Tape& tape, ad::Var inputs) const {
  AANET_AD_CHECK(HasShearKernelShape(),
                 "Mlp::ForwardOnShearKernel: not a one-sigmoid-layer n -> n "
                 "net with n <= 4");
  const int n = input_size();
  const int width = widths_[1];
  const int batch = static_cast<int>(inputs.rows());
  const int ld = ad::internal::ShearStackLd(batch);
  const ad::Matrix& w1 = store_->value(weight_ids_[0]);
  const ad::Matrix& b1 = store_->value(bias_ids_[0]);
  const ad::Matrix& w2 = store_->value(weight_ids_[1]);
  const ad::Matrix& b2 = store_->value(bias_ids_[1]);
  const SigmoidNetLayout layout = SigmoidNetLayoutFor(n, width, ld);
  // Sized for batch + 15 rows rather than the rounded ld, so that the
  // node's size grows with the batch row by row (the trainer's memory
  // estimate measures tape values at 1 and 2 rows).
  const size_t values_needed =
      SigmoidNetLayoutFor(n, width, batch + 15).total();
  ad::Var scratch = tape.Scratch(
      static_cast<Eigen::Index>((values_needed * sizeof(T) + 7) / 8), 1);
  T* data = reinterpret_cast<T*>(tape.MutableValue(scratch).data());
  ad::internal::ShearStackArgs<T> args =
      SigmoidNetArgs<T>(n, width, batch, data);
  // Pack: W1 and b1 with a = 0 (so that the kernel's dL/dW = X + a S is X),
  // their derived parameters, then W2's row h in W a's place.
  T* params = data;
  T* forward_params = data + layout.params;
  const int kf = ad::internal::ShearStackForwardParametersPerUnit(n);
  for (int h = 0; h < width; ++h) {
    const double* w_h = w1.data() + static_cast<std::ptrdiff_t>(h) * n;
    T* p = params + static_cast<std::ptrdiff_t>(h) * (n + 2);
    T* f = forward_params + static_cast<std::ptrdiff_t>(h) * kf;
    for (int i = 0; i < n; ++i) p[i] = static_cast<T>(w_h[i]);
    p[n] = static_cast<T>(b1(0, h));
    p[n + 1] = T(0);
    ad::internal::DeriveShearUnitForwardParameters(n, w_h, b1(0, h), 0.0, f);
    for (int i = 0; i < n; ++i) f[n + 1 + i] = static_cast<T>(w2(h, i));
  }
  std::fill(forward_params + layout.forward_params,
            forward_params + layout.forward_params + n, T(0));  // gates
  // The state: x in the fixed half, b2 in the updated one.
  thread_local std::vector<T> state;
  state.resize(static_cast<size_t>(2 * n) * ld);
  const ad::Matrix& x = inputs.value();
  for (int i = 0; i < n; ++i) {
    T* q = state.data() + static_cast<size_t>(i) * ld;
    T* y = state.data() + static_cast<size_t>(n + i) * ld;
    const T bias = static_cast<T>(b2(0, i));
    for (int b = 0; b < batch; ++b) {
      q[b] = static_cast<T>(x(b, i));
      y[b] = bias;
    }
  }
  args.state = state.data();
  ad::internal::ShearStackForward(args);
  ad::Var out = tape.AddNode(
      batch, n,
      {inputs, tape.Param(*store_, weight_ids_[0]),
       tape.Param(*store_, bias_ids_[0]), tape.Param(*store_, weight_ids_[1]),
       tape.Param(*store_, bias_ids_[1]), scratch},
      [](ad::BackwardContext& c) { SigmoidNetBackward<T>(c); });
  ad::Matrix& values = tape.MutableValue(out);
  for (int i = 0; i < n; ++i) {
    const T* y = state.data() + static_cast<size_t>(n + i) * ld;
    for (int b = 0; b < batch; ++b) values(b, i) = y[b];
  }
  return out;
}

template ad::Var Mlp::ForwardOnShearKernel<float>(ad::Tape&, ad::Var) const;
template ad::Var Mlp::ForwardOnShearKernel<double>(ad::Tape&, ad::Var) const;

Eigen::MatrixXd Mlp::Evaluate(const Eigen::MatrixXd& inputs) const {
  Eigen::MatrixXd outputs;
  EvaluateInto(inputs, outputs);
  return outputs;
}

void Mlp::EvaluateInto(const Eigen::MatrixXd& inputs,
                       Eigen::MatrixXd& outputs) const {
  // Layers alternate between `outputs` and z by swapping storage, so that
  // both keep their sizes from one call to the next.
  Eigen::MatrixXd& h = outputs;
  h = inputs;
  thread_local Eigen::MatrixXd z;
  for (int i = 0; i < num_layers(); ++i) {
    // Forward's product, so that the two give the same bits.
    ad::MatMulInto(h, store_->value(weight_ids_[i]), z);
    z.rowwise() += store_->value(bias_ids_[i]).row(0);
    if (i + 1 < num_layers()) ad::ActivationInto(activation_, z, z);
    if (is_residual(i)) {
      h += z;
    } else {
      h.swap(z);
    }
  }
}

void Mlp::EvaluateRow(const double* input, double* output) const {
  // h is the layer's input, z its output; both are [1, width] buffers.
  thread_local ad::Matrix h, z;
  h = Eigen::Map<const Eigen::RowVectorXd>(input, input_size());
  for (int i = 0; i < num_layers(); ++i) {
    const ad::Matrix& w = store_->value(weight_ids_[i]);  // [in, out]
    const ad::Matrix& b = store_->value(bias_ids_[i]);    // [1, out]
    const int in = widths_[i];
    const int out = widths_[i + 1];
    z.resize(1, out);
    const Eigen::Map<const Eigen::VectorXd> h_column(h.data(), in);
    for (int j = 0; j < out; ++j) {
      // Column j of w is contiguous; Eigen's dot product is vectorised.
      z(0, j) = b(0, j) + w.col(j).dot(h_column);
    }
    if (i + 1 < num_layers()) ad::ActivationInto(activation_, z, z);
    if (is_residual(i)) {
      h += z;
    } else {
      h.swap(z);
    }
  }
  std::copy(h.data(), h.data() + output_size(), output);
}

std::optional<ad::internal::PackedSigmoidNet> Mlp::PackOneState() const {
  if (num_layers() != 2 || activation_ != ad::Activation::kSigmoid ||
      input_size() != output_size() || is_residual(0)) {
    return std::nullopt;
  }
  return ad::internal::PackedSigmoidNet(
      store_->value(weight_ids_[0]), store_->value(bias_ids_[0]),
      store_->value(weight_ids_[1]), store_->value(bias_ids_[1]));
}

ad::Var Mlp::InputGradient(ad::Tape& tape, ad::Var inputs) const {
  // Forward, keeping the pre-activations.
  std::vector<ad::Var> pre_activations;
  ad::Var h = inputs;
  for (int i = 0; i < num_layers(); ++i) {
    ad::Var z = ad::Add(ad::MatMul(h, tape.Param(*store_, weight_ids_[i])),
                        tape.Param(*store_, bias_ids_[i]));
    pre_activations.push_back(z);
    ad::Var activated = i + 1 < num_layers() ? ad::Activate(activation_, z) : z;
    h = is_residual(i) ? ad::Add(activated, h) : activated;
  }
  // Backward by hand from d(sum outputs)/d(outputs) = 1.
  ad::Var g =
      tape.Constant(Eigen::MatrixXd::Ones(inputs.rows(), output_size()));
  for (int i = num_layers() - 1; i >= 0; --i) {
    ad::Var gz = i + 1 < num_layers()
                     ? ad::Mul(g, ad::ActivationDerivative(activation_,
                                                           pre_activations[i]))
                     : g;
    ad::Var g_in =
        ad::MatMulTransposeB(gz, tape.Param(*store_, weight_ids_[i]));
    g = is_residual(i) ? ad::Add(g_in, g) : g_in;
  }
  return g;
}

Eigen::MatrixXd Mlp::InputGradientValues(const Eigen::MatrixXd& inputs) const {
  std::vector<Eigen::MatrixXd> pre_activations(num_layers());
  Eigen::MatrixXd h = inputs;
  for (int i = 0; i < num_layers(); ++i) {
    Eigen::MatrixXd& z = pre_activations[i];
    ad::MatMulInto(h, store_->value(weight_ids_[i]), z);
    z.rowwise() += store_->value(bias_ids_[i]).row(0);
    Eigen::MatrixXd activated = z;
    if (i + 1 < num_layers()) ad::ActivationInto(activation_, z, activated);
    if (is_residual(i)) {
      h += activated;
    } else {
      h.swap(activated);
    }
  }
  Eigen::MatrixXd g = Eigen::MatrixXd::Ones(inputs.rows(), output_size());
  Eigen::MatrixXd derivative, g_z, g_in;
  for (int i = num_layers() - 1; i >= 0; --i) {
    // InputGradient's products, so that the two give the same bits.
    if (i + 1 < num_layers()) {
      ad::ActivationDerivativeInto(activation_, pre_activations[i], derivative);
      g_z = g.cwiseProduct(derivative);
      ad::MatMulTransposeBInto(g_z, store_->value(weight_ids_[i]), g_in);
    } else {
      ad::MatMulTransposeBInto(g, store_->value(weight_ids_[i]), g_in);
    }
    if (is_residual(i)) {
      g += g_in;
    } else {
      g.swap(g_in);
    }
  }
  return g;
}

}  // namespace aanet
