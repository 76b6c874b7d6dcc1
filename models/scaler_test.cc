#include "models/scaler.h"

#include "gtest/gtest.h"

namespace aanet {
namespace {

TEST(StandardScalerTest, StandardisesEachColumn) {
  Eigen::MatrixXd x(4, 2);
  x << 1, 10, 2, 10, 3, 10, 4, 10;
  absl::StatusOr<StandardScaler> scaler = StandardScaler::Fit(x);
  ASSERT_TRUE(scaler.ok());
  EXPECT_DOUBLE_EQ(scaler->mean()[0], 2.5);
  // Population deviation of 1..4: sqrt(1.25).
  EXPECT_DOUBLE_EQ(scaler->scale()[0], std::sqrt(1.25));
  // A constant column gets scale 1, so it maps to zero rather than NaN.
  EXPECT_DOUBLE_EQ(scaler->scale()[1], 1.0);
  Eigen::MatrixXd z = scaler->Transform(x);
  EXPECT_NEAR(z.col(0).mean(), 0.0, 1e-15);
  EXPECT_NEAR(z.col(0).squaredNorm() / 4, 1.0, 1e-14);
  EXPECT_TRUE(z.col(1).isZero());
}

TEST(StandardScalerTest, InverseUndoesTransform) {
  Eigen::MatrixXd x = Eigen::MatrixXd::Random(20, 4) * 7.0;
  absl::StatusOr<StandardScaler> scaler = StandardScaler::Fit(x);
  ASSERT_TRUE(scaler.ok());
  EXPECT_TRUE(
      scaler->InverseTransform(scaler->Transform(x)).isApprox(x, 1e-14));
}

TEST(StandardScalerTest, RejectsEmptyAndNonFinite) {
  EXPECT_FALSE(StandardScaler::Fit(Eigen::MatrixXd(0, 3)).ok());
  Eigen::MatrixXd x = Eigen::MatrixXd::Ones(3, 2);
  x(1, 1) = std::nan("");
  EXPECT_FALSE(StandardScaler::Fit(x).ok());
}

}  // namespace
}  // namespace aanet
