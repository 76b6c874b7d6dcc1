// ShearStackOneStateAvx512 (shear_stack_one_state.h), built with this
// instruction set's flags and -ffp-contract=off (BUILD).
#include "autodiff/internal/shear_stack_one_state.h"
#include "autodiff/internal/shear_stack_one_state_impl.h"
#include "autodiff/internal/simd16.h"

namespace aanet::ad::internal {
namespace {

struct Simd : simd16::Avx512Float {
  using Narrow = simd16::Avx8Float<struct FileTag>;
};

}  // namespace

void ShearStackOneStateAvx512(const PackedShearStack::View& stack, float* state,
                              bool inverse) {
  shear_stack_one_state_impl::Run<Simd>(stack, state, inverse);
}

void SigmoidNetOneStateAvx512(const PackedShearStack::View& net, const float* x,
                              float* out) {
  shear_stack_one_state_impl::RunNet<Simd>(net, x, out);
}

}  // namespace aanet::ad::internal
