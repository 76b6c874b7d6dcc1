// Coupled harmonic oscillators in closed form (paper appendix A.2, Eq. 11-12).
//
// n point masses on a line; mass i is tied to a wall by its own spring
// k_wall_i and to every other mass by one shared pair spring k_pair:
//
//   m_i q_i'' = -k_wall_i q_i + sum_{j != i} k_pair (q_j - q_i),   (Eq. 11)
//
// i.e. q'' = M q with the dynamics matrix of Eq. 12 (DynamicsMatrix below).
// Solutions are sums of normal modes, which this file computes and evaluates
// exactly at arbitrary times; no numerical integration is involved.
//
// Shapes: vectors indexed by particle are [n]; per-mode vectors are [n] in
// the order of NormalModes::frequencies (ascending); trajectories are
// batch-major matrices whose rows are time samples, q and p [T, n].
//
// Conventions for parameters drawn from a config (SampleHarmonicParameters):
//   * Per-particle values are numpy's linspace(min, max, n): value j is
//     min + j * (max - min) / (n - 1), the last one exactly max; n == 1 gives
//     [min].
//   * One permutation perm = Random(seed).Permutation(n) is shared by masses,
//     k_wall and trajectory 0's amplitudes and phases, applied as a gather:
//     x[i] = linspace(min, max, n)[perm[i]] (the published study's
//     `jnp.sort(linspace)[shuffle_indices]`).
//   * LINSPACE_SHUFFLED: trajectory k > 0 gathers its amplitudes and phases
//     with perm_k = Random(Random::DeriveSeed(seed, k)).Permutation(n), one
//     permutation shared by both.
//   * UNIFORM: trajectory k (0 included) draws from
//     Random r(Random::DeriveSeed(seed, k)): first amplitudes[k, 0..n-1] =
//     r.Uniform(min, max), then phases[k, 0..n-1] = r.Uniform(min, max)
//     (min + (max - min) * u with u in [0, 1); min == max gives min).
//   Amplitudes and phases are per normal mode, mode j being frequencies[j].
//   * Explicit `values` of masses or k_wall are used as given, in order (no
//     linspace, no shuffle); the permutation is drawn all the same, so the
//     other parameters do not depend on which were explicit.
//   * Explicit initial_states replace amplitudes and phases: trajectory k's
//     are StateToModes of initial_states[k].
//
// Thread-safe: every function is pure.
#ifndef AANET_DATA_GEN_HARMONIC_H_
#define AANET_DATA_GEN_HARMONIC_H_

#include <cstdint>
#include <string>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/experiment.pb.h"

namespace aanet::data_gen {

// The physical system: n = masses.size() particles.
struct HarmonicSystem {
  Eigen::VectorXd masses;  // [n], m_i > 0
  Eigen::VectorXd k_wall;  // [n], k_wall_i > 0
  double k_pair = 0.0;     // >= 0

  int num_particles() const { return static_cast<int>(masses.size()); }
};

// OK if n >= 1, masses and k_wall have n entries, every m_i > 0,
// k_wall_i > 0, k_pair >= 0 and all are finite; otherwise InvalidArgument
// naming the offending item, e.g. "masses[1]: must be > 0, got -2".
absl::Status ValidateSystem(const HarmonicSystem& system);

// The paper's M (Eq. 12), [n, n], with q'' = M q: diagonal
// -(k_wall_i + (n-1) k_pair) / m_i, off-diagonal (row i) k_pair / m_i.
// Does not validate `system`.
Eigen::MatrixXd DynamicsMatrix(const HarmonicSystem& system);

// The symmetric stiffness matrix K, [n, n], with diag(m) q'' = -K q:
// K_ii = k_wall_i + (n-1) k_pair, K_ij = -k_pair. Does not validate.
Eigen::MatrixXd StiffnessMatrix(const HarmonicSystem& system);

// Normal modes of a system: M V = -V diag(frequencies^2).
//
// Computed in the symmetric mass-weighted form S = m^{-1/2} K m^{-1/2}
// (Eigen::SelfAdjointEigenSolver): frequencies^2 = eig(S) in ascending
// order, V = m^{-1/2} U. Each column of V is then scaled to unit Euclidean
// norm (as numpy's eig returns, which the published code used) and its sign
// fixed so that its largest-magnitude component is positive (on ties, the
// first such component).
struct NormalModes {
  Eigen::VectorXd frequencies;   // [n], angular frequencies, ascending, > 0
  Eigen::MatrixXd eigenvectors;  // [n, n], column k = mode shape of
                                 // frequencies[k], unit norm
};

// InvalidArgument if ValidateSystem fails; Internal if the eigensolver fails
// or yields a non-positive squared frequency.
absl::StatusOr<NormalModes> ComputeNormalModes(const HarmonicSystem& system);

// A trajectory sampled at times t[0..T-1].
struct Trajectory {
  Eigen::MatrixXd q;  // [T, n], positions
  Eigen::MatrixXd p;  // [T, n], momenta p = m * q'
};

// The closed-form solution with mode amplitudes A [n] and phases phi [n]
// (mode order of modes.frequencies), at times t [T]:
//   q(t) = V (A * cos(omega t + phi)),
//   p(t) = m * (V (-omega * A * sin(omega t + phi)))   (elementwise *).
// InvalidArgument if the sizes disagree with the system's n.
absl::StatusOr<Trajectory> EvaluateTrajectory(const HarmonicSystem& system,
                                              const NormalModes& modes,
                                              const Eigen::VectorXd& amplitudes,
                                              const Eigen::VectorXd& phases,
                                              const Eigen::VectorXd& t);

// Mode amplitudes A >= 0 and phases phi in (-pi, pi], [n] each, in the mode
// order of NormalModes::frequencies.
struct ModeCoordinates {
  Eigen::VectorXd amplitudes;
  Eigen::VectorXd phases;
};

// The amplitudes and phases whose closed form (EvaluateTrajectory) starts at
// q0, p0 [n] at t = 0: V^-1 q0 = A cos(phi), V^-1 (p0 / m) = -omega A
// sin(phi), V^-1 taken as the mass-weighted projection onto the modes. Sizes
// must match the system (not checked).
ModeCoordinates StateToModes(const HarmonicSystem& system,
                             const NormalModes& modes,
                             const Eigen::VectorXd& q0,
                             const Eigen::VectorXd& p0);

// The Hamiltonian at one state, q and p [n] (e.g. a row of a trajectory):
//   H = sum p_i^2 / (2 m_i) + sum k_wall_i q_i^2 / 2
//       + k_pair / 2 * sum_{i<j} (q_i - q_j)^2.
// Sizes must match the system (not checked).
double Energy(
    const HarmonicSystem& system,
    const Eigen::Ref<const Eigen::RowVectorXd, 0, Eigen::InnerStride<>>& q,
    const Eigen::Ref<const Eigen::RowVectorXd, 0, Eigen::InnerStride<>>& p);

// Energy of every row of q and p [T, n]; returns [T]. Sizes must match the
// system (not checked).
Eigen::VectorXd TrajectoryEnergy(const HarmonicSystem& system,
                                 const Eigen::MatrixXd& q,
                                 const Eigen::MatrixXd& p);

// A system plus the amplitudes and phases of K trajectories.
struct HarmonicParameters {
  Eigen::VectorXd masses;      // [n]
  Eigen::VectorXd k_wall;      // [n]
  double k_pair = 0.0;         // scalar
  Eigen::MatrixXd amplitudes;  // [K, n], per mode
  Eigen::MatrixXd phases;      // [K, n], per mode

  HarmonicSystem system() const { return {masses, k_wall, k_pair}; }
};

// Checks a harmonic config; every field is required (k_pair too, since 0 is
// valid) except trajectory_sampling (default LINSPACE_SHUFFLED). Errors name
// the field path under `prefix` (default "simulation.harmonic") and say what
// was expected, e.g. "simulation.harmonic.masses.min: must be > 0, got -1".
// All problems found are reported, separated by "; ".
absl::Status ValidateHarmonicConfig(
    const aanet::HarmonicOscillatorConfig& config,
    const std::string& prefix = "simulation.harmonic");

// Parameters of K = num_trajectories trajectories drawn from `config` with
// the conventions at the top of this file. InvalidArgument if the config is
// invalid, num_trajectories < 1 or initial_states (if given) does not have
// num_trajectories entries.
absl::StatusOr<HarmonicParameters> SampleHarmonicParameters(
    const aanet::HarmonicOscillatorConfig& config, int num_trajectories,
    uint64_t seed);

// numpy.linspace(min, max, n) (n >= 1), exposed for tests and tools.
Eigen::VectorXd Linspace(double min, double max, int n);

}  // namespace aanet::data_gen

#endif  // AANET_DATA_GEN_HARMONIC_H_
