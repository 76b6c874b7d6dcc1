// Statistics and determinism of the initialisers.
#include "autodiff/init.h"

#include <cmath>

#include "Eigen/Core"
#include "gtest/gtest.h"
#include "rng/random.h"

namespace aanet::ad {
namespace {

struct Stats {
  double mean = 0;
  double variance = 0;
  double max_abs = 0;
};

Stats Compute(const Matrix& m) {
  Stats s;
  s.mean = m.mean();
  s.variance = (m.array() - s.mean).square().mean();
  s.max_abs = m.cwiseAbs().maxCoeff();
  return s;
}

TEST(InitTest, TruncationConstantMatchesTheTruncatedNormal) {
  // Var of N(0,1) truncated to (-2, 2) = 1 - 2*2*phi(2) / (2 Phi(2) - 1).
  const double phi2 = std::exp(-2.0) / std::sqrt(2.0 * M_PI);
  const double mass = std::erf(2.0 / std::sqrt(2.0));
  EXPECT_NEAR(std::sqrt(1.0 - 4.0 * phi2 / mass), kTruncatedNormalStddevAt2,
              1e-15);
}

TEST(InitTest, LecunNormalHasVarianceOneOverFanIn) {
  Random rng(7);
  const int fan_in = 50;
  const Matrix w = LecunNormal(fan_in, 4000, rng);  // 200k samples.
  ASSERT_EQ(w.rows(), fan_in);
  ASSERT_EQ(w.cols(), 4000);
  const Stats s = Compute(w);
  const double raw_stddev = std::sqrt(1.0 / fan_in) / kTruncatedNormalStddevAt2;
  // Standard errors: mean ~ 0.14 / 447 = 3e-4; variance ~ 0.3% relative.
  EXPECT_NEAR(s.mean, 0.0, 1.5e-3);
  EXPECT_NEAR(s.variance * fan_in, 1.0, 0.015);
  // Truncated at 2 raw standard deviations, and the tails reach it.
  EXPECT_LT(s.max_abs, 2.0 * raw_stddev);
  EXPECT_GT(s.max_abs, 1.98 * raw_stddev);
  // Mass beyond one raw stddev: (P(|z|>1) - P(|z|>2)) / P(|z|<2) = 0.2848.
  const double beyond_one =
      (w.array().abs() > raw_stddev).cast<double>().mean();
  EXPECT_NEAR(beyond_one, 0.2848, 0.005);
}

TEST(InitTest, TruncatedNormalBounds) {
  Random rng(3);
  const Matrix m = TruncatedNormal(100, 100, 0.5, rng);
  EXPECT_LT(m.cwiseAbs().maxCoeff(), 1.0);
  EXPECT_NEAR(Compute(m).variance,
              0.25 * kTruncatedNormalStddevAt2 * kTruncatedNormalStddevAt2,
              0.01);
}

TEST(InitTest, DeterministicFromSeedInColumnMajorOrder) {
  Random a(42), b(42), c(43);
  const Matrix wa = LecunNormal(3, 5, a);
  EXPECT_EQ(wa, LecunNormal(3, 5, b));
  EXPECT_NE(wa, LecunNormal(3, 5, c));
  // Element (0,0), then (1,0): the first accepted draws of the stream.
  Random raw(42);
  const double stddev = std::sqrt(1.0 / 3.0) / kTruncatedNormalStddevAt2;
  double z;
  do {
    z = raw.Normal();
  } while (std::abs(z) >= 2.0);
  EXPECT_EQ(wa(0, 0), stddev * z);
  do {
    z = raw.Normal();
  } while (std::abs(z) >= 2.0);
  EXPECT_EQ(wa(1, 0), stddev * z);
}

TEST(InitTest, NormalIsUntruncatedWithTheGivenStddev) {
  Random rng(11);
  const Matrix m = NormalInit(200, 1000, 0.01, rng);
  const Stats s = Compute(m);
  EXPECT_NEAR(s.mean, 0.0, 1e-4);
  EXPECT_NEAR(std::sqrt(s.variance), 0.01, 1e-4);
  // Untruncated: about 0.27% of the values lie beyond 3 stddev.
  const double beyond_three = (m.array().abs() > 0.03).cast<double>().mean();
  EXPECT_NEAR(beyond_three, 0.0027, 0.0005);
  Random again(11);
  EXPECT_EQ(NormalInit(200, 1000, 0.01, again), m);
}

TEST(InitTest, ZerosAndConstant) {
  EXPECT_EQ(ZerosInit(2, 3), Matrix::Zero(2, 3));
  EXPECT_EQ(ConstantInit(3, 1, 0.25), Matrix::Constant(3, 1, 0.25));
}

}  // namespace
}  // namespace aanet::ad
