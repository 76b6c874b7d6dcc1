// Coupled harmonic oscillators (data_gen/harmonic.h, the paper's appendix
// A.2) as a System: the closed-form math stays in harmonic.h; this file maps
// it onto the seam of data_gen/system.h.
//
// Parameter group, in this order (DatasetHash depends on it; it is the
// layout of every harmonic file since format_version 1):
//   masses [n], k_wall [n], k_pair (scalar), amplitudes [K, n],
//   phases [K, n]                      (under /parameters)
//   normal_modes/frequencies [n]       ascending, at /normal_modes
//   normal_modes/eigenvectors [n, n]   column k = mode k, at /normal_modes
// The normal modes follow from masses, k_wall and k_pair; they are stored
// because every harmonic file has held them (h5py readers use them).
//
// True actions and frequencies: every trajectory has the n normal-mode
// frequencies; the action of mode k is its energy over its frequency,
// J_k = E_k / omega_k, in the mass-weighted coordinates x = sqrt(m) q,
// pi = p / sqrt(m), where H = |pi|^2 / 2 + x^T S x / 2 with S = U diag(omega^2)
// U^T (U orthonormal): with a = U^T x and b = U^T pi,
// E_k = (b_k^2 + omega_k^2 a_k^2) / 2, so sum_k J_k omega_k = H.
#include "data_gen/harmonic.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "Eigen/LU"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "data_gen/system.h"
#include "status/status_macros.h"

namespace aanet::data_gen {
namespace {

using RowMajorMatrix =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

const std::vector<std::string>& Names() {
  static const auto* names =
      new std::vector<std::string>{"masses",
                                   "k_wall",
                                   "k_pair",
                                   "amplitudes",
                                   "phases",
                                   "normal_modes/frequencies",
                                   "normal_modes/eigenvectors"};
  return *names;
}

NamedArray Scalar(std::string name, double value) {
  return {std::move(name), {}, {value}};
}

NamedArray Vector(std::string name, const Eigen::VectorXd& v) {
  return {std::move(name),
          {static_cast<int>(v.size())},
          std::vector<double>(v.data(), v.data() + v.size())};
}

NamedArray Matrix(std::string name, const Eigen::MatrixXd& m) {
  const RowMajorMatrix row_major = m;
  return {std::move(name),
          {static_cast<int>(m.rows()), static_cast<int>(m.cols())},
          std::vector<double>(row_major.data(),
                              row_major.data() + row_major.size())};
}

Eigen::VectorXd AsVector(const NamedArray& a) {
  return Eigen::Map<const Eigen::VectorXd>(a.values.data(), a.values.size());
}

Eigen::MatrixXd AsMatrix(const NamedArray& a) {
  return Eigen::Map<const RowMajorMatrix>(a.values.data(), a.shape[0],
                                          a.shape[1]);
}

// The file path of an array, as messages name it.
std::string FilePath(const std::string& name) {
  return name.find('/') == std::string::npos ? "parameters/" + name : name;
}

// The system and its normal modes of a group that passed CheckParameters.
struct Unpacked {
  HarmonicSystem system;
  NormalModes modes;
};

Unpacked Unpack(const ParameterGroup& g) {
  Unpacked u;
  u.system.masses = AsVector(*g.Find("masses"));
  u.system.k_wall = AsVector(*g.Find("k_wall"));
  u.system.k_pair = g.Find("k_pair")->values[0];
  u.modes.frequencies = AsVector(*g.Find("normal_modes/frequencies"));
  u.modes.eigenvectors = AsMatrix(*g.Find("normal_modes/eigenvectors"));
  return u;
}

std::string Values(const Eigen::VectorXd& v) {
  std::vector<std::string> parts;
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    parts.push_back(absl::StrFormat("%.10g", v(i)));
  }
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

// A trajectory that moves must show it in its stored states: below some
// time step, t = s * dt leaves every cos(omega t + phi) unchanged in double
// precision and the dataset holds one state T times (nothing to learn).
absl::Status CheckStatesChange(const Trajectory& trajectory, int k,
                               double time_step, double slowest_frequency) {
  const bool at_rest =
      trajectory.q.row(0).isZero(0.0) && trajectory.p.row(0).isZero(0.0);
  if (at_rest) return absl::OkStatus();  // constant by physics, not rounding
  for (Eigen::Index s = 1; s < trajectory.q.rows(); ++s) {
    if (trajectory.q.row(s) != trajectory.q.row(0) ||
        trajectory.p.row(s) != trajectory.p.row(0)) {
      return absl::OkStatus();
    }
  }
  const double span = (trajectory.q.rows() - 1) * time_step;
  return absl::InvalidArgumentError(absl::StrFormat(
      "simulation.time_step: %g is too small: trajectory %d's %d states are "
      "all identical (the slowest mode turns %g rad over (num_samples - 1) * "
      "time_step = %g, lost to rounding)",
      time_step, k, trajectory.q.rows(), slowest_frequency * span, span));
}

// Trajectories with the same amplitudes and phases are the same trajectory:
// a dataset with copies would silently hold fewer distinct ones than it
// claims (LINSPACE_SHUFFLED only permutes n values: n! orders).
absl::Status CheckDistinct(const aanet::HarmonicOscillatorConfig& config,
                           const HarmonicParameters& parameters) {
  std::map<std::vector<double>, int> seen;
  for (int k = 0; k < parameters.amplitudes.rows(); ++k) {
    std::vector<double> key(parameters.amplitudes.row(k).begin(),
                            parameters.amplitudes.row(k).end());
    key.insert(key.end(), parameters.phases.row(k).begin(),
               parameters.phases.row(k).end());
    const auto [it, inserted] = seen.emplace(std::move(key), k);
    if (inserted) continue;
    if (config.initial_states_size() > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("simulation.harmonic.initial_states: states ",
                       it->second, " and ", k, " give identical trajectories"));
    }
    const bool shuffled =
        config.trajectory_sampling() == aanet::LINSPACE_SHUFFLED;
    return absl::InvalidArgumentError(absl::StrCat(
        "simulation.num_trajectories: trajectories ", it->second, " and ", k,
        " would be identical (same amplitudes and phases)",
        shuffled
            ? absl::StrCat("; LINSPACE_SHUFFLED only reorders the same ",
                           config.num_particles(), " values per trajectory")
            : "",
        "; use simulation.harmonic.trajectory_sampling: UNIFORM with a "
        "nonzero amplitudes or phases range, or fewer trajectories"));
  }
  return absl::OkStatus();
}

class HarmonicOscillators final : public System {
 public:
  std::string_view name() const override { return "harmonic"; }

  absl::Status ValidateConfig(
      const aanet::SimulationConfig& config) const override {
    std::vector<std::string> problems;
    if (absl::Status s = ValidateHarmonicConfig(config.harmonic()); !s.ok()) {
      problems.emplace_back(s.message());
    }
    const int num_states = config.harmonic().initial_states_size();
    if (num_states > 0 && config.has_num_trajectories() &&
        num_states != config.num_trajectories()) {
      problems.push_back(absl::StrCat(
          "simulation.harmonic.initial_states: has ", num_states,
          " states, num_trajectories is ", config.num_trajectories()));
    }
    if (problems.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
  }

  int DegreesOfFreedom(const aanet::SimulationConfig& config) const override {
    return config.harmonic().num_particles();
  }

  absl::StatusOr<GeneratedTrajectories> Generate(
      const aanet::SimulationConfig& config,
      const Eigen::VectorXd& t) const override {
    const int num_trajectories = config.num_trajectories();
    AANET_ASSIGN_OR_RETURN(
        HarmonicParameters parameters,
        SampleHarmonicParameters(config.harmonic(), num_trajectories,
                                 config.seed()));
    AANET_RETURN_IF_ERROR(CheckDistinct(config.harmonic(), parameters));
    const HarmonicSystem system = parameters.system();
    AANET_ASSIGN_OR_RETURN(NormalModes modes, ComputeNormalModes(system));
    GeneratedTrajectories out;
    for (int k = 0; k < num_trajectories; ++k) {
      AANET_ASSIGN_OR_RETURN(
          Trajectory trajectory,
          EvaluateTrajectory(system, modes,
                             parameters.amplitudes.row(k).transpose(),
                             parameters.phases.row(k).transpose(), t));
      if (!trajectory.q.allFinite() || !trajectory.p.allFinite()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "simulation: trajectory ", k,
            " has non-finite values; amplitudes or masses too large"));
      }
      AANET_RETURN_IF_ERROR(CheckStatesChange(trajectory, k, config.time_step(),
                                              modes.frequencies(0)));
      out.q.push_back(std::move(trajectory.q));
      out.p.push_back(std::move(trajectory.p));
    }
    out.parameters.arrays = {
        Vector("masses", parameters.masses),
        Vector("k_wall", parameters.k_wall),
        Scalar("k_pair", parameters.k_pair),
        Matrix("amplitudes", parameters.amplitudes),
        Matrix("phases", parameters.phases),
        Vector("normal_modes/frequencies", modes.frequencies),
        Matrix("normal_modes/eigenvectors", modes.eigenvectors)};
    // From the first states, as ReadDataset derives them for files that
    // do not store them, so that both give the same numbers.
    const int n = static_cast<int>(parameters.masses.size());
    Eigen::MatrixXd first(num_trajectories, 2 * n);
    for (int k = 0; k < num_trajectories; ++k) {
      first.row(k) << out.q[k].row(0), out.p[k].row(0);
    }
    AANET_RETURN_IF_ERROR(ActionsAndFrequencies(
        out.parameters, first, &out.true_actions, &out.true_frequencies));
    return out;
  }

  absl::Status CheckParameters(const ParameterGroup& parameters,
                               int num_degrees_of_freedom,
                               int num_trajectories) const override {
    const int n = num_degrees_of_freedom;
    const int k = num_trajectories;
    struct Expected {
      const char* name;
      std::vector<int> shape;
      std::string symbolic;
    };
    const Expected expected[] = {
        {"masses", {n}, "[n]"},
        {"k_wall", {n}, "[n]"},
        {"k_pair", {}, ""},
        {"amplitudes", {k, n}, "[K,n]"},
        {"phases", {k, n}, "[K,n]"},
        {"normal_modes/frequencies", {n}, "[n]"},
        {"normal_modes/eigenvectors", {n, n}, "[n,n]"},
    };
    for (const Expected& e : expected) {
      const NamedArray* array = parameters.Find(e.name);
      const std::string path = FilePath(e.name);
      if (array == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("missing dataset '", path, "'"));
      }
      if (array->shape != e.shape) {
        const std::string shape =
            absl::StrCat("[", absl::StrJoin(array->shape, ","), "]");
        if (e.shape.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "dataset '", path, "' has shape ", shape, ", expected a scalar"));
        }
        return absl::InvalidArgumentError(absl::StrCat(
            "dataset '", path, "' has shape ", shape, ", expected ", e.symbolic,
            " = [", absl::StrJoin(e.shape, ","), "]"));
      }
    }
    if (parameters.arrays.size() != expected_size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("group 'parameters' has ", parameters.arrays.size(),
                       " arrays, expected ", expected_size(), " (",
                       absl::StrJoin(Names(), ", "), ")"));
    }
    const Unpacked u = Unpack(parameters);
    if (absl::Status s = ValidateSystem(u.system); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("group 'parameters': ", s.message()));
    }
    const Eigen::VectorXd& f = u.modes.frequencies;
    for (Eigen::Index i = 0; i < f.size(); ++i) {
      if (!(f(i) > 0.0) || (i > 0 && !(f(i) >= f(i - 1)))) {
        return absl::InvalidArgumentError(
            "dataset 'normal_modes/frequencies' must be positive and "
            "ascending");
      }
    }
    return absl::OkStatus();
  }

  Eigen::VectorXd Energy(const ParameterGroup& parameters,
                         const Eigen::MatrixXd& states) const override {
    const HarmonicSystem system = Unpack(parameters).system;
    const Eigen::Index n = system.masses.size();
    Eigen::VectorXd energy(states.rows());
    for (Eigen::Index r = 0; r < states.rows(); ++r) {
      energy(r) = data_gen::Energy(system, states.row(r).head(n),
                                   states.row(r).tail(n));
    }
    return energy;
  }

  // Exactly: each state's mode coordinates turn at their frequencies.
  absl::StatusOr<Eigen::MatrixXd> Evolve(const ParameterGroup& parameters,
                                         const Eigen::MatrixXd& states,
                                         double dt) const override {
    const Unpacked u = Unpack(parameters);
    const Eigen::Index n = u.system.masses.size();
    const Eigen::MatrixXd& v = u.modes.eigenvectors;  // [n, n]
    const Eigen::VectorXd& omega = u.modes.frequencies;
    const Eigen::VectorXd& m = u.system.masses;
    // Mode coordinates of each row: V x^T = q^T, V v^T = (p / m)^T.
    const Eigen::PartialPivLU<Eigen::MatrixXd> lu(v);
    const Eigen::MatrixXd x =
        lu.solve(states.leftCols(n).transpose()).transpose();  // [B, n]
    const Eigen::MatrixXd xv =
        lu.solve(
              (states.rightCols(n) * m.cwiseInverse().asDiagonal()).transpose())
            .transpose();
    Eigen::MatrixXd x_t(states.rows(), n), v_t(states.rows(), n);
    for (Eigen::Index k = 0; k < n; ++k) {
      const double c = std::cos(omega(k) * dt);
      const double s = std::sin(omega(k) * dt);
      x_t.col(k) = x.col(k) * c + xv.col(k) * (s / omega(k));
      v_t.col(k) = -x.col(k) * (omega(k) * s) + xv.col(k) * c;
    }
    Eigen::MatrixXd out(states.rows(), 2 * n);
    out.leftCols(n) = x_t * v.transpose();
    out.rightCols(n) = (v_t * v.transpose()) * m.asDiagonal();
    return out;
  }

  absl::Status ActionsAndFrequencies(
      const ParameterGroup& parameters, const Eigen::MatrixXd& states,
      Eigen::MatrixXd* actions, Eigen::MatrixXd* frequencies) const override {
    const Unpacked u = Unpack(parameters);
    const Eigen::Index n = u.system.masses.size();
    const Eigen::VectorXd& omega = u.modes.frequencies;
    const Eigen::ArrayXd sqrt_m = u.system.masses.array().sqrt();
    // U = sqrt(m) V, columns normalised (V = m^{-1/2} U up to scale).
    Eigen::MatrixXd unit = sqrt_m.matrix().asDiagonal() * u.modes.eigenvectors;
    unit.colwise().normalize();
    const Eigen::MatrixXd x =
        states.leftCols(n) * sqrt_m.matrix().asDiagonal();  // [B, n]
    const Eigen::MatrixXd pi =
        states.rightCols(n) * sqrt_m.inverse().matrix().asDiagonal();
    const Eigen::ArrayXXd a = (x * unit).array();
    const Eigen::ArrayXXd b = (pi * unit).array();
    const Eigen::RowVectorXd omega_row = omega.transpose();
    *actions =
        ((b.square() + a.square().rowwise() * omega_row.array().square()) /
         (2.0 * omega_row.replicate(states.rows(), 1).array()))
            .matrix();
    *frequencies = omega_row.replicate(states.rows(), 1);
    return absl::OkStatus();
  }

  std::string Describe(const ParameterGroup& parameters) const override {
    const HarmonicSystem s = Unpack(parameters).system;
    return absl::StrFormat(
        "harmonic: %d particle(s), k_pair %.10g, masses %s, k_wall %s",
        s.num_particles(), s.k_pair, Values(s.masses), Values(s.k_wall));
  }

  std::vector<std::string> ParameterNames() const override { return Names(); }

 private:
  static size_t expected_size() { return Names().size(); }
};

AANET_REGISTER_SYSTEM(HarmonicOscillators);

}  // namespace
}  // namespace aanet::data_gen
