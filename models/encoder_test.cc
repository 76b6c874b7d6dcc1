#include "models/encoder.h"

#include "gtest/gtest.h"
#include "models/model.h"
#include "models/model_test_util.h"
#include "models/symplectic_flow.h"

namespace aanet {
namespace {

using ::aanet::testing::RandomMatrix;

// A fresh flow is the identity (every gate and `a` start at zero), so the
// encoding shows exactly what is applied around it.
TEST(EncoderTest, SymplecticPairScaleSwitch) {
  const ModelContext context{2, Eigen::RowVectorXd::LinSpaced(4, 0.5, 3.0)};
  Random random(1);
  const Eigen::MatrixXd states = RandomMatrix(3, 4, 1.0, random);
  const Eigen::RowVectorXd scale =
      SymplecticPairScale(context.coordinate_scale, 2);
  ASSERT_GT((scale.array() - 1).abs().maxCoeff(), 0.1);  // not trivial
  for (int setting : {-1, 0, 1}) {  // unset (default on), off, on
    EncoderConfig config;
    SymplecticFlowConfig* flow = config.mutable_flow();
    flow->set_num_layers(2);
    flow->set_hidden_width(5);
    flow->set_activation("sigmoid");
    flow->set_weight_init_stddev(0.01);
    flow->set_precision(SymplecticFlowConfig::FLOAT64);  // compared to 1e-15
    if (setting >= 0) flow->set_symplectic_pair_scale(setting == 1);
    ad::ParameterStore store;
    absl::StatusOr<std::unique_ptr<CoordinateEncoder>> encoder =
        CreateEncoder(config, "model.encoder", context, store, random);
    ASSERT_TRUE(encoder.ok()) << encoder.status();
    const Eigen::MatrixXd expected =
        setting == 0
            ? states
            : Eigen::MatrixXd(states.array().rowwise() * scale.array());
    EXPECT_LE(
        ((*encoder)->EncodeValues(states) - expected).cwiseAbs().maxCoeff(),
        1e-15)
        << setting;
    EXPECT_LE(
        ((*encoder)->DecodeValues(expected) - states).cwiseAbs().maxCoeff(),
        1e-15)
        << setting;
  }
}

}  // namespace
}  // namespace aanet
