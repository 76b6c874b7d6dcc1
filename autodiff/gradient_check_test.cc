// The gradient checker must pass correct gradients, flag wrong ones, and leave
// parameters untouched.
#include "autodiff/gradient_check.h"

#include <cmath>
#include <limits>

#include "autodiff/ops.h"
#include "autodiff/parameters.h"
#include "autodiff/tape.h"
#include "gtest/gtest.h"

namespace aanet::ad {
namespace {

// x^2 elementwise with a backward scaled by `factor` (1 = correct).
Var ScaledSquare(Var x, double factor) {
  Tape* tape = x.tape();
  Var y = tape->AddNode(x.rows(), x.cols(), {x}, [factor](BackwardContext& c) {
    c.AccumulateGrad(0, factor * 2.0 * c.grad().array() * c.input(0).array());
  });
  tape->MutableValue(y).array() = x.value().array().square();
  return y;
}

GradientCheckResult Check(double factor, const GradientCheckOptions& options) {
  ParameterStore store;
  const int w = store.Add("w", (Matrix(2, 2) << 0.5, -1, 2, 0.25).finished());
  return CheckGradients(
      [&](Tape& tape, absl::Span<const Var> in) {
        return Sum(Mul(ScaledSquare(tape.Param(store, w), factor), in[0]));
      },
      &store, {(Matrix(2, 2) << 1, 2, 3, -4).finished()}, options);
}

TEST(GradientCheckTest, AcceptsCorrectGradients) {
  const GradientCheckResult five = Check(1.0, {});
  EXPECT_EQ(five.num_checked, 8);
  EXPECT_LT(five.max_relative_error, 1e-10) << five.worst;
  EXPECT_GT(five.gradient_scale, 1.0);
  GradientCheckOptions three;
  three.five_point = false;
  three.step = 1e-6;
  const GradientCheckResult r3 = Check(1.0, three);
  EXPECT_LT(r3.max_relative_error, 1e-6) << r3.worst;
}

TEST(GradientCheckTest, FlagsWrongGradients) {
  const GradientCheckResult result = Check(1.001, {});
  EXPECT_GT(result.max_relative_error, 5e-4);
  EXPECT_NE(result.worst.find("param 'w'"), std::string::npos) << result.worst;
}

TEST(GradientCheckTest, RestoresParametersAndLeavesAnalyticGradients) {
  ParameterStore store;
  const Matrix initial = (Matrix(1, 3) << 0.1, 0.2, 0.3).finished();
  const int w = store.Add("w", initial);
  const GradientCheckResult result = CheckGradients(
      [&](Tape& tape, absl::Span<const Var>) {
        return Sum(Exp(tape.Param(store, w)));
      },
      &store, {});
  EXPECT_LT(result.max_relative_error, 1e-9) << result.worst;
  EXPECT_EQ(store.value(w), initial);  // Bit for bit.
  EXPECT_EQ(store.grad(w), initial.array().exp().matrix());
}

TEST(GradientCheckTest, OptionsSelectWhatIsChecked) {
  ParameterStore store;
  const int w = store.Add("w", Matrix::Ones(1, 2));
  auto fn = [&](Tape& tape, absl::Span<const Var> in) {
    return Sum(Mul(tape.Param(store, w), in[0]));
  };
  GradientCheckOptions only_inputs;
  only_inputs.check_params = false;
  EXPECT_EQ(
      CheckGradients(fn, &store, {Matrix::Ones(1, 2)}, only_inputs).num_checked,
      2);
  GradientCheckOptions only_params;
  only_params.check_inputs = false;
  EXPECT_EQ(
      CheckGradients(fn, &store, {Matrix::Ones(1, 2)}, only_params).num_checked,
      2);
}

TEST(GradientCheckTest, MaxRelativeDifference) {
  const Matrix a = (Matrix(1, 3) << 1.0, 100.0, 0.0).finished();
  const Matrix b = (Matrix(1, 3) << 1.0, 101.0, 1e-9).finished();
  EXPECT_NEAR(MaxRelativeDifference(a, b, 1e-6), 1.0 / 101.0, 1e-15);
  const Matrix c = (Matrix(1, 1) << std::nan("")).finished();
  EXPECT_EQ(MaxRelativeDifference(c, c, 1.0),
            std::numeric_limits<double>::infinity());
}

}  // namespace
}  // namespace aanet::ad
