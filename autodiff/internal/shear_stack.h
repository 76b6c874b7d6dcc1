// Fused kernels for a whole stack of G-SympNet shear layers
// (models/symplectic_flow.h), forward and backward, in float32 on the
// sixteen-lane traits of simd16.h (bit-identical on AVX-512, AVX2 + FMA and
// the portable build), and in float64 on the portable traits (the reference
// that finite-difference checks run on).
//
// Layer l updates one half y of the state by a function of the other half x
// (even l: x = q, y = p; odd l: x = p, y = q):
//   z = x W + b,  s = sigma(z),  u = (s * a) W^T,  y += sign * F(u, x)
// (the sigmoid as 1 / (1 + 2^w) on forward_params: see
// DeriveShearStackForwardParameters)
// with sigma the sigmoid or relu (max(z, 0), derivative 1 for z > 0 else 0),
// and F(u, x) = u + gate * x (the skip-gate and, with c copied into every
// gate entry, the paper's Eq. 5 conditioner) or (u + x) * gate (the
// published one). sign = +1 runs layers 0..L-1 (the flow), -1 runs L-1..0
// (its inverse).
//
// Vectorised over the batch: sixteen states per vector, so the forward pass
// has no cross-lane sum and keeps a block's state and hidden row in
// registers; the backward pass sums parameter gradients over the batch per
// lane and ends each layer with HorizontalSum's tree (one fixed order on
// every instruction set). The backward pass reads s as the forward pass
// saved it (saved_s) or recomputes it from the saved fixed halves, to the
// same bits; saving is faster on the shipped flow (a sigmoid per state,
// unit and layer is most of the forward pass), recomputing keeps H times
// less memory. relu's derivative is read off s (s > 0 exactly where z > 0).
//
// Layouts (T = float or double), all plain arrays:
//   state, grad_state  [2n][ld]  coordinate-major: state[c * ld + b] is
//                      coordinate c of batch entry b; ld a multiple of 16
//                      >= batch. Lanes past `batch` are never read.
//   params             [L][width][n + 2]: W[0][h] .. W[n-1][h], b[h], a[h]
//   gates              [L][n]
//   saved_x            [L][n][ld]: layer l's fixed half (forward writes it
//                      when set, with lanes past `batch` zero; backward
//                      reads it)
//
// Internal to //autodiff and //models:symplectic_flow.
#ifndef AANET_AUTODIFF_INTERNAL_SHEAR_STACK_H_
#define AANET_AUTODIFF_INTERNAL_SHEAR_STACK_H_

namespace aanet::ad::internal {

// The largest n (degrees of freedom) the stack kernels take: n is a template
// parameter so that the per-state loops unroll.
inline constexpr int kMaxShearStackDegreesOfFreedom = 4;

// ld for a batch: rounded up to the sixteen lanes.
inline constexpr int ShearStackLd(int batch) { return (batch + 15) / 16 * 16; }

enum class ShearActivation { kSigmoid, kRelu };

template <typename T>
struct ShearStackArgs {
  int n = 0;  // 1..kMaxShearStackDegreesOfFreedom
  int width = 0;
  int num_layers = 0;
  ShearActivation activation = ShearActivation::kSigmoid;
  bool published_gate = false;  // F = (u + x) * gate, else u + gate * x
  int batch = 0;
  int ld = 0;
  T sign = 1;  // +1 or -1
  const T* params = nullptr;
  const T* gates = nullptr;
  T* state = nullptr;    // forward: updated in place
  T* saved_x = nullptr;  // forward: optional output; backward: input
  // Optional [L][ld / 16][width][16] (each sixteen-state block's s in one
  // run, in the order both passes visit it), with saved_x: the forward pass
  // saves s = sigma(z), the backward pass reads it instead of recomputing it.
  T* saved_s = nullptr;
  // Required: [L][width][2n + 1] from DeriveShearStackForwardParameters,
  // which both passes read beside params.
  const T* forward_params = nullptr;
  // Backward only: dL/d(output) in, dL/d(input) out.
  T* grad_state = nullptr;
  // Backward only, overwritten: each layer's parameter gradient summed over
  // the batch in T.
  T* grad_params = nullptr;  // [L][width][n + 2]
  T* grad_gates = nullptr;   // [L][n]
  // Backward only, optional output: [L][width][2n + 1], each hidden unit's
  // batch sums X_0..X_{n-1}, S_0..S_{n-1}, D (X_i = sum x_i dL/dz, S_i =
  // sum dL/du_i s, D = sum dL/dz), from which grad_params is derived: for a
  // layer whose W a is a free matrix instead (a sigmoid net packed into this
  // layout, models/mlp.h), dL/dW = X, dL/d(W a)[h][i] = S_i, dL/db = D.
  T* unit_sums = nullptr;
};

// The kernels' derived parameters from params [L][width][n + 2], per
// hidden unit: W[0][h] .. W[n-1][h] and b[h] times -log2(e), so that the
// sigmoid's kernels compute w = -log2(e) z by the multiply-adds that would
// compute z and take sigma(z) = 1 / (1 + 2^w), whose exponential needs no
// range-reduction multiply-adds (simd16.h); then W[i][h] a[h], so that
// u = s (W a)^T and its gradient save a multiplication per unit (relu reads
// these only). Each product in double, rounded once to T.
inline constexpr int ShearStackForwardParametersPerUnit(int n) {
  return 2 * n + 1;
}
template <typename T>
void DeriveShearStackForwardParameters(const T* params, int n, int width,
                                       int num_layers, T* forward_params);
// The same for one hidden unit from its w[i] = W[i][h], b[h] and a[h], into
// forward_params' 2n + 1 entries at `out`.
template <typename T>
inline void DeriveShearUnitForwardParameters(int n, const double* w, double b,
                                             double a, T* out) {
  constexpr double kMinusLog2E = -1.4426950408889634074;
  for (int i = 0; i < n; ++i) {
    out[i] = static_cast<T>(kMinusLog2E * w[i]);
    out[n + 1 + i] = static_cast<T>(w[i] * a);
  }
  out[n] = static_cast<T>(kMinusLog2E * b);
}

// float32, on ActiveIsa()'s kernels (same bits on each).
void ShearStackForward(const ShearStackArgs<float>& args);
void ShearStackBackward(const ShearStackArgs<float>& args);

// float64 on the portable traits: the reference.
void ShearStackForward(const ShearStackArgs<double>& args);
void ShearStackBackward(const ShearStackArgs<double>& args);

// The per-instruction-set entry points (shear_stack_<isa>.cc).
void ShearStackForwardAvx512(const ShearStackArgs<float>& args);
void ShearStackBackwardAvx512(const ShearStackArgs<float>& args);
void ShearStackForwardAvx2(const ShearStackArgs<float>& args);
void ShearStackBackwardAvx2(const ShearStackArgs<float>& args);
void ShearStackForwardGeneric(const ShearStackArgs<float>& args);
void ShearStackBackwardGeneric(const ShearStackArgs<float>& args);
void ShearStackForwardGeneric(const ShearStackArgs<double>& args);
void ShearStackBackwardGeneric(const ShearStackArgs<double>& args);

}  // namespace aanet::ad::internal

#endif  // AANET_AUTODIFF_INTERNAL_SHEAR_STACK_H_
