#include "eval/frequencies.h"

#include "gtest/gtest.h"

namespace aanet::eval {
namespace {

TEST(MatchFrequenciesTest, MatchesSortedMagnitudes) {
  // Pair 0 turns backwards at about 0.8, pair 1 forwards at about 0.05.
  Eigen::MatrixXd omega(3, 2);
  omega << -0.79, 0.049, -0.80, 0.051, -0.81, 0.050;
  Eigen::VectorXd truth(2);
  truth << 0.7775, 0.0500;
  const std::vector<FrequencyMatch> m = MatchFrequencies(omega, truth);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].latent_index, 1);
  EXPECT_NEAR(m[0].learned, 0.050, 1e-12);
  EXPECT_DOUBLE_EQ(m[0].truth, 0.05);
  EXPECT_NEAR(m[0].relative_error, 0.0, 1e-9);
  EXPECT_EQ(m[1].latent_index, 0);
  EXPECT_NEAR(m[1].learned, 0.80, 1e-12);
  EXPECT_NEAR(m[1].relative_error, std::abs(0.80 - 0.7775) / 0.7775, 1e-12);
  EXPECT_NEAR(m[1].learned_std, std::sqrt(2.0 / 3.0) * 0.01, 1e-12);
}

}  // namespace
}  // namespace aanet::eval
