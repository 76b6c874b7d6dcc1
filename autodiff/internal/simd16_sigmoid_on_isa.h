// OneOverOnePlusExp2 (simd16.h) on the vector traits of one instruction set,
// for simd16_test to hold them to the portable traits' bits. Each function
// lives in a file built with its instruction set's flags; call it only
// where DetectIsa() (gemm.h) reports that instruction set. `count` is a
// multiple of 16.
//
// Internal to //autodiff, test only.
#ifndef AANET_AUTODIFF_INTERNAL_SIMD16_SIGMOID_ON_ISA_H_
#define AANET_AUTODIFF_INTERNAL_SIMD16_SIGMOID_ON_ISA_H_

#include "autodiff/internal/simd16.h"

namespace aanet::ad::internal::simd16 {

// On the sixteen-lane traits, and on the eight-lane ones (Avx8Float) of the
// same file.
void SigmoidAvx512(const float* w, int count, float* out);
void SigmoidAvx512Narrow(const float* w, int count, float* out);
void SigmoidAvx2(const float* w, int count, float* out);
void SigmoidAvx2Narrow(const float* w, int count, float* out);

// The loop behind each of them, over the traits S (a vector of S is as many
// floats as its bytes say); included by the files that instantiate it.
template <class S>
void SigmoidOn(const float* w, int count, float* out) {
  constexpr int kWidth = sizeof(typename S::V) / sizeof(float);
  for (int i = 0; i < count; i += kWidth) {
    S::Store(out + i, OneOverOnePlusExp2<S>(S::Load(w + i)));
  }
}

}  // namespace aanet::ad::internal::simd16

#endif  // AANET_AUTODIFF_INTERNAL_SIMD16_SIGMOID_ON_ISA_H_
