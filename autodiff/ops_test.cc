// Tests every op of ops.h: forward values against naive scalar references,
// and gradients (including broadcast shapes and constant operands) against
// finite differences.
#include "autodiff/ops.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "autodiff/gradient_check.h"
#include "autodiff/tape.h"
#include "gtest/gtest.h"
#include "rng/random.h"

namespace aanet::ad {
namespace {

constexpr double kPi = 3.14159265358979323846;

// How test inputs are drawn.
enum class Range {
  kAny,           // Uniform(-2, 2).
  kPositive,      // Uniform(0.5, 3).
  kAwayFromZero,  // +-Uniform(0.2, 2): clear of kinks at 0.
  kAngles,        // Uniform(-12, 12), clear of the jumps of WrapAngle.
  kWide,          // Uniform(-40, 40), for stability of softplus/sigmoid.
};

struct InputSpec {
  Eigen::Index rows;
  Eigen::Index cols;
  Range range = Range::kAny;
};

using OpFn = std::function<Var(Tape&, absl::Span<const Var>)>;
using RefFn = std::function<Matrix(const std::vector<Matrix>&)>;

struct OpCase {
  std::string name;
  std::vector<InputSpec> inputs;
  OpFn op;
  RefFn reference;  // Forward value; null to skip the forward check.
};

uint64_t NameSeed(const std::string& name) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a.
  for (char c : name)
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

double Draw(Range range, Random& rng) {
  switch (range) {
    case Range::kAny:
      return rng.Uniform(-2.0, 2.0);
    case Range::kPositive:
      return rng.Uniform(0.5, 3.0);
    case Range::kAwayFromZero:
      return (rng.Uniform() < 0.5 ? -1.0 : 1.0) * rng.Uniform(0.2, 2.0);
    case Range::kAngles: {
      // (x + pi) / (2 pi) = k + f with f in [0.05, 0.95].
      const double k = static_cast<double>(rng.UniformInt(4)) - 2.0;
      const double f = rng.Uniform(0.05, 0.95);
      return (k + f) * 2.0 * kPi - kPi;
    }
    case Range::kWide:
      return rng.Uniform(-40.0, 40.0);
  }
  return 0.0;
}

Matrix RandomMatrix(const InputSpec& spec, Random& rng) {
  Matrix m(spec.rows, spec.cols);
  for (Eigen::Index i = 0; i < m.size(); ++i)
    m.data()[i] = Draw(spec.range, rng);
  return m;
}

// ---- Naive references -------------------------------------------------------

Matrix RefUnary(const Matrix& a, const std::function<double(double)>& f) {
  Matrix out(a.rows(), a.cols());
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    for (Eigen::Index j = 0; j < a.cols(); ++j) out(i, j) = f(a(i, j));
  }
  return out;
}

// Broadcasting by index: a dimension of size 1 repeats.
Matrix RefBinary(const Matrix& a, const Matrix& b,
                 const std::function<double(double, double)>& f) {
  const Eigen::Index rows = std::max(a.rows(), b.rows());
  const Eigen::Index cols = std::max(a.cols(), b.cols());
  Matrix out(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) {
      out(i, j) = f(a(a.rows() == 1 ? 0 : i, a.cols() == 1 ? 0 : j),
                    b(b.rows() == 1 ? 0 : i, b.cols() == 1 ? 0 : j));
    }
  }
  return out;
}

Matrix RefMatMul(const Matrix& a, const Matrix& b) {
  Matrix out = Matrix::Zero(a.rows(), b.cols());
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    for (Eigen::Index j = 0; j < b.cols(); ++j) {
      for (Eigen::Index k = 0; k < a.cols(); ++k)
        out(i, j) += a(i, k) * b(k, j);
    }
  }
  return out;
}

double RefSigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double RefSoftplus(double x) {
  return x > 30.0 ? x : std::log(1.0 + std::exp(x));
}
double RefGelu(double x) {
  return 0.5 * x *
         (1.0 + std::tanh(std::sqrt(2.0 / kPi) * (x + 0.044715 * x * x * x)));
}
double RefElu(double x) { return x > 0 ? x : std::exp(x) - 1.0; }

double RefActivation(Activation act, double x) {
  switch (act) {
    case Activation::kSigmoid:
      return RefSigmoid(x);
    case Activation::kTanh:
      return std::tanh(x);
    case Activation::kRelu:
      return x > 0 ? x : 0.0;
    case Activation::kSoftplus:
      return RefSoftplus(x);
    case Activation::kLeakyRelu:
      return x >= 0 ? x : 0.01 * x;
    case Activation::kElu:
      return RefElu(x);
    case Activation::kSilu:
      return x * RefSigmoid(x);
    case Activation::kGelu:
      return RefGelu(x);
    case Activation::kIdentity:
      return x;
  }
  return 0.0;
}

// sigma'(x) of the reference by a 5-point difference: independent of the
// closed forms in ops.cc.
double RefActivationDerivative(Activation act, double x) {
  const double h = 1e-3;
  auto f = [&](double t) { return RefActivation(act, t); };
  return (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h);
}

const std::vector<Activation>& AllActivations() {
  static const auto* all = new std::vector<Activation>{
      Activation::kSigmoid,  Activation::kTanh,      Activation::kRelu,
      Activation::kSoftplus, Activation::kLeakyRelu, Activation::kElu,
      Activation::kSilu,     Activation::kGelu,      Activation::kIdentity};
  return *all;
}

// ---- The cases --------------------------------------------------------------

using Shape = std::pair<Eigen::Index, Eigen::Index>;

// Shape pairs exercising every broadcasting pattern.
const std::vector<std::pair<Shape, Shape>>& BroadcastShapes() {
  static const auto* shapes = new std::vector<std::pair<Shape, Shape>>{
      {{4, 3}, {4, 3}},  // Same shape.
      {{4, 3}, {1, 3}},  // Row broadcast (bias).
      {{1, 3}, {4, 3}},  // Mirrored.
      {{4, 3}, {1, 1}},  // Scalar.
      {{1, 1}, {4, 3}},  // Mirrored scalar.
      {{4, 3}, {4, 1}},  // Column broadcast.
      {{4, 1}, {1, 3}},  // Outer.
  };
  return *shapes;
}

std::string ShapeName(Shape s) {
  return std::to_string(s.first) + "x" + std::to_string(s.second);
}

// Naive GroupedVariance: per group of >= 2 rows, per column, the population
// variance; the mean over those groups.
Matrix GroupedVarianceReference(const Matrix& x,
                                const std::vector<int>& groups) {
  std::vector<int> ids = groups;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  Matrix out = Matrix::Zero(1, x.cols());
  int counted = 0;
  for (int id : ids) {
    int n = 0;
    for (int g : groups) n += g == id ? 1 : 0;
    if (n < 2) continue;
    ++counted;
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      double s = 0;
      for (size_t b = 0; b < groups.size(); ++b) {
        if (groups[b] == id) s += x(b, j);
      }
      const double m = s / n;
      double v = 0;
      for (size_t b = 0; b < groups.size(); ++b) {
        if (groups[b] == id) v += (x(b, j) - m) * (x(b, j) - m);
      }
      out(0, j) += v / n;
    }
  }
  if (counted > 0) out /= counted;
  return out;
}

std::vector<OpCase> AllCases() {
  std::vector<OpCase> cases;
  auto unary = [&](std::string name, Range range, std::function<Var(Var)> op,
                   std::function<double(double)> ref) {
    cases.push_back(
        {name,
         {{5, 3, range}},
         [op](Tape&, absl::Span<const Var> in) { return op(in[0]); },
         [ref](const std::vector<Matrix>& in) {
           return RefUnary(in[0], ref);
         }});
  };

  // Broadcasting binary ops.
  struct Binary {
    std::string name;
    std::function<Var(Var, Var)> op;
    std::function<double(double, double)> ref;
    Range rhs_range;
  };
  const std::vector<Binary> binaries = {
      {"Add", Add, [](double x, double y) { return x + y; }, Range::kAny},
      {"Sub", Sub, [](double x, double y) { return x - y; }, Range::kAny},
      {"Mul", Mul, [](double x, double y) { return x * y; }, Range::kAny},
      {"Div", Div, [](double x, double y) { return x / y; },
       Range::kAwayFromZero},
  };
  for (const Binary& bin : binaries) {
    for (const auto& [sa, sb] : BroadcastShapes()) {
      auto op = bin.op;
      auto ref = bin.ref;
      cases.push_back(
          {bin.name + "_" + ShapeName(sa) + "_" + ShapeName(sb),
           {{sa.first, sa.second, Range::kAny},
            {sb.first, sb.second, bin.rhs_range}},
           [op](Tape&, absl::Span<const Var> in) { return op(in[0], in[1]); },
           [ref](const std::vector<Matrix>& in) {
             return RefBinary(in[0], in[1], ref);
           }});
    }
    // One operand a constant (no gradient): exercises needs_grad() == false.
    auto op = bin.op;
    cases.push_back({bin.name + "_constant_rhs",
                     {{4, 3, Range::kAny}},
                     [op](Tape& t, absl::Span<const Var> in) {
                       Matrix c(1, 3);
                       c << 0.7, -1.3, 2.1;
                       return op(in[0], t.Constant(c));
                     },
                     nullptr});
    cases.push_back({bin.name + "_constant_lhs",
                     {{4, 3, bin.rhs_range}},
                     [op](Tape& t, absl::Span<const Var> in) {
                       Matrix c(4, 3);
                       c.setConstant(0.9);
                       c(2, 1) = -1.7;
                       return op(t.Constant(c), in[0]);
                     },
                     nullptr});
  }
  // The same Var on both sides: gradients of both inputs accumulate.
  cases.push_back(
      {"Mul_same_var",
       {{4, 3, Range::kAny}},
       [](Tape&, absl::Span<const Var> in) { return Mul(in[0], in[0]); },
       [](const std::vector<Matrix>& in) {
         return RefUnary(in[0], [](double x) { return x * x; });
       }});
  cases.push_back(
      {"Add_same_var",
       {{4, 3, Range::kAny}},
       [](Tape&, absl::Span<const Var> in) { return Add(in[0], in[0]); },
       [](const std::vector<Matrix>& in) {
         return RefUnary(in[0], [](double x) { return 2 * x; });
       }});
  cases.push_back({"Sub_same_var_scaled",
                   {{4, 3, Range::kAny}},
                   [](Tape&, absl::Span<const Var> in) {
                     return Sub(in[0], Scale(in[0], 3.0));
                   },
                   [](const std::vector<Matrix>& in) {
                     return RefUnary(in[0], [](double x) { return -2 * x; });
                   }});
  cases.push_back({"Add_chain_pass_through",
                   {{4, 3, Range::kAny}, {1, 3, Range::kAny}},
                   [](Tape&, absl::Span<const Var> in) {
                     // Gradients handed through several pass-through nodes
                     // and then into a node with a second consumer.
                     const Var y = AddScalar(Add(in[0], in[1]), 0.5);
                     return Add(Mul(y, y), WrapAngle(Add(y, in[1])));
                   },
                   nullptr});
  cases.push_back({"Div_same_var_plus",
                   {{4, 3, Range::kPositive}},
                   [](Tape&, absl::Span<const Var> in) {
                     return Div(in[0], AddScalar(in[0], 1.0));
                   },
                   [](const std::vector<Matrix>& in) {
                     return RefUnary(in[0],
                                     [](double x) { return x / (x + 1.0); });
                   }});

  unary("Neg", Range::kAny, Neg, [](double x) { return -x; });
  unary(
      "Scale", Range::kAny, [](Var a) { return Scale(a, 2.5); },
      [](double x) { return 2.5 * x; });
  unary(
      "AddScalar", Range::kAny, [](Var a) { return AddScalar(a, -1.5); },
      [](double x) { return x - 1.5; });
  unary("Square", Range::kAny, Square, [](double x) { return x * x; });
  unary("Exp", Range::kAny, Exp, [](double x) { return std::exp(x); });
  unary("Log", Range::kPositive, Log, [](double x) { return std::log(x); });
  unary("Sqrt", Range::kPositive, Sqrt, [](double x) { return std::sqrt(x); });
  unary("Sin", Range::kAny, Sin, [](double x) { return std::sin(x); });
  unary("Cos", Range::kAny, Cos, [](double x) { return std::cos(x); });
  unary("Abs", Range::kAwayFromZero, Abs, [](double x) { return std::abs(x); });
  unary("WrapAngle", Range::kAngles, WrapAngle, [](double x) {
    double y = std::fmod(x + kPi, 2 * kPi);
    if (y < 0) y += 2 * kPi;
    return y - kPi;
  });
  unary("Sigmoid", Range::kAny, Sigmoid, RefSigmoid);
  unary("Sigmoid_wide", Range::kWide, Sigmoid, RefSigmoid);
  unary("Tanh", Range::kAny, Tanh, [](double x) { return std::tanh(x); });
  unary("Relu", Range::kAwayFromZero, Relu,
        [](double x) { return x > 0 ? x : 0.0; });
  unary("Softplus", Range::kAny, Softplus, RefSoftplus);
  unary("Softplus_wide", Range::kWide, Softplus, RefSoftplus);
  unary(
      "LeakyRelu", Range::kAwayFromZero,
      [](Var a) { return LeakyRelu(a, 0.1); },
      [](double x) { return x >= 0 ? x : 0.1 * x; });
  unary(
      "Elu", Range::kAwayFromZero, [](Var a) { return Elu(a); }, RefElu);
  unary(
      "Elu_alpha", Range::kAwayFromZero, [](Var a) { return Elu(a, 0.5); },
      [](double x) { return x > 0 ? x : 0.5 * (std::exp(x) - 1.0); });
  unary("Silu", Range::kAny, Silu, [](double x) { return x * RefSigmoid(x); });
  unary("Gelu", Range::kAny, Gelu, RefGelu);
  unary("Identity", Range::kAny, Identity, [](double x) { return x; });

  for (Activation act : AllActivations()) {
    const std::string name = ActivationName(act);
    const Range range =
        (act == Activation::kRelu || act == Activation::kLeakyRelu ||
         act == Activation::kElu)
            ? Range::kAwayFromZero
            : Range::kAny;
    unary(
        "Activate_" + name, range, [act](Var a) { return Activate(act, a); },
        [act](double x) { return RefActivation(act, x); });
    unary(
        "ActivationDerivative_" + name, range,
        [act](Var a) { return ActivationDerivative(act, a); },
        [act](double x) { return RefActivationDerivative(act, x); });
  }

  cases.push_back(
      {"Atan2",
       {{4, 3, Range::kAwayFromZero}, {4, 3, Range::kAny}},
       [](Tape&, absl::Span<const Var> in) { return Atan2(in[0], in[1]); },
       [](const std::vector<Matrix>& in) {
         Matrix out(4, 3);
         for (int i = 0; i < 4; ++i) {
           for (int j = 0; j < 3; ++j) {
             out(i, j) = std::atan2(in[0](i, j), in[1](i, j));
           }
         }
         return out;
       }});
  cases.push_back(
      {"MatMul",
       {{4, 3}, {3, 5}},
       [](Tape&, absl::Span<const Var> in) { return MatMul(in[0], in[1]); },
       [](const std::vector<Matrix>& in) { return RefMatMul(in[0], in[1]); }});
  cases.push_back(
      {"MatMul_large",
       {{30, 40}, {40, 25}},  // Eigen's blocked GEMM path.
       [](Tape&, absl::Span<const Var> in) { return MatMul(in[0], in[1]); },
       [](const std::vector<Matrix>& in) { return RefMatMul(in[0], in[1]); }});
  cases.push_back(
      {"MatMul_row_col",
       {{1, 3}, {3, 1}},
       [](Tape&, absl::Span<const Var> in) { return MatMul(in[0], in[1]); },
       [](const std::vector<Matrix>& in) { return RefMatMul(in[0], in[1]); }});
  cases.push_back(
      {"MatMul_same_var",
       {{3, 3}},
       [](Tape&, absl::Span<const Var> in) { return MatMul(in[0], in[0]); },
       [](const std::vector<Matrix>& in) { return RefMatMul(in[0], in[0]); }});
  cases.push_back({"MatMulTransposeB",
                   {{4, 3}, {5, 3}},
                   [](Tape&, absl::Span<const Var> in) {
                     return MatMulTransposeB(in[0], in[1]);
                   },
                   [](const std::vector<Matrix>& in) {
                     return RefMatMul(in[0], in[1].transpose());
                   }});
  cases.push_back({"MatMulTransposeB_large",
                   {{30, 40}, {25, 40}},
                   [](Tape&, absl::Span<const Var> in) {
                     return MatMulTransposeB(in[0], in[1]);
                   },
                   [](const std::vector<Matrix>& in) {
                     return RefMatMul(in[0], in[1].transpose());
                   }});
  cases.push_back(
      {"Transpose",
       {{4, 3}},
       [](Tape&, absl::Span<const Var> in) { return Transpose(in[0]); },
       [](const std::vector<Matrix>& in) {
         Matrix out(3, 4);
         for (int i = 0; i < 4; ++i) {
           for (int j = 0; j < 3; ++j) out(j, i) = in[0](i, j);
         }
         return out;
       }});
  cases.push_back(
      {"ColSlice",
       {{4, 5}},
       [](Tape&, absl::Span<const Var> in) { return ColSlice(in[0], 1, 3); },
       [](const std::vector<Matrix>& in) {
         Matrix out(4, 3);
         for (int i = 0; i < 4; ++i) {
           for (int j = 0; j < 3; ++j) out(i, j) = in[0](i, j + 1);
         }
         return out;
       }});
  cases.push_back(
      {"RowSlice",
       {{5, 3}},
       [](Tape&, absl::Span<const Var> in) { return RowSlice(in[0], 2, 2); },
       [](const std::vector<Matrix>& in) {
         Matrix out(2, 3);
         for (int i = 0; i < 2; ++i) {
           for (int j = 0; j < 3; ++j) out(i, j) = in[0](i + 2, j);
         }
         return out;
       }});
  cases.push_back({"ColSlice_twice_overlapping",
                   {{4, 5}},
                   [](Tape&, absl::Span<const Var> in) {
                     return Add(ColSlice(in[0], 0, 3), ColSlice(in[0], 2, 3));
                   },
                   [](const std::vector<Matrix>& in) {
                     Matrix out(4, 3);
                     for (int i = 0; i < 4; ++i) {
                       for (int j = 0; j < 3; ++j) {
                         out(i, j) = in[0](i, j) + in[0](i, j + 2);
                       }
                     }
                     return out;
                   }});
  cases.push_back({"ConcatCols",
                   {{4, 2}, {4, 3}, {4, 1}},
                   [](Tape&, absl::Span<const Var> in) {
                     return ConcatCols({in[0], in[1], in[2], in[0]});
                   },
                   [](const std::vector<Matrix>& in) {
                     Matrix out(4, 8);
                     out << in[0], in[1], in[2], in[0];
                     return out;
                   }});
  cases.push_back({"ConcatRows",
                   {{2, 3}, {1, 3}, {3, 3}},
                   [](Tape&, absl::Span<const Var> in) {
                     return ConcatRows({in[0], in[1], in[2], in[1]});
                   },
                   [](const std::vector<Matrix>& in) {
                     Matrix out(7, 3);
                     out << in[0], in[1], in[2], in[1];
                     return out;
                   }});
  auto reduction = [&](std::string name, std::function<Var(Var)> op,
                       RefFn ref) {
    cases.push_back(
        {name,
         {{5, 3}},
         [op](Tape&, absl::Span<const Var> in) { return op(in[0]); },
         ref});
  };
  reduction("Sum", Sum, [](const std::vector<Matrix>& in) {
    double s = 0;
    for (int i = 0; i < 5; ++i) {
      for (int j = 0; j < 3; ++j) s += in[0](i, j);
    }
    return Matrix::Constant(1, 1, s);
  });
  reduction("Mean", Mean, [](const std::vector<Matrix>& in) {
    double s = 0;
    for (int i = 0; i < 5; ++i) {
      for (int j = 0; j < 3; ++j) s += in[0](i, j);
    }
    return Matrix::Constant(1, 1, s / 15.0);
  });
  auto column_stat = [](const Matrix& x, bool mean, bool variance) {
    Matrix out(1, x.cols());
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      double s = 0;
      for (Eigen::Index i = 0; i < x.rows(); ++i) s += x(i, j);
      const double m = s / x.rows();
      if (variance) {
        double v = 0;
        for (Eigen::Index i = 0; i < x.rows(); ++i) {
          v += (x(i, j) - m) * (x(i, j) - m);
        }
        out(0, j) = v / x.rows();
      } else {
        out(0, j) = mean ? m : s;
      }
    }
    return out;
  };
  reduction("SumRows", SumRows, [column_stat](const std::vector<Matrix>& in) {
    return column_stat(in[0], false, false);
  });
  reduction("MeanRows", MeanRows, [column_stat](const std::vector<Matrix>& in) {
    return column_stat(in[0], true, false);
  });
  reduction("BatchVariance", BatchVariance,
            [column_stat](const std::vector<Matrix>& in) {
              return column_stat(in[0], false, true);
            });
  reduction("SumCols", SumCols, [](const std::vector<Matrix>& in) {
    Matrix out(5, 1);
    for (int i = 0; i < 5; ++i) {
      out(i, 0) = 0;
      for (int j = 0; j < 3; ++j) out(i, 0) += in[0](i, j);
    }
    return out;
  });
  // Shifted inputs: the variance gradient must not depend on the offset.
  cases.push_back({"BatchVariance_offset",
                   {{6, 2}},
                   [](Tape&, absl::Span<const Var> in) {
                     return BatchVariance(AddScalar(in[0], 100.0));
                   },
                   nullptr});
  // Groups of 3, 2 and 2 rows, interleaved, with non-contiguous ids; and
  // the same with a lone row (id 9), which must contribute nothing.
  auto grouped = [&](std::string name, std::vector<int> groups) {
    cases.push_back({name,
                     {{static_cast<Eigen::Index>(groups.size()), 3}},
                     [groups](Tape&, absl::Span<const Var> in) {
                       return GroupedVariance(in[0], groups);
                     },
                     [groups](const std::vector<Matrix>& in) {
                       return GroupedVarianceReference(in[0], groups);
                     }});
  };
  grouped("GroupedVariance", {4, 0, 4, 7, 0, 7, 4});
  grouped("GroupedVariance_lone_row", {4, 0, 9, 4, 0, 4});
  grouped("GroupedVariance_one_group", {3, 3, 3, 3, 3});
  return cases;
}

void PrintTo(const OpCase& c, std::ostream* os) { *os << c.name; }

class OpTest : public ::testing::TestWithParam<OpCase> {};

std::vector<Matrix> MakeInputs(const OpCase& c) {
  Random rng(NameSeed(c.name));
  std::vector<Matrix> inputs;
  for (const InputSpec& spec : c.inputs) {
    inputs.push_back(RandomMatrix(spec, rng));
  }
  return inputs;
}

// The forward check runs on the cases that have a reference (the others are
// gradient-only variants of the same ops: constant operands, chains).
class ForwardOpTest : public OpTest {};

std::vector<OpCase> CasesWithReference() {
  std::vector<OpCase> cases;
  for (OpCase& c : AllCases()) {
    if (c.reference) cases.push_back(std::move(c));
  }
  return cases;
}

TEST_P(ForwardOpTest, ForwardMatchesReference) {
  const OpCase& c = GetParam();
  const std::vector<Matrix> inputs = MakeInputs(c);
  Tape tape;
  std::vector<Var> vars;
  for (const Matrix& m : inputs) vars.push_back(tape.Input(m));
  const Var out = c.op(tape, vars);
  const Matrix expected = c.reference(inputs);
  ASSERT_EQ(out.rows(), expected.rows());
  ASSERT_EQ(out.cols(), expected.cols());
  // Relative above 1, absolute below. Derivatives by finite differences are
  // accurate to ~1e-10.
  const double tolerance =
      c.name.rfind("ActivationDerivative_", 0) == 0 ? 1e-9 : 1e-12;
  EXPECT_LT(MaxRelativeDifference(out.value(), expected, 1.0), tolerance)
      << "got\n"
      << out.value() << "\nexpected\n"
      << expected;
}

TEST_P(OpTest, GradientMatchesFiniteDifferences) {
  const OpCase& c = GetParam();
  const std::vector<Matrix> inputs = MakeInputs(c);
  // loss = sum(op(inputs) .* R) for a fixed random R: its gradient is the
  // full vector-Jacobian product with R, so every output entry is tested.
  Matrix weights;
  {
    Tape probe;
    std::vector<Var> vars;
    for (const Matrix& m : inputs) vars.push_back(probe.Input(m));
    const Var out = c.op(probe, vars);
    Random rng(NameSeed(c.name) + 1);
    weights = RandomMatrix({out.rows(), out.cols(), Range::kAwayFromZero}, rng);
  }
  const GradientCheckResult result = CheckGradients(
      [&](Tape& tape, absl::Span<const Var> in) {
        return Sum(Mul(c.op(tape, in), tape.Constant(weights)));
      },
      /*store=*/nullptr, inputs);
  EXPECT_GT(result.num_checked, 0);
  EXPECT_LT(result.max_relative_error, 1e-6) << result.worst;
}

INSTANTIATE_TEST_SUITE_P(AllOps, OpTest, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<OpCase>& info) {
                           return info.param.name;
                         });
INSTANTIATE_TEST_SUITE_P(AllOps, ForwardOpTest,
                         ::testing::ValuesIn(CasesWithReference()),
                         [](const ::testing::TestParamInfo<OpCase>& info) {
                           return info.param.name;
                         });

// ---- Specific behaviour -----------------------------------------------------

TEST(OpsTest, OperatorsMapToOps) {
  Tape tape;
  Matrix a(1, 2), b(1, 2);
  a << 1.0, 2.0;
  b << 4.0, -8.0;
  const Var x = tape.Constant(a);
  const Var y = tape.Constant(b);
  EXPECT_EQ((x + y).value(), Matrix((Matrix(1, 2) << 5.0, -6.0).finished()));
  EXPECT_EQ((x - y).value(), Matrix((Matrix(1, 2) << -3.0, 10.0).finished()));
  EXPECT_EQ((x * y).value(), Matrix((Matrix(1, 2) << 4.0, -16.0).finished()));
  EXPECT_EQ((x / y).value(), Matrix((Matrix(1, 2) << 0.25, -0.25).finished()));
  EXPECT_EQ((-x).value(), Matrix((Matrix(1, 2) << -1.0, -2.0).finished()));
  EXPECT_EQ((x * 3.0).value(), Matrix((Matrix(1, 2) << 3.0, 6.0).finished()));
  EXPECT_EQ((3.0 * x).value(), Matrix((Matrix(1, 2) << 3.0, 6.0).finished()));
  EXPECT_EQ((x / 2.0).value(), Matrix((Matrix(1, 2) << 0.5, 1.0).finished()));
  EXPECT_EQ((x + 1.0).value(), Matrix((Matrix(1, 2) << 2.0, 3.0).finished()));
  EXPECT_EQ((1.0 + x).value(), Matrix((Matrix(1, 2) << 2.0, 3.0).finished()));
  EXPECT_EQ((x - 1.0).value(), Matrix((Matrix(1, 2) << 0.0, 1.0).finished()));
}

// Gradients at the kinks follow the documented conventions.
TEST(OpsTest, SubgradientsAtKinks) {
  Tape tape;
  const Var zero = tape.Input(Matrix::Zero(1, 1));
  struct Expected {
    const char* name;
    std::function<Var(Var)> op;
    double grad;
  };
  const std::vector<Expected> expected = {
      {"Abs", Abs, 0.0},
      {"Relu", Relu, 0.0},
      {"LeakyRelu", [](Var a) { return LeakyRelu(a, 0.1); }, 1.0},
      {"Elu", [](Var a) { return Elu(a); }, 1.0},
  };
  for (const Expected& e : expected) {
    tape.Clear();
    const Var x = tape.Input(Matrix::Zero(1, 1));
    tape.Backward(e.op(x));
    EXPECT_EQ(x.grad()(0, 0), e.grad) << e.name;
  }
  (void)zero;
}

TEST(OpsTest, SoftplusAndSigmoidAreStableForLargeInputs) {
  Tape tape;
  Matrix big(1, 4);
  big << -1000.0, -50.0, 50.0, 1000.0;
  const Var x = tape.Input(big);
  const Var sp = Softplus(x);
  EXPECT_EQ(sp.value()(0, 0), 0.0);
  EXPECT_NEAR(sp.value()(0, 1), std::exp(-50.0), 1e-30);
  EXPECT_EQ(sp.value()(0, 2), 50.0);
  EXPECT_EQ(sp.value()(0, 3), 1000.0);
  const Var s = Sigmoid(x);
  EXPECT_EQ(s.value()(0, 0), 0.0);
  EXPECT_EQ(s.value()(0, 3), 1.0);
  tape.Backward(Sum(Add(sp, s)));
  for (int j = 0; j < 4; ++j) EXPECT_TRUE(std::isfinite(x.grad()(0, j)));
  EXPECT_EQ(x.grad()(0, 3), 1.0);  // softplus' = 1, sigmoid' = 0.
}

TEST(OpsTest, WrapAngleRange) {
  Tape tape;
  std::vector<double> xs = {-kPi,
                            kPi,
                            3 * kPi,
                            -3 * kPi,
                            0.0,
                            1e-17,
                            -1e-17,
                            std::nextafter(kPi, 0.0),
                            std::nextafter(-kPi, -10.0),
                            1000.0,
                            -1000.0};
  Matrix m(1, static_cast<Eigen::Index>(xs.size()));
  for (size_t i = 0; i < xs.size(); ++i) m(0, i) = xs[i];
  const Var w = WrapAngle(tape.Constant(m));
  for (size_t i = 0; i < xs.size(); ++i) {
    const double y = w.value()(0, i);
    EXPECT_GE(y, -kPi) << xs[i];
    EXPECT_LT(y, kPi) << xs[i];
    const double turns = (xs[i] - y) / (2 * kPi);
    EXPECT_NEAR(turns, std::round(turns), 1e-9) << xs[i];
  }
  EXPECT_EQ(w.value()(0, 0), -kPi);           // -pi stays.
  EXPECT_NEAR(w.value()(0, 1), -kPi, 1e-15);  // pi maps to -pi.
}

// Inputs within a few ulps of the jumps (odd multiples of pi), where the
// rounding of x - 2 pi floor((x + pi) / 2 pi) can land on pi or below -pi.
TEST(OpsTest, WrapAngleRangeNearTheJumps) {
  std::vector<double> xs;
  for (int k = -40; k <= 40; ++k) {
    double x = (2 * k + 1) * kPi;
    for (int i = 0; i < 64; ++i) x = std::nextafter(x, -1e9);
    for (int i = 0; i < 128; ++i) {
      xs.push_back(x);
      x = std::nextafter(x, 1e9);
    }
  }
  Tape tape;
  Matrix m(1, static_cast<Eigen::Index>(xs.size()));
  for (size_t i = 0; i < xs.size(); ++i) m(0, i) = xs[i];
  const Matrix& w = WrapAngle(tape.Constant(m)).value();
  int failures = 0;
  for (size_t i = 0; i < xs.size() && failures < 5; ++i) {
    if (!(w(0, i) >= -kPi && w(0, i) < kPi)) {
      ++failures;
      ADD_FAILURE() << "WrapAngle(" << xs[i] << ") = " << w(0, i);
    }
  }
}

TEST(OpsTest, ActivationDerivativeOfPiecewiseLinearIsConstant) {
  for (Activation act :
       {Activation::kRelu, Activation::kLeakyRelu, Activation::kIdentity}) {
    Tape tape;
    const Var x = tape.Input(Matrix::Constant(2, 2, 0.5));
    const Var d = ActivationDerivative(act, x);
    EXPECT_FALSE(tape.requires_grad(d.index())) << ActivationName(act);
  }
  Tape tape;
  Matrix m(1, 3);
  m << -1.0, 0.0, 2.0;
  const Var x = tape.Constant(m);
  EXPECT_EQ(ActivationDerivative(Activation::kRelu, x).value(),
            Matrix((Matrix(1, 3) << 0.0, 0.0, 1.0).finished()));
  EXPECT_EQ(ActivationDerivative(Activation::kLeakyRelu, x).value(),
            Matrix((Matrix(1, 3) << 0.01, 1.0, 1.0).finished()));
  EXPECT_EQ(ActivationDerivative(Activation::kIdentity, x).value(),
            Matrix::Ones(1, 3));
}

TEST(OpsTest, IdentityAddsNoNode) {
  Tape tape;
  const Var x = tape.Input(Matrix::Ones(2, 2));
  const int before = tape.size();
  const Var y = Identity(x);
  EXPECT_EQ(tape.size(), before);
  EXPECT_EQ(y.index(), x.index());
}

TEST(OpsTest, ParseActivation) {
  for (Activation act : AllActivations()) {
    const auto parsed = ParseActivation(ActivationName(act));
    ASSERT_TRUE(parsed.ok()) << ActivationName(act);
    EXPECT_EQ(*parsed, act);
  }
  const auto swish = ParseActivation("swish");
  ASSERT_TRUE(swish.ok());
  EXPECT_EQ(*swish, Activation::kSilu);
  const auto bad = ParseActivation("Sigmoid");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("leaky_relu"), std::string::npos);
  EXPECT_EQ(std::string(ActivationName(Activation::kLeakyRelu)), "leaky_relu");
}

TEST(OpsTest, GroupedVarianceOfOneGroupIsBatchVarianceBitForBit) {
  Random rng(7);
  const Matrix x = RandomMatrix({9, 3, Range::kWide}, rng);
  const Matrix weights = RandomMatrix({1, 3, Range::kAwayFromZero}, rng);
  auto value_and_grad = [&](bool grouped) {
    Tape tape;
    const Var in = tape.Input(x);
    const Var v = grouped ? GroupedVariance(in, std::vector<int>(9, 12))
                          : BatchVariance(in);
    tape.Backward(Sum(Mul(v, tape.Constant(weights))));
    return std::make_pair(Matrix(v.value()), Matrix(in.grad()));
  };
  const auto [grouped_value, grouped_grad] = value_and_grad(true);
  const auto [plain_value, plain_grad] = value_and_grad(false);
  EXPECT_EQ(grouped_value, plain_value);  // exact
  EXPECT_EQ(grouped_grad, plain_grad);
}

TEST(OpsTest, GroupedVarianceIgnoresDifferencesBetweenGroups) {
  // Constant within each group, far apart between them: the batch variance
  // is large, the grouped one zero.
  Matrix x(6, 2);
  x << 0.1, 5, 3.7, -2, 0.1, 5, 3.7, -2, 0.1, 5, 3.7, -2;
  const std::vector<int> groups = {0, 1, 0, 1, 0, 1};
  Tape tape;
  EXPECT_GT(BatchVariance(tape.Constant(x)).value().minCoeff(), 1.0);
  EXPECT_LT(
      GroupedVariance(tape.Constant(x), groups).value().cwiseAbs().maxCoeff(),
      1e-28);
}

TEST(OpsTest, GroupedVarianceOfLoneRowsIsZeroWithNoGradient) {
  Tape tape;
  const Var in = tape.Input((Matrix(3, 2) << 1, 2, 3, 4, 5, 6).finished());
  const Var v = GroupedVariance(in, std::vector<int>{0, 1, 2});
  EXPECT_EQ(v.value(), Matrix::Zero(1, 2));
  tape.Backward(Sum(Add(v, Sum(Scale(in, 0.0)))));
  EXPECT_EQ(in.grad(), Matrix::Zero(3, 2));
}

// ---- Shape errors -----------------------------------------------------------

using OpsDeathTest = ::testing::Test;

TEST(OpsDeathTest, ShapeMismatchesAbortWithShapes) {
  Tape tape;
  const Var a = tape.Constant(Matrix::Zero(4, 3));
  const Var b = tape.Constant(Matrix::Zero(2, 3));
  EXPECT_DEATH(Add(a, b), "Add: shapes \\[4,3\\] and \\[2,3\\]");
  EXPECT_DEATH(MatMul(a, b), "MatMul: \\[4,3\\] \\* \\[2,3\\]");
  EXPECT_DEATH(MatMulTransposeB(a, tape.Constant(Matrix::Zero(3, 2))),
               "MatMulTransposeB");
  EXPECT_DEATH(Atan2(a, b), "Atan2");
  EXPECT_DEATH(ColSlice(a, 2, 2), "ColSlice");
  EXPECT_DEATH(RowSlice(a, -1, 2), "RowSlice");
  EXPECT_DEATH(ConcatCols({a, b}), "ConcatCols");
  EXPECT_DEATH(ConcatRows({a, tape.Constant(Matrix::Zero(1, 2))}),
               "ConcatRows");
  EXPECT_DEATH(GroupedVariance(a, std::vector<int>{0, 1}),
               "GroupedVariance: 2 group ids for 4 rows");
}

TEST(OpsDeathTest, OperandsOnDifferentTapesAbort) {
  Tape t1, t2;
  const Var a = t1.Constant(Matrix::Zero(1, 1));
  const Var b = t2.Constant(Matrix::Zero(1, 1));
  EXPECT_DEATH(Add(a, b), "different tapes");
}

}  // namespace
}  // namespace aanet::ad
