#include "models/latent_ode.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autodiff/gradient_check.h"
#include "autodiff/ops.h"
#include "gtest/gtest.h"
#include "models/hamiltonian_neural_network.h"
#include "models/model_test_util.h"
#include "models/neural_ode.h"

namespace aanet {
namespace {

using ::aanet::testing::CheckLossGradient;
using ::aanet::testing::RandomizeParameters;
using ::aanet::testing::RandomMatrix;

EncoderConfig SmallMlpEncoder() {
  EncoderConfig config;
  MlpEncoderConfig* mlp = config.mutable_mlp();
  mlp->set_hidden_width(5);
  mlp->set_num_encoder_layers(1);
  mlp->set_num_decoder_layers(1);
  mlp->set_activation("tanh");
  return config;
}

// Finite-difference checks run in float64; float32 solves are checked
// against float64 ones below.
OdeSolverConfig Solver(bool adaptive, OdeSolverConfig::Precision precision =
                                          OdeSolverConfig::FLOAT64) {
  OdeSolverConfig config;
  config.set_precision(precision);
  if (adaptive) {
    // Tight tolerances: finite differences see the step sizes move with the
    // parameters, the tape treats them as constants; the difference is of
    // the order of the tolerance.
    config.set_mode(OdeSolverConfig::ADAPTIVE);
    config.set_rtol(1e-11);
    config.set_atol(1e-12);
  } else {
    config.set_mode(OdeSolverConfig::CONSTANT);
    config.set_step(0.1);
  }
  return config;
}

enum class Kind { kNeuralOde, kHamiltonian };

std::unique_ptr<LatentOdeModel> MakeModel(
    Kind kind, bool adaptive, Random& random,
    OdeSolverConfig::Precision precision = OdeSolverConfig::FLOAT64,
    const std::string& activation = "tanh") {
  MlpConfig net;
  net.add_hidden_widths(6);
  net.add_hidden_widths(6);
  net.set_activation(activation);
  const ModelContext context{2, {}};
  std::unique_ptr<LatentOdeModel> model;
  if (kind == Kind::kNeuralOde) {
    NeuralOdeConfig config;
    *config.mutable_encoder() = SmallMlpEncoder();
    *config.mutable_derivative_net() = net;
    *config.mutable_solver() = Solver(adaptive, precision);
    auto created =
        NeuralOde::Create(config, "model.neural_ode", context, random);
    EXPECT_TRUE(created.ok()) << created.status();
    model = *std::move(created);
  } else {
    HamiltonianNeuralNetworkConfig config;
    *config.mutable_encoder() = SmallMlpEncoder();
    *config.mutable_hamiltonian_net() = net;
    *config.mutable_solver() = Solver(adaptive, precision);
    auto created = HamiltonianNeuralNetwork::Create(config, "model.hamiltonian",
                                                    context, random);
    EXPECT_TRUE(created.ok()) << created.status();
    model = *std::move(created);
  }
  RandomizeParameters(model->parameters(), 0.4, random);
  return model;
}

struct Case {
  Kind kind;
  bool adaptive;
};

class LatentOdeModelTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    Random random(21);
    model_ = MakeModel(GetParam().kind, GetParam().adaptive, random);
    states_ = RandomMatrix(3, 4, 1.0, random);
    targets_ = RandomMatrix(3, 4, 1.0, random);
  }

  std::unique_ptr<LatentOdeModel> model_;
  Eigen::MatrixXd states_, targets_;
};

TEST_P(LatentOdeModelTest, TapeAndValuePathsAgree) {
  for (double dt : {0.0, 0.35, 2.0}) {
    ad::Tape tape;
    ForwardResult forward = model_->Forward(tape, tape.Constant(states_), dt);
    EXPECT_LE((forward.prediction.value() - model_->Predict(states_, dt))
                  .cwiseAbs()
                  .maxCoeff(),
              1e-12)
        << dt;
  }
}

TEST_P(LatentOdeModelTest, ZeroTimeDecodesTheEncoding) {
  const CoordinateEncoder& encoder = model_->encoder();
  EXPECT_LE((model_->Predict(states_, 0.0) -
             encoder.DecodeValues(encoder.EncodeValues(states_)))
                .cwiseAbs()
                .maxCoeff(),
            1e-15);
}

TEST_P(LatentOdeModelTest, SolveAgreesWithAFinelyResolvedSolve) {
  // The model's own solve against an independent, much finer one.
  const Eigen::MatrixXd z0 = model_->encoder().EncodeValues(states_);
  absl::StatusOr<Eigen::MatrixXd> ours = model_->SolveLatent(z0, 3.0);
  ASSERT_TRUE(ours.ok()) << ours.status();
  ode::SolverOptions fine;
  fine.mode = ode::StepMode::kConstant;
  fine.step = 0.005;
  absl::StatusOr<Eigen::MatrixXd> reference = ode::Solve(
      [&](double, const Eigen::MatrixXd& y) { return model_->FieldValues(y); },
      z0, 0.0, 3.0, fine);
  ASSERT_TRUE(reference.ok()) << reference.status();
  EXPECT_LE((*ours - *reference).cwiseAbs().maxCoeff(), 1e-8);
}

TEST_P(LatentOdeModelTest, LossGradientMatchesFiniteDifferences) {
  // dt = 0.35 spans four constant steps (the last one shortened); dt = 2
  // spans several adaptive steps.
  ad::GradientCheckOptions options;
  options.step = 1e-4;
  for (double dt : {0.35, 2.0}) {
    ad::GradientCheckResult result =
        CheckLossGradient(*model_, states_, targets_, dt, options);
    EXPECT_LT(result.max_relative_error, 1e-6) << dt << ": " << result.worst;
    EXPECT_GT(result.gradient_scale, 1e-4);
  }
}

// Multi-step training's grid through the chained solve nodes: its gradient
// (the checkpointed backward of every segment, the adaptive tape solve) and
// its agreement with Forward at j dt (constant steps that divide dt: the
// same steps up to the rounding of their sizes; adaptive: the solver error).
TEST_P(LatentOdeModelTest, MultiStepLossGradientMatchesFiniteDifferences) {
  Random random(22);
  std::vector<Eigen::MatrixXd> targets;
  for (int j = 0; j < 3; ++j)
    targets.push_back(RandomMatrix(3, 4, 1.0, random));
  ad::GradientCheckOptions options;
  options.step = 1e-4;
  // 0.35: segments of three steps of 0.1 and a shortened one.
  for (double dt : {0.2, 0.35}) {
    const ad::GradientCheckResult result =
        ::aanet::testing::CheckMultiStepLossGradient(*model_, states_, targets,
                                                     dt, options);
    EXPECT_LT(result.max_relative_error, 1e-6) << dt << ": " << result.worst;
    EXPECT_GT(result.gradient_scale, 1e-4);
  }
}

TEST_P(LatentOdeModelTest, ForwardGridEqualsForwardAtEveryJump) {
  EXPECT_LE(
      ::aanet::testing::MaxGridDeviationFromForward(*model_, states_, 0.5, 10),
      GetParam().adaptive ? 1e-7 : 1e-12);
}

INSTANTIATE_TEST_SUITE_P(
    ModelsAndModes, LatentOdeModelTest,
    ::testing::Values(Case{Kind::kNeuralOde, false},
                      Case{Kind::kNeuralOde, true},
                      Case{Kind::kHamiltonian, false},
                      Case{Kind::kHamiltonian, true}),
    [](const ::testing::TestParamInfo<Case>& info) {
      return std::string(info.param.kind == Kind::kNeuralOde ? "NeuralOde"
                                                             : "Hamiltonian") +
             (info.param.adaptive ? "Adaptive" : "Constant");
    });

// The float32 solve (the Neural ODE's default) against the float64 one with
// the same parameters: values, and the gradient of a loss through the tape.
TEST(LatentOdeTest, Float32SolveTracksFloat64) {
  Random r32(9), r64(9);
  std::unique_ptr<LatentOdeModel> f32 =
      MakeModel(Kind::kNeuralOde, false, r32, OdeSolverConfig::FLOAT32);
  std::unique_ptr<LatentOdeModel> f64 =
      MakeModel(Kind::kNeuralOde, false, r64, OdeSolverConfig::FLOAT64);
  EXPECT_EQ(f32->precision(), "float32");
  EXPECT_EQ(f64->precision(), "float64");
  Random random(10);
  const Eigen::MatrixXd states = RandomMatrix(6, 4, 1.0, random);
  const Eigen::MatrixXd targets = RandomMatrix(6, 4, 1.0, random);
  for (double dt : {0.35, 3.0}) {
    const Eigen::MatrixXd p32 = f32->Predict(states, dt);
    const Eigen::MatrixXd p64 = f64->Predict(states, dt);
    EXPECT_LT((p32 - p64).cwiseAbs().maxCoeff(),
              1e-5 * (1 + p64.cwiseAbs().maxCoeff()))
        << dt;
    EXPECT_GT((p32 - p64).cwiseAbs().maxCoeff(), 0) << "not float32?";
    Eigen::VectorXd grads[2];
    int i = 0;
    for (LatentOdeModel* model : {f32.get(), f64.get()}) {
      ad::Tape tape;
      ForwardResult forward = model->Forward(tape, tape.Constant(states), dt);
      // Tape and value paths run the same solver code: identical numbers.
      EXPECT_EQ(forward.prediction.value(), model->Predict(states, dt));
      ad::Var loss = ad::Mean(
          ad::Square(ad::Sub(forward.prediction, tape.Constant(targets))));
      model->parameters().ZeroGrad();
      tape.Backward(loss);
      grads[i++] = model->parameters().FlattenGrad();
    }
    EXPECT_LT((grads[0] - grads[1]).norm(), 1e-4 * grads[1].norm()) << dt;
  }
}

// The HNN with a piecewise-linear activation (relu, as published) runs the
// fused Hamiltonian field: its gradient against finite differences in
// float64, and float32 against float64.
TEST(LatentOdeTest, FusedHamiltonianField) {
  for (const char* activation : {"relu", "leaky_relu"}) {
    Random r64(31), r32(31);
    std::unique_ptr<LatentOdeModel> f64 = MakeModel(
        Kind::kHamiltonian, false, r64, OdeSolverConfig::FLOAT64, activation);
    std::unique_ptr<LatentOdeModel> f32 = MakeModel(
        Kind::kHamiltonian, false, r32, OdeSolverConfig::FLOAT32, activation);
    EXPECT_EQ(f32->precision(), "float32");
    Random random(32);
    const Eigen::MatrixXd states = RandomMatrix(3, 4, 1.0, random);
    const Eigen::MatrixXd targets = RandomMatrix(3, 4, 1.0, random);
    ad::GradientCheckOptions options;
    options.step = 1e-5;
    ad::GradientCheckResult result =
        CheckLossGradient(*f64, states, targets, 0.35, options);
    EXPECT_LT(result.max_relative_error, 1e-6)
        << activation << ": " << result.worst;
    EXPECT_GT(result.gradient_scale, 1e-4);
    // The field is the symplectic gradient of the learned Hamiltonian.
    const Eigen::MatrixXd p64 = f64->Predict(states, 2.0);
    const Eigen::MatrixXd p32 = f32->Predict(states, 2.0);
    EXPECT_LT((p32 - p64).cwiseAbs().maxCoeff(),
              1e-5 * (1 + p64.cwiseAbs().maxCoeff()));
    const Eigen::MatrixXd z0 = f64->encoder().EncodeValues(states);
    absl::StatusOr<Eigen::MatrixXd> reference = f64->SolveLatent(z0, 2.0);
    ASSERT_TRUE(reference.ok());
    EXPECT_LT(
        (f64->encoder().DecodeValues(*reference) - p64).cwiseAbs().maxCoeff(),
        1e-12);
  }
}

// The HNN's float32 solve (its default with relu, as published) against the
// float64 one with the same parameters: the gradient of a loss through the
// tape, at a short and a long jump (3 and 30 steps of 6 stages; the float32
// field's parameter gradients are summed in double, fused_mlp.h).
TEST(LatentOdeTest, HamiltonianFloat32GradientTracksFloat64) {
  for (const char* activation : {"relu", "leaky_relu"}) {
    Random r32(33), r64(33);
    std::unique_ptr<LatentOdeModel> f32 = MakeModel(
        Kind::kHamiltonian, false, r32, OdeSolverConfig::FLOAT32, activation);
    std::unique_ptr<LatentOdeModel> f64 = MakeModel(
        Kind::kHamiltonian, false, r64, OdeSolverConfig::FLOAT64, activation);
    ASSERT_EQ(f32->precision(), "float32");
    ASSERT_EQ(f64->precision(), "float64");
    Random random(34);
    const Eigen::MatrixXd states = RandomMatrix(6, 4, 1.0, random);
    const Eigen::MatrixXd targets = RandomMatrix(6, 4, 1.0, random);
    for (double dt : {0.35, 3.0}) {
      Eigen::VectorXd grads[2];
      int i = 0;
      for (LatentOdeModel* model : {f32.get(), f64.get()}) {
        ad::Tape tape;
        ForwardResult forward = model->Forward(tape, tape.Constant(states), dt);
        ad::Var loss = ad::Mean(
            ad::Square(ad::Sub(forward.prediction, tape.Constant(targets))));
        model->parameters().ZeroGrad();
        tape.Backward(loss);
        grads[i++] = model->parameters().FlattenGrad();
      }
      EXPECT_GT(grads[1].norm(), 1e-3) << activation << " dt " << dt;
      EXPECT_GT((grads[0] - grads[1]).cwiseAbs().maxCoeff(), 0)
          << activation << " dt " << dt << ": not float32?";
      EXPECT_LT((grads[0] - grads[1]).norm(), 1e-4 * grads[1].norm())
          << activation << " dt " << dt;
    }
  }
}

// A second solve before the first one's backward pass overwrites the kept
// activations; the first node must notice and recompute, not use them.
TEST(LatentOdeTest, BackwardAfterAnotherSolveIsStillExact) {
  for (Kind kind : {Kind::kNeuralOde, Kind::kHamiltonian}) {
    Random random(40);
    std::unique_ptr<LatentOdeModel> model =
        MakeModel(kind, false, random, OdeSolverConfig::FLOAT64, "relu");
    const Eigen::MatrixXd a = RandomMatrix(3, 4, 1.0, random);
    const Eigen::MatrixXd b = RandomMatrix(5, 4, 1.0, random);
    auto gradient = [&](bool interleave) {
      ad::Tape tape;
      ForwardResult first = model->Forward(tape, tape.Constant(a), 0.75);
      if (interleave) model->Forward(tape, tape.Constant(b), 1.3);
      ad::Var loss = ad::Sum(ad::Square(first.prediction));
      model->parameters().ZeroGrad();
      tape.Backward(loss);
      return model->parameters().FlattenGrad();
    };
    const Eigen::VectorXd alone = gradient(false);
    EXPECT_GT(alone.norm(), 0);
    EXPECT_EQ(gradient(true), alone);
  }
}

// The same for a grid (ForwardGrid): its segments share the field's kept
// activations as one solve, and a solve between the grid and its backward
// pass makes every segment recompute; the gradient is the same, bit for
// bit.
TEST(LatentOdeTest, GridBackwardKeepsOrRecomputesExactly) {
  for (Kind kind : {Kind::kNeuralOde, Kind::kHamiltonian}) {
    Random random(41);
    std::unique_ptr<LatentOdeModel> model =
        MakeModel(kind, false, random, OdeSolverConfig::FLOAT64, "relu");
    const Eigen::MatrixXd a = RandomMatrix(3, 4, 1.0, random);
    const Eigen::MatrixXd b = RandomMatrix(5, 4, 1.0, random);
    auto gradient = [&](bool interleave) {
      ad::Tape tape;
      GridForwardResult grid =
          model->ForwardGrid(tape, tape.Constant(a), 0.35, 4);
      if (interleave) model->Forward(tape, tape.Constant(b), 1.3);
      ad::Var loss = ad::Sum(ad::Square(grid.predictions[0]));
      for (int j = 1; j < 4; ++j) {
        loss = ad::Add(loss, ad::Sum(ad::Square(grid.predictions[j])));
      }
      model->parameters().ZeroGrad();
      tape.Backward(loss);
      return model->parameters().FlattenGrad();
    };
    const Eigen::VectorXd alone = gradient(false);
    EXPECT_GT(alone.norm(), 0);
    EXPECT_EQ(gradient(true), alone);
  }
}

TEST(LatentOdeTest, Float32NeedsConstantSteps) {
  NeuralOdeConfig config;
  *config.mutable_encoder() = SmallMlpEncoder();
  config.mutable_derivative_net()->set_activation("tanh");
  *config.mutable_solver() = Solver(true, OdeSolverConfig::FLOAT32);
  Random random(5);
  auto model = NeuralOde::Create(config, "model.neural_ode",
                                 ModelContext{2, {}}, random);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("model.neural_ode.solver.precision"),
            std::string::npos)
      << model.status();
}

TEST(LatentOdeTest, ConstantStepCostGrowsLinearlyWithTime) {
  Random random(1);
  std::unique_ptr<LatentOdeModel> model =
      MakeModel(Kind::kNeuralOde, false, random);
  const Eigen::MatrixXd z0 = RandomMatrix(1, 4, 1.0, random);
  for (double dt : {1.0, 10.0, 100.0}) {
    ode::SolveStats stats;
    ASSERT_TRUE(model->SolveLatent(z0, dt, &stats).ok());
    EXPECT_EQ(stats.accepted_steps, static_cast<int>(std::lround(dt / 0.1)));
  }
}

TEST(LatentOdeTest, CombineNodeHasCorrectGradients) {
  const double coefficients[] = {0.5, 0.0, -2.0};
  Random random(2);
  ad::GradientCheckResult result = ad::CheckGradients(
      [&](ad::Tape& tape, absl::Span<const ad::Var> in) {
        const ad::Var* k[] = {&in[1], &in[2], &in[3]};
        ad::Var y =
            ode::StateOps<ad::Var>::Combine(in[0], 0.3, coefficients, k);
        return ad::Sum(ad::Square(ad::Sin(y)));
      },
      nullptr,
      {RandomMatrix(2, 3, 1.0, random), RandomMatrix(2, 3, 1.0, random),
       RandomMatrix(2, 3, 1.0, random), RandomMatrix(2, 3, 1.0, random)});
  EXPECT_LT(result.max_relative_error, 1e-6) << result.worst;
}

TEST(HamiltonianNeuralNetworkTest, FieldIsDivergenceFree) {
  Random random(3);
  std::unique_ptr<LatentOdeModel> model =
      MakeModel(Kind::kHamiltonian, true, random);
  const Eigen::MatrixXd z = RandomMatrix(4, 4, 1.0, random);
  const double h = 1e-5;
  for (int row = 0; row < z.rows(); ++row) {
    double divergence = 0, scale = 0;
    for (int j = 0; j < 4; ++j) {
      Eigen::MatrixXd plus = z.row(row), minus = z.row(row);
      plus(0, j) += h;
      minus(0, j) -= h;
      const double d =
          (model->FieldValues(plus)(0, j) - model->FieldValues(minus)(0, j)) /
          (2 * h);
      divergence += d;
      scale = std::max(scale, std::abs(d));
    }
    EXPECT_GT(scale, 1e-3);  // the field is not trivially constant
    EXPECT_LE(std::abs(divergence), 1e-8 * std::max(1.0, scale)) << row;
  }
}

TEST(HamiltonianNeuralNetworkTest, AdaptiveSolveConservesItsHamiltonian) {
  Random random(4);
  std::unique_ptr<LatentOdeModel> model =
      MakeModel(Kind::kHamiltonian, true, random);
  const auto& hnn = static_cast<const HamiltonianNeuralNetwork&>(*model);
  const Eigen::MatrixXd z0 = RandomMatrix(3, 4, 1.0, random);
  ode::SolveStats stats;
  absl::StatusOr<Eigen::MatrixXd> z1 = model->SolveLatent(z0, 20.0, &stats);
  ASSERT_TRUE(z1.ok()) << z1.status();
  EXPECT_GT((*z1 - z0).cwiseAbs().maxCoeff(), 0.1);  // it moved
  const Eigen::MatrixXd h0 = hnn.Hamiltonian(z0), h1 = hnn.Hamiltonian(*z1);
  EXPECT_LE((h1 - h0).cwiseAbs().maxCoeff(),
            1e-8 * std::max(1.0, h0.cwiseAbs().maxCoeff()));
}

TEST(LatentOdeTest, FailedSolveGivesNaN) {
  NeuralOdeConfig config;
  *config.mutable_encoder() = SmallMlpEncoder();
  config.mutable_derivative_net()->set_activation("tanh");
  config.mutable_solver()->set_mode(OdeSolverConfig::ADAPTIVE);
  config.mutable_solver()->set_rtol(1e-12);
  config.mutable_solver()->set_atol(1e-14);
  config.mutable_solver()->set_max_steps(2);
  Random random(5);
  auto model = NeuralOde::Create(config, "m", ModelContext{2, {}}, random);
  ASSERT_TRUE(model.ok()) << model.status();
  RandomizeParameters((*model)->parameters(), 1.0, random);
  const Eigen::MatrixXd states = RandomMatrix(2, 4, 1.0, random);
  EXPECT_TRUE((*model)->Predict(states, 50.0).array().isNaN().all());
  EXPECT_NE((*model)->last_failure().find("max_steps"), std::string::npos)
      << (*model)->last_failure();
  EXPECT_FALSE((*model)->Predict(states, 0.0).array().isNaN().any());
  EXPECT_EQ((*model)->last_failure(), "");
  ad::Tape tape;
  EXPECT_TRUE((*model)
                  ->Forward(tape, tape.Constant(states), 50.0)
                  .prediction.value()
                  .array()
                  .isNaN()
                  .all());
  EXPECT_NE((*model)->last_failure().find("max_steps"), std::string::npos)
      << (*model)->last_failure();
}

// The grid of one solve (PredictGrid) against one Predict per jump: with
// constant steps that divide dt the steps are the same up to the rounding of
// their sizes.
TEST(LatentOdeTest, GridOfOneSolveEqualsPerJumpPredictions) {
  for (Kind kind : {Kind::kNeuralOde, Kind::kHamiltonian}) {
    Random random(8);
    std::unique_ptr<LatentOdeModel> model =
        MakeModel(kind, /*adaptive=*/false, random);
    const Eigen::MatrixXd states = RandomMatrix(3, 4, 1.0, random);
    for (double dt : {0.1, 0.5, 1.0}) {
      const std::vector<Eigen::MatrixXd> grid =
          model->PredictGrid(states, dt, 30);
      ASSERT_EQ(grid.size(), 30u);
      for (int j = 1; j <= 30; ++j) {
        const Eigen::MatrixXd single = model->Predict(states, j * dt);
        ASSERT_TRUE(single.allFinite());
        EXPECT_LE((grid[j - 1] - single).cwiseAbs().maxCoeff(),
                  1e-12 * std::max(1.0, single.cwiseAbs().maxCoeff()))
            << model->kind() << " dt " << dt << " jump " << j;
      }
    }
    EXPECT_TRUE(model->PredictGrid(states, 0.5, 0).empty());
  }
}

// A grid not aligned with the step (0.35 = 3 steps of 0.1 and one of 0.05
// per segment) or adaptive steps that restart at each grid point: other
// steps than the per-jump solves, so agreement to the solver's error only.
TEST(LatentOdeTest, GridOffTheStepAgreesToTheSolverError) {
  for (bool adaptive : {false, true}) {
    Random random(9);
    std::unique_ptr<LatentOdeModel> model =
        MakeModel(Kind::kNeuralOde, adaptive, random);
    const Eigen::MatrixXd states = RandomMatrix(3, 4, 1.0, random);
    const std::vector<Eigen::MatrixXd> grid =
        model->PredictGrid(states, 0.35, 10);
    ASSERT_EQ(grid.size(), 10u);
    for (int j = 1; j <= 10; ++j) {
      EXPECT_LE((grid[j - 1] - model->Predict(states, j * 0.35))
                    .cwiseAbs()
                    .maxCoeff(),
                1e-7)
          << adaptive << " jump " << j;
    }
  }
}

// A failed solve leaves its grid point and every later one NaN, and says
// why; the cap on steps applies to each segment.
TEST(LatentOdeTest, FailedGridSolveGivesNaN) {
  NeuralOdeConfig config;
  *config.mutable_encoder() = SmallMlpEncoder();
  config.mutable_derivative_net()->set_activation("tanh");
  config.mutable_solver()->set_mode(OdeSolverConfig::CONSTANT);
  config.mutable_solver()->set_step(0.1);
  // Each segment's solve may take 25 steps: dt 3 (30 steps) fails, dt 2
  // (20 steps) does not, however many segments follow.
  config.mutable_solver()->set_max_steps(25);
  Random random(5);
  auto model = NeuralOde::Create(config, "m", ModelContext{2, {}}, random);
  ASSERT_TRUE(model.ok()) << model.status();
  const Eigen::MatrixXd states = RandomMatrix(2, 4, 1.0, random);
  const std::vector<Eigen::MatrixXd> grid =
      (*model)->PredictGrid(states, 3.0, 3);
  ASSERT_EQ(grid.size(), 3u);
  for (const Eigen::MatrixXd& predicted : grid) {
    EXPECT_TRUE(predicted.array().isNaN().all());
  }
  EXPECT_NE((*model)->last_failure().find("max_steps"), std::string::npos)
      << (*model)->last_failure();
  const std::vector<Eigen::MatrixXd> fine =
      (*model)->PredictGrid(states, 2.0, 3);
  for (const Eigen::MatrixXd& predicted : fine) {
    EXPECT_TRUE(predicted.allFinite());
  }
  EXPECT_EQ((*model)->last_failure(), "");
}

TEST(LatentOdeTest, SolverConfigErrorsNameTheField) {
  OdeSolverConfig config;
  config.set_mode(OdeSolverConfig::ADAPTIVE);
  config.set_rtol(-1);
  absl::StatusOr<ode::SolverOptions> options =
      SolverOptionsFromConfig(config, "model.neural_ode.solver");
  ASSERT_FALSE(options.ok());
  EXPECT_NE(options.status().message().find("model.neural_ode.solver.rtol"),
            std::string::npos)
      << options.status();
  // Defaults: constant steps of 0.1, as published.
  options = SolverOptionsFromConfig(OdeSolverConfig(), "s");
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->mode, ode::StepMode::kConstant);
  EXPECT_EQ(options->step, 0.1);
}

}  // namespace
}  // namespace aanet
