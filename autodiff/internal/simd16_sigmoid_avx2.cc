// SigmoidAvx2 and SigmoidAvx2Narrow (simd16_sigmoid_on_isa.h), built with
// this instruction set's flags and -ffp-contract=off (BUILD).
#include "autodiff/internal/simd16.h"
#include "autodiff/internal/simd16_sigmoid_on_isa.h"

namespace aanet::ad::internal::simd16 {
namespace {

struct Wide : Avx2Float {};
using Narrow = Avx8Float<struct FileTag>;

}  // namespace

void SigmoidAvx2(const float* w, int count, float* out) {
  SigmoidOn<Wide>(w, count, out);
}

void SigmoidAvx2Narrow(const float* w, int count, float* out) {
  SigmoidOn<Narrow>(w, count, out);
}

}  // namespace aanet::ad::internal::simd16
