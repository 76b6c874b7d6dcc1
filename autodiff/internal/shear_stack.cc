#include "autodiff/internal/shear_stack.h"

#include <cstddef>

#include "autodiff/internal/gemm.h"

namespace aanet::ad::internal {

template <typename T>
void DeriveShearStackForwardParameters(const T* params, int n, int width,
                                       int num_layers, T* forward_params) {
  const int k = n + 2;
  const int kf = ShearStackForwardParametersPerUnit(n);
  double w[kMaxShearStackDegreesOfFreedom];
  for (std::ptrdiff_t unit = 0;
       unit < static_cast<std::ptrdiff_t>(num_layers) * width; ++unit) {
    const T* p = params + unit * k;
    for (int i = 0; i < n; ++i) w[i] = p[i];
    DeriveShearUnitForwardParameters(n, w, static_cast<double>(p[n]),
                                     static_cast<double>(p[n + 1]),
                                     forward_params + unit * kf);
  }
}

template void DeriveShearStackForwardParameters<float>(const float*, int, int,
                                                       int, float*);
template void DeriveShearStackForwardParameters<double>(const double*, int, int,
                                                        int, double*);

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
