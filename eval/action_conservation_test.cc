#include "eval/action_conservation.h"

#include <cmath>
#include <limits>
#include <vector>

#include "Eigen/Core"
#include "gtest/gtest.h"

namespace aanet::eval {
namespace {

// A single uncoupled oscillator H = p^2 / (2 m) + k q^2 / 2 along its true
// trajectory q = A cos(w t), p = -m A w sin(w t), w = sqrt(k / m), sampled
// at `count` points evenly over `periods` whole periods of cos(2 w t).
struct Oscillator {
  double m = 2.0, k = 0.5, amplitude = 1.3;
  double omega() const { return std::sqrt(k / m); }
  // The action of (q, p) computed as if the mass were `mass`: the exact
  // action-angle map's I = E / w for mass == m.
  Eigen::MatrixXd Actions(double mass, int count, int periods) const {
    const double w = omega();
    Eigen::MatrixXd actions(count, 1);
    for (int i = 0; i < count; ++i) {
      const double t = periods * M_PI / w * i / count;
      const double q = amplitude * std::cos(w * t);
      const double p = -m * amplitude * w * std::sin(w * t);
      actions(i, 0) = (p * p / (2 * mass) + k * q * q / 2) / w;
    }
    return actions;
  }
};

TEST(RelativeVariationTest, ExactActionOfAnOscillatorIsConstant) {
  const Oscillator o;
  const Eigen::VectorXd v = RelativeVariation(o.Actions(o.m, 1000, 7));
  ASSERT_EQ(v.size(), 1);
  EXPECT_LT(v[0], 1e-14);
}

// With the wrong mass m' = m / r the action is
// I(t) = c ((1 + r) / 2 + (1 - r) / 2 cos(2 w t)), c = m A^2 w / 2: over
// whole periods its mean is c (1 + r) / 2 and its standard deviation
// c |1 - r| / (2 sqrt 2), so the relative variation is
// |1 - r| / ((1 + r) sqrt 2), 1 / (3 sqrt 2) = 0.2357... for r = 2.
TEST(RelativeVariationTest, MixedScalesGiveTheHandComputedValue) {
  const Oscillator o;
  const double r = 2.0;
  const Eigen::VectorXd v = RelativeVariation(o.Actions(o.m / r, 1000, 3));
  EXPECT_NEAR(v[0], 1.0 / (3.0 * std::sqrt(2.0)), 1e-12);
  const double r2 = 0.25;
  EXPECT_NEAR(RelativeVariation(o.Actions(o.m / r2, 800, 5))[0],
              std::abs(1 - r2) / ((1 + r2) * std::sqrt(2.0)), 1e-12);
}

TEST(RelativeVariationTest, IsPerColumnAndUnitFree) {
  Eigen::MatrixXd a(4, 2);
  a << 1, 10, 3, 10, 1, 10, 3, 10;
  const Eigen::VectorXd v = RelativeVariation(a);
  EXPECT_DOUBLE_EQ(v[0], 0.5);  // mean 2, std 1
  EXPECT_DOUBLE_EQ(v[1], 0.0);
  EXPECT_DOUBLE_EQ(RelativeVariation(-7.5 * a)[0], 0.5);
}

TEST(RelativeVariationTest, NonFiniteAndZeroMeanAreNotMadeUp) {
  Eigen::MatrixXd a(3, 3);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  a << 1, -1, 0, nan, 1, 0, 1, 0, 0;
  const Eigen::VectorXd v = RelativeVariation(a);
  EXPECT_TRUE(std::isnan(v[0]));
  EXPECT_TRUE(std::isinf(v[1]));
  EXPECT_EQ(v[2], 0.0);
}

TEST(RelativeVariationTest, LatentActionsAreHalfTheSquaredRadii) {
  Eigen::MatrixXd r(1, 2);
  r << 2, 3;
  const Eigen::MatrixXd j = LatentActions(r);
  EXPECT_DOUBLE_EQ(j(0, 0), 2.0);
  EXPECT_DOUBLE_EQ(j(0, 1), 4.5);
}

TEST(SummarizeVariationTest, MedianAndMaxLeaveNonFiniteOut) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<Eigen::VectorXd> v(4, Eigen::VectorXd(2));
  v[0] << 0.1, 1.0;
  v[1] << 0.3, 2.0;
  v[2] << nan, 0.0;  // left out whole
  v[3] << 0.2, 5.0;
  const VariationSummary s = SummarizeVariation(v, 2);
  EXPECT_EQ(s.num_trajectories, 4);
  EXPECT_EQ(s.num_non_finite, 1);
  EXPECT_DOUBLE_EQ(s.median[0], 0.2);
  EXPECT_DOUBLE_EQ(s.max[0], 0.3);
  EXPECT_DOUBLE_EQ(s.median[1], 2.0);
  EXPECT_DOUBLE_EQ(s.max[1], 5.0);
  std::vector<Eigen::VectorXd> even = {v[0], v[1]};
  EXPECT_DOUBLE_EQ(SummarizeVariation(even, 2).median[1], 1.5);
  const VariationSummary none = SummarizeVariation({v[2]}, 2);
  EXPECT_EQ(none.num_non_finite, 1);
  EXPECT_TRUE(std::isnan(none.median[0]));
  EXPECT_TRUE(std::isnan(none.max[1]));
}

}  // namespace
}  // namespace aanet::eval
