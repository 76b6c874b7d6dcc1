#include "models/symplectic_flow.h"

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

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

// One shear layer (p <- p + sign * F(u(q), q)) of each conditioner, on
// every code path (fused sigmoid and products; one state, a few, a batch;
// values and tape), against plain loops: its value, and the gradients of the
// gate and of the state for dL/dy = C.
TEST(SymplecticFlowTest, EachConditionerMatchesPlainLoops) {
  for (ShearConditioner conditioner : {SYMPLECTIC_SKIP_GATE, PAPER_EQUATION_5,
                                       PUBLISHED_PER_COORDINATE_GATE}) {
    for (const char* activation : {"sigmoid", "tanh"}) {
      for (int n : {2, 5}) {
        for (int batch : {1, 3, 13}) {
          for (double sign : {+1.0, -1.0}) {
            SCOPED_TRACE(::testing::Message()
                         << ShearConditioner_Name(conditioner) << " "
                         << activation << " n " << n << " batch " << batch
                         << " sign " << sign);
            ad::ParameterStore store;
            Random random(41 + n + batch);
            const int width = 9;
            absl::StatusOr<SymplecticFlow> flow = SymplecticFlow::Create(
                store, "flow", Config(conditioner, activation, 1, width),
                "flow", n, random);
            ASSERT_TRUE(flow.ok()) << flow.status();
            RandomizeParameters(store, 0.7, random);
            const Eigen::MatrixXd w = store.value(0), b = store.value(1),
                                  a = store.value(2), gate = store.value(3);
            const Eigen::MatrixXd states =
                RandomMatrix(batch, 2 * n, 1.5, random);
            const Eigen::MatrixXd c = RandomMatrix(batch, 2 * n, 1.0, random);
            const bool sigmoid = std::string(activation) == "sigmoid";
            // Plain loops: u, F, y, and the gradients.
            Eigen::MatrixXd want = states;
            Eigen::MatrixXd want_grad_states = c;
            Eigen::MatrixXd want_grad_gate =
                Eigen::MatrixXd::Zero(1, gate.cols());
            for (int i = 0; i < batch; ++i) {
              std::vector<double> u(n, 0.0), z(width), s(width);
              for (int j = 0; j < width; ++j) {
                z[j] = b(0, j);
                for (int k = 0; k < n; ++k) z[j] += states(i, k) * w(k, j);
                s[j] =
                    sigmoid ? 1.0 / (1.0 + std::exp(-z[j])) : std::tanh(z[j]);
                for (int k = 0; k < n; ++k) u[k] += s[j] * a(0, j) * w(k, j);
              }
              std::vector<double> g_u(n);
              for (int k = 0; k < n; ++k) {
                const double x = states(i, k);
                const double g_f = sign * c(i, n + k);  // dL/dF
                double f = 0.0;
                if (conditioner == SYMPLECTIC_SKIP_GATE) {
                  f = u[k] + gate(0, k) * x;
                  want_grad_gate(0, k) += g_f * x;
                  want_grad_states(i, k) += g_f * gate(0, k);
                  g_u[k] = g_f;
                } else if (conditioner == PAPER_EQUATION_5) {
                  f = u[k] + gate(0, 0) * x;
                  want_grad_gate(0, 0) += g_f * x;
                  want_grad_states(i, k) += g_f * gate(0, 0);
                  g_u[k] = g_f;
                } else {
                  f = (u[k] + x) * gate(0, k);
                  want_grad_gate(0, k) += g_f * (u[k] + x);
                  want_grad_states(i, k) += g_f * gate(0, k);
                  g_u[k] = g_f * gate(0, k);
                }
                want(i, n + k) += sign * f;
              }
              for (int j = 0; j < width; ++j) {
                double g_s = 0.0;
                for (int k = 0; k < n; ++k) g_s += g_u[k] * a(0, j) * w(k, j);
                const double g_z =
                    g_s * (sigmoid ? s[j] * (1.0 - s[j]) : 1.0 - s[j] * s[j]);
                for (int k = 0; k < n; ++k) {
                  want_grad_states(i, k) += g_z * w(k, j);
                }
              }
            }
            // One layer: its inverse is the layer with sign -1.
            const Eigen::MatrixXd values = sign > 0
                                               ? flow->ForwardValues(states)
                                               : flow->InverseValues(states);
            EXPECT_LE((values - want).cwiseAbs().maxCoeff(), 1e-12) << "values";
            for (int id = 0; id < store.size(); ++id) {
              store.grad(id).setZero();
            }
            ad::Tape tape;
            ad::Var x = tape.Input(states);
            ad::Var y = flow->ApplyLayer(tape, 0, x, sign);
            EXPECT_LE((y.value() - want).cwiseAbs().maxCoeff(), 1e-12)
                << "tape";
            tape.Backward(y, c);
            EXPECT_LE((x.grad() - want_grad_states).cwiseAbs().maxCoeff(),
                      1e-12)
                << "dL/dstates";
            EXPECT_LE((store.grad(3) - want_grad_gate).cwiseAbs().maxCoeff(),
                      1e-12)
                << "dL/dgate";
          }
        }
      }
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
