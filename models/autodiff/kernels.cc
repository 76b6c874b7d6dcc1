#include "models/autodiff/kernels.h"

#include <cmath>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define AANET_AD_AVX2_SIGMOID 1
#endif

namespace aanet::ad {
namespace {

#ifdef AANET_AD_AVX2_SIGMOID

// exp(x) for x in [-708, 709] (the caller clamps): x = n ln2 + r with
// |r| <= ln2 / 2, exp(r) by its Taylor polynomial of degree 13 (truncation
// error < 5e-18 relative), times 2^n built in the exponent bits.
inline __m256d Exp4(__m256d x) {
  // 1.5 * 2^52: adding it rounds to an integer held in the low mantissa bits.
  const __m256d shifter = _mm256_set1_pd(0x1.8p52);
  const __m256d t =
      _mm256_fmadd_pd(x, _mm256_set1_pd(1.4426950408889634074), shifter);
  const __m256d n = _mm256_sub_pd(t, shifter);
  // ln2 split into a high part (exact in n * hi) and a low part.
  __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(0x1.62e42fefa39efp-1), x);
  r = _mm256_fnmadd_pd(n, _mm256_set1_pd(0x1.abc9e3b39803fp-56), r);
  __m256d p = _mm256_set1_pd(1.0 / 6227020800.0);  // 1 / 13!
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 479001600.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 39916800.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 3628800.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 362880.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 40320.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 5040.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 720.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 120.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 24.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 6.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(0.5));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0));
  // bits(t) = bits(shifter) + n; (n + 1023) << 52 is 2^n.
  const __m256i scale = _mm256_slli_epi64(
      _mm256_add_epi64(_mm256_castpd_si256(t),
                       _mm256_set1_epi64x(1023 - 0x4338000000000000LL)),
      52);
  return _mm256_mul_pd(p, _mm256_castsi256_pd(scale));
}

inline __m256d Sigmoid4(__m256d x) {
  const __m256d one = _mm256_set1_pd(1.0);
  // -x clamped to [-708, 709]; min/max return their second operand when it
  // is NaN, so NaN propagates.
  __m256d minus_x = _mm256_xor_pd(x, _mm256_set1_pd(-0.0));
  minus_x = _mm256_max_pd(_mm256_set1_pd(-708.0),
                          _mm256_min_pd(_mm256_set1_pd(709.0), minus_x));
  const __m256d s = _mm256_div_pd(one, _mm256_add_pd(one, Exp4(minus_x)));
  // Flush results below ~1.2e-308 (x < -709) to 0.
  const __m256d keep = _mm256_cmp_pd(x, _mm256_set1_pd(-709.0), _CMP_NLT_UQ);
  return _mm256_and_pd(s, keep);
}

#endif  // AANET_AD_AVX2_SIGMOID

}  // namespace

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

}  // namespace aanet::ad
