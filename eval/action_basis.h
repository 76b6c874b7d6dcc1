// Learned actions against true ones up to an integer unimodular change of
// basis.
//
// Where a system's frequencies are degenerate (two of them equal, as the
// radial and the angular frequency of a Kepler orbit), its action-angle map
// is not unique: for any integer matrix M with |det M| = 1, I' = M I is a
// valid set of actions too (its angles theta' = M^-T theta stay 2 pi
// periodic, and M^-1 is an integer matrix as well), with frequencies
// omega' = M^-T omega. A network that learned the dynamics may have learned
// any of them, so its actions are compared with the true ones only up to
// such an M: the M that best explains learned = M true over the
// trajectories (least squares), its residual beside that of the best real
// matrix (does integrality cost anything?), and the learned frequencies
// mapped back into the true basis, omega_mapped = M^T omega_learned. Where
// a trajectory's true frequencies are degenerate the difference of the two
// mapped ones is a spurious precession (truly 0). On a system without
// degeneracy the best M is a permutation (the network's latent pairs in
// their own order).
//
// Actions are per trajectory, [K, n], in physical units (eval/
// learned_actions.h for the network's). At eccentricity 0 a Kepler orbit's
// radial action is 0: the true action sits at the polar map's singular
// point, so its learned counterpart is near the origin of a latent pair.
#ifndef AANET_EVAL_ACTION_BASIS_H_
#define AANET_EVAL_ACTION_BASIS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"

namespace aanet::eval {

// Entries of M searched exhaustively for n <= kMaxSearchedDegreesOfFreedom:
// every integer matrix with entries in [-kSearchBound, kSearchBound] and
// |det| = 1 (625 candidates for n = 2).
inline constexpr int kSearchBound = 2;
inline constexpr int kMaxSearchedDegreesOfFreedom = 2;

// The unimodular M explains the learned actions when its relative residual
// exceeds the best real matrix's by at most this (5 % of the learned
// actions' norm): integrality costs little. Otherwise the relation is
// reported as not unimodular, never forced.
inline constexpr double kUnimodularTolerance = 0.05;

// Relative tolerance of equal true frequencies (a degenerate pair).
inline constexpr double kDegeneracyTolerance = 1e-9;

struct ActionBasisFit {
  // M [n, n]: learned row k ~ M true row k.
  Eigen::MatrixXi basis;
  int determinant = 0;
  bool unimodular = false;  // |det M| = 1
  // ||L - T M^T||_F / ||L||_F over the trajectories used (L learned, T
  // true, one row per trajectory).
  double relative_residual = 0;
  // The least-squares real matrix (minimum norm where T has rank < n) and
  // its relative residual.
  Eigen::MatrixXd real_basis;
  double real_relative_residual = 0;
  // unimodular and relative_residual <= real_relative_residual +
  // kUnimodularTolerance.
  bool explains = false;
  // Unimodular candidates with the best residual (within 1e-9): more than
  // one when the true actions cannot tell them apart (e.g. every orbit
  // circular, a true action 0 everywhere); then M is the one closest to
  // the identity. With true_action_rank < n (fewer trajectories than n, or
  // such a column) M is not determined by the data whatever this count.
  int num_equivalent = 1;
  int true_action_rank = 0;
  int num_trajectories = 0;  // used
  // Trajectories left out: a learned or true action is not finite.
  std::vector<int> left_out;
  // How M was found, for the report.
  std::string search;
};

// The fit above of learned [K, n] against truth [K, n] (finite rows only).
// InvalidArgument if the shapes differ or are empty; FailedPrecondition if
// no row is finite.
absl::StatusOr<ActionBasisFit> FitActionBasis(const Eigen::MatrixXd& learned,
                                              const Eigen::MatrixXd& truth);

// Learned frequencies [K, n] (canonical sign: the angle conjugate to the
// action grows at +omega) mapped into the true basis: row k -> M^T row k.
Eigen::MatrixXd MapFrequencies(const Eigen::MatrixXi& basis,
                               const Eigen::MatrixXd& learned_frequencies);

// The first pair (i < j) of `true_frequencies` [n] equal within
// kDegeneracyTolerance relative; nullopt if none.
std::optional<std::pair<int, int>> DegeneratePair(
    const Eigen::RowVectorXd& true_frequencies);

// The spurious precession of mapped frequencies at a degenerate pair (i,
// j): mapped[j] - mapped[i], radians per time unit, and per orbit
// 2 pi (mapped[j] - mapped[i]) / mapped[i], radians. Both are 0 for the
// true dynamics.
struct Precession {
  double rate = 0;
  double per_orbit = 0;
};
Precession PrecessionOf(const Eigen::RowVectorXd& mapped,
                        std::pair<int, int> pair);

}  // namespace aanet::eval

#endif  // AANET_EVAL_ACTION_BASIS_H_
