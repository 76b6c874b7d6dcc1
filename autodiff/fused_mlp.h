// A multilayer perceptron as one fused computation in float or double: each
// layer is a dispatched matrix product (internal/gemm.h) with the bias, the
// activation and the residual connection applied in place, and a backward
// pass that keeps only the activations it needs. It computes exactly what
// models/mlp.h builds from tape ops (activation after every layer but the
// last, a residual connection around every layer whose input and output
// widths match), for the inner loops that evaluate a network thousands of
// times per training step (a latent ODE's field at every solver stage).
//
// Usage:
//   FusedMlp<float> mlp({4, 100, 100, 4}, Activation::kRelu);
//   mlp.SetParameters(weights, biases);     // double [in, out], [1, out]
//   MlpActivations<float> cache;
//   mlp.Forward(x, y, &cache);              // x [B, 4] -> y [B, 4]
//   MlpGradients<float> grads = mlp.ZeroGradients();
//   mlp.Backward(cache, y_bar, x_bar, grads);
//
// Matrices are internal::PaddedMatrix (row-major, rows padded to 64 bytes).
// Not thread-safe: Backward uses scratch buffers of the object.
#ifndef AANET_AUTODIFF_FUSED_MLP_H_
#define AANET_AUTODIFF_FUSED_MLP_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "autodiff/internal/gemm.h"
#include "autodiff/matrix.h"
#include "autodiff/ops.h"

namespace aanet::ad {

template <typename T>
using PaddedMatrix = internal::PaddedMatrix<T>;

// What Backward needs from one Forward: the input of every layer and, for
// every layer that has an activation, its pre-activation, or for relu only
// whether it is > 0 (relu' as bytes 0/1: a quarter of a float32's bytes, so
// a latent solve keeps more of its steps, and a quarter of the backward
// pass's read). Only one of pre_activations and relu_masks is filled.
template <typename T>
struct MlpActivations {
  std::vector<PaddedMatrix<T>> layer_inputs;      // [B, widths[l]]
  std::vector<PaddedMatrix<T>> pre_activations;   // [B, widths[l + 1]]
  std::vector<PaddedMatrix<uint8_t>> relu_masks;  // [B, widths[l + 1]]
};

// What InputGradientBackward needs from one InputGradient: the
// pre-activations (or, for relu, their masks as in MlpActivations) and dL/da
// of every layer in the gradient pass.
template <typename T>
struct MlpGradientActivations {
  std::vector<PaddedMatrix<T>> pre_activations;   // [B, widths[l + 1]]
  std::vector<PaddedMatrix<uint8_t>> relu_masks;  // [B, widths[l + 1]]
  std::vector<PaddedMatrix<T>> layer_grads;       // [B, widths[l + 1]]
};

// Gradients of the weights [in, out] and biases [1, out], layer by layer,
// accumulated in double whatever T: a float32 solve adds one contribution
// per stage of every step (6 per step, hundreds of steps) before they reach
// the double ParameterStore, and float32 sums of that many terms lose the
// small ones. Each contribution is computed in T (a weight gradient's sum
// over the batch stays in the product kernel's T registers), then added in
// double; for T = double nothing changes.
template <typename T>
struct MlpGradients {
  std::vector<PaddedMatrix<double>> weights;
  std::vector<PaddedMatrix<double>> biases;
};

template <typename T>
class FusedMlp {
 public:
  // widths: input, hidden..., output (all >= 1).
  FusedMlp(std::vector<int> widths, Activation activation);

  // Copies the parameters (double, as the ParameterStore keeps them) into
  // the kernels' layout in T: weights[l] is [widths[l], widths[l + 1]],
  // biases[l] is [1, widths[l + 1]].
  void SetParameters(absl::Span<const Matrix* const> weights,
                     absl::Span<const Matrix* const> biases);

  // y = MLP(x) for x [B, input_size()]; y is resized to [B, output_size()].
  // If `cache` is not null it receives what Backward needs.
  void Forward(const PaddedMatrix<T>& x, PaddedMatrix<T>& y,
               MlpActivations<T>* cache) const;

  // Given y_bar = dL/dy for the Forward that filled `cache`, sets x_bar =
  // dL/dx and adds dL/dW, dL/db into `grads` (shaped by ZeroGradients()).
  void Backward(const MlpActivations<T>& cache, const PaddedMatrix<T>& y_bar,
                PaddedMatrix<T>& x_bar, MlpGradients<T>& grads) const;

  // The input gradient g = d(sum of the outputs of row b)/d(row b of x)
  // [B, input_size()] (for one output, dH/dz of a Hamiltonian network), as
  // Mlp::InputGradientValues computes it. Needs a piecewise-linear
  // activation (IsPiecewiseLinear()), whose second derivative vanishes.
  // If `cache` is not null it receives what InputGradientBackward needs.
  void InputGradient(const PaddedMatrix<T>& x, PaddedMatrix<T>& g,
                     MlpGradientActivations<T>* cache) const;

  // Given g_bar = dL/dg for the InputGradient that filled `cache`, adds
  // dL/dW, dL/db into `grads`. dL/dx is zero: with sigma'' = 0 the input
  // gradient is piecewise constant in x.
  void InputGradientBackward(const MlpGradientActivations<T>& cache,
                             const PaddedMatrix<T>& g_bar,
                             MlpGradients<T>& grads) const;

  // Whether the activation is piecewise linear (relu, leaky_relu, identity).
  bool IsPiecewiseLinear() const;

  MlpGradients<T> ZeroGradients() const;

  int num_layers() const { return static_cast<int>(widths_.size()) - 1; }
  int input_size() const { return widths_.front(); }
  int output_size() const { return widths_.back(); }
  // Multiply-adds of one Forward per row of x.
  double MultiplyAddsPerRow() const;

 private:
  // a = h W_l + b_l, and, if `activated` is not null (a layer with an
  // activation), activated = sigma(a) (+ h if residual); without one,
  // a += h if residual (the output layer).
  void DenseLayer(int l, const PaddedMatrix<T>& h, PaddedMatrix<T>& a,
                  PaddedMatrix<T>* activated) const;
  // A relu layer in one product: activated = relu(h W_l + b_l) (+ h if
  // residual) and, if `mask` is not null, mask = (h W_l + b_l > 0); the
  // pre-activation itself is not stored.
  void ReluLayer(int l, const PaddedMatrix<T>& h, PaddedMatrix<T>& activated,
                 PaddedMatrix<uint8_t>* mask) const;
  // Backward and the gradient passes of InputGradient for relu, with relu'
  // applied in the epilogue of the product that makes its input.
  void ReluBackward(const MlpActivations<T>& cache,
                    const PaddedMatrix<T>& y_bar, PaddedMatrix<T>& x_bar,
                    MlpGradients<T>& grads) const;
  bool is_relu() const { return activation_ == Activation::kRelu; }
  bool has_activation(int layer) const { return layer + 1 < num_layers(); }
  bool is_residual(int layer) const {
    return widths_[layer] == widths_[layer + 1];
  }

  std::vector<int> widths_;
  Activation activation_;
  std::vector<PaddedMatrix<T>> weights_;             // [in, out]
  std::vector<PaddedMatrix<T>> weights_transposed_;  // [out, in]
  std::vector<PaddedMatrix<T>> biases_;              // [1, out]
  // Scratch of Forward (without a cache) and Backward.
  mutable PaddedMatrix<T> scratch_a_, scratch_b_, scratch_c_, scratch_d_;
  // One weight-gradient contribution in T before it is added in double
  // (T = float only), one per layer: a buffer shared by layers of different
  // shapes would be zero-filled by every Resize.
  mutable std::vector<PaddedMatrix<T>> scratch_gradients_;
  mutable MlpGradientActivations<T> scratch_gradient_cache_;
};

}  // namespace aanet::ad

#endif  // AANET_AUTODIFF_FUSED_MLP_H_
