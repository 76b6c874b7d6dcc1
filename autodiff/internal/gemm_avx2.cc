// Gemm() with AVX2 + FMA (compiled with -mavx2 -mfma; called only when
// DetectIsa() says the CPU has them).
#include <immintrin.h>

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
};

}  // namespace

void GemmAvx2(const GemmArgs<float>& args) { gemm_impl::Gemm<FloatSimd>(args); }
void GemmAvx2(const GemmArgs<double>& args) {
  gemm_impl::Gemm<DoubleSimd>(args);
}

}  // namespace aanet::ad::internal
