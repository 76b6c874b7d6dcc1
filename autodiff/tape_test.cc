// Tests of the tape itself: leaves, gradient accumulation, custom ops, tape
// reuse after Clear(), seeds and misuse.
#include "autodiff/tape.h"

#include <vector>

#include "Eigen/Core"
#include "autodiff/gradient_check.h"
#include "autodiff/ops.h"
#include "autodiff/parameters.h"
#include "gtest/gtest.h"

namespace aanet::ad {
namespace {

Matrix M(Eigen::Index rows, Eigen::Index cols, std::vector<double> values) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) m(i, j) = values[i * cols + j];
  }
  return m;
}

TEST(TapeTest, LeavesHoldTheirValues) {
  Tape tape;
  ParameterStore store;
  const int id = store.Add("w", M(1, 2, {1, 2}));
  const Var c = tape.Constant(M(2, 1, {3, 4}));
  const Var s = tape.Scalar(5.0);
  const Var in = tape.Input(M(1, 1, {6}));
  const Var p = tape.Param(store, id);
  EXPECT_EQ(c.value(), M(2, 1, {3, 4}));
  EXPECT_EQ(s.scalar(), 5.0);
  EXPECT_EQ(in.scalar(), 6.0);
  EXPECT_EQ(p.value(), store.value(id));
  EXPECT_EQ(&p.value(), &store.value(id));  // Read in place, no copy.
  EXPECT_EQ(c.rows(), 2);
  EXPECT_EQ(c.cols(), 1);
  EXPECT_FALSE(tape.requires_grad(c.index()));
  EXPECT_FALSE(tape.requires_grad(s.index()));
  EXPECT_TRUE(tape.requires_grad(in.index()));
  EXPECT_TRUE(tape.requires_grad(p.index()));
  EXPECT_EQ(tape.size(), 4);
}

TEST(TapeTest, ParamGradientsAccumulateIntoStore) {
  ParameterStore store;
  const int id = store.Add("w", M(1, 3, {1, -2, 3}));
  const Matrix x = M(1, 3, {0.5, 4, -1});
  Tape tape;
  const Var loss = Sum(Mul(tape.Param(store, id), tape.Constant(x)));
  EXPECT_EQ(loss.scalar(), 0.5 - 8 - 3);
  tape.Backward(loss);
  EXPECT_EQ(store.grad(id), x);
  // A second backward pass adds again (accumulation, not assignment).
  tape.Backward(loss);
  EXPECT_EQ(store.grad(id), 2 * x);
  store.ZeroGrad();
  EXPECT_EQ(store.grad(id), Matrix::Zero(1, 3));
}

TEST(TapeTest, SameParamUsedTwiceSumsBothPaths) {
  ParameterStore store;
  const int id = store.Add("w", M(1, 2, {3, -1}));
  Tape tape;
  // loss = sum(w * w) through two separate leaves of the same parameter.
  tape.Backward(Sum(Mul(tape.Param(store, id), tape.Param(store, id))));
  EXPECT_EQ(store.grad(id), M(1, 2, {6, -2}));
}

TEST(TapeTest, InputGradientsAccumulateAcrossBackwardCalls) {
  Tape tape;
  const Var x = tape.Input(M(1, 2, {2, 3}));
  const Var loss = Sum(Square(x));
  tape.Backward(loss);
  EXPECT_EQ(x.grad(), M(1, 2, {4, 6}));
  tape.Backward(loss);
  EXPECT_EQ(x.grad(), M(1, 2, {8, 12}));
}

TEST(TapeTest, IntermediateGradientsAreAvailableAndFresh) {
  Tape tape;
  const Var x = tape.Input(M(1, 2, {2, 3}));
  const Var y = Scale(x, 3.0);
  const Var loss = Sum(Square(y));
  tape.Backward(loss);
  EXPECT_EQ(y.grad(), M(1, 2, {12, 18}));  // 2 y.
  tape.Backward(loss);
  EXPECT_EQ(y.grad(), M(1, 2, {12, 18}));  // Recomputed, not accumulated.
}

TEST(TapeTest, ConstantsAndUnreachedNodesHaveZeroGradient) {
  Tape tape;
  const Var c = tape.Constant(M(1, 2, {1, 1}));
  const Var x = tape.Input(M(1, 2, {2, 3}));
  const Var unused = Exp(x);
  const Var loss = Sum(Mul(x, c));
  EXPECT_FALSE(tape.requires_grad(Neg(c).index()));
  tape.Backward(loss);
  EXPECT_EQ(c.grad(), Matrix::Zero(1, 2));
  EXPECT_EQ(unused.grad(), Matrix::Zero(1, 2));
  EXPECT_EQ(x.grad(), M(1, 2, {1, 1}));
}

TEST(TapeTest, BackwardOfAConstantLossIsANoOp) {
  ParameterStore store;
  const int id = store.Add("w", M(1, 1, {2}));
  Tape tape;
  tape.Param(store, id);
  const Var loss = Sum(tape.Constant(M(1, 1, {4})));
  tape.Backward(loss);
  EXPECT_EQ(store.grad(id)(0, 0), 0.0);
}

TEST(TapeTest, BackwardWithSeedIsAVectorJacobianProduct) {
  Tape tape;
  const Var x = tape.Input(M(2, 2, {1, 2, 3, 4}));
  const Var w = tape.Constant(M(2, 1, {1, -1}));
  const Var y = MatMul(x, w);  // [2,1].
  tape.Backward(y, M(2, 1, {10, 100}));
  // d(seed . x w)/dx = seed w^T.
  EXPECT_EQ(x.grad(), M(2, 2, {10, -10, 100, -100}));
}

// A user-defined op through AddNode: y = x^3, with its own backward.
Var Cube(Var x) {
  Tape* tape = x.tape();
  Var y = tape->AddNode(x.rows(), x.cols(), {x}, [](BackwardContext& c) {
    c.AccumulateGrad(0, 3.0 * c.grad().array() * c.input(0).array().square());
  });
  tape->MutableValue(y).array() = x.value().array().cube();
  return y;
}

// A user-defined fused op through Custom and a Scratch node holding an
// intermediate: y = sigmoid(x) * a (a row broadcast), keeping sigmoid(x).
Var FusedSigmoidScale(Var x, Var a) {
  Tape* tape = x.tape();
  const Var s = tape->Scratch(x.rows(), x.cols());
  tape->MutableValue(s).array() = x.value().array().logistic();
  Matrix value = s.value();
  for (Eigen::Index j = 0; j < value.cols(); ++j) {
    value.col(j) *= a.value()(0, j);
  }
  return tape->Custom(std::move(value), {x, a, s}, [](BackwardContext& c) {
    const Matrix& g = c.grad();
    const Matrix& av = c.input(1);
    const Matrix& sv = c.input(2);
    EXPECT_FALSE(c.needs_grad(2));
    if (c.needs_grad(0)) {
      Matrix& gx = c.MutableInputGrad(0);
      for (Eigen::Index j = 0; j < gx.cols(); ++j) {
        gx.col(j).array() += g.col(j).array() * av(0, j) * sv.col(j).array() *
                             (1.0 - sv.col(j).array());
      }
    }
    c.AccumulateGrad(1, g.cwiseProduct(sv).colwise().sum());
  });
}

TEST(TapeTest, CustomOpsMatchFiniteDifferences) {
  ParameterStore store;
  const int a_id = store.Add("a", M(1, 3, {0.5, -1.5, 2.0}));
  const GradientCheckResult result = CheckGradients(
      [&](Tape& tape, absl::Span<const Var> in) {
        const Var y = FusedSigmoidScale(Cube(in[0]), tape.Param(store, a_id));
        return Sum(Mul(y, tape.Constant(M(2, 3, {1, 2, 3, -1, -2, 0.5}))));
      },
      &store, {M(2, 3, {0.1, -0.7, 1.1, 0.4, 0.9, -1.2})});
  EXPECT_EQ(result.num_checked, 9);
  EXPECT_LT(result.max_relative_error, 1e-8) << result.worst;
}

TEST(TapeTest, CustomOpValueIsMovedIn) {
  Tape tape;
  const Var x = tape.Input(M(1, 1, {2}));
  Matrix value = M(1, 1, {7});
  const double* data = value.data();
  const Var y = tape.Custom(std::move(value), {x}, nullptr);
  EXPECT_EQ(y.value().data(), data);
  EXPECT_EQ(y.scalar(), 7.0);
}

// The forward + backward pass of a small network, returning the gradients.
std::vector<Matrix> TrainingStep(Tape& tape, ParameterStore& store,
                                 const Matrix& x) {
  tape.Clear();
  store.ZeroGrad();
  Var h = tape.Constant(x);
  for (int layer = 0; layer < store.size() / 2; ++layer) {
    h = Sigmoid(Add(MatMul(h, tape.Param(store, 2 * layer)),
                    tape.Param(store, 2 * layer + 1)));
  }
  tape.Backward(Mean(Square(h)));
  std::vector<Matrix> grads;
  for (int id = 0; id < store.size(); ++id) grads.push_back(store.grad(id));
  return grads;
}

TEST(TapeTest, ClearAndReuseGivesIdenticalGradientsWithoutGrowing) {
  ParameterStore store;
  store.Add("w0", Matrix::Constant(3, 4, 0.3));
  store.Add("b0", Matrix::Constant(1, 4, -0.1));
  store.Add("w1", Matrix::Constant(4, 2, 0.2));
  store.Add("b1", Matrix::Constant(1, 2, 0.05));
  store.value(0)(1, 2) = -0.7;
  const Matrix x = M(2, 3, {1, 2, 3, -1, 0.5, 0.25});
  Tape tape;
  const std::vector<Matrix> first = TrainingStep(tape, store, x);
  const int size = tape.size();
  const int capacity = tape.capacity();
  const double* last_value = tape.value(size - 1).data();
  const std::vector<Matrix> second = TrainingStep(tape, store, x);
  EXPECT_EQ(tape.size(), size);
  EXPECT_EQ(tape.capacity(), capacity);
  // The node storage of the previous step was reused.
  EXPECT_EQ(tape.value(size - 1).data(), last_value);
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i], second[i]) << store.name(static_cast<int>(i));
    EXPECT_NE(first[i].norm(), 0.0);
  }
}

TEST(TapeTest, ClearKeepsCapacity) {
  Tape tape;
  tape.Reserve(10);
  EXPECT_EQ(tape.capacity(), 10);
  for (int i = 0; i < 15; ++i) tape.Scalar(i);
  EXPECT_EQ(tape.size(), 15);
  EXPECT_EQ(tape.capacity(), 15);
  tape.Clear();
  EXPECT_EQ(tape.size(), 0);
  EXPECT_EQ(tape.capacity(), 15);
}

TEST(TapeTest, BackwardOutputKeepsItsGradient) {
  Tape tape;
  const Var x = tape.Input(M(1, 2, {1, 2}));
  const Var y = Add(x, tape.Constant(M(1, 2, {3, 4})));
  tape.Backward(y, M(1, 2, {5, 6}));
  EXPECT_EQ(y.grad(), M(1, 2, {5, 6}));
  EXPECT_EQ(x.grad(), M(1, 2, {5, 6}));
}

using TapeDeathTest = ::testing::Test;

TEST(TapeDeathTest, HandedOverIntermediateGradientAborts) {
  Tape tape;
  const Var x = tape.Input(M(1, 2, {1, 2}));
  const Var y = AddScalar(x, 1.0);  // Pass-through: hands its gradient on.
  tape.Backward(Sum(Square(y)));
  EXPECT_EQ(x.grad(), M(1, 2, {4, 6}));
  EXPECT_DEATH(y.grad(), "handed to its input");
}

TEST(TapeDeathTest, BackwardNeedsAScalarLoss) {
  Tape tape;
  const Var x = tape.Input(Matrix::Ones(2, 2));
  EXPECT_DEATH(tape.Backward(x), "loss must be \\[1,1\\], got \\[2,2\\]");
  EXPECT_DEATH(tape.Backward(x, Matrix::Ones(1, 2)), "seed \\[1,2\\]");
}

TEST(TapeDeathTest, VarAfterClearAborts) {
  Tape tape;
  const Var x = tape.Input(Matrix::Ones(2, 2));
  tape.Clear();
  EXPECT_DEATH(x.value(), "Var used after Clear");
}

TEST(TapeDeathTest, ParamLeavesAreReadOnly) {
  ParameterStore store;
  const int id = store.Add("w", Matrix::Ones(1, 1));
  Tape tape;
  const Var p = tape.Param(store, id);
  EXPECT_DEATH(tape.MutableValue(p), "read-only");
}

TEST(TapeDeathTest, WrongGradientShapeInCustomOpAborts) {
  Tape tape;
  const Var x = tape.Input(Matrix::Ones(2, 2));
  const Var y = tape.Custom(Matrix::Ones(1, 1), {x}, [](BackwardContext& c) {
    c.AccumulateGrad(0, Matrix::Ones(1, 2));
  });
  EXPECT_DEATH(tape.Backward(y),
               "gradient of shape \\[1,2\\] for an input of "
               "shape \\[2,2\\]");
}

TEST(TapeDeathTest, InputsFromAnotherTapeAbort) {
  Tape t1, t2;
  const Var x = t1.Input(Matrix::Ones(1, 1));
  EXPECT_DEATH(t2.AddNode(1, 1, {x}, nullptr), "another tape");
}

}  // namespace
}  // namespace aanet::ad
