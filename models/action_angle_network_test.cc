#include "models/action_angle_network.h"

#include <cmath>

#include "autodiff/gradient_check.h"
#include "autodiff/ops.h"
#include "gtest/gtest.h"
#include "models/model_test_util.h"
#include "proto/text_config.h"

namespace aanet {
namespace {

using ::aanet::testing::RandomizeParameters;
using ::aanet::testing::RandomMatrix;

ActionAngleNetworkConfig SmallConfig(ShearConditioner conditioner) {
  ActionAngleNetworkConfig config;
  SymplecticFlowConfig* flow = config.mutable_encoder()->mutable_flow();
  flow->set_num_layers(4);
  flow->set_hidden_width(6);
  flow->set_activation("sigmoid");
  flow->set_conditioner(conditioner);
  flow->set_weight_init_stddev(0.01);
  // Paths compared to 1e-12 and gradients by finite differences: float64.
  flow->set_precision(SymplecticFlowConfig::FLOAT64);
  config.mutable_angular_velocity_net()->add_hidden_widths(5);
  config.mutable_angular_velocity_net()->set_activation("tanh");
  return config;
}

// The network of `config` for 2 degrees of freedom, or null (the test
// failed).
std::unique_ptr<ActionAngleNetwork> MakeNetwork(
    const ActionAngleNetworkConfig& config, Random& random) {
  absl::StatusOr<std::unique_ptr<ActionAngleNetwork>> model =
      ActionAngleNetwork::Create(
          config, "model",
          ModelContext{2, Eigen::RowVector4d(1.0, 2.0, 0.5, 3.0)}, random);
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? *std::move(model) : nullptr;
}

class ActionAngleNetworkTest
    : public ::testing::TestWithParam<ShearConditioner> {
 protected:
  void SetUp() override {
    Random random(11);
    model_ = MakeNetwork(SmallConfig(GetParam()), random);
    ASSERT_NE(model_, nullptr);
    RandomizeParameters(model_->parameters(), 0.5, random);
    states_ = RandomMatrix(6, 4, 1.0, random);
  }

  std::unique_ptr<ActionAngleNetwork> model_;
  Eigen::MatrixXd states_;
};

TEST_P(ActionAngleNetworkTest, PredictionAtZeroTimeIsTheInput) {
  EXPECT_LE((model_->Predict(states_, 0.0) - states_).cwiseAbs().maxCoeff(),
            1e-12);
}

TEST_P(ActionAngleNetworkTest, DecodeInvertsEncode) {
  const ActionAngleNetwork::ActionAngles aa = model_->Encode(states_);
  EXPECT_TRUE((aa.actions.array() > 0).all());
  EXPECT_TRUE((aa.angles.array().abs() <= M_PI).all());
  EXPECT_LE((model_->Decode(aa) - states_).cwiseAbs().maxCoeff(), 1e-12);
}

TEST_P(ActionAngleNetworkTest, EvolutionAdvancesOnlyTheAngles) {
  const double dt = 3.7;
  const Eigen::MatrixXd predicted = model_->Predict(states_, dt);
  const ActionAngleNetwork::ActionAngles before = model_->Encode(states_);
  const ActionAngleNetwork::ActionAngles after = model_->Encode(predicted);
  const Eigen::MatrixXd omega = model_->AngularVelocities(before.actions);
  // Actions are conserved, angles advance by omega dt (mod 2 pi).
  EXPECT_LE((after.actions - before.actions).cwiseAbs().maxCoeff(), 1e-11);
  const Eigen::ArrayXXd turned =
      (after.angles - before.angles - dt * omega).array();
  EXPECT_LE((turned.sin().abs().maxCoeff()), 1e-10);
  EXPECT_LE(((turned.cos() - 1.0).abs().maxCoeff()), 1e-10);
}

TEST_P(ActionAngleNetworkTest, OneStateAtATimeMatchesTheBatch) {
  // Single states take their own code path (symplectic_flow.cc).
  const Eigen::MatrixXd batch = model_->Predict(states_, 12.5);
  for (int i = 0; i < states_.rows(); ++i) {
    const Eigen::MatrixXd one = model_->Predict(states_.row(i), 12.5);
    EXPECT_LE((one - batch.row(i)).cwiseAbs().maxCoeff(), 1e-12) << i;
  }
}

// The default (float32) flow: one state takes the float32 one-state kernels
// (FrozenActionAngleNetwork), a batch the batched float32 kernels; both agree
// with the float64 flow of the same parameters to float32 rounding through 8
// layers (4 to encode, 4 to decode), plus what dt makes of it: an action off
// by dI turns the angle by dt (d omega / dI) dI, and this random angular
// velocity net has |d omega / dI| of order 1, so at dt = 1000 the float32
// actions' ~1e-7 become ~1e-4 in the prediction.
TEST_P(ActionAngleNetworkTest, Float32PredictionsAgreeWithFloat64) {
  ActionAngleNetworkConfig config = SmallConfig(GetParam());
  config.mutable_encoder()->mutable_flow()->clear_precision();
  Random random(11);
  const std::unique_ptr<ActionAngleNetwork> model = MakeNetwork(config, random);
  ASSERT_NE(model, nullptr);
  ASSERT_TRUE(
      model->parameters().Unflatten(model_->parameters().Flatten()).ok());
  ASSERT_NE(model->FreezeOneState(), nullptr);
  EXPECT_EQ(model_->FreezeOneState(), nullptr);  // float64: no float32 path
  for (double dt : {0.0, 1.0, 12.5, 1000.0}) {
    const Eigen::MatrixXd reference = model_->Predict(states_, dt);
    const Eigen::MatrixXd batch = model->Predict(states_, dt);
    for (int i = 0; i < states_.rows(); ++i) {
      const Eigen::MatrixXd one = model->Predict(states_.row(i), dt);
      for (int c = 0; c < 4; ++c) {
        const double tolerance =
            (1e-5 + 2e-6 * dt) * (1 + std::fabs(reference(i, c)));
        EXPECT_NEAR(one(0, c), reference(i, c), tolerance)
            << "dt " << dt << " state " << i << " column " << c;
        EXPECT_NEAR(batch(i, c), reference(i, c), tolerance)
            << "dt " << dt << " state " << i << " column " << c;
        // Not the float64 path under another name.
        EXPECT_NE(one(0, c), reference(i, c));
      }
    }
  }
}

TEST_P(ActionAngleNetworkTest, TapeAndValuePathsAgree) {
  for (double dt : {0.0, 1.0, 10.0, 1000.0}) {
    ad::Tape tape;
    ForwardResult forward = model_->Forward(tape, tape.Constant(states_), dt);
    EXPECT_LE((forward.prediction.value() - model_->Predict(states_, dt))
                  .cwiseAbs()
                  .maxCoeff(),
              1e-10)
        << "dt " << dt;
    ASSERT_TRUE(forward.actions.has_value());
    EXPECT_LE((forward.actions->value() - model_->Encode(states_).actions)
                  .cwiseAbs()
                  .maxCoeff(),
              1e-13);
  }
}

// Multi-step training's grid: encode once, decode every jump, with the
// arithmetic of Forward at j dt, so bit for bit.
TEST_P(ActionAngleNetworkTest, ForwardGridEqualsForwardAtEveryJump) {
  EXPECT_EQ(
      ::aanet::testing::MaxGridDeviationFromForward(*model_, states_, 0.7, 10),
      0.0);
}

TEST_P(ActionAngleNetworkTest, MultiStepLossGradientMatchesFiniteDifferences) {
  Random random(6);
  std::vector<Eigen::MatrixXd> targets;
  for (int j = 0; j < 4; ++j)
    targets.push_back(RandomMatrix(6, 4, 1.0, random));
  ad::GradientCheckOptions options;
  options.step = 1e-4;  // as for the single-step loss at large dt
  const ad::GradientCheckResult result =
      ::aanet::testing::CheckMultiStepLossGradient(*model_, states_, targets,
                                                   1.5, options);
  EXPECT_LT(result.max_relative_error, 1e-6) << result.worst;
  EXPECT_GT(result.gradient_scale, 1e-3);
}

TEST_P(ActionAngleNetworkTest, LossGradientMatchesFiniteDifferences) {
  Random random(5);
  const Eigen::MatrixXd targets = RandomMatrix(6, 4, 1.0, random);
  // The angles advance by omega(I) dt, so derivatives grow like dt^k: a
  // smaller step than the default keeps the 5-point stencil's truncation
  // error (~h^4 f^(5)) below the tolerance at dt = 7.
  ad::GradientCheckOptions options;
  options.step = 1e-4;
  for (double dt : {1.0, 7.0}) {
    ad::GradientCheckResult result = ad::CheckGradients(
        [&](ad::Tape& tape, absl::Span<const ad::Var> inputs) {
          ForwardResult forward = model_->Forward(tape, inputs[0], dt);
          ad::Var prediction_loss = ad::Mean(
              ad::Square(ad::Sub(forward.prediction, tape.Constant(targets))));
          return ad::Add(prediction_loss,
                         ad::Sum(ad::BatchVariance(*forward.actions)));
        },
        &model_->parameters(), {states_}, options);
    EXPECT_LT(result.max_relative_error, 1e-6)
        << "dt " << dt << ": " << result.worst;
  }
}

INSTANTIATE_TEST_SUITE_P(Conditioners, ActionAngleNetworkTest,
                         ::testing::Values(GATED, PAPER));

// Training with a float32 flow and a sigmoid angular-velocity net (the
// shipped shape): both run on the float32 kernels, and the loss and every
// gradient agree with the float64 network's to float rounding.
TEST(ActionAngleNetworkFloat32Test, TrainingGradientsAgreeWithFloat64) {
  auto make = [](bool float32) {
    ActionAngleNetworkConfig config = SmallConfig(GATED);
    if (float32) config.mutable_encoder()->mutable_flow()->clear_precision();
    config.mutable_angular_velocity_net()->set_hidden_widths(0, 21);
    config.mutable_angular_velocity_net()->set_activation("sigmoid");
    Random random(3);
    return MakeNetwork(config, random);
  };
  std::unique_ptr<ActionAngleNetwork> float64 = make(false);
  std::unique_ptr<ActionAngleNetwork> float32 = make(true);
  ASSERT_NE(float64, nullptr);
  ASSERT_NE(float32, nullptr);
  Random random(8);
  RandomizeParameters(float64->parameters(), 0.5, random);
  ASSERT_TRUE(
      float32->parameters().Unflatten(float64->parameters().Flatten()).ok());
  ASSERT_TRUE(float32->encoder().is_float32());
  ASSERT_TRUE(float32->angular_velocity_net().HasShearKernelShape());
  const Eigen::MatrixXd states = RandomMatrix(37, 4, 1.0, random);
  const Eigen::MatrixXd targets = RandomMatrix(37, 4, 1.0, random);
  auto loss_and_gradient = [&](ActionAngleNetwork& model, double dt) {
    ad::Tape tape;
    model.parameters().ZeroGrad();
    ForwardResult forward = model.Forward(tape, tape.Constant(states), dt);
    ad::Var loss = ad::Add(ad::Mean(ad::Square(ad::Sub(
                               forward.prediction, tape.Constant(targets)))),
                           ad::Sum(ad::BatchVariance(*forward.actions)));
    tape.Backward(loss);
    Eigen::VectorXd result(1 + model.parameters().NumScalars());
    result << loss.scalar(), model.parameters().FlattenGrad();
    return result;
  };
  for (double dt : {1.0, 10.0}) {
    const Eigen::VectorXd reference = loss_and_gradient(*float64, dt);
    const Eigen::VectorXd result = loss_and_gradient(*float32, dt);
    const double scale = reference.cwiseAbs().maxCoeff();
    EXPECT_LT((result - reference).cwiseAbs().maxCoeff(), 1e-5 * scale)
        << "dt " << dt;
    // Not the float64 arithmetic under another name.
    EXPECT_NE(result, reference) << "dt " << dt;
  }
}

TEST(ActionAngleNetworkConfigTest, ShippedConfigHasThePapersParameterCount) {
  absl::StatusOr<ExperimentConfig> config =
      ReadExperimentConfig("configs/harmonic/action_angle_flow.pbtxt");
  ASSERT_TRUE(config.ok()) << config.status();
  Random random(0);
  absl::StatusOr<std::unique_ptr<Model>> model =
      CreateModel(config->experiment.model(), ModelContext{2, {}}, random);
  ASSERT_TRUE(model.ok()) << model.status();
  // Flow: 20 x (W [2,100] + b [100] + a [100] + gate [2]) = 8040;
  // angular velocities: [2 -> 100 -> 2] = 300 + 202. Paper: about 8.5K.
  EXPECT_EQ((*model)->parameters().NumScalars(), 8542);
  EXPECT_EQ((*model)->kind(), "action_angle");
}

TEST(ActionAngleNetworkConfigTest, MissingEncoderIsAnError) {
  ModelConfig config;
  config.mutable_action_angle();
  Random random(0);
  absl::StatusOr<std::unique_ptr<Model>> model =
      CreateModel(config, ModelContext{2, {}}, random);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("model.action_angle.encoder"),
            std::string::npos);
  EXPECT_FALSE(CreateModel(ModelConfig(), ModelContext{2, {}}, random).ok());
}

}  // namespace
}  // namespace aanet
