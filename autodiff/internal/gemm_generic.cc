// Gemm() without vector intrinsics, for CPUs without AVX2 + FMA. One lane
// per "vector"; std::fma keeps the rounding of the vector kernels, so results
// are bit-identical to theirs (slowly, where FMA is not in hardware).
#include <cmath>
#include <cstdint>

#include "autodiff/internal/gemm.h"
#include "autodiff/internal/gemm_impl.h"

namespace aanet::ad::internal {
namespace {

template <typename Scalar>
struct ScalarSimd {
  using T = Scalar;
  using V = Scalar;
  static constexpr int kWidth = 1;
  static constexpr int kMr = 4;
  static constexpr int kNv = 4;
  static V Zero() { return 0; }
  static V Load(const T* p) { return *p; }
  static void Store(T* p, V v) { *p = v; }
  static V Broadcast(T x) { return x; }
  static V Fma(V a, V b, V c) { return std::fma(a, b, c); }
  static V Add(V a, V b) { return a + b; }
  static V Relu(V a) { return a > 0 ? a : 0; }
  static void StoreMask(uint8_t* p, V a) { *p = a > 0 ? 1 : 0; }
  static V Select(const uint8_t* p, V a) { return *p != 0 ? a : 0; }
};

}  // namespace

void GemmGeneric(const GemmArgs<float>& args) {
  gemm_impl::Gemm<ScalarSimd<float>>(args);
}
void GemmGeneric(const GemmArgs<double>& args) {
  gemm_impl::Gemm<ScalarSimd<double>>(args);
}

}  // namespace aanet::ad::internal
