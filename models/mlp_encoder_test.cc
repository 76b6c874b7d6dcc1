#include "models/mlp_encoder.h"

#include <string>

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
