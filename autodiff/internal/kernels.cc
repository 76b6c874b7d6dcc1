#include "autodiff/internal/kernels.h"

#include <cmath>

#include "autodiff/internal/sigmoid_avx2.h"

namespace aanet::ad::internal {

void SigmoidKernel(const double* x, double* y, Eigen::Index n) {
#ifdef AANET_AD_AVX2_SIGMOID
  Eigen::Index i = 0;
  for (; i + 4 <= n; i += 4) {
    _mm256_storeu_pd(y + i, Sigmoid4(_mm256_loadu_pd(x + i)));
  }
  if (i < n) {
    // The tail through the same code path, so every element gets identical
    // rounding whatever its position.
    alignas(32) double in[4] = {0.0, 0.0, 0.0, 0.0};
    alignas(32) double out[4];
    for (Eigen::Index j = i; j < n; ++j) in[j - i] = x[j];
    _mm256_store_pd(out, Sigmoid4(_mm256_load_pd(in)));
    for (Eigen::Index j = i; j < n; ++j) y[j] = out[j - i];
  }
#else
  // Scalar, so every element is rounded the same way wherever it sits.
  for (Eigen::Index i = 0; i < n; ++i) {
    y[i] = x[i] < -709.0 ? 0.0 : 1.0 / (1.0 + std::exp(-x[i]));
  }
#endif
}

void SigmoidInto(const Matrix& x, Matrix& out) {
  out.resize(x.rows(), x.cols());
  SigmoidKernel(x.data(), out.data(), x.size());
}

}  // namespace aanet::ad::internal
