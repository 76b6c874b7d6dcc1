// The shear-stack kernels on the portable traits (compiled with
// -ffp-contract=off and no -m flags): the float32 fallback and the float64
// reference.
#include "autodiff/internal/shear_stack.h"
#include "autodiff/internal/shear_stack_impl.h"
#include "autodiff/internal/simd16.h"

namespace aanet::ad::internal {
namespace {

struct FloatSimd : simd16::GenericFloat {};
struct DoubleSimd : simd16::GenericDouble {};

}  // namespace

void ShearStackForwardGeneric(const ShearStackArgs<float>& args) {
  shear_stack_impl::ForwardAnyN<FloatSimd>(args);
}
void ShearStackBackwardGeneric(const ShearStackArgs<float>& args) {
  shear_stack_impl::BackwardAnyN<FloatSimd>(args);
}
void ShearStackForwardGeneric(const ShearStackArgs<double>& args) {
  shear_stack_impl::ForwardAnyN<DoubleSimd>(args);
}
void ShearStackBackwardGeneric(const ShearStackArgs<double>& args) {
  shear_stack_impl::BackwardAnyN<DoubleSimd>(args);
}

}  // namespace aanet::ad::internal
