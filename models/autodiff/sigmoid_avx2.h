// The AVX2 sigmoid of SigmoidKernel (kernels.h) as an inline function on four
// doubles, for fused kernels (e.g. the shear layers of
// models/symplectic_flow.cc) that apply it to values held in registers. It is
// the exact code SigmoidKernel runs, so a fused kernel and the unfused ops
// agree bit for bit.
//
// Internal: not part of the autodiff API; only defined when the build targets
// AVX2 + FMA (AANET_AD_AVX2_SIGMOID is then defined).
#ifndef AANET_MODELS_AUTODIFF_SIGMOID_AVX2_H_
#define AANET_MODELS_AUTODIFF_SIGMOID_AVX2_H_

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define AANET_AD_AVX2_SIGMOID 1

namespace aanet::ad::internal {

// sigma(z) = 1 / (1 + exp(-z)) for four doubles; max relative error ~3 ulp
// over the whole double range; results below ~1.2e-308 (z < -709) are
// flushed to 0 and NaN propagates.
//
// With x = -z clamped to [-708, 709]: x = k ln2 + r, |r| <= ln2 / 2, and
// exp(r) = P(r) / P(-r) with P the numerator of the [6/6] Pade approximant
// (error < 1e-18 relative on that interval). Then
//   sigma(z) = 1 / (1 + 2^k P(r) / P(-r)) = P(-r) / (P(-r) + 2^k P(r)),
// which needs one division (the one the sigmoid needs anyway) and 6
// multiply-adds, where a Taylor polynomial of exp needs 13 for the same
// accuracy. P(r) = even(r^2) + r odd(r^2) and P(-r) = even - r odd share all
// the work.
inline __m256d Sigmoid4(__m256d z) {
  // -z clamped; min/max return their second operand when it is NaN, so NaN
  // propagates.
  __m256d x = _mm256_xor_pd(z, _mm256_set1_pd(-0.0));
  x = _mm256_max_pd(_mm256_set1_pd(-708.0),
                    _mm256_min_pd(_mm256_set1_pd(709.0), x));
  // 1.5 * 2^52: adding it rounds to an integer held in the low mantissa bits.
  const __m256d shifter = _mm256_set1_pd(0x1.8p52);
  const __m256d t =
      _mm256_fmadd_pd(x, _mm256_set1_pd(1.4426950408889634074), shifter);
  const __m256d k = _mm256_sub_pd(t, shifter);
  // ln2 split into a high part (exact in k * hi) and a low part.
  __m256d r = _mm256_fnmadd_pd(k, _mm256_set1_pd(0x1.62e42fefa39efp-1), x);
  r = _mm256_fnmadd_pd(k, _mm256_set1_pd(0x1.abc9e3b39803fp-56), r);
  const __m256d r2 = _mm256_mul_pd(r, r);
  // Pade [6/6] numerator coefficients (12-j)! 6! / (12! j! (6-j)!).
  __m256d even = _mm256_set1_pd(1.0 / 665280.0);
  even = _mm256_fmadd_pd(even, r2, _mm256_set1_pd(1.0 / 792.0));
  even = _mm256_fmadd_pd(even, r2, _mm256_set1_pd(5.0 / 44.0));
  even = _mm256_fmadd_pd(even, r2, _mm256_set1_pd(1.0));
  __m256d odd = _mm256_set1_pd(1.0 / 15840.0);
  odd = _mm256_fmadd_pd(odd, r2, _mm256_set1_pd(1.0 / 66.0));
  odd = _mm256_fmadd_pd(odd, r2, _mm256_set1_pd(0.5));
  odd = _mm256_mul_pd(odd, r);
  const __m256d num = _mm256_sub_pd(even, odd);  // P(-r)
  // bits(t) = bits(shifter) + k; (k + 1023) << 52 is 2^k.
  const __m256d scale = _mm256_castsi256_pd(_mm256_slli_epi64(
      _mm256_add_epi64(_mm256_castpd_si256(t),
                       _mm256_set1_epi64x(1023 - 0x4338000000000000LL)),
      52));
  // P(-r) + 2^k P(r).
  const __m256d den = _mm256_fmadd_pd(_mm256_add_pd(even, odd), scale, num);
  const __m256d s = _mm256_div_pd(num, den);
  // Flush results below ~1.2e-308 (z < -709) to 0.
  const __m256d keep = _mm256_cmp_pd(z, _mm256_set1_pd(-709.0), _CMP_NLT_UQ);
  return _mm256_and_pd(s, keep);
}

}  // namespace aanet::ad::internal

#endif  // __AVX2__ && __FMA__
#endif  // AANET_MODELS_AUTODIFF_SIGMOID_AVX2_H_
