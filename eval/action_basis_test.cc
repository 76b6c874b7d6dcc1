#include "eval/action_basis.h"

#include <cmath>
#include <limits>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aanet::eval {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// K trajectories' true actions [K, n], all positive and in general position.
Eigen::MatrixXd TrueActions(int k, int n) {
  Eigen::MatrixXd t(k, n);
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j < n; ++j) {
      t(i, j) =
          1.0 + (i * (2 * j + 1) + 3 * j * j) % 7 + 0.1 * std::sin(3.0 * i + j);
    }
  }
  return t;
}

// learned = M true, row by row.
Eigen::MatrixXd Learned(const Eigen::MatrixXi& m, const Eigen::MatrixXd& t) {
  return t * m.cast<double>().transpose();
}

TEST(ActionBasisTest, RecoversAKnownUnimodularBasisExactly) {
  Eigen::MatrixXi m(2, 2);
  m << 1, 1, 0, 1;  // (J_r + L, L): a Delaunay-like basis
  const Eigen::MatrixXd t = TrueActions(8, 2);
  absl::StatusOr<ActionBasisFit> fit = FitActionBasis(Learned(m, t), t);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_EQ(fit->basis, m);
  EXPECT_EQ(fit->determinant, 1);
  EXPECT_TRUE(fit->unimodular);
  EXPECT_TRUE(fit->explains);
  EXPECT_LT(fit->relative_residual, 1e-14);
  EXPECT_LT(fit->real_relative_residual, 1e-12);
  EXPECT_TRUE(fit->real_basis.isApprox(m.cast<double>(), 1e-12));
  EXPECT_EQ(fit->num_equivalent, 1);
  EXPECT_EQ(fit->true_action_rank, 2);
  EXPECT_EQ(fit->num_trajectories, 8);
  EXPECT_TRUE(fit->left_out.empty());
  EXPECT_THAT(fit->search, HasSubstr("[-2, 2]"));

  // A basis with a negative determinant and entries of 2.
  m << 2, 1, 1, 0;
  fit = FitActionBasis(Learned(m, t), t);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_EQ(fit->basis, m);
  EXPECT_EQ(fit->determinant, -1);
}

TEST(ActionBasisTest, NoisyActionsStillRecoverTheBasis) {
  Eigen::MatrixXi m(2, 2);
  m << 0, 1, 1, -1;
  const Eigen::MatrixXd t = TrueActions(16, 2);
  Eigen::MatrixXd l = Learned(m, t);
  for (Eigen::Index i = 0; i < l.size(); ++i) {
    l(i) *= 1 + 0.02 * std::sin(7.1 * i);  // 2 % multiplicative noise
  }
  absl::StatusOr<ActionBasisFit> fit = FitActionBasis(l, t);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_EQ(fit->basis, m);
  EXPECT_TRUE(fit->explains);
  EXPECT_GT(fit->relative_residual, 1e-3);  // the noise is there
  EXPECT_LT(fit->relative_residual, 0.03);
  EXPECT_LE(fit->real_relative_residual, fit->relative_residual);
}

TEST(ActionBasisTest, ANonUnimodularRelationIsReportedNotForced) {
  Eigen::MatrixXi doubled(2, 2);
  doubled << 2, 0, 0, 1;  // det 2: no change of action basis
  const Eigen::MatrixXd t = TrueActions(8, 2);
  absl::StatusOr<ActionBasisFit> fit = FitActionBasis(Learned(doubled, t), t);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_TRUE(fit->unimodular);  // the best of the unimodular candidates...
  EXPECT_FALSE(fit->explains);   // ...does not explain them
  EXPECT_GT(fit->relative_residual, 0.1);
  EXPECT_LT(fit->real_relative_residual, 1e-12);  // a real matrix does
  EXPECT_TRUE(fit->real_basis.isApprox(doubled.cast<double>(), 1e-12));

  // Beyond n = 2 the rounded real fit, whose determinant says it.
  Eigen::MatrixXi m3 = Eigen::MatrixXi::Identity(3, 3);
  m3(0, 0) = 2;
  const Eigen::MatrixXd t3 = TrueActions(10, 3);
  fit = FitActionBasis(Learned(m3, t3), t3);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_EQ(fit->basis, m3);
  EXPECT_EQ(fit->determinant, 2);
  EXPECT_FALSE(fit->unimodular);
  EXPECT_FALSE(fit->explains);
  EXPECT_THAT(fit->search, HasSubstr("rounded"));
}

TEST(ActionBasisTest, ThreeDegreesOfFreedomByRounding) {
  Eigen::MatrixXi m(3, 3);
  m << 1, 0, 1, 0, 1, 0, 0, 0, 1;
  const Eigen::MatrixXd t = TrueActions(10, 3);
  absl::StatusOr<ActionBasisFit> fit = FitActionBasis(Learned(m, t), t);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_EQ(fit->basis, m);
  EXPECT_TRUE(fit->explains);
  EXPECT_LT(fit->relative_residual, 1e-12);
}

TEST(ActionBasisTest, OneDegreeOfFreedom) {
  const Eigen::MatrixXd t = TrueActions(5, 1);
  absl::StatusOr<ActionBasisFit> fit = FitActionBasis(t, t);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_EQ(fit->basis(0, 0), 1);
  EXPECT_TRUE(fit->explains);
  fit = FitActionBasis(-t, t);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_EQ(fit->basis(0, 0), -1);
  EXPECT_EQ(fit->determinant, -1);
  // Learned actions 10 % too large: no integer explains them.
  fit = FitActionBasis(1.1 * t, t);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_EQ(fit->basis(0, 0), 1);
  EXPECT_NEAR(fit->relative_residual, 0.1 / 1.1, 1e-12);
  EXPECT_FALSE(fit->explains);
}

TEST(ActionBasisTest, NonFiniteRowsAreLeftOutAndCounted) {
  Eigen::MatrixXi m(2, 2);
  m << 1, 0, 1, 1;
  const Eigen::MatrixXd t = TrueActions(6, 2);
  Eigen::MatrixXd l = Learned(m, t);
  l(1, 0) = std::numeric_limits<double>::quiet_NaN();
  l(4, 1) = std::numeric_limits<double>::infinity();
  absl::StatusOr<ActionBasisFit> fit = FitActionBasis(l, t);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_THAT(fit->left_out, ElementsAre(1, 4));
  EXPECT_EQ(fit->num_trajectories, 4);
  EXPECT_EQ(fit->basis, m);
  EXPECT_LT(fit->relative_residual, 1e-14);  // NaN never averaged in

  l.setConstant(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(FitActionBasis(l, t).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(FitActionBasis(l.leftCols(1), t).status().message(),
              HasSubstr("expected the same non-empty shape"));
}

// Every orbit circular: the radial action is 0 everywhere, so the data
// cannot pick M's first column; M is then the candidate closest to the
// identity and the tie is reported.
TEST(ActionBasisTest, UndeterminedBasisIsReportedAsATie) {
  Eigen::MatrixXd t = TrueActions(6, 2);
  t.col(0).setZero();
  absl::StatusOr<ActionBasisFit> fit = FitActionBasis(t, t);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_EQ(fit->true_action_rank, 1);
  EXPECT_GT(fit->num_equivalent, 1);
  EXPECT_EQ(fit->basis, Eigen::MatrixXi::Identity(2, 2));
  EXPECT_LT(fit->relative_residual, 1e-14);
}

// Frequencies follow the inverse transpose: learned in the basis M I have
// omega' = M^-T omega, and M^T omega' is the truth again; a degenerate pair
// then shows the spurious precession of an error in omega'.
TEST(ActionBasisTest, MappedFrequenciesAndPrecession) {
  Eigen::MatrixXi m(2, 2);
  m << 1, 1, 0, 1;
  const double n = 0.35;  // both Kepler frequencies
  Eigen::MatrixXd learned(2, 2);
  learned << n, 0.0,  // M^-T (n, n) = (n, 0)
      n, 0.01;        // a learned precession of 0.01 rad per time unit
  const Eigen::MatrixXd mapped = MapFrequencies(m, learned);
  EXPECT_DOUBLE_EQ(mapped(0, 0), n);
  EXPECT_DOUBLE_EQ(mapped(0, 1), n);
  const Eigen::RowVectorXd truth = Eigen::RowVector2d(n, n);
  const std::optional<std::pair<int, int>> pair = DegeneratePair(truth);
  ASSERT_TRUE(pair.has_value());
  EXPECT_EQ(*pair, std::make_pair(0, 1));
  EXPECT_EQ(PrecessionOf(mapped.row(0), *pair).rate, 0.0);
  const Precession p = PrecessionOf(mapped.row(1), *pair);
  EXPECT_NEAR(p.rate, 0.01, 1e-15);
  EXPECT_NEAR(p.per_orbit, 2 * M_PI * 0.01 / n, 1e-14);

  EXPECT_TRUE(DegeneratePair(Eigen::RowVector2d(1.0, 1.0 + 1e-12)));
  EXPECT_FALSE(DegeneratePair(Eigen::RowVector2d(1.0, 1.1)));
  EXPECT_FALSE(DegeneratePair(Eigen::RowVectorXd::Constant(1, 1.0)));
}

}  // namespace
}  // namespace aanet::eval
