#include "autodiff/internal/shear_stack.h"

#include "autodiff/internal/gemm.h"

namespace aanet::ad::internal {

void ShearStackForward(const ShearStackArgs<float>& args) {
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return ShearStackForwardAvx512(args);
    case Isa::kAvx2:
      return ShearStackForwardAvx2(args);
    case Isa::kGeneric:
      return ShearStackForwardGeneric(args);
  }
}

void ShearStackBackward(const ShearStackArgs<float>& args) {
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return ShearStackBackwardAvx512(args);
    case Isa::kAvx2:
      return ShearStackBackwardAvx2(args);
    case Isa::kGeneric:
      return ShearStackBackwardGeneric(args);
  }
}

void ShearStackForward(const ShearStackArgs<double>& args) {
  ShearStackForwardGeneric(args);
}

void ShearStackBackward(const ShearStackArgs<double>& args) {
  ShearStackBackwardGeneric(args);
}

}  // namespace aanet::ad::internal
