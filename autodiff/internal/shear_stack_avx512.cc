// The shear-stack kernels with AVX-512 (compiled with -mavx512f -mavx512dq
// and -ffp-contract=off; called only when ActiveIsa() is kAvx512).
#include "autodiff/internal/shear_stack.h"
#include "autodiff/internal/shear_stack_impl.h"
#include "autodiff/internal/simd16.h"

namespace aanet::ad::internal {
namespace {

struct Simd : simd16::Avx512Float {};

}  // namespace

void ShearStackForwardAvx512(const ShearStackArgs<float>& args) {
  shear_stack_impl::ForwardAnyN<Simd>(args);
}
void ShearStackBackwardAvx512(const ShearStackArgs<float>& args) {
  shear_stack_impl::BackwardAnyN<Simd>(args);
}

}  // namespace aanet::ad::internal
