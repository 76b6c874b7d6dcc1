#include "models/mlp.h"

#include <optional>
#include <vector>

#include "autodiff/gradient_check.h"
#include "autodiff/ops.h"
#include "gtest/gtest.h"
#include "models/model_test_util.h"

namespace aanet {
namespace {

using ::aanet::testing::RandomizeParameters;
using ::aanet::testing::RandomMatrix;

// A network with a residual hidden layer and a residual output layer.
Mlp MakeMlp(ad::ParameterStore& store, ad::Activation activation,
            int output_size, Random& random) {
  absl::StatusOr<Mlp> mlp =
      Mlp::Create(store, "net", 3, {5, 5}, output_size, activation, random);
  EXPECT_TRUE(mlp.ok()) << mlp.status();
  RandomizeParameters(store, 0.7, random);
  return *std::move(mlp);
}

// d(sum of outputs)/d(inputs) by central differences on Evaluate().
Eigen::MatrixXd NumericalInputGradient(const Mlp& mlp,
                                       const Eigen::MatrixXd& inputs) {
  const double h = 1e-5;
  Eigen::MatrixXd gradient(inputs.rows(), inputs.cols());
  for (Eigen::Index i = 0; i < inputs.rows(); ++i) {
    for (Eigen::Index j = 0; j < inputs.cols(); ++j) {
      Eigen::MatrixXd plus = inputs.row(i), minus = inputs.row(i);
      plus(0, j) += h;
      minus(0, j) -= h;
      gradient(i, j) =
          (mlp.Evaluate(plus).sum() - mlp.Evaluate(minus).sum()) / (2 * h);
    }
  }
  return gradient;
}

class MlpInputGradientTest : public ::testing::TestWithParam<ad::Activation> {};

TEST_P(MlpInputGradientTest, MatchesFiniteDifferencesOnValuesAndTape) {
  Random random(3);
  ad::ParameterStore store;
  const Mlp mlp = MakeMlp(store, GetParam(), 3, random);
  const Eigen::MatrixXd inputs = RandomMatrix(4, 3, 1.0, random);
  const Eigen::MatrixXd numerical = NumericalInputGradient(mlp, inputs);
  const Eigen::MatrixXd values = mlp.InputGradientValues(inputs);
  EXPECT_LE((values - numerical).cwiseAbs().maxCoeff(),
            1e-7 * std::max(1.0, numerical.cwiseAbs().maxCoeff()));
  ad::Tape tape;
  ad::Var on_tape = mlp.InputGradient(tape, tape.Constant(inputs));
  EXPECT_LE((on_tape.value() - values).cwiseAbs().maxCoeff(), 1e-13);
}

TEST_P(MlpInputGradientTest, LossOfTheInputGradientHasCorrectGradients) {
  // Second order: what the Hamiltonian Neural Network trains through.
  Random random(4);
  ad::ParameterStore store;
  const Mlp mlp = MakeMlp(store, GetParam(), 1, random);
  const Eigen::MatrixXd inputs = RandomMatrix(4, 3, 1.0, random);
  const Eigen::MatrixXd targets = RandomMatrix(4, 3, 1.0, random);
  ad::GradientCheckResult result = ad::CheckGradients(
      [&](ad::Tape& tape, absl::Span<const ad::Var> in) {
        return ad::Mean(ad::Square(
            ad::Sub(mlp.InputGradient(tape, in[0]), tape.Constant(targets))));
      },
      &store, {inputs});
  EXPECT_LT(result.max_relative_error, 1e-6) << result.worst;
  EXPECT_GT(result.gradient_scale, 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Smooth, MlpInputGradientTest,
                         ::testing::Values(ad::Activation::kTanh,
                                           ad::Activation::kSigmoid,
                                           ad::Activation::kSoftplus));

TEST(MlpInputGradientTest, ReluNetworkGradientIsPiecewiseLinear) {
  // With relu, d(sum outputs)/dx is constant within a linear region, so the
  // central difference is exact there (inputs away from kinks).
  Random random(5);
  ad::ParameterStore store;
  const Mlp mlp = MakeMlp(store, ad::Activation::kRelu, 2, random);
  const Eigen::MatrixXd inputs = RandomMatrix(6, 3, 1.0, random);
  EXPECT_LE(
      (mlp.InputGradientValues(inputs) - NumericalInputGradient(mlp, inputs))
          .cwiseAbs()
          .maxCoeff(),
      1e-8);
}

// EvaluateRow is Evaluate for one row, residual layers included.
TEST(MlpEvaluateRowTest, EqualsEvaluateRowByRow) {
  Random random(6);
  for (ad::Activation activation :
       {ad::Activation::kSigmoid, ad::Activation::kTanh,
        ad::Activation::kRelu}) {
    ad::ParameterStore store;
    const Mlp mlp = MakeMlp(store, activation, 3, random);
    const Eigen::MatrixXd inputs = RandomMatrix(5, 3, 1.0, random);
    const Eigen::MatrixXd expected = mlp.Evaluate(inputs);
    for (int i = 0; i < inputs.rows(); ++i) {
      const Eigen::RowVectorXd row = inputs.row(i);
      double out[3];
      mlp.EvaluateRow(row.data(), out);
      for (int k = 0; k < 3; ++k) {
        EXPECT_NEAR(out[k], expected(i, k), 1e-13) << i << " " << k;
      }
    }
  }
}

// The float32 packing of a one-hidden-layer sigmoid net n -> width -> n
// evaluates the same function to float rounding; other shapes are refused.
TEST(MlpPackOneStateTest, AgreesWithEvaluateAndRefusesOtherShapes) {
  Random random(7);
  ad::ParameterStore store;
  absl::StatusOr<Mlp> mlp = Mlp::Create(store, "omega", 2, {100}, 2,
                                        ad::Activation::kSigmoid, random);
  ASSERT_TRUE(mlp.ok()) << mlp.status();
  RandomizeParameters(store, 0.3, random);
  const std::optional<ad::internal::PackedSigmoidNet> packed =
      mlp->PackOneState();
  ASSERT_TRUE(packed.has_value());
  const Eigen::MatrixXd inputs = RandomMatrix(6, 2, 1.0, random);
  const Eigen::MatrixXd expected = mlp->Evaluate(inputs);
  for (int i = 0; i < inputs.rows(); ++i) {
    const float x[2] = {static_cast<float>(inputs(i, 0)),
                        static_cast<float>(inputs(i, 1))};
    float out[2];
    packed->Evaluate(x, out);
    for (int k = 0; k < 2; ++k) {
      // 100 float32 terms of order 0.3 each.
      EXPECT_NEAR(out[k], expected(i, k), 1e-5) << i << " " << k;
    }
  }
  auto packs = [&](int input, std::vector<int> hidden, int output,
                   ad::Activation activation) {
    ad::ParameterStore other_store;
    absl::StatusOr<Mlp> other = Mlp::Create(other_store, "net", input, hidden,
                                            output, activation, random);
    EXPECT_TRUE(other.ok()) << other.status();
    return other->PackOneState().has_value();
  };
  EXPECT_TRUE(packs(3, {16}, 3, ad::Activation::kSigmoid));
  EXPECT_FALSE(packs(2, {100}, 2, ad::Activation::kTanh));
  EXPECT_FALSE(packs(2, {100, 100}, 2, ad::Activation::kSigmoid));
  EXPECT_FALSE(packs(2, {100}, 1, ad::Activation::kSigmoid));
  EXPECT_FALSE(packs(2, {2}, 2, ad::Activation::kSigmoid));  // residual
}

// The Action-Angle Network's angular-velocity net (2 -> 37 -> 2: 37 hidden
// units leave a partial block of 16) with random parameters.
Mlp MakeOmegaNet(ad::ParameterStore& store, int n, Random& random) {
  absl::StatusOr<Mlp> mlp =
      Mlp::Create(store, "omega", n, {37}, n, ad::Activation::kSigmoid, random);
  EXPECT_TRUE(mlp.ok()) << mlp.status();
  RandomizeParameters(store, 0.5, random);
  return *std::move(mlp);
}

// A weighted sum of the outputs on `tape` (weights fixed per call), so that
// every output's gradient differs.
ad::Var WeightedSum(ad::Tape& tape, ad::Var outputs) {
  Eigen::MatrixXd weights(outputs.rows(), outputs.cols());
  for (Eigen::Index i = 0; i < weights.size(); ++i) {
    weights(i) = 0.3 + 0.1 * static_cast<double>(i % 7);
  }
  return ad::Sum(ad::Mul(outputs, tape.Constant(weights)));
}

// The kernel node's values and every gradient (parameters, then inputs)
// after a backward pass of WeightedSum.
struct NodeResult {
  Eigen::MatrixXd values;
  std::vector<Eigen::MatrixXd> gradients;
};

template <typename Forward>
NodeResult RunNode(const Forward& forward, ad::ParameterStore& store,
                   const Eigen::MatrixXd& inputs) {
  ad::Tape tape;
  store.ZeroGrad();
  ad::Var x = tape.Input(inputs);
  ad::Var out = forward(tape, x);
  tape.Backward(WeightedSum(tape, out));
  NodeResult result;
  result.values = out.value();
  for (int id = 0; id < store.size(); ++id) {
    result.gradients.push_back(store.grad(id));
  }
  result.gradients.push_back(x.grad());
  return result;
}

TEST(MlpShearKernelTest, Float64NodeEqualsTheTapeAndFiniteDifferences) {
  for (int n : {1, 2, 4}) {
    Random random(11 + n);
    ad::ParameterStore store;
    const Mlp mlp = MakeOmegaNet(store, n, random);
    ASSERT_TRUE(mlp.HasShearKernelShape());
    const Eigen::MatrixXd inputs = RandomMatrix(21, n, 1.5, random);
    const NodeResult node = RunNode(
        [&](ad::Tape& t, ad::Var x) {
          return mlp.ForwardOnShearKernel<double>(t, x);
        },
        store, inputs);
    const NodeResult tape =
        RunNode([&](ad::Tape& t, ad::Var x) { return mlp.Forward(t, x); },
                store, inputs);
    EXPECT_LT(ad::MaxRelativeDifference(node.values, tape.values, 1e-12), 1e-13)
        << n;
    ASSERT_EQ(node.gradients.size(), tape.gradients.size());
    for (size_t k = 0; k < node.gradients.size(); ++k) {
      EXPECT_LT(ad::MaxRelativeDifference(node.gradients[k], tape.gradients[k],
                                          1e-12),
                1e-12)
          << "n " << n << " gradient " << k;
    }
    ad::GradientCheckResult result = ad::CheckGradients(
        [&](ad::Tape& t, absl::Span<const ad::Var> in) {
          return WeightedSum(t, mlp.ForwardOnShearKernel<double>(t, in[0]));
        },
        &store, {inputs});
    EXPECT_LT(result.max_relative_error, 1e-7) << n << " " << result.worst;
    EXPECT_GT(result.gradient_scale, 1e-2);
  }
}

// (The kernels' bits on every instruction set, unit sums included, are
// checked by autodiff/internal:shear_stack_test.)
TEST(MlpShearKernelTest, Float32NodeAgreesWithFloat64) {
  Random random(5);
  ad::ParameterStore store;
  const Mlp mlp = MakeOmegaNet(store, 2, random);
  const Eigen::MatrixXd inputs = RandomMatrix(100, 2, 1.5, random);
  const NodeResult reference =
      RunNode([&](ad::Tape& t,
                  ad::Var x) { return mlp.ForwardOnShearKernel<double>(t, x); },
              store, inputs);
  const NodeResult result =
      RunNode([&](ad::Tape& t,
                  ad::Var x) { return mlp.ForwardOnShearKernel<float>(t, x); },
              store, inputs);
  // Sums of 37 float32 terms of order 0.3: absolute errors of order 1e-7.
  EXPECT_LT(ad::MaxRelativeDifference(result.values, reference.values, 1.0),
            1e-5);
  for (size_t k = 0; k < result.gradients.size(); ++k) {
    // Batch sums of 100 float32 terms.
    EXPECT_LT(ad::MaxRelativeDifference(result.gradients[k],
                                        reference.gradients[k], 1e-1),
              2e-5)
        << "gradient " << k;
  }
}

TEST(MlpShearKernelTest, OtherShapesAreRefused) {
  Random random(9);
  auto takes = [&](int input, std::vector<int> hidden, int output,
                   ad::Activation activation) {
    ad::ParameterStore store;
    absl::StatusOr<Mlp> mlp =
        Mlp::Create(store, "net", input, hidden, output, activation, random);
    EXPECT_TRUE(mlp.ok()) << mlp.status();
    return mlp->HasShearKernelShape();
  };
  EXPECT_TRUE(takes(2, {100}, 2, ad::Activation::kSigmoid));
  EXPECT_TRUE(takes(4, {16}, 4, ad::Activation::kSigmoid));
  EXPECT_FALSE(takes(5, {16}, 5, ad::Activation::kSigmoid));  // n > 4
  EXPECT_FALSE(takes(2, {100}, 2, ad::Activation::kTanh));
  EXPECT_FALSE(takes(2, {100, 100}, 2, ad::Activation::kSigmoid));
  EXPECT_FALSE(takes(2, {100}, 1, ad::Activation::kSigmoid));
  EXPECT_FALSE(takes(2, {2}, 2, ad::Activation::kSigmoid));  // residual
}

TEST(MlpFromConfigTest, ErrorsNameTheField) {
  Random random(0);
  ad::ParameterStore store;
  MlpConfig config;
  config.add_hidden_widths(4);
  config.set_activation("sigmoidd");
  absl::StatusOr<Mlp> mlp =
      CreateMlpFromConfig(store, "net", config, "model.x.net", 2, 2, random);
  ASSERT_FALSE(mlp.ok());
  EXPECT_NE(mlp.status().message().find("model.x.net.activation"),
            std::string::npos)
      << mlp.status();
  config.set_activation("relu");
  config.set_hidden_widths(0, 0);
  mlp = CreateMlpFromConfig(store, "net", config, "model.x.net", 2, 2, random);
  ASSERT_FALSE(mlp.ok());
  EXPECT_NE(mlp.status().message().find("model.x.net.hidden_widths"),
            std::string::npos)
      << mlp.status();
}

}  // namespace
}  // namespace aanet
