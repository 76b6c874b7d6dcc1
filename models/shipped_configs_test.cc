// The shipped model configs build on the harmonic n = 2 data and have the
// parameter counts of the paper's Table 1.
#include <string>

#include "gtest/gtest.h"
#include "models/model.h"
#include "proto/text_config.h"

namespace aanet {
namespace {

struct Expected {
  const char* config;
  const char* kind;
  int64_t exact;  // computed by hand below
  double paper;   // Table 1
};

// Flow: 20 x (W [2,100] + b + a [100] + gate [2]) = 8040.
// MLP encoder + decoder, one layer: 2 x 41,304 (mlp_encoder.h); two layers:
// 2 x 91,804.
const Expected kExpected[] = {
    // + angular velocities [2 -> 100 -> 2]: 502.
    {"action_angle_flow", "action_angle", 8040 + 502, 8.5e3},
    // The published code's conditioner and no pair scale: same parameters.
    {"action_angle_flow_published", "action_angle", 8040 + 502, 8.5e3},
    // + derivative net [4 -> 100 -> 4]: 904.
    {"euler_update_flow", "euler_update", 8040 + 904, 9e3},
    {"euler_update_flow_published", "euler_update", 8040 + 904, 9e3},
    // + derivative net [4 -> 100 -> 100 -> 100 -> 4]: 21,104.
    {"neural_ode", "neural_ode", 2 * 41304 + 21104, 100e3},
    // + Hamiltonian net [4 -> 100 -> 100 -> 100 -> 1]: 20,801.
    {"hamiltonian_neural_network", "hamiltonian", 2 * 91804 + 20801, 200e3},
    // The MLP variants (not in Table 1).
    {"action_angle_mlp", "action_angle", 2 * 41304 + 502, 0},
    {"euler_update_mlp", "euler_update", 2 * 41304 + 904, 0},
};

class ShippedConfigTest : public ::testing::TestWithParam<Expected> {};

TEST_P(ShippedConfigTest, BuildsWithTheExpectedParameterCount) {
  const Expected& expected = GetParam();
  const std::string path =
      std::string("configs/harmonic/") + expected.config + ".pbtxt";
  absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->experiment.name(), expected.config);
  Random random(0);
  absl::StatusOr<std::unique_ptr<Model>> model =
      CreateModel(config->experiment.model(), ModelContext{2, {}}, random);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->kind(), expected.kind);
  EXPECT_EQ(ModelKind(config->experiment.model()), expected.kind);
  const int64_t count = (*model)->parameters().NumScalars();
  EXPECT_EQ(count, expected.exact);
  if (expected.paper > 0) {
    EXPECT_LE(std::abs(count - expected.paper), 0.1 * expected.paper)
        << "Table 1 says about " << expected.paper;
  }
}

INSTANTIATE_TEST_SUITE_P(Harmonic, ShippedConfigTest,
                         ::testing::ValuesIn(kExpected),
                         [](const ::testing::TestParamInfo<Expected>& info) {
                           return std::string(info.param.config);
                         });

}  // namespace
}  // namespace aanet
