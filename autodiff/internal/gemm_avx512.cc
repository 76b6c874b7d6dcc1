// Gemm() with AVX-512 (compiled with -mavx512f -mavx512dq -mavx512bw
// -mavx512vl -mfma; called only when DetectIsa() says the CPU has them).
#include <immintrin.h>

#include <cstdint>

#include "autodiff/internal/gemm.h"
#include "autodiff/internal/gemm_impl.h"

namespace aanet::ad::internal {
namespace {

// Tiles of 6 rows x 4 vectors: 24 accumulators + 4 B vectors + 1 broadcast
// of the 32 registers.
struct FloatSimd {
  using T = float;
  using V = __m512;
  static constexpr int kWidth = 16;
  static constexpr int kMr = 6;
  static constexpr int kNv = 4;
  static V Zero() { return _mm512_setzero_ps(); }
  static V Load(const T* p) { return _mm512_loadu_ps(p); }
  static void Store(T* p, V v) { _mm512_storeu_ps(p, v); }
  static V Broadcast(T x) { return _mm512_set1_ps(x); }
  static V Fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V Add(V a, V b) { return _mm512_add_ps(a, b); }
  static V Relu(V a) { return _mm512_max_ps(a, Zero()); }
  static void StoreMask(uint8_t* p, V a) {
    const __mmask16 m = _mm512_cmp_ps_mask(a, Zero(), _CMP_GT_OQ);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm_maskz_set1_epi8(m, 1));
  }
  static V Select(const uint8_t* p, V a) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm512_maskz_mov_ps(_mm_test_epi8_mask(bytes, bytes), a);
  }
};

struct DoubleSimd {
  using T = double;
  using V = __m512d;
  static constexpr int kWidth = 8;
  static constexpr int kMr = 6;
  static constexpr int kNv = 4;
  static V Zero() { return _mm512_setzero_pd(); }
  static V Load(const T* p) { return _mm512_loadu_pd(p); }
  static void Store(T* p, V v) { _mm512_storeu_pd(p, v); }
  static V Broadcast(T x) { return _mm512_set1_pd(x); }
  static V Fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V Add(V a, V b) { return _mm512_add_pd(a, b); }
  static V Relu(V a) { return _mm512_max_pd(a, Zero()); }
  static void StoreMask(uint8_t* p, V a) {
    const __mmask8 m = _mm512_cmp_pd_mask(a, Zero(), _CMP_GT_OQ);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_maskz_set1_epi8(m, 1));
  }
  static V Select(const uint8_t* p, V a) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    return _mm512_maskz_mov_pd(
        static_cast<__mmask8>(_mm_test_epi8_mask(bytes, bytes)), a);
  }
};

}  // namespace

void GemmAvx512(const GemmArgs<float>& args) {
  gemm_impl::Gemm<FloatSimd>(args);
}
void GemmAvx512(const GemmArgs<double>& args) {
  gemm_impl::Gemm<DoubleSimd>(args);
}

}  // namespace aanet::ad::internal
