// Sixteen-lane vectors for kernels that must give bit-identical results on
// every instruction set (AVX-512, AVX2 + FMA, portable), written once as
// templates over a traits type S:
//   S::T   float or double
//   S::V   sixteen T's: one __m512 (AVX-512), two __m256 (AVX2), an array
//          (portable)
// and the operations below, each of which rounds exactly as IEEE 754 says
// (Fma rounds once), lane by lane. HorizontalSum adds the sixteen lanes in
// one fixed tree on every instruction set; SumToAllLanes is the same sum
// left in every lane (a butterfly: lane i adds lane i ^ 8, then i ^ 4, i ^ 2,
// i ^ 1, the tree's pairs, and addition commutes, so every lane ends with
// HorizontalSum's bits). A kernel that uses nothing else
// (no compiler-contracted a * b + c: build with -ffp-contract=off) gives the
// same bits everywhere: the canonical width is 16 lanes, not the register's.
//
// Include from the per-instruction-set .cc files of a kernel, and give each
// instantiation a traits type of that file's own anonymous namespace (e.g.
// `struct Simd : simd16::Avx512Float {};`), as gemm_<isa>.cc do, so that
// code built with different -m flags never merges at link time.
//
// Internal to //autodiff.
#ifndef AANET_AUTODIFF_INTERNAL_SIMD16_H_
#define AANET_AUTODIFF_INTERNAL_SIMD16_H_

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace aanet::ad::internal::simd16 {

inline constexpr int kLanes = 16;

// float32 1 / (1 + 2^w) on the operations of S, shared by every float
// traits type so that they agree bit for bit: the sigmoid sigma(z) of
// w = -log2(e) z, for kernels that fold -log2(e) into z's affine map (the
// flow kernels: DeriveShearStackForwardParameters in shear_stack.h). Given
// the base-2 exponent, the range reduction is a rounding and an exact
// subtraction, w = k + r with |r| <= 1/2, and
//   2^r = P(r ln2) / P(-r ln2),
//   1 / (1 + 2^w) = P(-r ln2) / (P(-r ln2) + 2^k P(r ln2)),
// P the numerator of exp's [3/3] Pade approximant (relative error < 6e-9
// for |r ln2| <= ln2 / 2, under half a float ulp) with ln2's powers moved
// into its coefficients: one division (which the sigmoid needs anyway), 4
// multiply-adds and 1 multiplication, and c + p 2^k (the traits'
// PlusTimesPow2: AVX-512's scalef and an addition, or a multiply-add on
// exponent bits). Relative error under 4 ulp (simd16_test). k is held to
// at most 126, so past w = 126 the result stays near 2^-126 (between 2^-127
// and 2^-125) instead of going to 0; it is 1 below w = -25. NaN, and
// w = +-inf (whose r is inf - inf), give NaN.
template <class S>
inline typename S::V OneOverOnePlusExp2(typename S::V w) {
  using V = typename S::V;
  const V k = S::RoundToNearest(w);
  const V r = S::Sub(w, k);  // exact, |r| <= 1/2
  const V r2 = S::Mul(r, r);
  // P(+-r ln2) = even(r^2) +- r odd(r^2), P's coefficients times ln2's
  // powers.
  const V even = S::Fma(r2, S::Broadcast(0x1.89964cp-5f), S::Broadcast(1.0f));
  const V odd =
      S::Fma(r2, S::Broadcast(0x1.6bc072p-9f), S::Broadcast(0x1.62e430p-2f));
  const V p_plus = S::Fma(odd, r, even);    // P(r ln2)
  const V p_minus = S::Fnma(odd, r, even);  // P(-r ln2)
  return S::Div(p_minus, S::PlusTimesPow2(p_minus, p_plus, k));
}

// c + p 2^min(k, 126), rounded once, for OneOverOnePlusExp2's c = P(-r ln2)
// and p = P(r ln2), both in [0.7, 1.5], and any integer k, on S's exponent
// bits: k is held to [-126, 126], and 1.5 * 2^23 + 127 added to it puts
// k + 127 in the low mantissa bits, so (bits << 23) is 2^k
// (ShiftedIntegerToPow2); one multiply-add follows. These are the bits of
// c + scalef(p, min(k, 126)) (Avx512Float's): p 2^k is exact while it is a
// normal float, and the addition then rounds once, as the multiply-add
// does; when it is not, k <= -126 and p 2^k is below 2^-125, far under half
// an ulp of c, so that both give c (simd16_test checks the bits on every
// instruction set).
template <class S>
inline typename S::V PlusTimesPow2OnExponentBits(typename S::V c,
                                                 typename S::V p,
                                                 typename S::V k) {
  const typename S::V kc =
      S::Max(S::Broadcast(-126.0f), S::Min(S::Broadcast(126.0f), k));
  const typename S::V t = S::Add(kc, S::Broadcast(0x1.8p23f + 127.0f));
  return S::Fma(p, S::ShiftedIntegerToPow2(t), c);
}

// The portable traits: sixteen T's in an array, one lane at a time; std::fma
// rounds as the hardware's fused multiply-add does. Generic<double> is the
// reference the float kernels are checked against (its LogisticExp2 is
// 1 / (1 + exp2(w)) in double).
template <typename Scalar, int kWidth = kLanes>
struct Generic {
  using T = Scalar;
  struct V {
    T x[kWidth];
  };
  template <typename F>
  static V Map(F f) {
    V r;
    for (int i = 0; i < kWidth; ++i) r.x[i] = f(i);
    return r;
  }
  // The first half of v's lanes, and h's lanes followed by zeros (see
  // Avx8Float).
  static typename Generic<Scalar, kWidth / 2>::V Low(V v) {
    typename Generic<Scalar, kWidth / 2>::V h;
    std::memcpy(h.x, v.x, sizeof(h.x));
    return h;
  }
  static V Widen(typename Generic<Scalar, kWidth / 2>::V h) {
    V v = Zero();
    std::memcpy(v.x, h.x, sizeof(h.x));
    return v;
  }
  static V Zero() { return Broadcast(0); }
  static V Broadcast(T a) {
    return Map([&](int) { return a; });
  }
  static V Load(const T* p) {
    return Map([&](int i) { return p[i]; });
  }
  // The first `count` lanes from p, the rest 0 (0 <= count <= 16).
  static V LoadFirst(const T* p, int count) {
    return Map([&](int i) { return i < count ? p[i] : T(0); });
  }
  static void Store(T* p, V v) { std::memcpy(p, v.x, sizeof(v.x)); }
  static void StoreFirst(T* p, V v, int count) {
    for (int i = 0; i < count; ++i) p[i] = v.x[i];
  }
  static V Add(V a, V b) {
    return Map([&](int i) { return a.x[i] + b.x[i]; });
  }
  static V Sub(V a, V b) {
    return Map([&](int i) { return a.x[i] - b.x[i]; });
  }
  static V Mul(V a, V b) {
    return Map([&](int i) { return a.x[i] * b.x[i]; });
  }
  // Ties to even, as the vector instructions in the default rounding mode.
  static V RoundToNearest(V a) {
    return Map([&](int i) { return std::nearbyint(a.x[i]); });
  }
  static V Div(V a, V b) {
    return Map([&](int i) { return a.x[i] / b.x[i]; });
  }
  // a * b + c and c - a * b, rounded once.
  static V Fma(V a, V b, V c) {
    return Map([&](int i) { return std::fma(a.x[i], b.x[i], c.x[i]); });
  }
  static V Fnma(V a, V b, V c) {
    return Map([&](int i) { return std::fma(-a.x[i], b.x[i], c.x[i]); });
  }
  // As x86's min/max: the second operand when either is NaN.
  static V Min(V a, V b) {
    return Map([&](int i) { return a.x[i] < b.x[i] ? a.x[i] : b.x[i]; });
  }
  static V Max(V a, V b) {
    return Map([&](int i) { return a.x[i] > b.x[i] ? a.x[i] : b.x[i]; });
  }
  // v where m > 0, else +0 (NaN m gives +0): relu's derivative times v.
  static V WherePositive(V m, V v) {
    return Map([&](int i) { return m.x[i] > T(0) ? v.x[i] : T(0); });
  }
  // (lanes 0..7 + lanes 8..15), then halves again: ((a+b)+(c+d)) order.
  static T HorizontalSum(V v) {
    T s[8];
    for (int i = 0; i < 8; ++i) s[i] = v.x[i] + v.x[i + 8];
    for (int i = 0; i < 4; ++i) s[i] = s[i] + s[i + 4];
    for (int i = 0; i < 2; ++i) s[i] = s[i] + s[i + 2];
    return s[0] + s[1];
  }
  static V SumToAllLanes(V v) { return Broadcast(HorizontalSum(v)); }
  // out[m] = HorizontalSum(v[m]) for m < 16.
  static void HorizontalSums16(const V* v, T* out) {
    for (int m = 0; m < 16; ++m) out[m] = HorizontalSum(v[m]);
  }
  // The float with exponent bits = the low bits of t's (OneOverOnePlusExp2).
  static V ShiftedIntegerToPow2(V t) {
    return Map([&](int i) {
      uint32_t bits;
      std::memcpy(&bits, &t.x[i], sizeof(bits));
      bits <<= 23;
      float f;
      std::memcpy(&f, &bits, sizeof(f));
      return static_cast<T>(f);
    });
  }
  static V PlusTimesPow2(V c, V p, V k) {
    return PlusTimesPow2OnExponentBits<Generic>(c, p, k);
  }
  // 1 / (1 + 2^w): OneOverOnePlusExp2, or exact in double.
  static V LogisticExp2(V w) {
    if constexpr (sizeof(T) == sizeof(float)) {
      return OneOverOnePlusExp2<Generic>(w);
    } else {
      return Map([&](int i) { return T(1) / (T(1) + std::exp2(w.x[i])); });
    }
  }
};

using GenericFloat = Generic<float>;
using GenericDouble = Generic<double>;

#if defined(__AVX2__) && defined(__FMA__)
// Two AVX2 registers: lanes 0..7 and 8..15.
struct Avx2Float {
  using T = float;
  struct V {
    __m256 lo, hi;
  };
  static V Zero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
  static V Broadcast(T a) { return {_mm256_set1_ps(a), _mm256_set1_ps(a)}; }
  static V Load(const T* p) {
    return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)};
  }
  static __m256i Mask(int count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static V LoadFirst(const T* p, int count) {
    return {_mm256_maskload_ps(p, Mask(count)),
            _mm256_maskload_ps(p + 8, Mask(count - 8))};
  }
  static void Store(T* p, V v) {
    _mm256_storeu_ps(p, v.lo);
    _mm256_storeu_ps(p + 8, v.hi);
  }
  static void StoreFirst(T* p, V v, int count) {
    _mm256_maskstore_ps(p, Mask(count), v.lo);
    _mm256_maskstore_ps(p + 8, Mask(count - 8), v.hi);
  }
  static V Add(V a, V b) {
    return {_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)};
  }
  static V Sub(V a, V b) {
    return {_mm256_sub_ps(a.lo, b.lo), _mm256_sub_ps(a.hi, b.hi)};
  }
  static V Mul(V a, V b) {
    return {_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)};
  }
  static V RoundToNearest(V a) {
    constexpr int kMode = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    return {_mm256_round_ps(a.lo, kMode), _mm256_round_ps(a.hi, kMode)};
  }
  static V Div(V a, V b) {
    return {_mm256_div_ps(a.lo, b.lo), _mm256_div_ps(a.hi, b.hi)};
  }
  static V Fma(V a, V b, V c) {
    return {_mm256_fmadd_ps(a.lo, b.lo, c.lo),
            _mm256_fmadd_ps(a.hi, b.hi, c.hi)};
  }
  static V Fnma(V a, V b, V c) {
    return {_mm256_fnmadd_ps(a.lo, b.lo, c.lo),
            _mm256_fnmadd_ps(a.hi, b.hi, c.hi)};
  }
  static V Min(V a, V b) {
    return {_mm256_min_ps(a.lo, b.lo), _mm256_min_ps(a.hi, b.hi)};
  }
  static V Max(V a, V b) {
    return {_mm256_max_ps(a.lo, b.lo), _mm256_max_ps(a.hi, b.hi)};
  }
  static V WherePositive(V m, V v) {
    const __m256 zero = _mm256_setzero_ps();
    return {_mm256_and_ps(_mm256_cmp_ps(m.lo, zero, _CMP_GT_OQ), v.lo),
            _mm256_and_ps(_mm256_cmp_ps(m.hi, zero, _CMP_GT_OQ), v.hi)};
  }
  static T HorizontalSum(V v) {
    const __m256 s8 = _mm256_add_ps(v.lo, v.hi);
    const __m128 s4 =
        _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
  }
  static __m256 Low(V v) { return v.lo; }
  static V Widen(__m256 h) { return {h, _mm256_setzero_ps()}; }
  static void HorizontalSums16(const V* v, T* out) {
    for (int m = 0; m < 16; ++m) out[m] = HorizontalSum(v[m]);
  }
  static V SumToAllLanes(V v) {
    __m256 s = _mm256_add_ps(v.lo, v.hi);
    s = _mm256_add_ps(s, _mm256_permute2f128_ps(s, s, 1));
    s = _mm256_add_ps(s, _mm256_permute_ps(s, 0x4E));
    s = _mm256_add_ps(s, _mm256_permute_ps(s, 0xB1));
    return {s, s};
  }
  static V ShiftedIntegerToPow2(V t) {
    return {
        _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t.lo), 23)),
        _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t.hi), 23))};
  }
  static V PlusTimesPow2(V c, V p, V k) {
    return PlusTimesPow2OnExponentBits<Avx2Float>(c, p, k);
  }
  static V LogisticExp2(V w) { return OneOverOnePlusExp2<Avx2Float>(w); }
};

// Eight lanes in one AVX register, the narrow traits of Avx2Float and
// Avx512Float (Low and Widen convert): for a kernel's last block when at
// most half of it is real, on the same IEEE operations lane by lane. A
// template on a type of the kernel file's own, so that each file keeps its
// own copy (the AVX-512 file's may use encodings an AVX2 machine lacks).
template <class FileTag>
struct Avx8Float {
  using T = float;
  using V = __m256;
  static V Zero() { return _mm256_setzero_ps(); }
  static V Broadcast(T a) { return _mm256_set1_ps(a); }
  static V Load(const T* p) { return _mm256_loadu_ps(p); }
  static void Store(T* p, V v) { _mm256_storeu_ps(p, v); }
  static V Add(V a, V b) { return _mm256_add_ps(a, b); }
  static V Sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V Mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V RoundToNearest(V a) {
    return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static V Div(V a, V b) { return _mm256_div_ps(a, b); }
  static V Fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V Fnma(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
  static V Min(V a, V b) { return _mm256_min_ps(a, b); }
  static V Max(V a, V b) { return _mm256_max_ps(a, b); }
  static V ShiftedIntegerToPow2(V t) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 23));
  }
  static V PlusTimesPow2(V c, V p, V k) {
#if defined(__AVX512F__) && defined(__AVX512VL__)
    // As Avx512Float's.
    return _mm256_add_ps(
        _mm256_scalef_ps(p, _mm256_min_ps(_mm256_set1_ps(126.0f), k)), c);
#else
    return PlusTimesPow2OnExponentBits<Avx8Float>(c, p, k);
#endif
  }
};
#endif  // __AVX2__ && __FMA__

#if defined(__AVX512F__) && defined(__AVX512DQ__)
struct Avx512Float {
  using T = float;
  using V = __m512;
  static V Zero() { return _mm512_setzero_ps(); }
  static V Broadcast(T a) { return _mm512_set1_ps(a); }
  static V Load(const T* p) { return _mm512_loadu_ps(p); }
  static __mmask16 Mask(int count) {
    return count >= 16 ? __mmask16(0xFFFF)
                       : __mmask16((1u << (count < 0 ? 0 : count)) - 1);
  }
  static V LoadFirst(const T* p, int count) {
    return _mm512_maskz_loadu_ps(Mask(count), p);
  }
  static void Store(T* p, V v) { _mm512_storeu_ps(p, v); }
  static void StoreFirst(T* p, V v, int count) {
    _mm512_mask_storeu_ps(p, Mask(count), v);
  }
  static V Add(V a, V b) { return _mm512_add_ps(a, b); }
  static V Sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V Mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V RoundToNearest(V a) {
    return _mm512_roundscale_ps(a,
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static V Div(V a, V b) { return _mm512_div_ps(a, b); }
  static V Fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V Fnma(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
  static V Min(V a, V b) { return _mm512_min_ps(a, b); }
  static V Max(V a, V b) { return _mm512_max_ps(a, b); }
  static V WherePositive(V m, V v) {
    return _mm512_maskz_mov_ps(
        _mm512_cmp_ps_mask(m, _mm512_setzero_ps(), _CMP_GT_OQ), v);
  }
  static T HorizontalSum(V v) {
    const __m256 s8 =
        _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    const __m128 s4 =
        _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
  }
  static __m256 Low(V v) { return _mm512_castps512_ps256(v); }
  static V Widen(__m256 h) { return _mm512_zextps256_ps512(h); }
  // Sixteen HorizontalSums at once, each by HorizontalSum's tree (lanes
  // i and i + 8, then i + 4, i + 2, i + 1), with the vectors' partial sums
  // packed together at every level so that each shuffle and addition serves
  // several of them: the same bits in a third of the instructions.
  static void HorizontalSums16(const V* v, T* out) {
    V w[8], x[4], y[2];
    for (int m = 0; m < 8; ++m) {  // w[m] = [v[2m] 8 | v[2m+1] 8]
      w[m] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * m], v[2 * m + 1], 0x44),
                           _mm512_shuffle_f32x4(v[2 * m], v[2 * m + 1], 0xEE));
    }
    for (int m = 0; m < 4; ++m) {  // x[m] = [v[4m] .. v[4m+3], 4 each]
      x[m] = _mm512_add_ps(_mm512_shuffle_f32x4(w[2 * m], w[2 * m + 1], 0x88),
                           _mm512_shuffle_f32x4(w[2 * m], w[2 * m + 1], 0xDD));
    }
    // 128-bit lane L of y[m]: v[8m + L] and v[8m + 4 + L], 2 each.
    for (int m = 0; m < 2; ++m) {
      y[m] = _mm512_add_ps(_mm512_shuffle_ps(x[2 * m], x[2 * m + 1], 0x44),
                           _mm512_shuffle_ps(x[2 * m], x[2 * m + 1], 0xEE));
    }
    // Lane 4L + j of z: the sum of v[L + 4j].
    const V z = _mm512_add_ps(_mm512_shuffle_ps(y[0], y[1], 0x88),
                              _mm512_shuffle_ps(y[0], y[1], 0xDD));
    const __m512i order =
        _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    _mm512_storeu_ps(out, _mm512_permutexvar_ps(order, z));
  }
  static V SumToAllLanes(V v) {
    v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, 0x4E));
    v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, 0xB1));
    v = _mm512_add_ps(v, _mm512_permute_ps(v, 0x4E));
    return _mm512_add_ps(v, _mm512_permute_ps(v, 0xB1));
  }
  static V ShiftedIntegerToPow2(V t) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(t), 23));
  }
  // c + scalef(p, min(k, 126)): 3 instructions for
  // PlusTimesPow2OnExponentBits' 5, and the same bits where
  // OneOverOnePlusExp2 calls it (see there): scalef needs no lower bound.
  static V PlusTimesPow2(V c, V p, V k) {
    return _mm512_add_ps(
        _mm512_scalef_ps(p, _mm512_min_ps(_mm512_set1_ps(126.0f), k)), c);
  }
  static V LogisticExp2(V w) { return OneOverOnePlusExp2<Avx512Float>(w); }
};
#endif  // __AVX512F__ && __AVX512DQ__

}  // namespace aanet::ad::internal::simd16

#endif  // AANET_AUTODIFF_INTERNAL_SIMD16_H_
