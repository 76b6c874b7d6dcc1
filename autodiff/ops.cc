#include "autodiff/ops.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "autodiff/activation_kernels.h"
#include "autodiff/internal/kernels.h"

namespace aanet::ad {
namespace {

using Eigen::Index;

constexpr double kPi = 3.14159265358979323846;
constexpr double kTwoPi = 2.0 * kPi;

Tape* SameTape(const char* op, Var a, Var b) {
  AANET_AD_CHECK(a.valid() && b.valid(),
                 absl::StrCat(op, ": default-constructed Var"));
  AANET_AD_CHECK(a.tape() == b.tape(),
                 absl::StrCat(op, ": operands on different tapes"));
  return a.tape();
}

Tape* TapeOf(const char* op, Var a) {
  AANET_AD_CHECK(a.valid(), absl::StrCat(op, ": default-constructed Var"));
  return a.tape();
}

// ---- Broadcasting helpers ------------------------------------------------

Index BroadcastDim(const char* op, const Matrix& a, const Matrix& b, Index da,
                   Index db) {
  AANET_AD_CHECK(da == db || da == 1 || db == 1,
                 absl::StrCat(op, ": shapes ", ShapeString(a), " and ",
                              ShapeString(b), " do not broadcast"));
  return std::max(da, db);
}

bool SameShape(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols();
}

// out (already of the broadcast shape) = f(a, b), or += if `add`. `f` is a
// generic lambda applied to array expressions and/or scalars; each column is
// one vectorised expression.
template <typename F>
void BroadcastApply(const Matrix& a, const Matrix& b, F f, bool add,
                    Matrix& out) {
  if (SameShape(a, b)) {
    if (add) {
      out.array() += f(a.array(), b.array());
    } else {
      out.array() = f(a.array(), b.array());
    }
    return;
  }
  for (Index j = 0; j < out.cols(); ++j) {
    const Index ja = a.cols() == 1 ? 0 : j;
    const Index jb = b.cols() == 1 ? 0 : j;
    auto o = out.col(j).array();
    if (a.rows() == b.rows()) {
      if (add) {
        o += f(a.col(ja).array(), b.col(jb).array());
      } else {
        o = f(a.col(ja).array(), b.col(jb).array());
      }
    } else if (b.rows() == 1) {
      if (add) {
        o += f(a.col(ja).array(), b(0, jb));
      } else {
        o = f(a.col(ja).array(), b(0, jb));
      }
    } else {
      if (add) {
        o += f(a(0, ja), b.col(jb).array());
      } else {
        o = f(a(0, ja), b.col(jb).array());
      }
    }
  }
}

// Adds `full` (shape of the op's output) into input k's gradient, summed over
// the dimensions in which input k was broadcast.
template <typename Derived>
void AccumulateReduced(BackwardContext& c, int k,
                       const Eigen::MatrixBase<Derived>& full) {
  if (!c.needs_grad(k)) return;
  const Matrix& in = c.input(k);
  if (in.rows() == full.rows() && in.cols() == full.cols()) {
    c.AccumulateGrad(k, full);
  } else if (in.rows() == 1 && in.cols() == 1) {
    c.AccumulateGrad(k, Matrix::Constant(1, 1, full.sum()));
  } else if (in.rows() == 1) {
    c.AccumulateGrad(k, full.colwise().sum());
  } else {
    c.AccumulateGrad(k, full.rowwise().sum());
  }
}

// Adds f(p, q) (p of the output's shape, q broadcast to it) into input k's
// gradient, reduced to input k's shape.
template <typename F>
void AccumulateBroadcastReduced(BackwardContext& c, int k, const Matrix& p,
                                const Matrix& q, F f) {
  if (!c.needs_grad(k)) return;
  if (SameShape(p, q)) {
    AccumulateReduced(c, k, f(p.array(), q.array()).matrix());
  } else if (SameShape(c.input(k), p)) {
    bool accumulate;
    Matrix& grad = c.InputGradForWrite(k, &accumulate);
    BroadcastApply(p, q, f, accumulate, grad);
  } else {
    Matrix full(p.rows(), p.cols());
    BroadcastApply(p, q, f, /*add=*/false, full);
    AccumulateReduced(c, k, full);
  }
}

const auto kPlus = [](const auto& x, const auto& y) { return x + y; };
const auto kMinus = [](const auto& x, const auto& y) { return x - y; };
const auto kTimes = [](const auto& x, const auto& y) { return x * y; };
const auto kDivide = [](const auto& x, const auto& y) { return x / y; };

template <typename F>
Var BroadcastBinary(const char* op, Var a, Var b, F f, BackwardFn backward) {
  Tape* tape = SameTape(op, a, b);
  const Matrix& av = a.value();
  const Matrix& bv = b.value();
  const Index rows = BroadcastDim(op, av, bv, av.rows(), bv.rows());
  const Index cols = BroadcastDim(op, av, bv, av.cols(), bv.cols());
  Var out = tape->AddNode(rows, cols, {a, b}, std::move(backward));
  BroadcastApply(av, bv, f, /*add=*/false, tape->MutableValue(out));
  return out;
}

// Adds a node of a's shape with value f(a.array()) and the given backward.
template <typename F>
Var Elementwise(const char* op, Var a, F f, BackwardFn backward) {
  Tape* tape = TapeOf(op, a);
  const Matrix& av = a.value();
  Var out = tape->AddNode(av.rows(), av.cols(), {a}, std::move(backward));
  tape->MutableValue(out).array() = f(av.array());
  return out;
}

}  // namespace

// ---- Arithmetic ------------------------------------------------------------

namespace {

// Adds the output gradient into input k, reduced to its shape; when no
// reduction is needed the buffer is handed over instead of copied. Must be
// the last use of c.grad().
void PassGradReduced(BackwardContext& c, int k) {
  if (!c.needs_grad(k)) return;
  if (SameShape(c.input(k), c.grad())) {
    c.MoveGradTo(k);
  } else {
    AccumulateReduced(c, k, c.grad());
  }
}

}  // namespace

Var Add(Var a, Var b) {
  return BroadcastBinary("Add", a, b, kPlus, [](BackwardContext& c) {
    AccumulateReduced(c, 1, c.grad());
    PassGradReduced(c, 0);
  });
}

Var Sub(Var a, Var b) {
  return BroadcastBinary("Sub", a, b, kMinus, [](BackwardContext& c) {
    AccumulateReduced(c, 1, -c.grad());
    PassGradReduced(c, 0);
  });
}

Var Mul(Var a, Var b) {
  return BroadcastBinary("Mul", a, b, kTimes, [](BackwardContext& c) {
    AccumulateBroadcastReduced(c, 0, c.grad(), c.input(1), kTimes);
    AccumulateBroadcastReduced(c, 1, c.grad(), c.input(0), kTimes);
  });
}

Var Div(Var a, Var b) {
  return BroadcastBinary("Div", a, b, kDivide, [](BackwardContext& c) {
    const Matrix& g = c.grad();
    const Matrix& bv = c.input(1);
    // d/da = g / b; d/db = -g a / b^2 = -g out / b.
    AccumulateBroadcastReduced(c, 0, g, bv, kDivide);
    if (c.needs_grad(1)) {
      if (SameShape(bv, g)) {
        AccumulateReduced(
            c, 1, (-g.array() * c.value().array() / bv.array()).matrix());
      } else {
        const Matrix minus_g_out = -g.array() * c.value().array();
        AccumulateBroadcastReduced(c, 1, minus_g_out, bv, kDivide);
      }
    }
  });
}

Var Neg(Var a) {
  return Elementwise(
      "Neg", a, [](const auto& x) { return -x; },
      [](BackwardContext& c) { c.AccumulateGrad(0, -c.grad()); });
}

Var Scale(Var a, double s) {
  return Elementwise(
      "Scale", a, [s](const auto& x) { return s * x; },
      [s](BackwardContext& c) { c.AccumulateGrad(0, s * c.grad()); });
}

Var AddScalar(Var a, double s) {
  return Elementwise(
      "AddScalar", a, [s](const auto& x) { return x + s; },
      [](BackwardContext& c) { c.MoveGradTo(0); });
}

// ---- Matrix products -------------------------------------------------------

namespace {

// Adds a * b into input k's gradient (no-op unless needs_grad(k)).
template <typename A, typename B>
void AccumulateProduct(BackwardContext& c, int k, const Eigen::MatrixBase<A>& a,
                       const Eigen::MatrixBase<B>& b) {
  if (!c.needs_grad(k)) return;
  bool accumulate;
  Matrix& grad = c.InputGradForWrite(k, &accumulate);
  AANET_AD_CHECK(grad.rows() == a.rows() && grad.cols() == b.cols(),
                 "AccumulateProduct: gradient shape mismatch");
  internal::ProductInto(a, b, accumulate, grad);
}

}  // namespace

Var MatMul(Var a, Var b) {
  Tape* tape = SameTape("MatMul", a, b);
  const Matrix& av = a.value();
  const Matrix& bv = b.value();
  AANET_AD_CHECK(
      av.cols() == bv.rows(),
      absl::StrCat("MatMul: ", ShapeString(av), " * ", ShapeString(bv)));
  Var out = tape->AddNode(av.rows(), bv.cols(), {a, b}, [](BackwardContext& c) {
    const Matrix& g = c.grad();
    AccumulateProduct(c, 0, g, c.input(1).transpose());
    AccumulateProduct(c, 1, c.input(0).transpose(), g);
  });
  internal::ProductInto(av, bv, /*add=*/false, tape->MutableValue(out));
  return out;
}

Var MatMulTransposeB(Var a, Var b) {
  Tape* tape = SameTape("MatMulTransposeB", a, b);
  const Matrix& av = a.value();
  const Matrix& bv = b.value();
  AANET_AD_CHECK(av.cols() == bv.cols(),
                 absl::StrCat("MatMulTransposeB: ", ShapeString(av), " * (",
                              ShapeString(bv), ")^T"));
  Var out = tape->AddNode(av.rows(), bv.rows(), {a, b}, [](BackwardContext& c) {
    const Matrix& g = c.grad();
    AccumulateProduct(c, 0, g, c.input(1));
    AccumulateProduct(c, 1, g.transpose(), c.input(0));
  });
  internal::ProductInto(av, bv.transpose(), /*add=*/false,
                        tape->MutableValue(out));
  return out;
}

void MatMulInto(const Matrix& a, const Matrix& b, Matrix& out) {
  AANET_AD_CHECK(
      a.cols() == b.rows(),
      absl::StrCat("MatMulInto: ", ShapeString(a), " * ", ShapeString(b)));
  internal::ProductInto(a, b, /*add=*/false, out);
}

void MatMulTransposeBInto(const Matrix& a, const Matrix& b, Matrix& out) {
  AANET_AD_CHECK(a.cols() == b.cols(),
                 absl::StrCat("MatMulTransposeBInto: ", ShapeString(a), " * (",
                              ShapeString(b), ")^T"));
  internal::ProductInto(a, b.transpose(), /*add=*/false, out);
}

Var Transpose(Var a) {
  Tape* tape = TapeOf("Transpose", a);
  const Matrix& av = a.value();
  Var out = tape->AddNode(av.cols(), av.rows(), {a}, [](BackwardContext& c) {
    c.AccumulateGrad(0, c.grad().transpose());
  });
  tape->MutableValue(out) = av.transpose();
  return out;
}

// ---- Elementwise functions -------------------------------------------------

Var Square(Var a) {
  return Elementwise(
      "Square", a, [](const auto& x) { return x.square(); },
      [](BackwardContext& c) {
        c.AccumulateGrad(0, 2.0 * c.grad().array() * c.input(0).array());
      });
}

Var Exp(Var a) {
  return Elementwise(
      "Exp", a, [](const auto& x) { return x.exp(); },
      [](BackwardContext& c) {
        c.AccumulateGrad(0, c.grad().array() * c.value().array());
      });
}

Var Log(Var a) {
  return Elementwise(
      "Log", a, [](const auto& x) { return x.log(); },
      [](BackwardContext& c) {
        c.AccumulateGrad(0, c.grad().array() / c.input(0).array());
      });
}

Var Sqrt(Var a) {
  return Elementwise(
      "Sqrt", a, [](const auto& x) { return x.sqrt(); },
      [](BackwardContext& c) {
        c.AccumulateGrad(0, 0.5 * c.grad().array() / c.value().array());
      });
}

Var Sin(Var a) {
  return Elementwise(
      "Sin", a, [](const auto& x) { return x.sin(); },
      [](BackwardContext& c) {
        c.AccumulateGrad(0, c.grad().array() * c.input(0).array().cos());
      });
}

Var Cos(Var a) {
  return Elementwise(
      "Cos", a, [](const auto& x) { return x.cos(); },
      [](BackwardContext& c) {
        c.AccumulateGrad(0, -c.grad().array() * c.input(0).array().sin());
      });
}

Var Abs(Var a) {
  return Elementwise(
      "Abs", a, [](const auto& x) { return x.abs(); },
      [](BackwardContext& c) {
        c.AccumulateGrad(0, c.grad().array() * c.input(0).array().sign());
      });
}

Var Atan2(Var y, Var x) {
  Tape* tape = SameTape("Atan2", y, x);
  const Matrix& yv = y.value();
  const Matrix& xv = x.value();
  AANET_AD_CHECK(SameShape(yv, xv),
                 absl::StrCat("Atan2: shapes ", ShapeString(yv), " and ",
                              ShapeString(xv), " differ"));
  Var out = tape->AddNode(yv.rows(), yv.cols(), {y, x}, [](BackwardContext& c) {
    const auto g = c.grad().array();
    const auto ya = c.input(0).array();
    const auto xa = c.input(1).array();
    const auto r2 = xa.square() + ya.square();
    c.AccumulateGrad(0, g * xa / r2);
    c.AccumulateGrad(1, -g * ya / r2);
  });
  tape->MutableValue(out).array() = yv.array().binaryExpr(
      xv.array(), [](double a, double b) { return std::atan2(a, b); });
  return out;
}

Var WrapAngle(Var a) {
  Tape* tape = TapeOf("WrapAngle", a);
  const Matrix& av = a.value();
  Var out = tape->AddNode(av.rows(), av.cols(), {a},
                          [](BackwardContext& c) { c.MoveGradTo(0); });
  Matrix& v = tape->MutableValue(out);
  v.array() = av.array() - kTwoPi * ((av.array() + kPi) / kTwoPi).floor();
  // Rounding can land exactly on the open end or just outside.
  for (Index i = 0; i < v.size(); ++i) {
    double& w = v.data()[i];
    if (w >= kPi) w -= kTwoPi;
    if (w < -kPi) w += kTwoPi;
  }
  return out;
}

// ---- Activations -----------------------------------------------------------

namespace {

using internal::GeluD1;
using internal::GeluD2;
using internal::SiluD1;
using internal::SiluD2;

// A node sigma(a) with the given backward.
Var ActivationNode(const char* op, Activation activation, double alpha, Var a,
                   BackwardFn backward) {
  Tape* tape = TapeOf(op, a);
  const Matrix& av = a.value();
  Var out = tape->AddNode(av.rows(), av.cols(), {a}, std::move(backward));
  internal::ActivationValue(activation, alpha, av, tape->MutableValue(out));
  return out;
}

}  // namespace

Var Sigmoid(Var a) {
  return ActivationNode("Sigmoid", Activation::kSigmoid, 0.0, a,
                        [](BackwardContext& c) {
                          const auto s = c.value().array();
                          c.AccumulateGrad(0, c.grad().array() * s * (1.0 - s));
                        });
}

Var Tanh(Var a) {
  return ActivationNode(
      "Tanh", Activation::kTanh, 0.0, a, [](BackwardContext& c) {
        const auto t = c.value().array();
        c.AccumulateGrad(0, c.grad().array() * (1.0 - t.square()));
      });
}

Var Relu(Var a) {
  return ActivationNode(
      "Relu", Activation::kRelu, 0.0, a, [](BackwardContext& c) {
        c.AccumulateGrad(
            0, (c.input(0).array() > 0.0).select(c.grad().array(), 0.0));
      });
}

Var Softplus(Var a) {
  return ActivationNode(
      "Softplus", Activation::kSoftplus, 0.0, a, [](BackwardContext& c) {
        c.AccumulateGrad(0, c.grad().array() * c.input(0).array().logistic());
      });
}

Var LeakyRelu(Var a, double alpha) {
  return ActivationNode(
      "LeakyRelu", Activation::kLeakyRelu, alpha, a,
      [alpha](BackwardContext& c) {
        const auto g = c.grad().array();
        c.AccumulateGrad(0, (c.input(0).array() >= 0.0).select(g, alpha * g));
      });
}

Var Elu(Var a, double alpha) {
  return ActivationNode(
      "Elu", Activation::kElu, alpha, a, [alpha](BackwardContext& c) {
        // For a <= 0: d/da alpha (e^a - 1) = alpha e^a = out + alpha.
        const auto g = c.grad().array();
        c.AccumulateGrad(0, (c.input(0).array() > 0.0)
                                .select(g, g * (c.value().array() + alpha)));
      });
}

Var Silu(Var a) {
  return ActivationNode(
      "Silu", Activation::kSilu, 0.0, a, [](BackwardContext& c) {
        c.AccumulateGrad(
            0, c.grad().array() * c.input(0).array().unaryExpr(&SiluD1));
      });
}

Var Gelu(Var a) {
  return ActivationNode(
      "Gelu", Activation::kGelu, 0.0, a, [](BackwardContext& c) {
        c.AccumulateGrad(
            0, c.grad().array() * c.input(0).array().unaryExpr(&GeluD1));
      });
}

Var Identity(Var a) {
  TapeOf("Identity", a);
  return a;
}

absl::StatusOr<Activation> ParseActivation(const std::string& name) {
  if (name == "sigmoid") return Activation::kSigmoid;
  if (name == "tanh") return Activation::kTanh;
  if (name == "relu") return Activation::kRelu;
  if (name == "softplus") return Activation::kSoftplus;
  if (name == "leaky_relu") return Activation::kLeakyRelu;
  if (name == "elu") return Activation::kElu;
  if (name == "silu" || name == "swish") return Activation::kSilu;
  if (name == "gelu") return Activation::kGelu;
  if (name == "identity") return Activation::kIdentity;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown activation '", name,
      "'; expected one of sigmoid, tanh, relu, softplus, leaky_relu, elu, "
      "silu (or swish), gelu, identity"));
}

const char* ActivationName(Activation activation) {
  switch (activation) {
    case Activation::kSigmoid:
      return "sigmoid";
    case Activation::kTanh:
      return "tanh";
    case Activation::kRelu:
      return "relu";
    case Activation::kSoftplus:
      return "softplus";
    case Activation::kLeakyRelu:
      return "leaky_relu";
    case Activation::kElu:
      return "elu";
    case Activation::kSilu:
      return "silu";
    case Activation::kGelu:
      return "gelu";
    case Activation::kIdentity:
      return "identity";
  }
  return "unknown";
}

Var Activate(Activation activation, Var a) {
  switch (activation) {
    case Activation::kSigmoid:
      return Sigmoid(a);
    case Activation::kTanh:
      return Tanh(a);
    case Activation::kRelu:
      return Relu(a);
    case Activation::kSoftplus:
      return Softplus(a);
    case Activation::kLeakyRelu:
      return LeakyRelu(a, kLeakyReluSlope);
    case Activation::kElu:
      return Elu(a, kEluAlpha);
    case Activation::kSilu:
      return Silu(a);
    case Activation::kGelu:
      return Gelu(a);
    case Activation::kIdentity:
      return Identity(a);
  }
  AANET_AD_CHECK(false, "Activate: invalid Activation value");
  return a;
}

Var ActivationDerivative(Activation activation, Var pre_activation) {
  Tape* tape = TapeOf("ActivationDerivative", pre_activation);
  const Matrix& x = pre_activation.value();
  if (activation == Activation::kRelu || activation == Activation::kLeakyRelu ||
      activation == Activation::kIdentity) {
    Var out = tape->Scratch(x.rows(), x.cols());
    ActivationDerivativeInto(activation, x, tape->MutableValue(out));
    return out;
  }
  Var out = tape->AddNode(
      x.rows(), x.cols(), {pre_activation}, [activation](BackwardContext& c) {
        const auto g = c.grad().array();
        const auto xa = c.input(0).array();
        const auto d = c.value().array();  // sigma'(x).
        switch (activation) {
          case Activation::kSigmoid:
            // sigma'' = s (1 - s) (1 - 2 s) = d (1 - 2 s).
            c.AccumulateGrad(0, g * d * (1.0 - 2.0 * xa.logistic()));
            return;
          case Activation::kTanh:
            // sigma'' = -2 t (1 - t^2) = -2 t d.
            c.AccumulateGrad(0, -2.0 * g * d * xa.tanh());
            return;
          case Activation::kSoftplus:
            // sigma' = s, sigma'' = s (1 - s).
            c.AccumulateGrad(0, g * d * (1.0 - d));
            return;
          case Activation::kElu:
            // sigma'' = 0 for x > 0, alpha e^x = sigma' otherwise.
            c.AccumulateGrad(0, (xa > 0.0).select(0.0 * g, g * d));
            return;
          case Activation::kSilu:
            c.AccumulateGrad(0, g * xa.unaryExpr(&SiluD2));
            return;
          case Activation::kGelu:
            c.AccumulateGrad(0, g * xa.unaryExpr(&GeluD2));
            return;
          case Activation::kRelu:
          case Activation::kLeakyRelu:
          case Activation::kIdentity:
            return;  // Constant nodes; never reached.
        }
      });
  ActivationDerivativeInto(activation, x, tape->MutableValue(out));
  return out;
}

// ---- Slicing and concatenation ---------------------------------------------

Var ColSlice(Var a, int start, int count) {
  Tape* tape = TapeOf("ColSlice", a);
  const Matrix& av = a.value();
  AANET_AD_CHECK(start >= 0 && count >= 0 && start + count <= av.cols(),
                 absl::StrCat("ColSlice: columns [", start, ", ", start + count,
                              ") of ", ShapeString(av)));
  Var out =
      tape->AddNode(av.rows(), count, {a}, [start, count](BackwardContext& c) {
        if (!c.needs_grad(0)) return;
        c.MutableInputGrad(0).middleCols(start, count) += c.grad();
      });
  tape->MutableValue(out) = av.middleCols(start, count);
  return out;
}

Var RowSlice(Var a, int start, int count) {
  Tape* tape = TapeOf("RowSlice", a);
  const Matrix& av = a.value();
  AANET_AD_CHECK(start >= 0 && count >= 0 && start + count <= av.rows(),
                 absl::StrCat("RowSlice: rows [", start, ", ", start + count,
                              ") of ", ShapeString(av)));
  Var out =
      tape->AddNode(count, av.cols(), {a}, [start, count](BackwardContext& c) {
        if (!c.needs_grad(0)) return;
        c.MutableInputGrad(0).middleRows(start, count) += c.grad();
      });
  tape->MutableValue(out) = av.middleRows(start, count);
  return out;
}

Var ConcatCols(absl::Span<const Var> parts) {
  AANET_AD_CHECK(!parts.empty(), "ConcatCols: no parts");
  Tape* tape = TapeOf("ConcatCols", parts[0]);
  const Index rows = parts[0].rows();
  Index cols = 0;
  for (const Var& p : parts) {
    AANET_AD_CHECK(p.tape() == tape, "ConcatCols: parts on different tapes");
    AANET_AD_CHECK(
        p.rows() == rows,
        absl::StrCat("ConcatCols: part of shape ", ShapeString(p.value()),
                     " among parts with ", rows, " rows"));
    cols += p.cols();
  }
  Var out = tape->AddNode(rows, cols, parts, [](BackwardContext& c) {
    Index offset = 0;
    for (int k = 0; k < c.num_inputs(); ++k) {
      const Index n = c.input(k).cols();
      c.AccumulateGrad(k, c.grad().middleCols(offset, n));
      offset += n;
    }
  });
  Matrix& v = tape->MutableValue(out);
  Index offset = 0;
  for (const Var& p : parts) {
    v.middleCols(offset, p.cols()) = p.value();
    offset += p.cols();
  }
  return out;
}

Var ConcatRows(absl::Span<const Var> parts) {
  AANET_AD_CHECK(!parts.empty(), "ConcatRows: no parts");
  Tape* tape = TapeOf("ConcatRows", parts[0]);
  const Index cols = parts[0].cols();
  Index rows = 0;
  for (const Var& p : parts) {
    AANET_AD_CHECK(p.tape() == tape, "ConcatRows: parts on different tapes");
    AANET_AD_CHECK(
        p.cols() == cols,
        absl::StrCat("ConcatRows: part of shape ", ShapeString(p.value()),
                     " among parts with ", cols, " columns"));
    rows += p.rows();
  }
  Var out = tape->AddNode(rows, cols, parts, [](BackwardContext& c) {
    Index offset = 0;
    for (int k = 0; k < c.num_inputs(); ++k) {
      const Index n = c.input(k).rows();
      c.AccumulateGrad(k, c.grad().middleRows(offset, n));
      offset += n;
    }
  });
  Matrix& v = tape->MutableValue(out);
  Index offset = 0;
  for (const Var& p : parts) {
    v.middleRows(offset, p.rows()) = p.value();
    offset += p.rows();
  }
  return out;
}

// ---- Reductions ------------------------------------------------------------

namespace {

// dst (shape [R,C]) += scale * row, broadcast over rows; row is [1,C].
void AddRowBroadcast(const Matrix& row, double scale, Matrix& dst) {
  for (Index j = 0; j < dst.cols(); ++j) {
    dst.col(j).array() += scale * row(0, j);
  }
}

}  // namespace

Var Sum(Var a) {
  Tape* tape = TapeOf("Sum", a);
  Var out = tape->AddNode(1, 1, {a}, [](BackwardContext& c) {
    const Matrix& x = c.input(0);
    c.AccumulateGrad(0, Matrix::Constant(x.rows(), x.cols(), c.grad()(0, 0)));
  });
  tape->MutableValue(out)(0, 0) = a.value().sum();
  return out;
}

Var Mean(Var a) {
  Tape* tape = TapeOf("Mean", a);
  AANET_AD_CHECK(a.value().size() > 0, "Mean: empty matrix");
  Var out = tape->AddNode(1, 1, {a}, [](BackwardContext& c) {
    const Matrix& x = c.input(0);
    c.AccumulateGrad(
        0, Matrix::Constant(x.rows(), x.cols(),
                            c.grad()(0, 0) / static_cast<double>(x.size())));
  });
  tape->MutableValue(out)(0, 0) = a.value().mean();
  return out;
}

Var SumRows(Var a) {
  Tape* tape = TapeOf("SumRows", a);
  Var out = tape->AddNode(1, a.cols(), {a}, [](BackwardContext& c) {
    if (!c.needs_grad(0)) return;
    AddRowBroadcast(c.grad(), 1.0, c.MutableInputGrad(0));
  });
  tape->MutableValue(out).noalias() = a.value().colwise().sum();
  return out;
}

Var MeanRows(Var a) {
  Tape* tape = TapeOf("MeanRows", a);
  AANET_AD_CHECK(a.rows() > 0, "MeanRows: no rows");
  Var out = tape->AddNode(1, a.cols(), {a}, [](BackwardContext& c) {
    if (!c.needs_grad(0)) return;
    AddRowBroadcast(c.grad(), 1.0 / static_cast<double>(c.input(0).rows()),
                    c.MutableInputGrad(0));
  });
  tape->MutableValue(out).noalias() = a.value().colwise().mean();
  return out;
}

Var SumCols(Var a) {
  Tape* tape = TapeOf("SumCols", a);
  Var out = tape->AddNode(a.rows(), 1, {a}, [](BackwardContext& c) {
    if (!c.needs_grad(0)) return;
    Matrix& ga = c.MutableInputGrad(0);
    ga.colwise() += c.grad().col(0);
  });
  tape->MutableValue(out).noalias() = a.value().rowwise().sum();
  return out;
}

Var BatchVariance(Var a) {
  Tape* tape = TapeOf("BatchVariance", a);
  AANET_AD_CHECK(a.rows() > 0, "BatchVariance: no rows");
  Var out = tape->AddNode(1, a.cols(), {a}, [](BackwardContext& c) {
    if (!c.needs_grad(0)) return;
    // d var_j / d x_bj = 2 (x_bj - mean_j) / B (the mean's own dependence
    // cancels because the deviations sum to zero).
    const Matrix& x = c.input(0);
    const Matrix& g = c.grad();
    Matrix& gx = c.MutableInputGrad(0);
    const double scale = 2.0 / static_cast<double>(x.rows());
    for (Index j = 0; j < x.cols(); ++j) {
      const double mean = x.col(j).mean();
      gx.col(j).array() += (scale * g(0, j)) * (x.col(j).array() - mean);
    }
  });
  const Matrix& x = a.value();
  Matrix& v = tape->MutableValue(out);
  for (Index j = 0; j < x.cols(); ++j) {
    const double mean = x.col(j).mean();
    v(0, j) = (x.col(j).array() - mean).square().mean();
  }
  return out;
}

Var GroupedVariance(Var a, absl::Span<const int> groups) {
  Tape* tape = TapeOf("GroupedVariance", a);
  AANET_AD_CHECK(static_cast<Index>(groups.size()) == a.rows(),
                 absl::StrCat("GroupedVariance: ", groups.size(),
                              " group ids for ", a.rows(), " rows"));
  // One group is the plain batch variance; delegating keeps one-trajectory
  // training bit-identical to the ungrouped loss.
  if (!groups.empty() && std::all_of(groups.begin(), groups.end(), [&](int g) {
        return g == groups.front();
      })) {
    return BatchVariance(a);
  }
  // The rows of each group of >= 2 rows, groups in ascending id (a fixed
  // summation order), rows in batch order.
  std::map<int, std::vector<Index>> by_group;
  for (Index b = 0; b < a.rows(); ++b) by_group[groups[b]].push_back(b);
  std::vector<std::vector<Index>> members;
  for (auto& [id, rows] : by_group) {
    if (rows.size() >= 2) members.push_back(std::move(rows));
  }
  // Column j's mean over `rows` of x.
  auto group_mean = [](const Matrix& x, const std::vector<Index>& rows,
                       Index j) {
    double sum = 0;
    for (Index b : rows) sum += x(b, j);
    return sum / static_cast<double>(rows.size());
  };
  Var out = tape->AddNode(
      1, a.cols(), {a}, [members, group_mean](BackwardContext& c) {
        if (!c.needs_grad(0) || members.empty()) return;
        // d out_j / d x_bj = 2 (x_bj - mean_gj) / (n_g G) for b in group g
        // (the group mean's own dependence cancels, as in BatchVariance).
        const Matrix& x = c.input(0);
        const Matrix& g = c.grad();
        Matrix& gx = c.MutableInputGrad(0);
        const double num_groups = static_cast<double>(members.size());
        for (const std::vector<Index>& rows : members) {
          const double scale =
              2.0 / (static_cast<double>(rows.size()) * num_groups);
          for (Index j = 0; j < x.cols(); ++j) {
            const double mean = group_mean(x, rows, j);
            for (Index b : rows) gx(b, j) += scale * g(0, j) * (x(b, j) - mean);
          }
        }
      });
  const Matrix& x = a.value();
  Matrix& v = tape->MutableValue(out);
  v.setZero();
  for (const std::vector<Index>& rows : members) {
    for (Index j = 0; j < x.cols(); ++j) {
      const double mean = group_mean(x, rows, j);
      double squares = 0;
      for (Index b : rows) squares += (x(b, j) - mean) * (x(b, j) - mean);
      v(0, j) += squares / static_cast<double>(rows.size());
    }
  }
  if (!members.empty()) v /= static_cast<double>(members.size());
  return out;
}

}  // namespace aanet::ad
