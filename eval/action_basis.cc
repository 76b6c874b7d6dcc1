#include "eval/action_basis.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "Eigen/LU"
#include "Eigen/QR"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace aanet::eval {
namespace {

// Candidates within this of the best residual are equally good: the data
// cannot tell them apart (an exact tie up to rounding).
constexpr double kTieTolerance = 1e-9;

// Rank of the true actions: singular values below this fraction of the
// largest count as zero (a circular orbit's radial action is 0 up to
// rounding).
constexpr double kRankThreshold = 1e-9;

// The determinant of a small integer matrix, exactly for n <= 2 and
// rounded from floating point beyond.
int IntegerDeterminant(const Eigen::MatrixXi& m) {
  if (m.rows() == 1) return m(0, 0);
  if (m.rows() == 2) return m(0, 0) * m(1, 1) - m(0, 1) * m(1, 0);
  return static_cast<int>(std::lround(m.cast<double>().determinant()));
}

// ||L - T M^T||_F.
double AbsoluteResidual(const Eigen::MatrixXd& learned,
                        const Eigen::MatrixXd& truth,
                        const Eigen::MatrixXd& basis) {
  return (learned - truth * basis.transpose()).norm();
}

// Sum of |M - I|: the tie-break towards the plainest basis.
int DistanceFromIdentity(const Eigen::MatrixXi& m) {
  const Eigen::MatrixXi identity =
      Eigen::MatrixXi::Identity(m.rows(), m.cols());
  return (m - identity).cwiseAbs().sum();
}

}  // namespace

absl::StatusOr<ActionBasisFit> FitActionBasis(const Eigen::MatrixXd& learned,
                                              const Eigen::MatrixXd& truth) {
  if (learned.rows() != truth.rows() || learned.cols() != truth.cols() ||
      learned.size() == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "learned actions [%d, %d] and true actions [%d, %d]: expected the "
        "same non-empty shape [trajectories, degrees of freedom]",
        learned.rows(), learned.cols(), truth.rows(), truth.cols()));
  }
  const int n = static_cast<int>(learned.cols());
  ActionBasisFit fit;
  std::vector<Eigen::Index> used;
  for (Eigen::Index k = 0; k < learned.rows(); ++k) {
    if (learned.row(k).allFinite() && truth.row(k).allFinite()) {
      used.push_back(k);
    } else {
      fit.left_out.push_back(static_cast<int>(k));
    }
  }
  if (used.empty()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "no trajectory of %d has finite learned and true actions",
        learned.rows()));
  }
  fit.num_trajectories = static_cast<int>(used.size());
  Eigen::MatrixXd l(used.size(), n), t(used.size(), n);
  for (size_t i = 0; i < used.size(); ++i) {
    l.row(i) = learned.row(used[i]);
    t.row(i) = truth.row(used[i]);
  }
  // Residuals relative to the learned actions' norm (absolute if it is 0,
  // which only a collapsed network gives).
  const double norm = l.norm();
  const double unit = norm > 0 ? norm : 1.0;

  Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> solver;
  solver.setThreshold(kRankThreshold);
  solver.compute(t);
  fit.true_action_rank = static_cast<int>(solver.rank());
  fit.real_basis = solver.solve(l).transpose();
  fit.real_relative_residual = AbsoluteResidual(l, t, fit.real_basis) / unit;

  if (n <= kMaxSearchedDegreesOfFreedom) {
    fit.search = absl::StrFormat(
        "every integer matrix with entries in [-%d, %d] and |det| = 1",
        kSearchBound, kSearchBound);
    const int values = 2 * kSearchBound + 1;
    int total = 1;
    for (int i = 0; i < n * n; ++i) total *= values;
    double best = std::numeric_limits<double>::infinity();
    std::vector<std::pair<double, Eigen::MatrixXi>> candidates;
    Eigen::MatrixXi m(n, n);
    for (int code = 0; code < total; ++code) {
      int rest = code;
      for (int i = 0; i < n * n; ++i) {
        m(i / n, i % n) = rest % values - kSearchBound;
        rest /= values;
      }
      if (std::abs(IntegerDeterminant(m)) != 1) continue;
      const double residual = AbsoluteResidual(l, t, m.cast<double>()) / unit;
      candidates.emplace_back(residual, m);
      best = std::min(best, residual);
    }
    fit.num_equivalent = 0;
    int closest = std::numeric_limits<int>::max();
    for (const auto& [residual, candidate] : candidates) {
      if (!(residual <= best + kTieTolerance)) continue;
      ++fit.num_equivalent;
      const int distance = DistanceFromIdentity(candidate);
      if (distance < closest) {
        closest = distance;
        fit.basis = candidate;
        fit.relative_residual = residual;
      }
    }
  } else {
    fit.search = "the real least-squares matrix rounded to integers";
    fit.basis = fit.real_basis.array().round().cast<int>().matrix();
    fit.relative_residual =
        AbsoluteResidual(l, t, fit.basis.cast<double>()) / unit;
  }
  fit.determinant = IntegerDeterminant(fit.basis);
  fit.unimodular = std::abs(fit.determinant) == 1;
  fit.explains =
      fit.unimodular && fit.relative_residual <=
                            fit.real_relative_residual + kUnimodularTolerance;
  return fit;
}

Eigen::MatrixXd MapFrequencies(const Eigen::MatrixXi& basis,
                               const Eigen::MatrixXd& learned_frequencies) {
  // (M^T omega)^T = omega^T M, one row per trajectory.
  return learned_frequencies * basis.cast<double>();
}

std::optional<std::pair<int, int>> DegeneratePair(
    const Eigen::RowVectorXd& true_frequencies) {
  const int n = static_cast<int>(true_frequencies.size());
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      const double a = true_frequencies[i], b = true_frequencies[j];
      if (std::abs(a - b) <=
          kDegeneracyTolerance * std::max(std::abs(a), std::abs(b))) {
        return std::make_pair(i, j);
      }
    }
  }
  return std::nullopt;
}

Precession PrecessionOf(const Eigen::RowVectorXd& mapped,
                        std::pair<int, int> pair) {
  Precession p;
  p.rate = mapped[pair.second] - mapped[pair.first];
  p.per_orbit = 2 * M_PI * p.rate / mapped[pair.first];
  return p;
}

}  // namespace aanet::eval
