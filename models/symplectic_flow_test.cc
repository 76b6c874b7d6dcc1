#include "models/symplectic_flow.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "Eigen/LU"
#include "absl/strings/str_format.h"
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

// Float64ReproducesThePerLayerPathBitForBit's values, by conditioner.
const char* const kPinned[] = {
    "0x1.17de25453f83p+5 -0x1.65d4af7a03138p+4 -0x1.0617e65f2778cp+7 "
    "0x1.780588fe5fc6ep+4 -0x1.9dfb271e2a4fap-1 ",
    "0x1.7774a9c14918p+5 -0x1.ec279ab2695c7p+2 0x1.4c512921e7da4p+6 "
    "0x1.c153a01d9035ap+3 -0x1.5aaa7b2aae164p-1 ",
    "0x1.71a8932a218e1p+5 0x1.c2f7242e0531ep+5 -0x1.13aa08b5717c4p+7 "
    "0x1.928b7f68fed9p+2 0x1.574ff3a9bc106p+1 ",
};

SymplecticFlowConfig Config(ShearConditioner conditioner,
                            const std::string& activation, int layers,
                            int width) {
  SymplecticFlowConfig config;
  config.set_num_layers(layers);
  config.set_hidden_width(width);
  config.set_activation(activation);
  config.set_conditioner(conditioner);
  config.set_weight_init_stddev(0.01);
  // These tests check the float64 path to 1e-12 and by finite differences;
  // the float32 path has its own tests below.
  config.set_precision(SymplecticFlowConfig::FLOAT64);
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

// The float32 stack (the default for sigmoid and relu flows) against the
// float64 per-layer path on the same parameters, for each conditioner, n and
// activation.
class Float32FlowTest : public ::testing::TestWithParam<
                            std::tuple<ShearConditioner, int, std::string>> {
 protected:
  void SetUp() override {
    const auto& [conditioner, n, activation] = GetParam();
    n_ = n;
    for (int k = 0; k < 2; ++k) {
      Random random(41);
      SymplecticFlowConfig config = Config(conditioner, activation, 20, 100);
      if (k == 0) config.clear_precision();  // the default: float32
      absl::StatusOr<SymplecticFlow> flow =
          SymplecticFlow::Create(stores_[k], "flow", config, "flow", n, random);
      ASSERT_TRUE(flow.ok()) << flow.status();
      flows_[k].emplace(*std::move(flow));
      Random values(43);
      RandomizeParameters(stores_[k], 0.3, values);
      // Parameters that float represents exactly, so that the two paths
      // differ by their arithmetic only.
      for (int id = 0; id < stores_[k].size(); ++id) {
        ad::Matrix& m = stores_[k].value(id);
        m = m.cast<float>().cast<double>();
      }
    }
    EXPECT_EQ(flows_[0]->precision(), "float32");
    EXPECT_EQ(flows_[1]->precision(), "float64");
    Random random(47);
    states_ = RandomMatrix(37, 2 * n, 1.0, random).cast<float>().cast<double>();
  }

  int n_ = 0;
  ad::ParameterStore stores_[2];
  std::optional<SymplecticFlow> flows_[2];  // float32, float64
  Eigen::MatrixXd states_;
};

TEST_P(Float32FlowTest, AgreesWithFloat64OnValuesAndGradients) {
  Random random(5);
  const Eigen::MatrixXd c = RandomMatrix(37, 2 * n_, 1.0, random);
  Eigen::MatrixXd value[2], input_grad[2];
  std::vector<Eigen::MatrixXd> param_grad[2];
  for (int k = 0; k < 2; ++k) {
    ad::Tape tape;
    ad::Var in = tape.Input(states_);
    ad::Var forward = flows_[k]->Forward(tape, in);
    ad::Var inverse = flows_[k]->Inverse(tape, in);
    value[k] = forward.value();
    ad::Var loss = ad::Add(ad::Sum(ad::Mul(forward, tape.Constant(c))),
                           ad::Sum(ad::Mul(inverse, tape.Constant(c))));
    stores_[k].ZeroGrad();
    tape.Backward(loss);
    input_grad[k] = in.grad();
    for (int id = 0; id < stores_[k].size(); ++id) {
      param_grad[k].push_back(stores_[k].grad(id));
    }
    // The tape and the value paths are the same arithmetic.
    EXPECT_EQ(flows_[k]->ForwardValues(states_), forward.value());
    EXPECT_EQ(flows_[k]->InverseValues(states_), inverse.value());
  }
  // float32 through 20 layers of width 100: values and input gradients
  // within 1e-5 of their scale, each parameter gradient (a sum over 37
  // states) within 1e-4 of the largest entry of its matrix.
  EXPECT_LE((value[0] - value[1]).cwiseAbs().maxCoeff(),
            1e-5 * std::max(1.0, value[1].cwiseAbs().maxCoeff()));
  EXPECT_LE((input_grad[0] - input_grad[1]).cwiseAbs().maxCoeff(),
            1e-5 * std::max(1.0, input_grad[1].cwiseAbs().maxCoeff()));
  double largest = 0.0;
  for (const Eigen::MatrixXd& g : param_grad[1]) {
    largest = std::max(largest, g.cwiseAbs().maxCoeff());
  }
  for (size_t id = 0; id < param_grad[0].size(); ++id) {
    EXPECT_LE((param_grad[0][id] - param_grad[1][id]).cwiseAbs().maxCoeff(),
              1e-4 * largest)
        << stores_[0].name(id);
  }
}

TEST_P(Float32FlowTest, InverseUndoesForwardToFloatRounding) {
  const Eigen::MatrixXd latent = flows_[0]->ForwardValues(states_);
  EXPECT_GT((latent - states_).norm(), 1e-1);  // the flow is not trivial
  const Eigen::MatrixXd back = flows_[0]->InverseValues(latent);
  // Each layer's y + F - F rounds twice in float32, at |y| and |F| of a few
  // units: 20 layers of that, and a published gate's F grows with x.
  EXPECT_LE((back - states_).cwiseAbs().maxCoeff(), 5e-5);
}

INSTANTIATE_TEST_SUITE_P(
    All, Float32FlowTest,
    ::testing::Combine(::testing::Values(SYMPLECTIC_SKIP_GATE, PAPER_EQUATION_5,
                                         PUBLISHED_PER_COORDINATE_GATE),
                       ::testing::Values(1, 2, 4),
                       ::testing::Values("sigmoid", "relu")));

TEST(SymplecticFlowTest, PrecisionResolvesAsTheConfigSays) {
  Random random(1);
  auto precision = [&](const std::string& activation, int n,
                       SymplecticFlowConfig::Precision p) -> std::string {
    ad::ParameterStore store;
    SymplecticFlowConfig config = Config(GATED, activation, 2, 10);
    config.set_precision(p);
    absl::StatusOr<SymplecticFlow> flow =
        SymplecticFlow::Create(store, "f", config, "m.flow", n, random);
    return flow.ok() ? flow->precision() : std::string(flow.status().message());
  };
  using C = SymplecticFlowConfig;
  EXPECT_EQ(precision("sigmoid", 2, C::DEFAULT_PRECISION), "float32");
  EXPECT_EQ(precision("sigmoid", 4, C::FLOAT32), "float32");
  EXPECT_EQ(precision("sigmoid", 2, C::FLOAT64), "float64");
  EXPECT_EQ(precision("relu", 2, C::DEFAULT_PRECISION), "float32");
  EXPECT_EQ(precision("relu", 3, C::FLOAT32), "float32");
  EXPECT_EQ(precision("relu", 2, C::FLOAT64), "float64");
  EXPECT_EQ(precision("relu", 5, C::DEFAULT_PRECISION), "float64");
  EXPECT_EQ(precision("tanh", 2, C::DEFAULT_PRECISION), "float64");
  EXPECT_EQ(precision("sigmoid", 5, C::DEFAULT_PRECISION), "float64");
  EXPECT_EQ(precision("tanh", 2, C::FLOAT32),
            "m.flow.precision: FLOAT32 needs activation \"sigmoid\" or "
            "\"relu\" and at most 4 degrees of freedom (the fused float32 "
            "kernels), got \"tanh\" and 2; use FLOAT64 or leave it unset");
  EXPECT_NE(precision("sigmoid", 5, C::FLOAT32).find("m.flow.precision"),
            std::string::npos);
}

// The trainer estimates memory from the tape's values at 1 and 2 states
// (train/trainer.cc): the float32 stack's saved values must grow with every
// state, not in steps of the kernels' sixteen lanes.
TEST(SymplecticFlowTest, Float32TapeGrowsStateByState) {
  ad::ParameterStore store;
  Random random(1);
  SymplecticFlowConfig config = Config(GATED, "sigmoid", 20, 100);
  config.clear_precision();
  absl::StatusOr<SymplecticFlow> flow =
      SymplecticFlow::Create(store, "flow", config, "flow", 2, random);
  ASSERT_TRUE(flow.ok());
  auto tape_values = [&](int rows) {
    ad::Tape tape;
    flow->Forward(tape, tape.Constant(RandomMatrix(rows, 4, 1.0, random)));
    double values = 0;
    for (int i = 0; i < tape.size(); ++i) values += tape.value(i).size();
    return values;
  };
  const double per_state = tape_values(2) - tape_values(1);
  // At least s and the fixed half of every layer (floats, in doubles).
  EXPECT_GE(per_state, 20 * (100 + 2) / 2.0);
  EXPECT_EQ(tape_values(3) - tape_values(2), per_state);
  EXPECT_EQ(tape_values(17) - tape_values(16), per_state);
}

TEST(SymplecticFlowTest, Float32StartsAsTheIdentityOnFloatStates) {
  ad::ParameterStore store;
  Random random(1);
  SymplecticFlowConfig config = Config(GATED, "sigmoid", 20, 100);
  config.clear_precision();
  absl::StatusOr<SymplecticFlow> flow =
      SymplecticFlow::Create(store, "flow", config, "flow", 2, random);
  ASSERT_TRUE(flow.ok());
  const Eigen::MatrixXd x = RandomMatrix(3, 4, 1.0, random);
  // States are rounded to float on the way in; a and gate are zero.
  EXPECT_EQ(flow->ForwardValues(x), x.cast<float>().cast<double>());
  EXPECT_EQ(flow->InverseValues(x), x.cast<float>().cast<double>());
}

// FLOAT64 is the arithmetic of every run before the precision option, bit
// for bit: values and gradients pinned from the per-layer code as it was
// (commit 226393d), in hexadecimal.
TEST(SymplecticFlowTest, Float64ReproducesThePerLayerPathBitForBit) {
  for (ShearConditioner conditioner : {SYMPLECTIC_SKIP_GATE, PAPER_EQUATION_5,
                                       PUBLISHED_PER_COORDINATE_GATE}) {
    ad::ParameterStore store;
    Random random(29);
    absl::StatusOr<SymplecticFlow> flow = SymplecticFlow::Create(
        store, "flow", Config(conditioner, "sigmoid", 6, 9), "flow", 2, random);
    ASSERT_TRUE(flow.ok());
    RandomizeParameters(store, 0.5, random);
    const Eigen::MatrixXd x = RandomMatrix(7, 4, 1.0, random);
    const Eigen::MatrixXd c = RandomMatrix(7, 4, 1.0, random);
    ad::Tape tape;
    ad::Var in = tape.Input(x);
    ad::Var loss =
        ad::Add(ad::Sum(ad::Mul(flow->Forward(tape, in), tape.Constant(c))),
                ad::Sum(ad::Square(flow->Inverse(tape, in))));
    store.ZeroGrad();
    tape.Backward(loss);
    double grad_sum = 0.0;
    for (int id = 0; id < store.size(); ++id) grad_sum += store.grad(id).sum();
    const double values[] = {loss.scalar(), in.grad().sum(), grad_sum,
                             flow->ForwardValues(x).sum(),
                             flow->InverseValues(x.topRows(1)).sum()};
    std::string got;
    for (double v : values) got += absl::StrFormat("%a ", v);
    EXPECT_EQ(got, kPinned[conditioner]) << "conditioner " << conditioner;
  }
}

}  // namespace
}  // namespace aanet
