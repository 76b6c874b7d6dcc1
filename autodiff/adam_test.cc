// Adam against hand-computed values (optax.adam's formulas), bias correction,
// and state export/import.
#include "autodiff/adam.h"

#include <cmath>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "autodiff/parameters.h"
#include "gtest/gtest.h"

namespace aanet::ad {
namespace {

Matrix Row(double a, double b) { return (Matrix(1, 2) << a, b).finished(); }

TEST(AdamTest, TwoStepsByHand) {
  ParameterStore store;
  const int p = store.Add("p", Row(1.0, -2.0));
  Adam adam;  // lr 1e-3, b1 0.9, b2 0.999, eps 1e-8.
  EXPECT_EQ(adam.step(), 0);

  store.grad(p) = Row(0.5, -1.0);
  adam.Step(store);
  EXPECT_EQ(adam.step(), 1);
  // Step 1: m = 0.1 g, v = 0.001 g^2, m_hat = g, v_hat = g^2:
  // update = -lr g / (|g| + eps).
  EXPECT_NEAR(store.value(p)(0, 0), 1.0 - 1e-3 * 0.5 / (0.5 + 1e-8), 1e-15);
  EXPECT_NEAR(store.value(p)(0, 1), -2.0 + 1e-3 * 1.0 / (1.0 + 1e-8), 1e-15);

  store.grad(p) = Row(-0.25, 2.0);
  adam.Step(store);
  // Step 2, element 0: m = 0.9 * 0.05 + 0.1 * -0.25 = 0.02,
  // v = 0.999 * 0.00025 + 0.001 * 0.0625 = 0.00031225,
  // m_hat = 0.02 / (1 - 0.81), v_hat = 0.00031225 / (1 - 0.998001).
  // Element 1: m = 0.9 * -0.1 + 0.1 * 2 = 0.11, v = 0.999 * 0.001 + 0.004.
  const double p0 = 1.0 - 1e-3 * 0.5 / (0.5 + 1e-8);
  const double p1 = -2.0 + 1e-3 * 1.0 / (1.0 + 1e-8);
  const double expected0 =
      p0 - 1e-3 * (0.02 / 0.19) / (std::sqrt(0.00031225 / 0.001999) + 1e-8);
  const double expected1 =
      p1 - 1e-3 * (0.11 / 0.19) / (std::sqrt(0.004999 / 0.001999) + 1e-8);
  EXPECT_NEAR(store.value(p)(0, 0), expected0, 1e-15);
  EXPECT_NEAR(store.value(p)(0, 1), expected1, 1e-15);
  // The same numbers from an independent Python evaluation of optax's formulas.
  EXPECT_NEAR(store.value(p)(0, 0), 0.9987336629870784, 1e-15);
  EXPECT_NEAR(store.value(p)(0, 1), -1.9993661035347206, 1e-15);
}

TEST(AdamTest, ConstantGradientMovesByLearningRatePerStep) {
  // With a constant g, m_hat = g and v_hat = g^2 at every step, so each step
  // moves by -lr g / (|g| + eps): the closed form after t steps.
  ParameterStore store;
  const int p = store.Add("p", Row(0.3, 0.7));
  AdamOptions options;
  options.learning_rate = 0.01;
  Adam adam(options);
  const Matrix g = Row(0.2, -3.0);
  for (int t = 1; t <= 5; ++t) {
    store.grad(p) = g;
    adam.Step(store);
    EXPECT_NEAR(store.value(p)(0, 0), 0.3 - t * 0.01 * 0.2 / (0.2 + 1e-8),
                1e-14);
    EXPECT_NEAR(store.value(p)(0, 1), 0.7 + t * 0.01 * 3.0 / (3.0 + 1e-8),
                1e-14);
  }
}

TEST(AdamTest, FirstStepIsMinusLearningRateTimesSign) {
  // Bias correction makes the first update -lr * g / (|g| + eps), i.e.
  // -lr * sign(g) whatever the gradient's scale.
  ParameterStore store;
  const int p = store.Add("p", Matrix::Zero(1, 4));
  store.grad(p) = (Matrix(1, 4) << 1e-3, -50.0, 7.0, -1e-2).finished();
  Adam adam;
  adam.Step(store);
  const Matrix expected = (Matrix(1, 4) << -1e-3, 1e-3, -1e-3, 1e-3).finished();
  for (int j = 0; j < 4; ++j) {
    EXPECT_NEAR(store.value(p)(0, j), expected(0, j), 1e-3 * 1e-5) << j;
  }
  // A zero gradient does not move the parameter.
  ParameterStore zero;
  zero.Add("z", Matrix::Ones(1, 1));
  adam.Reset();
  adam.Step(zero);
  EXPECT_EQ(zero.value(0)(0, 0), 1.0);
}

TEST(AdamTest, ExportImportResumesExactly) {
  auto make_store = [](ParameterStore& store) {
    store.Add("a", Row(1.0, 2.0));
    store.Add("b", Matrix::Constant(2, 1, -0.5));
  };
  auto set_grads = [](ParameterStore& store, int t) {
    store.grad(0) = Row(std::sin(t), std::cos(t));
    store.grad(1) = Matrix::Constant(2, 1, 0.1 * t);
    store.grad(1)(1, 0) = -0.3 / t;
  };
  ParameterStore reference;
  make_store(reference);
  Adam uninterrupted;
  for (int t = 1; t <= 5; ++t) {
    set_grads(reference, t);
    uninterrupted.Step(reference);
  }

  ParameterStore first;
  make_store(first);
  Adam before;
  for (int t = 1; t <= 3; ++t) {
    set_grads(first, t);
    before.Step(first);
  }
  const AdamState state = before.ExportState(first);
  EXPECT_EQ(state.step, 3);
  EXPECT_EQ(state.m.size(), 4);
  EXPECT_EQ(state.v.size(), 4);

  ParameterStore resumed;
  make_store(resumed);
  ASSERT_TRUE(resumed.Unflatten(first.Flatten()).ok());
  Adam after;
  ASSERT_TRUE(after.ImportState(state, resumed).ok());
  EXPECT_EQ(after.step(), 3);
  for (int t = 4; t <= 5; ++t) {
    set_grads(resumed, t);
    after.Step(resumed);
  }
  EXPECT_EQ(resumed.Flatten(), reference.Flatten());  // Bit for bit.
}

TEST(AdamTest, ExportBeforeAnyStepIsZero) {
  ParameterStore store;
  store.Add("a", Matrix::Ones(2, 2));
  const AdamState state = Adam().ExportState(store);
  EXPECT_EQ(state.step, 0);
  EXPECT_EQ(state.m, Eigen::VectorXd::Zero(4));
  EXPECT_EQ(state.v, Eigen::VectorXd::Zero(4));
}

TEST(AdamTest, ImportRejectsMismatchedState) {
  ParameterStore store;
  store.Add("a", Matrix::Ones(2, 2));
  Adam adam;
  AdamState state;
  state.m = Eigen::VectorXd::Zero(3);
  state.v = Eigen::VectorXd::Zero(4);
  EXPECT_EQ(adam.ImportState(state, store).code(),
            absl::StatusCode::kInvalidArgument);
  state.m = Eigen::VectorXd::Zero(4);
  state.step = -1;
  EXPECT_EQ(adam.ImportState(state, store).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aanet::ad
