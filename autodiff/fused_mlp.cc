#include "autodiff/fused_mlp.h"

#include <immintrin.h>

#include <cstring>
#include <type_traits>
#include <utility>

#include "autodiff/activation_kernels.h"

namespace aanet::ad {
namespace {

using internal::Gemm;
using internal::GemmArgs;

// out = activation(a) on the first `cols` columns of every row. ReLU and the
// identity run in T; the others through the double kernels of
// activation_kernels.h, so that every activation has one definition.
template <typename T>
void Activate(Activation activation, const PaddedMatrix<T>& a, int cols,
              PaddedMatrix<T>& out) {
  const int rows = a.rows();
  if (activation == Activation::kRelu) {
    for (int r = 0; r < rows; ++r) {
      const T* __restrict in = a.row(r);
      T* __restrict o = out.row(r);
      for (int c = 0; c < cols; ++c) o[c] = in[c] > T(0) ? in[c] : T(0);
    }
    return;
  }
  if (activation == Activation::kIdentity) {
    if (&a != &out) out = a;
    return;
  }
  Matrix z(rows, cols), value;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) z(r, c) = a(r, c);
  }
  ActivationInto(activation, z, value);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) out(r, c) = static_cast<T>(value(r, c));
  }
}

// out = g * activation'(a), elementwise on the first `cols` columns.
template <typename T>
void MultiplyByDerivative(Activation activation, const PaddedMatrix<T>& a,
                          const PaddedMatrix<T>& g, int cols,
                          PaddedMatrix<T>& out) {
  const int rows = a.rows();
  if (activation == Activation::kRelu) {
    for (int r = 0; r < rows; ++r) {
      const T* __restrict z = a.row(r);
      const T* __restrict gr = g.row(r);
      T* __restrict o = out.row(r);
      // Load g unconditionally: `z > 0 ? g : 0` alone lets the compiler
      // load g under a mask (vmaskmovps), several times slower.
      for (int c = 0; c < cols; ++c) {
        const T g_c = gr[c];
        o[c] = z[c] > T(0) ? g_c : T(0);
      }
    }
    return;
  }
  if (activation == Activation::kIdentity) {
    if (&g != &out) out = g;
    return;
  }
  Matrix z(rows, cols), derivative;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) z(r, c) = a(r, c);
  }
  ActivationDerivativeInto(activation, z, derivative);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      out(r, c) = static_cast<T>(g(r, c) * derivative(r, c));
    }
  }
}

// out += in on the first `cols` columns.
// gradient += op(A) B (args without c): for T = double the product kernel
// accumulates into `gradient` itself; for T = float it computes the product
// in `scratch`, which is then added in double (MlpGradients).
template <typename T>
void AccumulateGradient(GemmArgs<T> args, PaddedMatrix<T>& scratch,
                        PaddedMatrix<double>& gradient) {
  if constexpr (std::is_same_v<T, double>) {
    args.c = gradient.data();
    args.ldc = gradient.ld();
    args.accumulate = true;
    Gemm<T>(args);
  } else {
    scratch.Resize(args.m, args.n);
    args.c = scratch.data();
    args.ldc = scratch.ld();
    args.accumulate = false;
    Gemm<T>(args);
    for (int r = 0; r < args.m; ++r) {
      const T* __restrict in = scratch.row(r);
      double* __restrict out = gradient.row(r);
      for (int c = 0; c < args.n; ++c) out[c] += static_cast<double>(in[c]);
    }
  }
}

typedef double Double4 __attribute__((vector_size(32)));

// p[0..3] as doubles (exact).
inline Double4 Widen4(const double* p) {
  Double4 x;
  std::memcpy(&x, p, sizeof(x));
  return x;
}
inline Double4 Widen4(const float* p) {
#ifdef __AVX__
  return reinterpret_cast<Double4>(_mm256_cvtps_pd(_mm_loadu_ps(p)));
#else
  return Double4{p[0], p[1], p[2], p[3]};
#endif
}

// out[c] += g(r, c) in double for r = 0, 1, ... in turn (a bias gradient).
// Blocks of 32 columns stay in registers over the rows (eight 4-double
// vectors; adding in memory makes each row wait on the previous row's
// stores). Each column's sum keeps its order, so the bits are those of the
// row-by-row loop.
template <typename T>
void AddColumnSums(const PaddedMatrix<T>& g, int cols, double* __restrict out) {
  constexpr int kVectors = 8;
  constexpr int kBlock = 4 * kVectors;
  const int rows = g.rows();
  int c0 = 0;
  for (; c0 + kBlock <= cols; c0 += kBlock) {
    Double4 sum[kVectors];
    std::memcpy(sum, out + c0, sizeof(sum));
    for (int r = 0; r < rows; ++r) {
      const T* row = g.row(r) + c0;
#pragma GCC unroll 8
      for (int v = 0; v < kVectors; ++v) {
        sum[v] += Widen4(row + 4 * v);
      }
    }
    std::memcpy(out + c0, sum, sizeof(sum));
  }
  for (int r = 0; r < rows; ++r) {
    const T* __restrict row = g.row(r);
    for (int c = c0; c < cols; ++c) out[c] += static_cast<double>(row[c]);
  }
}

template <typename T>
void AddInto(const PaddedMatrix<T>& in, int cols, PaddedMatrix<T>& out) {
  for (int r = 0; r < in.rows(); ++r) {
    const T* __restrict i = in.row(r);
    T* __restrict o = out.row(r);
    for (int c = 0; c < cols; ++c) o[c] += i[c];
  }
}

template <typename T>
void CopyInto(const PaddedMatrix<T>& in, PaddedMatrix<T>& out) {
  if (&in == &out) return;
  out = in;
}

}  // namespace

template <typename T>
FusedMlp<T>::FusedMlp(std::vector<int> widths, Activation activation)
    : widths_(std::move(widths)), activation_(activation) {
  AANET_AD_CHECK(widths_.size() >= 2, "FusedMlp: needs at least one layer");
  for (int l = 0; l < num_layers(); ++l) {
    weights_.emplace_back(widths_[l], widths_[l + 1]);
    weights_transposed_.emplace_back(widths_[l + 1], widths_[l]);
    biases_.emplace_back(1, widths_[l + 1]);
  }
  scratch_gradients_.resize(num_layers());
}

template <typename T>
void FusedMlp<T>::SetParameters(absl::Span<const Matrix* const> weights,
                                absl::Span<const Matrix* const> biases) {
  AANET_AD_CHECK(static_cast<int>(weights.size()) == num_layers() &&
                     static_cast<int>(biases.size()) == num_layers(),
                 "FusedMlp::SetParameters: one weight and bias per layer");
  for (int l = 0; l < num_layers(); ++l) {
    const Matrix& w = *weights[l];
    const Matrix& b = *biases[l];
    AANET_AD_CHECK(w.rows() == widths_[l] && w.cols() == widths_[l + 1] &&
                       b.rows() == 1 && b.cols() == widths_[l + 1],
                   "FusedMlp::SetParameters: layer " + std::to_string(l) +
                       " has W " + ShapeString(w) + " and b " + ShapeString(b));
    for (int i = 0; i < w.rows(); ++i) {
      for (int j = 0; j < w.cols(); ++j) {
        weights_[l](i, j) = static_cast<T>(w(i, j));
        weights_transposed_[l](j, i) = static_cast<T>(w(i, j));
      }
    }
    for (int j = 0; j < b.cols(); ++j)
      biases_[l](0, j) = static_cast<T>(b(0, j));
  }
}

template <typename T>
void FusedMlp<T>::Forward(const PaddedMatrix<T>& x, PaddedMatrix<T>& y,
                          MlpActivations<T>* cache) const {
  AANET_AD_CHECK(x.cols() == input_size(),
                 "FusedMlp::Forward: input has " + std::to_string(x.cols()) +
                     " columns, expected " + std::to_string(input_size()));
  const int batch = x.rows();
  if (cache != nullptr) {
    cache->layer_inputs.resize(num_layers());
    cache->pre_activations.resize(is_relu() ? 0 : num_layers());
    cache->relu_masks.resize(is_relu() ? num_layers() - 1 : 0);
    CopyInto(x, cache->layer_inputs[0]);
  }
  const PaddedMatrix<T>* h = &x;
  for (int l = 0; l < num_layers(); ++l) {
    const int out_cols = widths_[l + 1];
    const bool last = l + 1 == num_layers();
    PaddedMatrix<T>& out =
        last
            ? y
            : (cache != nullptr ? cache->layer_inputs[l + 1]
                                : (h == &scratch_b_ ? scratch_c_ : scratch_b_));
    if (has_activation(l) && is_relu()) {
      out.Resize(batch, out_cols);
      PaddedMatrix<uint8_t>* mask = nullptr;
      if (cache != nullptr) {
        mask = &cache->relu_masks[l];
        mask->Resize(batch, out_cols);
      }
      ReluLayer(l, *h, out, mask);
      h = &out;
      continue;
    }
    PaddedMatrix<T>& a =
        has_activation(l)
            ? (cache != nullptr ? cache->pre_activations[l] : scratch_a_)
            : out;
    a.Resize(batch, out_cols);
    if (has_activation(l)) out.Resize(batch, out_cols);
    DenseLayer(l, *h, a, has_activation(l) ? &out : nullptr);
    h = &out;
  }
}

template <typename T>
void FusedMlp<T>::DenseLayer(int l, const PaddedMatrix<T>& h,
                             PaddedMatrix<T>& a,
                             PaddedMatrix<T>* activated) const {
  const int out_cols = widths_[l + 1];
  const bool residual = is_residual(l);
  internal::GemmArgs<T> args{.m = h.rows(),
                             .n = out_cols,
                             .k = widths_[l],
                             .a = h.data(),
                             .lda = h.ld(),
                             .b = weights_[l].data(),
                             .ldb = weights_[l].ld(),
                             .c = a.data(),
                             .ldc = a.ld(),
                             .bias = biases_[l].data()};
  if (activated != nullptr && activation_ == Activation::kRelu) {
    // Bias, relu and the residual connection in the product's epilogue.
    args.relu_out = activated->data();
    args.ld_relu_out = activated->ld();
    if (residual) {
      args.residual = h.data();
      args.ld_residual = h.ld();
    }
    Gemm<T>(args);
    return;
  }
  Gemm<T>(args);
  PaddedMatrix<T>& out = activated != nullptr ? *activated : a;
  if (activated != nullptr) Activate(activation_, a, out_cols, out);
  if (residual) AddInto(h, out_cols, out);
}

template <typename T>
void FusedMlp<T>::ReluLayer(int l, const PaddedMatrix<T>& h,
                            PaddedMatrix<T>& activated,
                            PaddedMatrix<uint8_t>* mask) const {
  internal::GemmArgs<T> args{.m = h.rows(),
                             .n = widths_[l + 1],
                             .k = widths_[l],
                             .a = h.data(),
                             .lda = h.ld(),
                             .b = weights_[l].data(),
                             .ldb = weights_[l].ld(),
                             .bias = biases_[l].data(),
                             .relu_out = activated.data(),
                             .ld_relu_out = activated.ld()};
  if (mask != nullptr) {
    args.mask_out = mask->data();
    args.ld_mask_out = mask->ld();
  }
  if (is_residual(l)) {
    args.residual = h.data();
    args.ld_residual = h.ld();
  }
  Gemm<T>(args);
}

template <typename T>
void FusedMlp<T>::ReluBackward(const MlpActivations<T>& cache,
                               const PaddedMatrix<T>& y_bar,
                               PaddedMatrix<T>& x_bar,
                               MlpGradients<T>& grads) const {
  const int batch = y_bar.rows();
  // g = dL/d(output of layer l), g_a = dL/d(pre-activation of layer l); the
  // last layer has no activation. Each product dL/dh = g_a W^T (+ g through
  // the residual connection) passes through the mask of the layer below in
  // its epilogue, giving that layer's g_a directly; dL/dh itself is stored
  // only where that layer's residual connection needs it.
  const PaddedMatrix<T>* g = &y_bar;
  const PaddedMatrix<T>* g_a = &y_bar;
  for (int l = num_layers() - 1; l >= 0; --l) {
    const int in_cols = widths_[l];
    const int out_cols = widths_[l + 1];
    const PaddedMatrix<T>& h = cache.layer_inputs[l];
    AccumulateGradient<T>({.m = in_cols,
                           .n = out_cols,
                           .k = batch,
                           .a = h.data(),
                           .lda = h.ld(),
                           .transpose_a = true,
                           .b = g_a->data(),
                           .ldb = g_a->ld()},
                          scratch_gradients_[l], grads.weights[l]);
    AddColumnSums(*g_a, out_cols, grads.biases[l].row(0));
    GemmArgs<T> args{.m = batch,
                     .n = in_cols,
                     .k = out_cols,
                     .a = g_a->data(),
                     .lda = g_a->ld(),
                     .b = weights_transposed_[l].data(),
                     .ldb = weights_transposed_[l].ld()};
    if (is_residual(l)) {
      args.addend = g->data();
      args.ld_addend = g->ld();
    }
    if (l == 0) {
      x_bar.Resize(batch, in_cols);
      args.c = x_bar.data();
      args.ldc = x_bar.ld();
      Gemm<T>(args);
      break;
    }
    // Outputs in the pair of buffers g and g_a do not use.
    const bool first_pair = g_a != &scratch_a_;
    PaddedMatrix<T>& g_in = first_pair ? scratch_b_ : scratch_c_;
    PaddedMatrix<T>& g_a_in = first_pair ? scratch_a_ : scratch_d_;
    g_a_in.Resize(batch, in_cols);
    const PaddedMatrix<uint8_t>& mask = cache.relu_masks[l - 1];
    args.mask_in = mask.data();
    args.ld_mask_in = mask.ld();
    args.masked_out = g_a_in.data();
    args.ld_masked_out = g_a_in.ld();
    if (is_residual(l - 1)) {
      g_in.Resize(batch, in_cols);
      args.c = g_in.data();
      args.ldc = g_in.ld();
    }
    Gemm<T>(args);
    g = &g_in;
    g_a = &g_a_in;
  }
}

template <typename T>
void FusedMlp<T>::Backward(const MlpActivations<T>& cache,
                           const PaddedMatrix<T>& y_bar, PaddedMatrix<T>& x_bar,
                           MlpGradients<T>& grads) const {
  if (is_relu()) {
    ReluBackward(cache, y_bar, x_bar, grads);
    return;
  }
  const int batch = y_bar.rows();
  const PaddedMatrix<T>* g = &y_bar;
  for (int l = num_layers() - 1; l >= 0; --l) {
    const int in_cols = widths_[l];
    const int out_cols = widths_[l + 1];
    // dL/da: through the activation, if the layer has one.
    const PaddedMatrix<T>* g_a = g;
    if (has_activation(l)) {
      scratch_a_.Resize(batch, out_cols);
      MultiplyByDerivative(activation_, cache.pre_activations[l], *g, out_cols,
                           scratch_a_);
      g_a = &scratch_a_;
    }
    // dL/dW += h^T dL/da; dL/db += column sums of dL/da.
    const PaddedMatrix<T>& h = cache.layer_inputs[l];
    AccumulateGradient<T>({.m = in_cols,
                           .n = out_cols,
                           .k = batch,
                           .a = h.data(),
                           .lda = h.ld(),
                           .transpose_a = true,
                           .b = g_a->data(),
                           .ldb = g_a->ld()},
                          scratch_gradients_[l], grads.weights[l]);
    AddColumnSums(*g_a, out_cols, grads.biases[l].row(0));
    // dL/dh = dL/da W^T (+ dL/dout through the residual connection).
    PaddedMatrix<T>& g_in =
        l == 0 ? x_bar : (g == &scratch_b_ ? scratch_c_ : scratch_b_);
    g_in.Resize(batch, in_cols);
    Gemm<T>({.m = batch,
             .n = in_cols,
             .k = out_cols,
             .a = g_a->data(),
             .lda = g_a->ld(),
             .b = weights_transposed_[l].data(),
             .ldb = weights_transposed_[l].ld(),
             .c = g_in.data(),
             .ldc = g_in.ld()});
    if (is_residual(l)) AddInto(*g, in_cols, g_in);
    g = &g_in;
  }
}

template <typename T>
bool FusedMlp<T>::IsPiecewiseLinear() const {
  return activation_ == Activation::kRelu ||
         activation_ == Activation::kLeakyRelu ||
         activation_ == Activation::kIdentity;
}

template <typename T>
void FusedMlp<T>::InputGradient(const PaddedMatrix<T>& x, PaddedMatrix<T>& g,
                                MlpGradientActivations<T>* cache) const {
  AANET_AD_CHECK(
      IsPiecewiseLinear(),
      "FusedMlp::InputGradient: needs a piecewise-linear activation");
  AANET_AD_CHECK(x.cols() == input_size(),
                 "FusedMlp::InputGradient: input has " +
                     std::to_string(x.cols()) + " columns, expected " +
                     std::to_string(input_size()));
  const int batch = x.rows();
  // Without a cache, the object's own scratch cache: no allocation per call.
  MlpGradientActivations<T>& c =
      cache != nullptr ? *cache : scratch_gradient_cache_;
  const bool relu = is_relu();
  c.pre_activations.resize(relu ? 0 : num_layers());
  c.relu_masks.resize(relu ? num_layers() - 1 : 0);
  c.layer_grads.resize(num_layers());
  // Forward to the last hidden layer: the pre-activations (or relu masks),
  // for sigma'.
  const PaddedMatrix<T>* h = &x;
  for (int l = 0; l + 1 < num_layers(); ++l) {
    const int out_cols = widths_[l + 1];
    PaddedMatrix<T>& out = h == &scratch_b_ ? scratch_c_ : scratch_b_;
    out.Resize(batch, out_cols);
    if (relu) {
      c.relu_masks[l].Resize(batch, out_cols);
      ReluLayer(l, *h, out, &c.relu_masks[l]);
    } else {
      PaddedMatrix<T>& a = c.pre_activations[l];
      a.Resize(batch, out_cols);
      DenseLayer(l, *h, a, &out);
    }
    h = &out;
  }
  // Backward from d(sum of outputs)/d(outputs) = 1.
  scratch_a_.Resize(batch, output_size());
  for (int r = 0; r < batch; ++r) {
    for (int k = 0; k < output_size(); ++k) scratch_a_(r, k) = T(1);
  }
  const PaddedMatrix<T>* g_out = &scratch_a_;
  if (relu) {
    // As ReluBackward: each product dL/dh = g_a W^T (+ g_out) passes through
    // the mask of the layer below in its epilogue, straight into that
    // layer's g_a; dL/dh is stored only where a residual connection needs it.
    c.layer_grads.back() = scratch_a_;  // the last layer has no activation
    for (int l = num_layers() - 1; l >= 0; --l) {
      const int in_cols = widths_[l];
      const int out_cols = widths_[l + 1];
      const PaddedMatrix<T>& g_a = c.layer_grads[l];
      GemmArgs<T> args{.m = batch,
                       .n = in_cols,
                       .k = out_cols,
                       .a = g_a.data(),
                       .lda = g_a.ld(),
                       .b = weights_transposed_[l].data(),
                       .ldb = weights_transposed_[l].ld()};
      if (is_residual(l)) {
        args.addend = g_out->data();
        args.ld_addend = g_out->ld();
      }
      if (l == 0) {
        g.Resize(batch, in_cols);
        args.c = g.data();
        args.ldc = g.ld();
        Gemm<T>(args);
        break;
      }
      PaddedMatrix<T>& g_a_in = c.layer_grads[l - 1];
      g_a_in.Resize(batch, in_cols);
      const PaddedMatrix<uint8_t>& mask = c.relu_masks[l - 1];
      args.mask_in = mask.data();
      args.ld_mask_in = mask.ld();
      args.masked_out = g_a_in.data();
      args.ld_masked_out = g_a_in.ld();
      PaddedMatrix<T>& g_in = g_out == &scratch_b_ ? scratch_c_ : scratch_b_;
      if (is_residual(l - 1)) {
        g_in.Resize(batch, in_cols);
        args.c = g_in.data();
        args.ldc = g_in.ld();
      }
      Gemm<T>(args);
      g_out = &g_in;
    }
    return;
  }
  for (int l = num_layers() - 1; l >= 0; --l) {
    const int in_cols = widths_[l];
    const int out_cols = widths_[l + 1];
    PaddedMatrix<T>& g_a = c.layer_grads[l];
    g_a.Resize(batch, out_cols);
    if (has_activation(l)) {
      MultiplyByDerivative(activation_, c.pre_activations[l], *g_out, out_cols,
                           g_a);
    } else {
      g_a = *g_out;
    }
    PaddedMatrix<T>& g_in =
        l == 0 ? g : (g_out == &scratch_b_ ? scratch_c_ : scratch_b_);
    g_in.Resize(batch, in_cols);
    Gemm<T>({.m = batch,
             .n = in_cols,
             .k = out_cols,
             .a = g_a.data(),
             .lda = g_a.ld(),
             .b = weights_transposed_[l].data(),
             .ldb = weights_transposed_[l].ld(),
             .c = g_in.data(),
             .ldc = g_in.ld()});
    if (is_residual(l)) AddInto(*g_out, in_cols, g_in);
    g_out = &g_in;
  }
}

template <typename T>
void FusedMlp<T>::InputGradientBackward(const MlpGradientActivations<T>& cache,
                                        const PaddedMatrix<T>& g_bar,
                                        MlpGradients<T>& grads) const {
  // The gradient pass g_l = (g_{l+1} * sigma'(a_l)) W_l^T + [res] g_{l+1},
  // run backwards: from dL/dg_0 forward through the layers. sigma'(a_l) is
  // piecewise constant, so nothing flows into a_l (hence none into x or b).
  const int batch = g_bar.rows();
  const PaddedMatrix<T>* g_in_bar = &g_bar;  // dL/dg_l
  for (int l = 0; l < num_layers(); ++l) {
    const int in_cols = widths_[l];
    const int out_cols = widths_[l + 1];
    const PaddedMatrix<T>& g_a = cache.layer_grads[l];
    // dL/dW_l += (dL/dg_l)^T g_a_l.
    AccumulateGradient<T>({.m = in_cols,
                           .n = out_cols,
                           .k = batch,
                           .a = g_in_bar->data(),
                           .lda = g_in_bar->ld(),
                           .transpose_a = true,
                           .b = g_a.data(),
                           .ldb = g_a.ld()},
                          scratch_gradients_[l], grads.weights[l]);
    if (l + 1 == num_layers()) break;  // g_L = 1 is a constant
    // dL/dg_a_l = dL/dg_l W_l, then through sigma'(a_l) into dL/dg_{l+1}.
    PaddedMatrix<T>& g_out_bar_next =
        g_in_bar == &scratch_b_ ? scratch_c_ : scratch_b_;
    if (is_relu()) {
      // relu' from the mask in the product's epilogue, then the residual.
      g_out_bar_next.Resize(batch, out_cols);
      const PaddedMatrix<uint8_t>& mask = cache.relu_masks[l];
      Gemm<T>({.m = batch,
               .n = out_cols,
               .k = in_cols,
               .a = g_in_bar->data(),
               .lda = g_in_bar->ld(),
               .b = weights_[l].data(),
               .ldb = weights_[l].ld(),
               .mask_in = mask.data(),
               .ld_mask_in = mask.ld(),
               .masked_out = g_out_bar_next.data(),
               .ld_masked_out = g_out_bar_next.ld(),
               .residual = is_residual(l) ? g_in_bar->data() : nullptr,
               .ld_residual = g_in_bar->ld()});
      g_in_bar = &g_out_bar_next;
      continue;
    }
    scratch_a_.Resize(batch, out_cols);
    Gemm<T>({.m = batch,
             .n = out_cols,
             .k = in_cols,
             .a = g_in_bar->data(),
             .lda = g_in_bar->ld(),
             .b = weights_[l].data(),
             .ldb = weights_[l].ld(),
             .c = scratch_a_.data(),
             .ldc = scratch_a_.ld()});
    PaddedMatrix<T>& g_out_bar = g_out_bar_next;
    g_out_bar.Resize(batch, out_cols);
    MultiplyByDerivative(activation_, cache.pre_activations[l], scratch_a_,
                         out_cols, g_out_bar);
    if (is_residual(l)) AddInto(*g_in_bar, out_cols, g_out_bar);
    g_in_bar = &g_out_bar;
  }
}

template <typename T>
MlpGradients<T> FusedMlp<T>::ZeroGradients() const {
  MlpGradients<T> grads;
  for (int l = 0; l < num_layers(); ++l) {
    grads.weights.emplace_back(widths_[l], widths_[l + 1]);
    grads.biases.emplace_back(1, widths_[l + 1]);
  }
  return grads;
}

template <typename T>
double FusedMlp<T>::MultiplyAddsPerRow() const {
  double total = 0;
  for (int l = 0; l < num_layers(); ++l) {
    total += static_cast<double>(widths_[l]) * widths_[l + 1];
  }
  return total;
}

template class FusedMlp<float>;
template class FusedMlp<double>;

}  // namespace aanet::ad
