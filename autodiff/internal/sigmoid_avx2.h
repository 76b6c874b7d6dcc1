// The AVX2 sigmoid of SigmoidKernel (kernels.h) as an inline function on four
// doubles, for fused kernels (e.g. the shear layers of
// models/symplectic_flow.cc) that apply it to values held in registers. It is
// the exact code SigmoidKernel runs, so a fused kernel and the unfused ops
// agree bit for bit.
//
// Internal: not part of the autodiff API; only defined when the build targets
// AVX2 + FMA (AANET_AD_AVX2_SIGMOID is then defined).
#ifndef AANET_AUTODIFF_INTERNAL_SIGMOID_AVX2_H_
#define AANET_AUTODIFF_INTERNAL_SIGMOID_AVX2_H_

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define AANET_AD_AVX2_SIGMOID 1

namespace aanet::ad::internal {

// sigma(z) = 1 / (1 + exp(-z)) for four doubles; max relative error ~2 ulp
// over the whole double range; results below ~1.1e-308 (z < -709.1) are
// flushed to 0 and NaN propagates.
//
// With z clamped to [-710, 708]: -z = k ln2 + r, |r| <= ln2 / 2, and
// exp(r) = P(r) / P(-r) with P the numerator of the [6/6] Pade approximant
// (error < 1e-18 relative on that interval). Then
//   sigma(z) = 1 / (1 + 2^k P(r) / P(-r)) = P(-r) / (P(-r) + 2^k P(r)),
// which needs one division (the one the sigmoid needs anyway) and 7
// multiply-adds, where a Taylor polynomial of exp needs 13 for the same
// accuracy. P(r) = even(r^2) + r odd(r^2) and P(-r) = even - r odd share all
// the work. The kernel is bound by the FP ports (the divider is not the
// limit), so every instruction counts: see the comments below.
//
// Sigmoid4InRange is the same for z already in [-710, 708], without the
// clamp: for callers that have bounded z (e.g. a fused layer kernel, from
// |x| and the weights); for such z its result is bit for bit Sigmoid4's.
inline __m256d Sigmoid4InRange(__m256d zc) {
  // 1.5 * 2^52 + 1023: adding it rounds -z / ln2 to an integer k held in the
  // low mantissa bits already biased by 1023, so (bits << 52) is 2^k.
  const __m256d shifter = _mm256_set1_pd(0x1.8p52 + 1023.0);
  const __m256d t =
      _mm256_fmadd_pd(zc, _mm256_set1_pd(-1.4426950408889634074), shifter);
  const __m256d k = _mm256_sub_pd(t, shifter);
  // minus_r = z + k ln2 = -r (working with -r saves negating z); ln2 split
  // into a high part (exact in k * hi) and a low part.
  __m256d minus_r =
      _mm256_fmadd_pd(k, _mm256_set1_pd(0x1.62e42fefa39efp-1), zc);
  minus_r = _mm256_fmadd_pd(k, _mm256_set1_pd(0x1.abc9e3b39803fp-56), minus_r);
  const __m256d r2 = _mm256_mul_pd(minus_r, minus_r);
  // Pade [6/6] numerator coefficients (12-j)! 6! / (12! j! (6-j)!).
  __m256d even = _mm256_set1_pd(1.0 / 665280.0);
  even = _mm256_fmadd_pd(even, r2, _mm256_set1_pd(1.0 / 792.0));
  even = _mm256_fmadd_pd(even, r2, _mm256_set1_pd(5.0 / 44.0));
  even = _mm256_fmadd_pd(even, r2, _mm256_set1_pd(1.0));
  __m256d odd = _mm256_set1_pd(1.0 / 15840.0);
  odd = _mm256_fmadd_pd(odd, r2, _mm256_set1_pd(1.0 / 66.0));
  odd = _mm256_fmadd_pd(odd, r2, _mm256_set1_pd(0.5));
  const __m256d p_minus = _mm256_fmadd_pd(odd, minus_r, even);  // P(-r)
  const __m256d p_plus = _mm256_fnmadd_pd(odd, minus_r, even);  // P(r)
  const __m256d scale =
      _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(t), 52));
  // P(-r) / (P(-r) + 2^k P(r)).
  return _mm256_div_pd(p_minus, _mm256_fmadd_pd(p_plus, scale, p_minus));
}

inline __m256d Sigmoid4(__m256d z) {
  // min/max return their second operand when it is NaN, so NaN propagates.
  // Below z = -709.09, k = 1024 makes 2^k = +inf and the result exactly 0,
  // which spares a compare-and-mask flush.
  return Sigmoid4InRange(_mm256_max_pd(
      _mm256_set1_pd(-710.0), _mm256_min_pd(_mm256_set1_pd(708.0), z)));
}

}  // namespace aanet::ad::internal

#endif  // __AVX2__ && __FMA__
#endif  // AANET_AUTODIFF_INTERNAL_SIGMOID_AVX2_H_
