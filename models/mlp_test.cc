#include "models/mlp.h"

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
