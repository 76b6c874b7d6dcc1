#include "models/mlp_encoder.h"

#include <string>

#include "autodiff/gradient_check.h"
#include "autodiff/ops.h"
#include "gtest/gtest.h"
#include "models/model_test_util.h"

namespace aanet {
namespace {

using ::aanet::testing::RandomizeParameters;
using ::aanet::testing::RandomMatrix;

MlpEncoderConfig Config(int width, int layers) {
  MlpEncoderConfig config;
  config.set_hidden_width(width);
  config.set_num_encoder_layers(layers);
  config.set_num_decoder_layers(layers);
  config.set_activation("tanh");
  return config;
}

// One dense layer of the store's parameters "<prefix>/layer_<i>/{W,b}",
// written out independently of Mlp: tanh unless last, residual if square.
Eigen::MatrixXd Dense(const ad::ParameterStore& store, const std::string& mlp,
                      int layer, bool last, const Eigen::MatrixXd& x) {
  const std::string prefix = mlp + "/layer_0" + std::to_string(layer);
  const Eigen::MatrixXd& w = store.value(*store.Find(prefix + "/W"));
  const Eigen::MatrixXd& b = store.value(*store.Find(prefix + "/b"));
  Eigen::MatrixXd z = x * w;
  z.rowwise() += b.row(0);
  if (!last) z = z.array().tanh().matrix();
  if (w.rows() == w.cols()) z += x;
  return z;
}

TEST(MlpEncoderTest, MatchesThePublishedStructureWrittenOut) {
  // k = 2 layers per MLP, width 5, n = 3.
  Random random(2);
  ad::ParameterStore store;
  absl::StatusOr<std::unique_ptr<MlpEncoder>> encoder =
      MlpEncoder::Create(Config(5, 2), "enc", 3, store, random);
  ASSERT_TRUE(encoder.ok()) << encoder.status();
  RandomizeParameters(store, 0.5, random);
  const Eigen::MatrixXd x = RandomMatrix(4, 6, 1.0, random);

  for (const std::string half : {"encoder", "decoder"}) {
    auto mlp = [&](const std::string& part, const Eigen::MatrixXd& in,
                   int num_layers) {
      Eigen::MatrixXd h = in;
      for (int i = 0; i < num_layers; ++i) {
        h = Dense(store, half + "/" + part, i, i + 1 == num_layers, h);
      }
      return h;
    };
    const Eigen::MatrixXd hq = mlp("position_in", x.leftCols(3), 2);
    const Eigen::MatrixXd hp = mlp("momentum_in", x.rightCols(3), 2);
    Eigen::MatrixXd joined(4, 10);
    joined << hq, hp;
    const Eigen::MatrixXd shared = mlp("transform", joined, 2);
    Eigen::MatrixXd expected(4, 6);
    expected << mlp("position_out", shared, 3), mlp("momentum_out", shared, 3);

    const Eigen::MatrixXd actual = half == "encoder"
                                       ? (*encoder)->EncodeValues(x)
                                       : (*encoder)->DecodeValues(x);
    EXPECT_LE((actual - expected).cwiseAbs().maxCoeff(), 1e-13) << half;
    ad::Tape tape;
    ad::Var on_tape = half == "encoder"
                          ? (*encoder)->Encode(tape, tape.Constant(x))
                          : (*encoder)->Decode(tape, tape.Constant(x));
    EXPECT_LE((on_tape.value() - expected).cwiseAbs().maxCoeff(), 1e-13)
        << half;
  }
  EXPECT_FALSE((*encoder)->is_exact_inverse());
}

TEST(MlpEncoderTest, PublishedShapesHaveThePublishedParameterCount) {
  // n = 2, L = 100, k = 1: in-MLPs 2 x 300, transform 20,100, out-MLPs
  // 2 x (10,100 + 202) = 41,304 per half.
  Random random(0);
  ad::ParameterStore store;
  ASSERT_TRUE(MlpEncoder::Create(Config(100, 1), "enc", 2, store, random).ok());
  EXPECT_EQ(store.NumScalars(), 2 * 41304);
}

// A loss that weighs every output differently, so that a wrong gradient of
// any one of them shows.
ad::Var WeightedSum(ad::Var y, const Eigen::MatrixXd& weights) {
  return ad::Sum(ad::Mul(y, y.tape()->Constant(weights)));
}

ad::GradientCheckOptions Options(const std::string& activation) {
  ad::GradientCheckOptions options;
  if (activation == "relu") {
    // A 3-point difference with a small step, so that no perturbation
    // crosses a kink of relu.
    options.step = 1e-6;
    options.five_point = false;
  }
  return options;
}

// The encoder and decoder on the tape against finite differences, for a
// smooth activation and for relu; k = 2 exercises the residual layers, n = 3
// the column splits.
TEST(MlpEncoderTest, TapeGradientsMatchFiniteDifferences) {
  for (const std::string activation : {"tanh", "relu"}) {
    for (const std::string half : {"encoder", "decoder"}) {
      Random random(5);
      ad::ParameterStore store;
      MlpEncoderConfig config = Config(6, 2);
      config.set_activation(activation);
      absl::StatusOr<std::unique_ptr<MlpEncoder>> encoder =
          MlpEncoder::Create(config, "enc", 3, store, random);
      ASSERT_TRUE(encoder.ok()) << encoder.status();
      RandomizeParameters(store, 0.5, random);
      const Eigen::MatrixXd x = RandomMatrix(4, 6, 1.0, random);
      const Eigen::MatrixXd weights = RandomMatrix(4, 6, 1.0, random);
      const ad::GradientCheckResult result = ad::CheckGradients(
          [&](ad::Tape& tape, absl::Span<const ad::Var> inputs) {
            return WeightedSum(half == "encoder"
                                   ? (*encoder)->Encode(tape, inputs[0])
                                   : (*encoder)->Decode(tape, inputs[0]),
                               weights);
          },
          &store, {x}, Options(activation));
      // The checker's default threshold: smooth float64 functions.
      EXPECT_LT(result.max_relative_error, 1e-6)
          << activation << " " << half << ": " << result.worst;
      EXPECT_GT(result.num_checked, 0);
    }
  }
}

// A multi-step grid decodes several latents on one tape before the backward
// pass: each decode's gradient must come from its own activations (a guard
// for any decoder that keeps them outside the tape's nodes). The sum of two
// decodes on one tape has the gradient of each decode on its own tape,
// added (to rounding: the store sums in another order).
TEST(MlpEncoderTest, EveryDecodeKeepsItsOwnActivations) {
  for (const std::string activation : {"tanh", "relu"}) {
    Random random(7);
    ad::ParameterStore store;
    MlpEncoderConfig config = Config(8, 1);
    config.set_activation(activation);
    absl::StatusOr<std::unique_ptr<MlpEncoder>> encoder =
        MlpEncoder::Create(config, "enc", 2, store, random);
    ASSERT_TRUE(encoder.ok()) << encoder.status();
    RandomizeParameters(store, 0.5, random);
    const Eigen::MatrixXd a = RandomMatrix(5, 4, 1.0, random);
    const Eigen::MatrixXd b = RandomMatrix(5, 4, 1.0, random);
    const Eigen::MatrixXd weights = RandomMatrix(5, 4, 1.0, random);

    auto gradients = [&](const std::vector<const Eigen::MatrixXd*>& latents) {
      store.ZeroGrad();
      ad::Tape tape;
      ad::Var z = tape.Input(Eigen::MatrixXd::Zero(5, 4));
      std::vector<ad::Var> decoded;
      for (const Eigen::MatrixXd* l : latents) {
        decoded.push_back(
            (*encoder)->Decode(tape, ad::Add(z, tape.Constant(*l))));
      }
      ad::Var loss = WeightedSum(decoded[0], weights);
      for (size_t i = 1; i < decoded.size(); ++i) {
        loss = ad::Add(loss, WeightedSum(decoded[i], weights));
      }
      tape.Backward(loss);
      Eigen::VectorXd flat = store.FlattenGrad();
      Eigen::VectorXd all(flat.size() + 20);
      all << flat, z.grad().reshaped();
      return all;
    };
    const Eigen::VectorXd both = gradients({&a, &b});
    const Eigen::VectorXd separately = gradients({&a}) + gradients({&b});
    const Eigen::VectorXd only_b_twice = 2 * gradients({&b});
    EXPECT_LE((both - separately).cwiseAbs().maxCoeff(),
              1e-12 * separately.cwiseAbs().maxCoeff())
        << activation;
    // And the comparison can fail: b's activations used for both is wrong.
    EXPECT_GT((both - only_b_twice).cwiseAbs().maxCoeff(),
              1e-3 * separately.cwiseAbs().maxCoeff())
        << activation;
  }
}

TEST(MlpEncoderTest, ErrorsNameTheField) {
  Random random(0);
  ad::ParameterStore store;
  MlpEncoderConfig config = Config(10, 1);
  config.clear_num_decoder_layers();
  absl::StatusOr<std::unique_ptr<MlpEncoder>> encoder =
      MlpEncoder::Create(config, "model.m.encoder.mlp", 2, store, random);
  ASSERT_FALSE(encoder.ok());
  EXPECT_EQ(encoder.status().message(),
            "model.m.encoder.mlp.num_decoder_layers: must be set and >= 1, "
            "got 0");
  config = Config(10, 1);
  config.set_activation("nope");
  encoder = MlpEncoder::Create(config, "model.m.encoder.mlp", 2, store, random);
  ASSERT_FALSE(encoder.ok());
  EXPECT_NE(encoder.status().message().find("model.m.encoder.mlp.activation"),
            std::string::npos);
}

}  // namespace
}  // namespace aanet
