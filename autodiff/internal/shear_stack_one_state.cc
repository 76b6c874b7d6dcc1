#include "autodiff/internal/shear_stack_one_state.h"

#include <algorithm>

namespace aanet::ad::internal {

PackedShearStack::PackedShearStack(int n, int width, int num_layers,
                                   ShearGate gate)
    : n_(n),
      width_(width),
      padded_width_(PaddedCols<float>(width)),
      layer_stride_((2 * n + 1) * PaddedCols<float>(width) +
                    PaddedCols<float>(n)),
      num_layers_(num_layers),
      gate_(gate),
      data_(num_layers, layer_stride_) {}

void PackedShearStack::SetLayer(int layer, const Matrix& w, const Matrix& b,
                                const Matrix& a, const Matrix& gate) {
  float* row = data_.row(layer);
  const int pw = padded_width_;
  for (int k = 0; k < n_; ++k) {
    for (int j = 0; j < width_; ++j) {
      row[k * pw + j] = static_cast<float>(w(k, j));
    }
  }
  float* b_row = row + n_ * pw;
  float* wa_rows = b_row + pw;
  float* gate_row = wa_rows + n_ * pw;
  for (int j = 0; j < width_; ++j) b_row[j] = static_cast<float>(b(0, j));
  for (int k = 0; k < n_; ++k) {
    for (int j = 0; j < width_; ++j) {
      // Rounded once, from the double product.
      wa_rows[k * pw + j] = static_cast<float>(w(k, j) * a(0, j));
    }
  }
  for (int k = 0; k < n_; ++k) {
    gate_row[k] =
        static_cast<float>(gate.size() == 1 ? gate(0, 0) : gate(0, k));
  }
}

PackedShearStack::View PackedShearStack::view() const {
  return {data_.data(),  n_,          padded_width_,
          layer_stride_, num_layers_, gate_ == ShearGate::kMultiplicative};
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

void PackedShearStack::Forward(float* state) const {
  Run(view(), state, /*inverse=*/false);
}

void PackedShearStack::Inverse(float* state) const {
  Run(view(), state, /*inverse=*/true);
}

}  // namespace aanet::ad::internal
