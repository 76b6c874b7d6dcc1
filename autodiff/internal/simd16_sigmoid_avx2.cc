// SigmoidAvx2 and SigmoidAvx2Narrow (simd16_sigmoid_on_isa.h), built with this
// instruction set's flags and -ffp-contract=off (BUILD).
#include "autodiff/internal/simd16.h"
#include "autodiff/internal/simd16_sigmoid_on_isa.h"

namespace aanet::ad::internal::simd16 {
namespace {

struct Wide : Avx2Float {};
using Narrow = Avx8Float<struct FileTag>;

}  // namespace

void SigmoidAvx2(const float* w, int count, float* out) {
  for (int i = 0; i < count; i += kLanes) {
    Wide::Store(out + i, OneOverOnePlusExp2<Wide>(Wide::Load(w + i)));
  }
}

void SigmoidAvx2Narrow(const float* w, int count, float* out) {
  for (int i = 0; i < count; i += kLanes / 2) {
    _mm256_storeu_ps(out + i, OneOverOnePlusExp2<Narrow>(Narrow::Load(w + i)));
  }
}

}  // namespace aanet::ad::internal::simd16
