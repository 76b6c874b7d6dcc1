// Gemm() with AVX2 + FMA (compiled with -mavx2 -mfma; called only when
// DetectIsa() says the CPU has them).
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "autodiff/internal/gemm.h"
#include "autodiff/internal/gemm_impl.h"

namespace aanet::ad::internal {
namespace {

// Tiles of 4 rows x 3 vectors: 12 accumulators + 3 B vectors + 1 broadcast
// of the 16 registers.
struct FloatSimd {
  using T = float;
  using V = __m256;
  static constexpr int kWidth = 8;
  static constexpr int kMr = 4;
  static constexpr int kNv = 3;
  static V Zero() { return _mm256_setzero_ps(); }
  static V Load(const T* p) { return _mm256_loadu_ps(p); }
  static void Store(T* p, V v) { _mm256_storeu_ps(p, v); }
  static V Broadcast(T x) { return _mm256_set1_ps(x); }
  static V Fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V Add(V a, V b) { return _mm256_add_ps(a, b); }
  static V Relu(V a) { return _mm256_max_ps(a, Zero()); }
  static void StoreMask(uint8_t* p, V a) {
    const int bits = _mm256_movemask_ps(_mm256_cmp_ps(a, Zero(), _CMP_GT_OQ));
    for (int i = 0; i < kWidth; ++i) p[i] = (bits >> i) & 1;
  }
  static V Select(const uint8_t* p, V a) {
    const __m256i lanes = _mm256_cvtepu8_epi32(
        _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
    const __m256i keep = _mm256_cmpgt_epi32(lanes, _mm256_setzero_si256());
    return _mm256_and_ps(_mm256_castsi256_ps(keep), a);
  }
};

struct DoubleSimd {
  using T = double;
  using V = __m256d;
  static constexpr int kWidth = 4;
  static constexpr int kMr = 4;
  static constexpr int kNv = 3;
  static V Zero() { return _mm256_setzero_pd(); }
  static V Load(const T* p) { return _mm256_loadu_pd(p); }
  static void Store(T* p, V v) { _mm256_storeu_pd(p, v); }
  static V Broadcast(T x) { return _mm256_set1_pd(x); }
  static V Fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V Add(V a, V b) { return _mm256_add_pd(a, b); }
  static V Relu(V a) { return _mm256_max_pd(a, Zero()); }
  static void StoreMask(uint8_t* p, V a) {
    const int bits = _mm256_movemask_pd(_mm256_cmp_pd(a, Zero(), _CMP_GT_OQ));
    for (int i = 0; i < kWidth; ++i) p[i] = (bits >> i) & 1;
  }
  static V Select(const uint8_t* p, V a) {
    int32_t four;
    std::memcpy(&four, p, sizeof(four));
    const __m256i lanes = _mm256_cvtepu8_epi64(_mm_cvtsi32_si128(four));
    const __m256i keep = _mm256_cmpgt_epi64(lanes, _mm256_setzero_si256());
    return _mm256_and_pd(_mm256_castsi256_pd(keep), a);
  }
};

}  // namespace

void GemmAvx2(const GemmArgs<float>& args) { gemm_impl::Gemm<FloatSimd>(args); }
void GemmAvx2(const GemmArgs<double>& args) {
  gemm_impl::Gemm<DoubleSimd>(args);
}

}  // namespace aanet::ad::internal
