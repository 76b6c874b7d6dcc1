// Differentiable operations on tape Vars: arithmetic with broadcasting,
// matrix products, elementwise functions, activations (and their derivatives
// as differentiable ops), slicing, concatenation and reductions.
//
// Every function adds one node to the tape of its arguments (Identity adds
// none) and aborts on a shape mismatch, naming the op and the shapes. All
// arguments of one call must belong to the same tape.
//
// Broadcasting (Add, Sub, Mul, Div): each dimension of the two operands must
// be equal or 1 in one of them; the result takes the larger size. So
// [B,d] op [1,d] (row broadcast, e.g. a bias), [B,d] op [B,1], [B,d] op [1,1]
// (scalar), the mirrored cases, and [B,1] op [1,d] (outer) are all allowed.
// The gradient of a broadcast operand is summed over the broadcast
// dimension(s).
//
// Shapes are batch-major: rows are states, columns features. A dense layer is
// Add(MatMul(x [B,in], w [in,out]), b [1,out]).
#ifndef AANET_AUTODIFF_OPS_H_
#define AANET_AUTODIFF_OPS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "autodiff/matrix.h"
#include "autodiff/tape.h"

namespace aanet::ad {

// ---- Arithmetic (broadcasting, see above) --------------------------------

Var Add(Var a, Var b);
Var Sub(Var a, Var b);
Var Mul(Var a, Var b);  // Elementwise (Hadamard) product.
Var Div(Var a, Var b);  // Elementwise; no guard against b == 0.

Var Neg(Var a);
Var Scale(Var a, double s);      // s * a.
Var AddScalar(Var a, double s);  // a + s.

inline Var operator+(Var a, Var b) { return Add(a, b); }
inline Var operator-(Var a, Var b) { return Sub(a, b); }
inline Var operator*(Var a, Var b) { return Mul(a, b); }
inline Var operator/(Var a, Var b) { return Div(a, b); }
inline Var operator-(Var a) { return Neg(a); }
inline Var operator*(Var a, double s) { return Scale(a, s); }
inline Var operator*(double s, Var a) { return Scale(a, s); }
inline Var operator/(Var a, double s) { return Scale(a, 1.0 / s); }
inline Var operator+(Var a, double s) { return AddScalar(a, s); }
inline Var operator+(double s, Var a) { return AddScalar(a, s); }
inline Var operator-(Var a, double s) { return AddScalar(a, -s); }

// ---- Matrix products -----------------------------------------------------

// a [n,k] * b [k,m] -> [n,m].
Var MatMul(Var a, Var b);
// a [n,k] * b^T for b [m,k] -> [n,m], without materialising b^T (e.g. the
// shear layer's (...) W^T, or an MLP's input-gradient delta W^T).
Var MatMulTransposeB(Var a, Var b);

// The same two products on values, for code whose value path must give the
// tape's bits (e.g. Mlp::Evaluate against Mlp::Forward): out = a b and
// out = a b^T, out resized. out must not alias a or b.
void MatMulInto(const Matrix& a, const Matrix& b, Matrix& out);
void MatMulTransposeBInto(const Matrix& a, const Matrix& b, Matrix& out);
// [r,c] -> [c,r].
Var Transpose(Var a);

// ---- Elementwise functions -----------------------------------------------

Var Square(Var a);
Var Exp(Var a);
Var Log(Var a);   // Natural log; a > 0.
Var Sqrt(Var a);  // a >= 0; the gradient is infinite at 0.
Var Sin(Var a);
Var Cos(Var a);
// |a|, with the subgradient 0 at a == 0 (sign(a)).
Var Abs(Var a);
// atan2(y, x) elementwise, in (-pi, pi]; y and x of the same shape (no
// broadcasting). Gradient: (x, -y) / (x^2 + y^2), undefined at the origin.
Var Atan2(Var y, Var x);
// Wraps angles into [-pi, pi): x - 2 pi floor((x + pi) / (2 pi)), as
// jnp.mod(x + pi, 2 pi) - pi. Gradient 1 (exact except at the jumps).
Var WrapAngle(Var a);

// ---- Activations ---------------------------------------------------------

// Default parameters (jax.nn's), also used by Activation::kLeakyRelu/kElu.
inline constexpr double kLeakyReluSlope = 0.01;
inline constexpr double kEluAlpha = 1.0;

Var Sigmoid(Var a);  // 1 / (1 + exp(-a)).
Var Tanh(Var a);
// max(a, 0); gradient 0 at a == 0 (as jax.nn.relu).
Var Relu(Var a);
// log(1 + exp(a)), computed as max(a, 0) + log1p(exp(-|a|)) (no overflow).
Var Softplus(Var a);
// a for a >= 0, alpha * a otherwise (jax.nn.leaky_relu; slope 1 at 0).
Var LeakyRelu(Var a, double alpha = kLeakyReluSlope);
// a for a > 0, alpha * (exp(a) - 1) otherwise (jax.nn.elu).
Var Elu(Var a, double alpha = kEluAlpha);
// a * sigmoid(a), a.k.a. swish.
Var Silu(Var a);
// The tanh approximation used by jax.nn.gelu (approximate=True, also flax's
// default): 0.5 a (1 + tanh(sqrt(2/pi) (a + 0.044715 a^3))).
Var Gelu(Var a);
// Returns `a` itself; no node is added.
Var Identity(Var a);

// The activations by name (with the default parameters below).
enum class Activation {
  kSigmoid,
  kTanh,
  kRelu,
  kSoftplus,
  kLeakyRelu,
  kElu,
  kSilu,
  kGelu,
  kIdentity,
};

// "sigmoid", "tanh", "relu", "softplus", "leaky_relu", "elu", "silu" (alias
// "swish"), "gelu", "identity"; InvalidArgument listing these otherwise.
absl::StatusOr<Activation> ParseActivation(const std::string& name);
// The canonical name (ParseActivation's inverse; "silu" for kSilu).
const char* ActivationName(Activation activation);

// Plain-matrix versions (no tape) for fused ops and inference are in
// activation_kernels.h.

// sigma(a).
Var Activate(Activation activation, Var a);

// sigma'(a) elementwise (shape of a), as a differentiable op whose own
// gradient is sigma''(a). This lets a model write the input-gradient of a
// network with ordinary ops, e.g. for H = sigma(z W + b) w:
//   dH/dz = MatMulTransposeB(Mul(ActivationDerivative(act, pre), w^T), W)
// and still train on a loss of dH/dz with first-order reverse mode.
// For relu, leaky_relu and identity, sigma' is piecewise constant (relu: 1 for
// a > 0, else 0; leaky_relu: 1 for a >= 0, else alpha), so the result is a
// constant node with zero gradient.
Var ActivationDerivative(Activation activation, Var pre_activation);

// ---- Slicing and concatenation -------------------------------------------

// Columns [start, start + count) of a.
Var ColSlice(Var a, int start, int count);
// Rows [start, start + count) of a.
Var RowSlice(Var a, int start, int count);
// [a0 a1 ...] side by side; all with the same number of rows.
Var ConcatCols(absl::Span<const Var> parts);
// Stacked vertically; all with the same number of columns.
Var ConcatRows(absl::Span<const Var> parts);

// ---- Reductions ----------------------------------------------------------

Var Sum(Var a);   // [r,c] -> [1,1].
Var Mean(Var a);  // [r,c] -> [1,1].
// Sum over rows (the batch): [B,d] -> [1,d] (column sums).
Var SumRows(Var a);
// Mean over rows: [B,d] -> [1,d].
Var MeanRows(Var a);
// Sum over columns (the features): [B,d] -> [B,1] (row sums).
Var SumCols(Var a);
// Population variance over rows, as jnp.var(a, axis=0): [B,d] -> [1,d],
// mean_b (a_bj - mean_b a_bj)^2.
Var BatchVariance(Var a);
// Population variance over rows within groups, averaged over the groups:
// [B,d] -> [1,d]. Row b belongs to group groups[b] (any ints, e.g. the
// trajectory of each state; groups.size() == B). Each group of >= 2 rows
// contributes its rows' BatchVariance; the result is the mean of those over
// such groups. A group of one row has no spread and is left out; with no
// group of >= 2 rows the result is 0 (and passes no gradient). When every
// row is in one group it is BatchVariance(a), bit for bit.
Var GroupedVariance(Var a, absl::Span<const int> groups);

}  // namespace aanet::ad

#endif  // AANET_AUTODIFF_OPS_H_
