#include "models/euler_update_network.h"

#include <vector>

#include "autodiff/ops.h"
#include "gtest/gtest.h"
#include "models/model_test_util.h"

namespace aanet {
namespace {

using ::aanet::testing::CheckLossGradient;
using ::aanet::testing::RandomizeParameters;
using ::aanet::testing::RandomMatrix;

EncoderConfig FlowEncoder() {
  EncoderConfig config;
  SymplecticFlowConfig* flow = config.mutable_flow();
  flow->set_num_layers(4);
  flow->set_hidden_width(6);
  flow->set_activation("tanh");
  flow->set_weight_init_stddev(0.01);
  return config;
}

EncoderConfig MlpEncoder() {
  EncoderConfig config;
  MlpEncoderConfig* mlp = config.mutable_mlp();
  mlp->set_hidden_width(6);
  mlp->set_num_encoder_layers(1);
  mlp->set_num_decoder_layers(2);
  mlp->set_activation("tanh");
  return config;
}

class EulerUpdateNetworkTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    EulerUpdateNetworkConfig config;
    *config.mutable_encoder() = GetParam() ? FlowEncoder() : MlpEncoder();
    config.mutable_derivative_net()->add_hidden_widths(5);
    config.mutable_derivative_net()->set_activation("softplus");
    Random random(7);
    absl::StatusOr<std::unique_ptr<EulerUpdateNetwork>> model =
        EulerUpdateNetwork::Create(
            config, "model.euler_update",
            ModelContext{2, Eigen::RowVector4d(1.0, 2.0, 0.5, 3.0)}, random);
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = *std::move(model);
    RandomizeParameters(model_->parameters(), 0.4, random);
    states_ = RandomMatrix(5, 4, 1.0, random);
  }

  std::unique_ptr<EulerUpdateNetwork> model_;
  Eigen::MatrixXd states_;
};

TEST_P(EulerUpdateNetworkTest, PredictionIsOneEulerStepInLatentSpace) {
  // Latent displacement is linear in dt: (z(dt) - z(0)) / dt is the same
  // derivative for every dt, and z(0) decodes to decode(encode(x)).
  const CoordinateEncoder& encoder = model_->encoder();
  const Eigen::MatrixXd z0 = encoder.EncodeValues(states_);
  const Eigen::MatrixXd derivative =
      encoder.EncodeValues(model_->Predict(states_, 1.0)) - z0;
  if (encoder.is_exact_inverse()) {
    for (double dt : {0.5, 3.0, 40.0}) {
      const Eigen::MatrixXd step =
          (encoder.EncodeValues(model_->Predict(states_, dt)) - z0) / dt;
      EXPECT_LE((step - derivative).cwiseAbs().maxCoeff(), 1e-9) << dt;
    }
    EXPECT_LE((model_->Predict(states_, 0.0) - states_).cwiseAbs().maxCoeff(),
              1e-12);
  } else {
    EXPECT_LE((model_->Predict(states_, 0.0) - encoder.DecodeValues(z0))
                  .cwiseAbs()
                  .maxCoeff(),
              1e-14);
  }
}

TEST_P(EulerUpdateNetworkTest, TapeAndValuePathsAgree) {
  for (double dt : {0.0, 1.0, 10.0}) {
    ad::Tape tape;
    ForwardResult forward = model_->Forward(tape, tape.Constant(states_), dt);
    EXPECT_FALSE(forward.actions.has_value());
    EXPECT_LE((forward.prediction.value() - model_->Predict(states_, dt))
                  .cwiseAbs()
                  .maxCoeff(),
              1e-12)
        << dt;
  }
}

TEST_P(EulerUpdateNetworkTest, LossGradientMatchesFiniteDifferences) {
  Random random(8);
  const Eigen::MatrixXd targets = RandomMatrix(5, 4, 1.0, random);
  for (double dt : {1.0, 6.0}) {
    ad::GradientCheckResult result =
        CheckLossGradient(*model_, states_, targets, dt);
    EXPECT_LT(result.max_relative_error, 1e-6) << dt << ": " << result.worst;
  }
}

// One Euler step of j dt per jump (not a chain of steps), bit for bit
// Forward's.
TEST_P(EulerUpdateNetworkTest, ForwardGridEqualsForwardAtEveryJump) {
  EXPECT_EQ(
      ::aanet::testing::MaxGridDeviationFromForward(*model_, states_, 0.4, 10),
      0.0);
}

TEST_P(EulerUpdateNetworkTest, MultiStepLossGradientMatchesFiniteDifferences) {
  Random random(9);
  std::vector<Eigen::MatrixXd> targets;
  for (int j = 0; j < 4; ++j)
    targets.push_back(RandomMatrix(5, 4, 1.0, random));
  const ad::GradientCheckResult result =
      ::aanet::testing::CheckMultiStepLossGradient(*model_, states_, targets,
                                                   1.5);
  EXPECT_LT(result.max_relative_error, 1e-6) << result.worst;
  EXPECT_GT(result.gradient_scale, 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Encoders, EulerUpdateNetworkTest,
                         ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Flow" : "Mlp";
                         });

TEST(EulerUpdateNetworkConfigTest, MissingEncoderIsAnError) {
  EulerUpdateNetworkConfig config;
  config.mutable_derivative_net()->add_hidden_widths(5);
  config.mutable_derivative_net()->set_activation("relu");
  Random random(0);
  absl::StatusOr<std::unique_ptr<EulerUpdateNetwork>> model =
      EulerUpdateNetwork::Create(config, "model.euler_update",
                                 ModelContext{2, {}}, random);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("model.euler_update.encoder"),
            std::string::npos)
      << model.status();
}

}  // namespace
}  // namespace aanet
