#include "sweep/system_description.h"

#include "gtest/gtest.h"
#include "proto/text_config.h"

namespace aanet::sweep {
namespace {

SimulationConfig Parse(const std::string& text) {
  SimulationConfig config;
  EXPECT_TRUE(ParseTextProto(text, "test", &config).ok()) << text;
  return config;
}

TEST(SystemDescriptionTest, NamesTheSetOneofField) {
  EXPECT_EQ(SystemName(Parse("harmonic { num_particles: 2 }")), "harmonic");
  EXPECT_EQ(SystemName(Parse("pendulum { mass: 1 }")), "pendulum");
  EXPECT_EQ(SystemName(Parse("num_samples: 10")), "");
  EXPECT_EQ(DescribeSystem(Parse("num_samples: 10")), "");
}

TEST(SystemDescriptionTest, DescribesEverySetFieldByReflection) {
  EXPECT_EQ(DescribeSystem(Parse(R"pb(
              harmonic {
                num_particles: 2
                masses { min: 1 max: 1 }
                k_wall { min: 1 max: 2 }
                k_pair: 0.5
              }
              num_samples: 1000
            )pb")),
            "harmonic: num_particles 2, masses 1..1, k_wall 1..2, k_pair 0.5");
  // Two configs that share k_pair but not masses describe differently.
  EXPECT_NE(DescribeSystem(Parse("harmonic { masses { min: 1 max: 1 } "
                                 "k_pair: 0.5 }")),
            DescribeSystem(Parse("harmonic { masses { min: 2 max: 2 } "
                                 "k_pair: 0.5 }")));
  EXPECT_EQ(DescribeSystem(Parse(R"pb(
              pendulum {
                gravity: 3
                initial_angle { values: [ 0.1, 0.2 ] }
                initial_states { q: 1 p: 2 }
              }
            )pb")),
            "pendulum: gravity 3, initial_angle [0.1, 0.2], initial_states "
            "[{q [1], p [2]}]");
  EXPECT_EQ(DescribeSystem(Parse("pendulum {}")), "pendulum");
}

}  // namespace
}  // namespace aanet::sweep
