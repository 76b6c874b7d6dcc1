// The kernels of a G-SympNet shear layer (models/symplectic_flow.h): its
// ridge term
//   u(x) = (act(x W + b) * a) W^T,   x [B, n], W [n, H], b and a [1, H],
// forward and backward. The model owns the rest of the layer (its
// conditioner f(u, x) and the update y + sign * f): it adds the shear node
// with its inputs in ShearInput order, and from the node's backward pass calls
// ShearRidgeBackward with dL/du.
//
// Which code computes u (the choice never depends on the values):
//   - act = sigmoid, n <= 4, AVX2 build: fused kernels that vectorise over
//     the batch and keep a state's hidden row in registers, so the [B, H]
//     pre-activations never go to memory; the backward pass uses
//     sigma' = s (1 - s) from the saved s. One state alone: a kernel
//     vectorised over the hidden units instead.
//   - otherwise: products (ProductInto; Eigen's own for a few states on
//     values) and the activation on [B, H] matrices; the tape keeps z and s.
//     One state alone: plain loops on a stack buffer.
// The fused and the unfused code agree to rounding, not bit for bit.
//
// Internal: for //autodiff and //models:symplectic_flow only.
#ifndef AANET_AUTODIFF_INTERNAL_SHEAR_KERNELS_H_
#define AANET_AUTODIFF_INTERNAL_SHEAR_KERNELS_H_

#include "Eigen/Core"
#include "autodiff/matrix.h"
#include "autodiff/ops.h"
#include "autodiff/tape.h"

namespace aanet::ad::internal {

// The inputs of a shear node, in order.
enum ShearInput {
  kShearFixed = 0,  // x [B, n]: the half the update is a function of
  kShearHalf,       // y [B, n]: the half updated
  kShearW,          // W [n, H]
  kShearB,          // b [1, H]
  kShearA,          // a [1, H]
  kShearGate,       // the conditioner's own parameter (the model's)
  kShearSaved0,     // the two scratch nodes of ShearRidgeForward
  kShearSaved1,
  kNumShearInputs,
};

// The scratch nodes ShearRidgeForward adds, in the node's kShearSaved0 and
// kShearSaved1 inputs.
struct ShearRidgeSaved {
  Var saved0;
  Var saved1;
};

// u(x) on the tape. Adds the two scratch nodes the backward pass reads (fused
// sigmoid: u and s = sigma(z); otherwise z = x W + b and s) to `saved` and
// returns u [B, n]: a reference valid until the next ShearRidgeForward on
// this thread.
const Matrix& ShearRidgeForward(Tape& tape, Activation activation, Var x, Var w,
                                Var b, Var a, ShearRidgeSaved& saved);

// In the shear node's backward pass: u again (saved by the fused kernels,
// otherwise recomputed), valid until the next shear kernel call on this
// thread.
const Matrix& ShearRidgeValue(const BackwardContext& c, Activation activation);

// In the shear node's backward pass, from g_u = dL/du [B, n]: accumulates
// dL/dW, dL/db and dL/da into those inputs' gradients, and adds dL/dx into
// the kShearFixed input's gradient, which must already hold a contribution
// if that input needs one (the model's skip term writes it first).
void ShearRidgeBackward(BackwardContext& c, Activation activation,
                        const Matrix& g_u);

// u(x) on values, for any batch: a reference valid until the next shear
// kernel call on this thread.
const Matrix& ShearRidgeValues(Activation activation, const Matrix& x,
                               const Matrix& w, const Matrix& b,
                               const Matrix& a);

// The largest n of ShearRidgeOneState.
inline constexpr int kMaxOneStateDegreesOfFreedom = 64;

// u(x) for one state: x[n] -> u[n], n <= kMaxOneStateDegreesOfFreedom; w is W
// [n, width] column-major, b and a have `width` entries.
void ShearRidgeOneState(Activation activation, int n, const double* x,
                        const double* w, const double* b, const double* a,
                        Eigen::Index width, double* u);

}  // namespace aanet::ad::internal

#endif  // AANET_AUTODIFF_INTERNAL_SHEAR_KERNELS_H_
