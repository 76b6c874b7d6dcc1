// The shear-stack kernels with AVX2 + FMA (compiled with -mavx2 -mfma
// and -ffp-contract=off; called only when ActiveIsa() is kAvx2).
#include "autodiff/internal/shear_stack.h"
#include "autodiff/internal/shear_stack_impl.h"
#include "autodiff/internal/simd16.h"

namespace aanet::ad::internal {
namespace {

struct Simd : simd16::Avx2Float {};

}  // namespace

void ShearStackForwardAvx2(const ShearStackArgs<float>& args) {
  shear_stack_impl::ForwardAnyN<Simd>(args);
}
void ShearStackBackwardAvx2(const ShearStackArgs<float>& args) {
  shear_stack_impl::BackwardAnyN<Simd>(args);
}

}  // namespace aanet::ad::internal
