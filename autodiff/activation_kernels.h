// Activation functions on plain matrices, for fused operations and tape-free
// inference (e.g. the shear layers of models/symplectic_flow.cc). The values
// and derivatives are those of Activate() and ActivationDerivative() in
// ops.h, which are built on the same code; activation_kernels_test checks
// that they agree.
#ifndef AANET_AUTODIFF_ACTIVATION_KERNELS_H_
#define AANET_AUTODIFF_ACTIVATION_KERNELS_H_

#include "autodiff/matrix.h"
#include "autodiff/ops.h"

namespace aanet::ad {

// out = sigma(z) elementwise; out is resized to z's shape and may be z.
void ActivationInto(Activation activation, const Matrix& z, Matrix& out);

// out = sigma'(z) elementwise; out is resized to z's shape and must not be z.
// relu: 1 for z > 0, else 0; leaky_relu: 1 for z >= 0, else the slope.
void ActivationDerivativeInto(Activation activation, const Matrix& z,
                              Matrix& out);

// g *= sigma'(z) elementwise; g has z's shape and must not be z. The backward
// pass of an activation from its pre-activation.
void MultiplyByActivationDerivative(Activation activation, const Matrix& z,
                                    Matrix& g);

namespace internal {

// sigma(z) with `alpha` the slope of leaky_relu or the scale of elu (ignored
// by the others); out is resized to z's shape and may be z. The forward pass
// of the activation ops.
void ActivationValue(Activation activation, double alpha, const Matrix& z,
                     Matrix& out);

// First and second derivatives of silu and gelu, for the backward passes.
double SiluD1(double x);
double SiluD2(double x);
double GeluD1(double x);
double GeluD2(double x);

}  // namespace internal
}  // namespace aanet::ad

#endif  // AANET_AUTODIFF_ACTIVATION_KERNELS_H_
