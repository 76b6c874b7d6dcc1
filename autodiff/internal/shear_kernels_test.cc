#include "autodiff/internal/shear_kernels.h"

#include <cmath>
#include <string>
#include <tuple>

#include "Eigen/Core"
#include "autodiff/ops.h"
#include "autodiff/parameters.h"
#include "autodiff/tape.h"
#include "gtest/gtest.h"
#include "rng/random.h"

namespace aanet::ad::internal {
namespace {

double Act(Activation activation, double z) {
  switch (activation) {
    case Activation::kSigmoid:
      return 1.0 / (1.0 + std::exp(-z));
    case Activation::kTanh:
      return std::tanh(z);
    default:  // kRelu
      return z > 0.0 ? z : 0.0;
  }
}

double ActDerivative(Activation activation, double z) {
  switch (activation) {
    case Activation::kSigmoid: {
      const double s = Act(activation, z);
      return s * (1.0 - s);
    }
    case Activation::kTanh:
      return 1.0 - std::tanh(z) * std::tanh(z);
    default:  // kRelu
      return z > 0.0 ? 1.0 : 0.0;
  }
}

// The ridge term and its gradient as plain loops, straight from
//   z = x W + b, s = act(z), u = (s * a) W^T.
struct Reference {
  Matrix u, g_w, g_b, g_a, g_x;
};

Reference ReferenceRidge(Activation activation, const Matrix& x,
                         const Matrix& w, const Matrix& b, const Matrix& a,
                         const Matrix& g_u) {
  const Eigen::Index batch = x.rows(), n = x.cols(), width = w.cols();
  Reference r;
  r.u = Matrix::Zero(batch, n);
  r.g_w = Matrix::Zero(n, width);
  r.g_b = Matrix::Zero(1, width);
  r.g_a = Matrix::Zero(1, width);
  r.g_x = Matrix::Zero(batch, n);
  for (Eigen::Index i = 0; i < batch; ++i) {
    for (Eigen::Index j = 0; j < width; ++j) {
      double z = b(0, j);
      for (Eigen::Index k = 0; k < n; ++k) z += x(i, k) * w(k, j);
      const double s = Act(activation, z);
      double g_s = 0.0;  // dL/ds(i, j)
      for (Eigen::Index k = 0; k < n; ++k) {
        r.u(i, k) += s * a(0, j) * w(k, j);
        g_s += g_u(i, k) * a(0, j) * w(k, j);
        r.g_w(k, j) += g_u(i, k) * s * a(0, j);
        r.g_a(0, j) += g_u(i, k) * s * w(k, j);
      }
      const double g_z = g_s * ActDerivative(activation, z);
      r.g_b(0, j) += g_z;
      for (Eigen::Index k = 0; k < n; ++k) {
        r.g_w(k, j) += x(i, k) * g_z;
        r.g_x(i, k) += g_z * w(k, j);
      }
    }
  }
  return r;
}

Matrix RandomMatrix(Eigen::Index rows, Eigen::Index cols, double stddev,
                    Random& random) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    m.data()[i] = stddev * random.Normal();
  }
  return m;
}

void ExpectNear(const Matrix& got, const Matrix& want,
                const std::string& what) {
  ASSERT_EQ(got.rows(), want.rows()) << what;
  ASSERT_EQ(got.cols(), want.cols()) << what;
  const double scale = 1.0 + want.cwiseAbs().maxCoeff();
  EXPECT_LE((got - want).cwiseAbs().maxCoeff(), 1e-12 * scale) << what;
}

// (activation, n, batch, scale of b: 1000 puts |z| beyond the fused
// sigmoid's unclamped range)
class ShearKernelsTest : public ::testing::TestWithParam<
                             std::tuple<Activation, int, int, double>> {
 protected:
  void SetUp() override {
    const auto& [activation, n, batch, b_scale] = GetParam();
    activation_ = activation;
    Random random(11 + 7 * n + batch);
    x_ = RandomMatrix(batch, n, 1.5, random);
    w_ = RandomMatrix(n, kWidth, 0.5, random);
    b_ = RandomMatrix(1, kWidth, 0.5 * b_scale, random);
    a_ = RandomMatrix(1, kWidth, 1.0, random);
    g_u_ = RandomMatrix(batch, n, 1.0, random);
    reference_ = ReferenceRidge(activation_, x_, w_, b_, a_, g_u_);
  }

  // Not a multiple of 4 or 8: the kernels' tails over H run too.
  static constexpr int kWidth = 37;
  Activation activation_ = Activation::kSigmoid;
  Matrix x_, w_, b_, a_, g_u_;
  Reference reference_;
};

TEST_P(ShearKernelsTest, ValuesMatchTheReference) {
  // Batches of 1 take the general code here; ShearRidgeOneState is below.
  ExpectNear(ShearRidgeValues(activation_, x_, w_, b_, a_), reference_.u, "u");
}

TEST_P(ShearKernelsTest, OneStateMatchesTheReference) {
  const int n = static_cast<int>(x_.cols());
  for (Eigen::Index i = 0; i < x_.rows(); ++i) {
    const Eigen::RowVectorXd x = x_.row(i);
    Eigen::RowVectorXd u(n);
    ShearRidgeOneState(activation_, n, x.data(), w_.data(), b_.data(),
                       a_.data(), w_.cols(), u.data());
    ExpectNear(u, reference_.u.row(i), "u of row " + std::to_string(i));
  }
}

// A shear node with F = u (no conditioner) and dL/dy = g_u, so that the
// gradients are the ridge term's alone; `fixed_needs_grad` false covers the
// first layer of a flow, whose input is a constant.
void RunTapeCase(Activation activation, const Matrix& x, const Matrix& w,
                 const Matrix& b, const Matrix& a, const Matrix& g_u,
                 bool fixed_needs_grad, const Reference& reference) {
  ParameterStore store;
  const int w_id = store.Add("W", w);
  const int b_id = store.Add("b", b);
  const int a_id = store.Add("a", a);
  for (int id : {w_id, b_id, a_id}) store.grad(id).setZero();
  Tape tape;
  Var x_var = fixed_needs_grad ? tape.Input(x) : tape.Constant(x);
  Var h = tape.Input(Matrix::Zero(x.rows(), x.cols()));
  Var w_var = tape.Param(store, w_id);
  Var b_var = tape.Param(store, b_id);
  Var a_var = tape.Param(store, a_id);
  Var gate = tape.Constant(Matrix::Zero(1, 1));
  ShearRidgeSaved saved;
  const Matrix& u =
      ShearRidgeForward(tape, activation, x_var, w_var, b_var, a_var, saved);
  ExpectNear(u, reference.u, "u on the tape");
  static thread_local Matrix u_in_backward;
  Var y = tape.AddNode(
      x.rows(), x.cols(),
      {x_var, h, w_var, b_var, a_var, gate, saved.saved0, saved.saved1},
      [activation](BackwardContext& c) {
        u_in_backward = ShearRidgeValue(c, activation);
        // The skip term's place: dL/dx must hold a contribution first.
        c.AccumulateGrad(kShearFixed,
                         Matrix::Zero(c.input(kShearFixed).rows(),
                                      c.input(kShearFixed).cols()));
        ShearRidgeBackward(c, activation, c.grad());
        c.AccumulateGrad(kShearHalf, c.grad());
      });
  tape.MutableValue(y) = h.value() + u;
  tape.Backward(y, g_u);
  ExpectNear(u_in_backward, reference.u, "u in the backward pass");
  ExpectNear(store.grad(w_id), reference.g_w, "dL/dW");
  ExpectNear(store.grad(b_id), reference.g_b, "dL/db");
  ExpectNear(store.grad(a_id), reference.g_a, "dL/da");
  ExpectNear(h.grad(), g_u, "dL/dh");
  if (fixed_needs_grad) ExpectNear(x_var.grad(), reference.g_x, "dL/dx");
}

TEST_P(ShearKernelsTest, TapeForwardAndBackwardMatchTheReference) {
  for (bool fixed_needs_grad : {true, false}) {
    SCOPED_TRACE(fixed_needs_grad ? "x needs a gradient" : "x constant");
    RunTapeCase(activation_, x_, w_, b_, a_, g_u_, fixed_needs_grad,
                reference_);
  }
}

// Sigmoid with n <= 4 takes the fused kernels (AVX2 build), n = 5 and the
// other activations the products; batches of 1 (one state), <= 8 (small
// batch on values), a partial and several whole vectors of 4 rows.
INSTANTIATE_TEST_SUITE_P(
    Paths, ShearKernelsTest,
    ::testing::Combine(::testing::Values(Activation::kSigmoid,
                                         Activation::kTanh, Activation::kRelu),
                       ::testing::Values(1, 2, 3, 4, 5),
                       ::testing::Values(1, 3, 8, 13, 100),
                       ::testing::Values(1.0)));

INSTANTIATE_TEST_SUITE_P(
    SaturatedSigmoid, ShearKernelsTest,
    ::testing::Combine(::testing::Values(Activation::kSigmoid),
                       ::testing::Values(1, 2, 4, 5), ::testing::Values(1, 13),
                       ::testing::Values(1000.0)));

TEST(ShearKernelsOneStateTest, ManyDegreesOfFreedom) {
  // n = 64, the largest one-state system, on the plain loops.
  Random random(5);
  const int n = kMaxOneStateDegreesOfFreedom;
  const Matrix x = RandomMatrix(1, n, 1.0, random);
  const Matrix w = RandomMatrix(n, 9, 0.3, random);
  const Matrix b = RandomMatrix(1, 9, 0.3, random);
  const Matrix a = RandomMatrix(1, 9, 1.0, random);
  const Reference reference =
      ReferenceRidge(Activation::kSigmoid, x, w, b, a, Matrix::Zero(1, n));
  Eigen::RowVectorXd u(n);
  ShearRidgeOneState(Activation::kSigmoid, n, x.data(), w.data(), b.data(),
                     a.data(), w.cols(), u.data());
  ExpectNear(u, reference.u, "u");
}

}  // namespace
}  // namespace aanet::ad::internal
