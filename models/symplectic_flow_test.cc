#include "models/symplectic_flow.h"

#include <string>
#include <tuple>

#include "Eigen/LU"
#include "autodiff/gradient_check.h"
#include "autodiff/ops.h"
#include "gtest/gtest.h"
#include "models/model_test_util.h"

namespace aanet {
namespace {

using ::aanet::testing::RandomizeParameters;
using ::aanet::testing::RandomMatrix;
using ::aanet::testing::ReverseModeJacobian;
using ::aanet::testing::SymplecticForm;

SymplecticFlowConfig Config(ShearConditioner conditioner,
                            const std::string& activation, int layers,
                            int width) {
  SymplecticFlowConfig config;
  config.set_num_layers(layers);
  config.set_hidden_width(width);
  config.set_activation(activation);
  config.set_conditioner(conditioner);
  config.set_weight_init_stddev(0.01);
  return config;
}

// (conditioner, activation, n)
class FlowTest : public ::testing::TestWithParam<
                     std::tuple<ShearConditioner, std::string, int>> {
 protected:
  void SetUp() override {
    const auto& [conditioner, activation, n] = GetParam();
    n_ = n;
    Random random(17);
    absl::StatusOr<SymplecticFlow> flow =
        SymplecticFlow::Create(store_, "flow",
                               Config(conditioner, activation,
                                      /*layers=*/4,
                                      /*width=*/7),
                               "flow", n, random);
    ASSERT_TRUE(flow.ok()) << flow.status();
    flow_.emplace(*std::move(flow));
    RandomizeParameters(store_, 0.7, random);
    states_ = RandomMatrix(5, 2 * n, 1.5, random);
  }

  int n_ = 0;
  ad::ParameterStore store_;
  std::optional<SymplecticFlow> flow_;
  Eigen::MatrixXd states_;
};

TEST_P(FlowTest, InverseUndoesForwardExactly) {
  const Eigen::MatrixXd latent = flow_->ForwardValues(states_);
  EXPECT_GT((latent - states_).norm(), 1e-2);  // the flow is not trivial
  const Eigen::MatrixXd back = flow_->InverseValues(latent);
  EXPECT_LE((back - states_).cwiseAbs().maxCoeff(), 1e-12);
  const Eigen::MatrixXd forth =
      flow_->ForwardValues(flow_->InverseValues(states_));
  EXPECT_LE((forth - states_).cwiseAbs().maxCoeff(), 1e-12);
}

TEST_P(FlowTest, TapeAndValuePathsAgree) {
  ad::Tape tape;
  ad::Var x = tape.Constant(states_);
  EXPECT_LE((flow_->Forward(tape, x).value() - flow_->ForwardValues(states_))
                .cwiseAbs()
                .maxCoeff(),
            1e-14);
  EXPECT_LE((flow_->Inverse(tape, x).value() - flow_->InverseValues(states_))
                .cwiseAbs()
                .maxCoeff(),
            1e-14);
}

TEST_P(FlowTest, EveryLayerAndTheWholeFlowAreSymplectic) {
  const Eigen::MatrixXd omega = SymplecticForm(n_);
  const Eigen::MatrixXd state = states_.topRows(1);
  for (int layer = 0; layer < flow_->num_layers(); ++layer) {
    for (double sign : {+1.0, -1.0}) {
      const Eigen::MatrixXd j = ReverseModeJacobian(
          [&](ad::Tape& tape, ad::Var x) {
            return flow_->ApplyLayer(tape, layer, x, sign);
          },
          state);
      EXPECT_LE((j.transpose() * omega * j - omega).cwiseAbs().maxCoeff(),
                1e-10)
          << "layer " << layer << " sign " << sign;
    }
  }
  const Eigen::MatrixXd j = ReverseModeJacobian(
      [&](ad::Tape& tape, ad::Var x) { return flow_->Forward(tape, x); },
      state);
  EXPECT_GT((j - Eigen::MatrixXd::Identity(2 * n_, 2 * n_)).norm(), 1e-2);
  EXPECT_LE((j.transpose() * omega * j - omega).cwiseAbs().maxCoeff(), 1e-10);
}

TEST_P(FlowTest, JacobianMatchesFiniteDifferences) {
  // Confirms the reverse-mode Jacobian used above is the flow's derivative.
  const Eigen::MatrixXd state = states_.topRows(1);
  const Eigen::MatrixXd j = ReverseModeJacobian(
      [&](ad::Tape& tape, ad::Var x) { return flow_->Forward(tape, x); },
      state);
  const double h = 1e-5;
  for (int k = 0; k < 2 * n_; ++k) {
    Eigen::MatrixXd plus = state, minus = state;
    plus(0, k) += h;
    minus(0, k) -= h;
    const Eigen::MatrixXd column =
        (flow_->ForwardValues(plus) - flow_->ForwardValues(minus)) / (2 * h);
    EXPECT_LE((column.transpose() - j.col(k)).cwiseAbs().maxCoeff(), 1e-8);
  }
}

TEST_P(FlowTest, GradientsMatchFiniteDifferences) {
  Random random(3);
  const Eigen::MatrixXd weights = RandomMatrix(5, 2 * n_, 1.0, random);
  ad::GradientCheckResult result = ad::CheckGradients(
      [&](ad::Tape& tape, absl::Span<const ad::Var> inputs) {
        ad::Var c = tape.Constant(weights);
        ad::Var forward = flow_->Forward(tape, inputs[0]);
        ad::Var inverse = flow_->Inverse(tape, inputs[0]);
        return ad::Add(ad::Sum(ad::Mul(forward, c)),
                       ad::Mean(ad::Square(inverse)));
      },
      &store_, {states_});
  EXPECT_LT(result.max_relative_error, 1e-6) << result.worst;
  EXPECT_GT(result.num_checked, 0);
}

TEST(SymplecticFlowTest, PublishedPerCoordinateGateIsNotSymplectic) {
  // The reason GATED gates only the skip term (see symplectic_flow.h).
  ad::ParameterStore store;
  Random random(2);
  absl::StatusOr<SymplecticFlow> flow = SymplecticFlow::Create(
      store, "flow", Config(GATED_PER_COORDINATE, "sigmoid", 2, 7), "flow", 2,
      random);
  ASSERT_TRUE(flow.ok());
  RandomizeParameters(store, 0.7, random);
  const Eigen::MatrixXd omega = SymplecticForm(2);
  const Eigen::MatrixXd j = ReverseModeJacobian(
      [&](ad::Tape& tape, ad::Var x) {
        return flow->ApplyLayer(tape, 0, x, 1);
      },
      RandomMatrix(1, 4, 1.0, random));
  EXPECT_GT((j.transpose() * omega * j - omega).cwiseAbs().maxCoeff(), 1e-3);
  EXPECT_NEAR(j.determinant(), 1.0, 1e-12);  // it does preserve volume
}

// The published code's conditioner is not symplectic, so FlowTest's
// symplecticity checks exclude it; its inverse, its tape/value agreement and
// its gradients (of the forward and the inverse) are checked here.
TEST(SymplecticFlowTest, PublishedPerCoordinateGate) {
  for (int n : {1, 2, 3}) {
    for (const char* activation : {"sigmoid", "tanh"}) {
      ad::ParameterStore store;
      Random random(23 + n);
      absl::StatusOr<SymplecticFlow> flow = SymplecticFlow::Create(
          store, "flow",
          Config(PUBLISHED_PER_COORDINATE_GATE, activation, 4, 7), "flow", n,
          random);
      ASSERT_TRUE(flow.ok()) << flow.status();
      RandomizeParameters(store, 0.7, random);
      const Eigen::MatrixXd states = RandomMatrix(5, 2 * n, 1.5, random);
      const Eigen::MatrixXd latent = flow->ForwardValues(states);
      EXPECT_GT((latent - states).norm(), 1e-2);
      EXPECT_LE((flow->InverseValues(latent) - states).cwiseAbs().maxCoeff(),
                1e-12);
      ad::Tape tape;
      EXPECT_LE((flow->Forward(tape, tape.Constant(states)).value() - latent)
                    .cwiseAbs()
                    .maxCoeff(),
                1e-13);
      const Eigen::MatrixXd weights = RandomMatrix(5, 2 * n, 1.0, random);
      ad::GradientCheckResult result = ad::CheckGradients(
          [&](ad::Tape& t, absl::Span<const ad::Var> inputs) {
            ad::Var forward = flow->Forward(t, inputs[0]);
            ad::Var inverse = flow->Inverse(t, inputs[0]);
            return ad::Add(ad::Sum(ad::Mul(forward, t.Constant(weights))),
                           ad::Mean(ad::Square(inverse)));
          },
          &store, {states});
      EXPECT_LT(result.max_relative_error, 1e-6)
          << "n " << n << " " << activation << ": " << result.worst;
      EXPECT_GT(result.num_checked, 0);
    }
  }
}

TEST(SymplecticPairScaleTest, EqualisesTheFormAcrossPairs) {
  Eigen::RowVectorXd sigma(6);
  sigma << 2.0, 0.5, 3.0, 7.0, 0.1, 1.5;  // sigma_q [3], sigma_p [3]
  const Eigen::RowVectorXd s = SymplecticPairScale(sigma, 3);
  // After standardising and scaling, pair i's form is multiplied by
  // s_i^2 / (sigma_q_i sigma_p_i): the same for every pair.
  const double first = s[0] * s[3] / (sigma[0] * sigma[3]);
  for (int i = 0; i < 3; ++i) {
    EXPECT_DOUBLE_EQ(s[i], s[3 + i]);
    EXPECT_NEAR(s[i] * s[3 + i] / (sigma[i] * sigma[3 + i]), first, 1e-14);
  }
  // Normalised so the scales' geometric mean is 1.
  EXPECT_NEAR(s.head(3).array().log().sum(), 0.0, 1e-14);
  EXPECT_EQ(SymplecticPairScale(Eigen::RowVectorXd(), 2),
            Eigen::RowVectorXd::Ones(4));
}

INSTANTIATE_TEST_SUITE_P(Conditioners, FlowTest,
                         ::testing::Values(std::make_tuple(GATED, "sigmoid", 2),
                                           std::make_tuple(GATED, "sigmoid", 1),
                                           std::make_tuple(GATED, "sigmoid", 3),
                                           std::make_tuple(PAPER, "sigmoid", 4),
                                           std::make_tuple(GATED, "sigmoid", 5),
                                           std::make_tuple(GATED, "tanh", 3),
                                           std::make_tuple(GATED, "relu", 1),
                                           std::make_tuple(PAPER, "sigmoid", 2),
                                           std::make_tuple(PAPER, "softplus",
                                                           3)));

TEST(SymplecticFlowTest, StartsAsTheIdentity) {
  ad::ParameterStore store;
  Random random(1);
  absl::StatusOr<SymplecticFlow> flow = SymplecticFlow::Create(
      store, "flow", Config(GATED, "sigmoid", 20, 100), "flow", 2, random);
  ASSERT_TRUE(flow.ok());
  const Eigen::MatrixXd x = RandomMatrix(3, 4, 1.0, random);
  EXPECT_EQ(flow->ForwardValues(x), x);
  // The published count: 20 layers of W [2,100], b, a [100], gate [2].
  EXPECT_EQ(store.NumScalars(), 20 * (200 + 100 + 100 + 2));
}

TEST(SymplecticFlowTest, InvalidConfigsNameTheField) {
  ad::ParameterStore store;
  Random random(1);
  SymplecticFlowConfig config = Config(GATED, "sigmoid", 0, 10);
  EXPECT_NE(SymplecticFlow::Create(store, "f", config, "m.flow", 2, random)
                .status()
                .message()
                .find("m.flow.num_layers"),
            std::string::npos);
  config = Config(GATED, "sigmoidd", 2, 10);
  EXPECT_NE(SymplecticFlow::Create(store, "f", config, "m.flow", 2, random)
                .status()
                .message()
                .find("m.flow.activation"),
            std::string::npos);
  config = Config(GATED, "sigmoid", 2, 10);
  config.clear_hidden_width();
  EXPECT_NE(SymplecticFlow::Create(store, "f", config, "m.flow", 2, random)
                .status()
                .message()
                .find("m.flow.hidden_width"),
            std::string::npos);
}

}  // namespace
}  // namespace aanet
