#include "data_gen/harmonic.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "Eigen/Eigenvalues"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rng/random.h"
#include "status/status_macros.h"

namespace aanet::data_gen {
namespace {

// Largest accepted num_particles: normal modes cost O(n^3) time and O(n^2)
// memory, so a typo such as 100000 should fail fast instead of thrashing.
constexpr int kMaxParticles = 4096;

// Collects every validation problem of a config into one error.
class Problems {
 public:
  void Add(std::string problem) { problems_.push_back(std::move(problem)); }
  absl::Status ToStatus() const {
    if (problems_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrJoin(problems_, "; "));
  }

 private:
  std::vector<std::string> problems_;
};

enum class Bound { kAny, kPositive };

// Checks one end (min or max) of a ParameterRange.
void CheckRangeEnd(bool present, double value, const std::string& path,
                   Bound bound, Problems* problems) {
  if (!present) {
    problems->Add(absl::StrCat(path, ": required"));
  } else if (!std::isfinite(value)) {
    problems->Add(absl::StrCat(path, ": must be finite, got ", value));
  } else if (bound == Bound::kPositive && !(value > 0.0)) {
    problems->Add(absl::StrCat(path, ": must be > 0, got ", value));
  }
}

// Checks a per-particle ParameterRange: min and max, or (where `allow_values`)
// explicit values, one per particle (`n` < 1 when num_particles is invalid,
// which then skips the length check).
void CheckRange(bool present, const aanet::ParameterRange& range,
                const std::string& path, Bound bound, bool allow_values, int n,
                Problems* problems) {
  if (!present) {
    problems->Add(absl::StrCat(path, ": required"));
    return;
  }
  if (range.values_size() > 0) {
    if (!allow_values) {
      problems->Add(absl::StrCat(
          path,
          ".values: not supported for normal-mode amplitudes and phases; give "
          "simulation.harmonic.initial_states { q: [...] p: [...] } per "
          "trajectory instead"));
      return;
    }
    if (range.has_min() || range.has_max()) {
      problems->Add(
          absl::StrCat(path, ": give either min and max or values, not both"));
    }
    if (n >= 1 && range.values_size() != n) {
      problems->Add(absl::StrCat(path, ".values: has ", range.values_size(),
                                 " values, num_particles is ", n));
    }
    for (int i = 0; i < range.values_size(); ++i) {
      CheckRangeEnd(true, range.values(i),
                    absl::StrCat(path, ".values[", i, "]"), bound, problems);
    }
    return;
  }
  CheckRangeEnd(range.has_min(), range.min(), path + ".min", bound, problems);
  CheckRangeEnd(range.has_max(), range.max(), path + ".max", bound, problems);
  if (range.has_min() && range.has_max() && range.max() < range.min()) {
    problems->Add(absl::StrCat(path, ": max must be >= min, got min ",
                               range.min(), ", max ", range.max()));
  } else if (std::isfinite(range.min()) && std::isfinite(range.max()) &&
             !std::isfinite(range.max() - range.min())) {
    problems->Add(absl::StrCat(path, ": max - min overflows, got min ",
                               range.min(), ", max ", range.max()));
  }
}

// Checks explicit initial states: each has n finite q and p values, and
// they replace amplitudes, phases and their sampling.
void CheckInitialStates(const aanet::HarmonicOscillatorConfig& config,
                        const std::string& prefix, int n, Problems* problems) {
  const std::string path = prefix + ".initial_states";
  if (config.has_amplitudes() || config.has_phases()) {
    problems->Add(absl::StrCat(
        path,
        ": give either initial_states or amplitudes and phases, not "
        "both"));
  }
  if (config.trajectory_sampling() == aanet::UNIFORM) {
    problems->Add(absl::StrCat(
        path,
        ": trajectory_sampling UNIFORM draws amplitudes and phases, "
        "which initial_states replace; remove one"));
  }
  for (int k = 0; k < config.initial_states_size(); ++k) {
    const aanet::InitialState& state = config.initial_states(k);
    const std::pair<const char*, const google::protobuf::RepeatedField<double>*>
        parts[] = {{"q", &state.q()}, {"p", &state.p()}};
    for (const auto& [name, values] : parts) {
      const std::string item = absl::StrCat(path, "[", k, "].", name);
      if (n >= 1 && values->size() != n) {
        problems->Add(absl::StrCat(item, ": has ", values->size(),
                                   " values, num_particles is ", n));
      }
      for (int i = 0; i < values->size(); ++i) {
        if (!std::isfinite(values->Get(i))) {
          problems->Add(absl::StrCat(item, "[", i, "]: must be finite, got ",
                                     values->Get(i)));
        }
      }
    }
  }
}

// x[i] = values[perm[i]].
Eigen::VectorXd Gather(const Eigen::VectorXd& values,
                       const std::vector<int>& perm) {
  Eigen::VectorXd out(values.size());
  for (Eigen::Index i = 0; i < values.size(); ++i) out(i) = values(perm[i]);
  return out;
}

// The per-particle values of a checked range: explicit values in the order
// given (a user naming a system means that order), or the seeded shuffle of
// linspace(min, max, n).
Eigen::VectorXd PerParticle(const aanet::ParameterRange& range, int n,
                            const std::vector<int>& perm) {
  if (range.values_size() > 0) {
    return Eigen::Map<const Eigen::VectorXd>(range.values().data(),
                                             range.values_size());
  }
  return Gather(Linspace(range.min(), range.max(), n), perm);
}

}  // namespace

Eigen::VectorXd Linspace(double min, double max, int n) {
  // numpy.linspace: start + i * step, with the last value exactly `max`.
  Eigen::VectorXd values(n);
  if (n <= 0) return values;
  if (n == 1) {
    values(0) = min;
    return values;
  }
  const double step = (max - min) / (n - 1);
  for (int i = 0; i < n; ++i) values(i) = static_cast<double>(i) * step + min;
  values(n - 1) = max;
  return values;
}

absl::Status ValidateSystem(const HarmonicSystem& system) {
  const Eigen::Index n = system.masses.size();
  if (n < 1) {
    return absl::InvalidArgumentError(
        "masses: must have at least one entry (n >= 1), got 0");
  }
  if (system.k_wall.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("k_wall: must have ", n, " entries (one per mass), got ",
                     system.k_wall.size()));
  }
  for (Eigen::Index i = 0; i < n; ++i) {
    const double m = system.masses(i);
    if (!std::isfinite(m) || !(m > 0.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("masses[", i, "]: must be finite and > 0, got ", m));
    }
    const double k = system.k_wall(i);
    if (!std::isfinite(k) || !(k > 0.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("k_wall[", i, "]: must be finite and > 0, got ", k));
    }
  }
  if (!std::isfinite(system.k_pair) || !(system.k_pair >= 0.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("k_pair: must be finite and >= 0, got ", system.k_pair));
  }
  return absl::OkStatus();
}

Eigen::MatrixXd StiffnessMatrix(const HarmonicSystem& system) {
  const Eigen::Index n = system.masses.size();
  Eigen::MatrixXd k = Eigen::MatrixXd::Constant(n, n, -system.k_pair);
  for (Eigen::Index i = 0; i < n; ++i) {
    k(i, i) = system.k_wall(i) + static_cast<double>(n - 1) * system.k_pair;
  }
  return k;
}

Eigen::MatrixXd DynamicsMatrix(const HarmonicSystem& system) {
  const Eigen::Index n = system.masses.size();
  Eigen::MatrixXd m(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) {
      m(i, j) = i == j ? -(system.k_wall(i) +
                           static_cast<double>(n - 1) * system.k_pair) /
                             system.masses(i)
                       : system.k_pair / system.masses(i);
    }
  }
  return m;
}

absl::StatusOr<NormalModes> ComputeNormalModes(const HarmonicSystem& system) {
  AANET_RETURN_IF_ERROR(ValidateSystem(system));
  const Eigen::Index n = system.masses.size();
  const Eigen::VectorXd inv_sqrt_m = system.masses.cwiseSqrt().cwiseInverse();
  const Eigen::MatrixXd s = inv_sqrt_m.asDiagonal() * StiffnessMatrix(system) *
                            inv_sqrt_m.asDiagonal();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(s);
  if (solver.info() != Eigen::Success) {
    return absl::InternalError(
        "normal modes: symmetric eigensolver did not converge");
  }
  NormalModes modes;
  modes.frequencies.resize(n);
  modes.eigenvectors = inv_sqrt_m.asDiagonal() * solver.eigenvectors();
  for (Eigen::Index k = 0; k < n; ++k) {
    const double omega_squared = solver.eigenvalues()(k);
    if (!std::isfinite(omega_squared) || !(omega_squared > 0.0)) {
      return absl::InternalError(absl::StrCat(
          "normal modes: squared frequency ", k, " is ", omega_squared,
          ", expected > 0 (system too ill-conditioned)"));
    }
    modes.frequencies(k) = std::sqrt(omega_squared);
    auto column = modes.eigenvectors.col(k);
    column /= column.norm();
    Eigen::Index largest = 0;
    for (Eigen::Index i = 1; i < n; ++i) {
      if (std::abs(column(i)) > std::abs(column(largest))) largest = i;
    }
    if (column(largest) < 0.0) column = -column;
  }
  return modes;
}

absl::StatusOr<Trajectory> EvaluateTrajectory(const HarmonicSystem& system,
                                              const NormalModes& modes,
                                              const Eigen::VectorXd& amplitudes,
                                              const Eigen::VectorXd& phases,
                                              const Eigen::VectorXd& t) {
  const Eigen::Index n = system.masses.size();
  if (modes.frequencies.size() != n || modes.eigenvectors.rows() != n ||
      modes.eigenvectors.cols() != n || amplitudes.size() != n ||
      phases.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("EvaluateTrajectory: sizes disagree with n = ", n,
                     ": frequencies [", modes.frequencies.size(),
                     "], eigenvectors [", modes.eigenvectors.rows(), ",",
                     modes.eigenvectors.cols(), "], amplitudes [",
                     amplitudes.size(), "], phases [", phases.size(), "]"));
  }
  const Eigen::Index num_samples = t.size();
  // Mode coordinates [T, n]: row s holds mode k's displacement and velocity.
  Eigen::MatrixXd mode_q(num_samples, n);
  Eigen::MatrixXd mode_v(num_samples, n);
  for (Eigen::Index k = 0; k < n; ++k) {
    const double omega = modes.frequencies(k);
    const double a = amplitudes(k);
    for (Eigen::Index s = 0; s < num_samples; ++s) {
      const double angle = omega * t(s) + phases(k);
      mode_q(s, k) = a * std::cos(angle);
      mode_v(s, k) = -omega * a * std::sin(angle);
    }
  }
  Trajectory trajectory;
  trajectory.q = mode_q * modes.eigenvectors.transpose();
  trajectory.p =
      (mode_v * modes.eigenvectors.transpose()) * system.masses.asDiagonal();
  return trajectory;
}

ModeCoordinates StateToModes(const HarmonicSystem& system,
                             const NormalModes& modes,
                             const Eigen::VectorXd& q0,
                             const Eigen::VectorXd& p0) {
  // The modes are orthogonal in the mass inner product (V^T diag(m) V is
  // diagonal), so projecting with it inverts V without a linear solve.
  const Eigen::MatrixXd& v = modes.eigenvectors;
  const Eigen::MatrixXd mv = system.masses.asDiagonal() * v;
  const Eigen::VectorXd norms = (v.transpose() * mv).diagonal();
  const Eigen::VectorXd cos_part =
      (mv.transpose() * q0).cwiseQuotient(norms);  // A cos(phi)
  // p = m v, so m-weighting the velocity p0 / m is just V^T p0.
  const Eigen::VectorXd velocity = (v.transpose() * p0).cwiseQuotient(norms);
  ModeCoordinates mode;
  mode.amplitudes.resize(q0.size());
  mode.phases.resize(q0.size());
  for (Eigen::Index k = 0; k < q0.size(); ++k) {
    const double sin_part = -velocity(k) / modes.frequencies(k);  // A sin(phi)
    mode.amplitudes(k) = std::hypot(cos_part(k), sin_part);
    mode.phases(k) = std::atan2(sin_part, cos_part(k));
  }
  return mode;
}

double Energy(
    const HarmonicSystem& system,
    const Eigen::Ref<const Eigen::RowVectorXd, 0, Eigen::InnerStride<>>& q,
    const Eigen::Ref<const Eigen::RowVectorXd, 0, Eigen::InnerStride<>>& p) {
  const Eigen::Index n = system.masses.size();
  double kinetic = 0.0;
  double wall = 0.0;
  double pair = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    kinetic += p(i) * p(i) / (2.0 * system.masses(i));
    wall += system.k_wall(i) * q(i) * q(i);
    for (Eigen::Index j = i + 1; j < n; ++j) {
      const double d = q(i) - q(j);
      pair += d * d;
    }
  }
  return kinetic + 0.5 * wall + 0.5 * system.k_pair * pair;
}

Eigen::VectorXd TrajectoryEnergy(const HarmonicSystem& system,
                                 const Eigen::MatrixXd& q,
                                 const Eigen::MatrixXd& p) {
  Eigen::VectorXd energy(q.rows());
  for (Eigen::Index s = 0; s < q.rows(); ++s) {
    energy(s) = Energy(system, q.row(s), p.row(s));
  }
  return energy;
}

absl::Status ValidateHarmonicConfig(
    const aanet::HarmonicOscillatorConfig& config, const std::string& prefix) {
  Problems problems;
  if (!config.has_num_particles()) {
    problems.Add(absl::StrCat(prefix, ".num_particles: required"));
  } else if (config.num_particles() < 1) {
    problems.Add(absl::StrCat(prefix, ".num_particles: must be >= 1, got ",
                              config.num_particles()));
  } else if (config.num_particles() > kMaxParticles) {
    problems.Add(absl::StrCat(prefix, ".num_particles: must be <= ",
                              kMaxParticles, ", got ", config.num_particles()));
  }
  const int n = config.has_num_particles() && config.num_particles() >= 1 &&
                        config.num_particles() <= kMaxParticles
                    ? config.num_particles()
                    : 0;
  CheckRange(config.has_masses(), config.masses(), prefix + ".masses",
             Bound::kPositive, /*allow_values=*/true, n, &problems);
  CheckRange(config.has_k_wall(), config.k_wall(), prefix + ".k_wall",
             Bound::kPositive, /*allow_values=*/true, n, &problems);
  if (!config.has_k_pair()) {
    problems.Add(absl::StrCat(prefix, ".k_pair: required (0 for uncoupled)"));
  } else if (!std::isfinite(config.k_pair()) || !(config.k_pair() >= 0.0)) {
    problems.Add(absl::StrCat(prefix, ".k_pair: must be finite and >= 0, got ",
                              config.k_pair()));
  }
  if (config.initial_states_size() > 0) {
    CheckInitialStates(config, prefix, n, &problems);
  } else {
    CheckRange(config.has_amplitudes(), config.amplitudes(),
               prefix + ".amplitudes", Bound::kAny, /*allow_values=*/false, n,
               &problems);
    CheckRange(config.has_phases(), config.phases(), prefix + ".phases",
               Bound::kAny, /*allow_values=*/false, n, &problems);
  }
  if (!aanet::TrajectorySampling_IsValid(config.trajectory_sampling())) {
    problems.Add(absl::StrCat(prefix, ".trajectory_sampling: unknown value ",
                              config.trajectory_sampling(),
                              " (expected LINSPACE_SHUFFLED or UNIFORM)"));
  }
  return problems.ToStatus();
}

absl::StatusOr<HarmonicParameters> SampleHarmonicParameters(
    const aanet::HarmonicOscillatorConfig& config, int num_trajectories,
    uint64_t seed) {
  AANET_RETURN_IF_ERROR(ValidateHarmonicConfig(config));
  if (num_trajectories < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "simulation.num_trajectories: must be >= 1, got ", num_trajectories));
  }
  const int n = config.num_particles();
  const std::vector<int> system_perm = aanet::Random(seed).Permutation(n);

  HarmonicParameters params;
  params.masses = PerParticle(config.masses(), n, system_perm);
  params.k_wall = PerParticle(config.k_wall(), n, system_perm);
  params.k_pair = config.k_pair();
  params.amplitudes.resize(num_trajectories, n);
  params.phases.resize(num_trajectories, n);

  if (config.initial_states_size() > 0) {
    if (config.initial_states_size() != num_trajectories) {
      return absl::InvalidArgumentError(
          absl::StrCat("simulation.harmonic.initial_states: has ",
                       config.initial_states_size(),
                       " states, num_trajectories is ", num_trajectories));
    }
    AANET_ASSIGN_OR_RETURN(const NormalModes modes,
                           ComputeNormalModes(params.system()));
    for (int k = 0; k < num_trajectories; ++k) {
      const aanet::InitialState& state = config.initial_states(k);
      const ModeCoordinates mode =
          StateToModes(params.system(), modes,
                       Eigen::Map<const Eigen::VectorXd>(state.q().data(), n),
                       Eigen::Map<const Eigen::VectorXd>(state.p().data(), n));
      params.amplitudes.row(k) = mode.amplitudes.transpose();
      params.phases.row(k) = mode.phases.transpose();
    }
    return params;
  }

  const aanet::ParameterRange& a = config.amplitudes();
  const aanet::ParameterRange& phi = config.phases();
  const Eigen::VectorXd a_values = Linspace(a.min(), a.max(), n);
  const Eigen::VectorXd phi_values = Linspace(phi.min(), phi.max(), n);
  for (int k = 0; k < num_trajectories; ++k) {
    const uint64_t stream_seed = aanet::Random::DeriveSeed(seed, k);
    if (config.trajectory_sampling() == aanet::UNIFORM) {
      aanet::Random random(stream_seed);
      for (int j = 0; j < n; ++j) {
        params.amplitudes(k, j) = random.Uniform(a.min(), a.max());
      }
      for (int j = 0; j < n; ++j) {
        params.phases(k, j) = random.Uniform(phi.min(), phi.max());
      }
    } else {
      const std::vector<int> perm =
          k == 0 ? system_perm : aanet::Random(stream_seed).Permutation(n);
      params.amplitudes.row(k) = Gather(a_values, perm).transpose();
      params.phases.row(k) = Gather(phi_values, perm).transpose();
    }
  }
  return params;
}

}  // namespace aanet::data_gen
