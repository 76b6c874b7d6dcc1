#include "eval/frequencies.h"

#include <cmath>

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

// Per-state truth: rows that agree give exactly the [n] form's numbers;
// rows that differ (a frequency that depends on the action) are each sorted
// and averaged over the same states as the learned means.
TEST(MatchFrequenciesTest, PerStateTruth) {
  Eigen::MatrixXd omega(3, 2);
  omega << -0.79, 0.049, -0.80, 0.051, -0.81, 0.050;
  Eigen::VectorXd truth(2);
  truth << 0.1 + 0.2, 0.0500;  // not exactly 0.3: a mean of it would round
  const Eigen::MatrixXd same = truth.transpose().replicate(3, 1);
  const std::vector<FrequencyMatch> a = MatchFrequencies(omega, truth);
  const std::vector<FrequencyMatch> b = MatchFrequencies(omega, same);
  ASSERT_EQ(b.size(), 2u);
  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(a[k].latent_index, b[k].latent_index);
    EXPECT_EQ(a[k].truth, b[k].truth);
    EXPECT_EQ(a[k].relative_error, b[k].relative_error);
  }
  Eigen::MatrixXd differ(3, 2);
  differ << 0.70, 0.05, 0.06, 0.80, 0.90, 0.04;  // row 1 unsorted
  const Eigen::VectorXd mean = MeanTrueFrequencies(differ);
  EXPECT_NEAR(mean[0], 0.05, 1e-15);
  EXPECT_NEAR(mean[1], 0.80, 1e-15);
  const std::vector<FrequencyMatch> c = MatchFrequencies(omega, differ);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].latent_index, 1);
  EXPECT_NEAR(c[0].truth, 0.05, 1e-15);
  EXPECT_NEAR(c[1].truth, 0.80, 1e-15);
  EXPECT_NEAR(c[1].relative_error, 0.0, 1e-12);
  EXPECT_EQ(MeanTrueFrequencies(Eigen::MatrixXd(0, 0)).size(), 0);
}

}  // namespace
}  // namespace aanet::eval
