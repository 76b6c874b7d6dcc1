#include "autodiff/internal/shear_stack_one_state.h"

#include <algorithm>

namespace aanet::ad::internal {
namespace {

// log2(e): the kernel evaluates sigma(z) as 1 / (1 + 2^w), w = -log2(e) z.
constexpr double kLog2E = 1.4426950408889634074;

int LayerStride(int n, int padded_width) {
  // A multiple of 16 floats: every row starts 64-byte aligned.
  return (2 * n + 1) * padded_width + PaddedCols<float>(n);
}

// The rows of W [n, width] and b [1, width] times -log2(e), each rounded once
// from the double product, at row[0 .. (n + 1) padded_width).
void PackAffine(const Matrix& w, const Matrix& b, int padded_width,
                float* row) {
  for (int k = 0; k < w.rows(); ++k) {
    for (int j = 0; j < w.cols(); ++j) {
      row[k * padded_width + j] = static_cast<float>(-kLog2E * w(k, j));
    }
  }
  float* b_row = row + w.rows() * padded_width;
  for (int j = 0; j < w.cols(); ++j) {
    b_row[j] = static_cast<float>(-kLog2E * b(0, j));
  }
}

}  // namespace

PackedShearStack::PackedShearStack(int n, int width, int num_layers,
                                   ShearGate gate)
    : n_(n),
      width_(width),
      padded_width_(PaddedCols<float>(width)),
      layer_stride_(LayerStride(n, padded_width_)),
      num_layers_(num_layers),
      gate_(gate),
      data_(num_layers, layer_stride_) {}

void PackedShearStack::SetLayer(int layer, const Matrix& w, const Matrix& b,
                                const Matrix& a, const Matrix& gate) {
  float* row = data_.row(layer);
  const int pw = padded_width_;
  PackAffine(w, b, pw, row);
  float* wa_rows = row + (n_ + 1) * pw;
  float* gate_row = wa_rows + n_ * pw;
  for (int k = 0; k < n_; ++k) {
    const double g = gate.size() == 1 ? gate(0, 0) : gate(0, k);
    // (u + x) gate = u gate + x gate: the kernel adds x gate apart.
    const double scale = gate_ == ShearGate::kMultiplicative ? g : 1.0;
    for (int j = 0; j < width_; ++j) {
      // Rounded once, from the double product.
      wa_rows[k * pw + j] = static_cast<float>(w(k, j) * a(0, j) * scale);
    }
    gate_row[k] = static_cast<float>(g);
  }
}

PackedShearStack::View PackedShearStack::view() const {
  return {data_.data(), n_, width_, padded_width_, layer_stride_, num_layers_};
}

namespace {

void Run(const PackedShearStack::View& stack, float* state, bool inverse) {
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return ShearStackOneStateAvx512(stack, state, inverse);
    case Isa::kAvx2:
      return ShearStackOneStateAvx2(stack, state, inverse);
    case Isa::kGeneric:
      return ShearStackOneStateGeneric(stack, state, inverse);
  }
}

}  // namespace

PackedSigmoidNet::PackedSigmoidNet(const Matrix& w1, const Matrix& b1,
                                   const Matrix& w2, const Matrix& b2)
    : n_(static_cast<int>(w1.rows())),
      width_(static_cast<int>(w1.cols())),
      padded_width_(PaddedCols<float>(width_)),
      layer_stride_(LayerStride(n_, padded_width_)),
      data_(1, layer_stride_) {
  float* row = data_.row(0);
  PackAffine(w1, b1, padded_width_, row);
  float* w2_rows = row + (n_ + 1) * padded_width_;
  float* bias = w2_rows + n_ * padded_width_;
  for (int k = 0; k < n_; ++k) {
    for (int j = 0; j < width_; ++j) {
      w2_rows[k * padded_width_ + j] = static_cast<float>(w2(j, k));
    }
    bias[k] = static_cast<float>(b2(0, k));
  }
}

PackedShearStack::View PackedSigmoidNet::view() const {
  return {data_.data(), n_, width_, padded_width_, layer_stride_, 1};
}

void PackedSigmoidNet::Evaluate(const float* x, float* out) const {
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return SigmoidNetOneStateAvx512(view(), x, out);
    case Isa::kAvx2:
      return SigmoidNetOneStateAvx2(view(), x, out);
    case Isa::kGeneric:
      return SigmoidNetOneStateGeneric(view(), x, out);
  }
}

void PackedShearStack::Forward(float* state) const {
  Run(view(), state, /*inverse=*/false);
}

void PackedShearStack::Inverse(float* state) const {
  Run(view(), state, /*inverse=*/true);
}

}  // namespace aanet::ad::internal
