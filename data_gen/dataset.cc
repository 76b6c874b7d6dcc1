#include "data_gen/dataset.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "H5Cpp.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "fileio/fnv1a.h"
#include "h5/hdf5_io.h"
#include "proto/text_config.h"
#include "status/status_macros.h"

namespace aanet::data_gen {
namespace {

constexpr char kSystemHarmonic[] = "harmonic";

using h5::Array;
using h5::Dims;

// Runs `steps` in order up to the first error.
absl::Status RunAll(const std::vector<std::function<absl::Status()>>& steps) {
  for (const auto& step : steps) {
    AANET_RETURN_IF_ERROR(step());
  }
  return absl::OkStatus();
}

// Writes the whole file into `file`; the caller validated `d`.
absl::Status WriteContents(const Dataset& d, H5::H5File& file) {
  const HarmonicParameters& parameters = d.parameters;
  const NormalModes& modes = d.normal_modes;
  return RunAll({
      [&] { return h5::WriteStringAttribute(file, "system", d.system); },
      [&] {
        return h5::WriteIntAttribute(file, "format_version", kFormatVersion);
      },
      [&] { return h5::WriteStringAttribute(file, "config", d.config_text); },
      [&] { return h5::WriteStack(file, "q", d.q); },
      [&] { return h5::WriteStack(file, "p", d.p); },
      [&] { return h5::WriteVector(file, "t", d.t); },
      [&] { return h5::WriteMatrix(file, "energy", d.energy); },
      [&] {
        return h5::WriteVector(file, "parameters/masses", parameters.masses);
      },
      [&] {
        return h5::WriteVector(file, "parameters/k_wall", parameters.k_wall);
      },
      [&] {
        return h5::WriteScalar(file, "parameters/k_pair", parameters.k_pair);
      },
      [&] {
        return h5::WriteMatrix(file, "parameters/amplitudes",
                               parameters.amplitudes);
      },
      [&] {
        return h5::WriteMatrix(file, "parameters/phases", parameters.phases);
      },
      [&] {
        return h5::WriteVector(file, "normal_modes/frequencies",
                               modes.frequencies);
      },
      [&] {
        return h5::WriteMatrix(file, "normal_modes/eigenvectors",
                               modes.eigenvectors);
      },
  });
}

// The file's attributes: the version first, since it decides what the rest
// means, then the system and the config text.
absl::Status ReadAttributes(const H5::H5File& file, Dataset* d) {
  AANET_ASSIGN_OR_RETURN(const int64_t version,
                         h5::ReadIntAttribute(file, "format_version"));
  if (version != kFormatVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'format_version' is ", version, ", expected ",
                     kFormatVersion));
  }
  AANET_ASSIGN_OR_RETURN(std::string system,
                         h5::ReadStringAttribute(file, "system"));
  if (system != kSystemHarmonic) {
    return absl::InvalidArgumentError(absl::StrCat("attribute 'system' is \"",
                                                   system, "\", expected \"",
                                                   kSystemHarmonic, "\""));
  }
  d->system = std::move(system);
  AANET_ASSIGN_OR_RETURN(d->config_text,
                         h5::ReadStringAttribute(file, "config"));
  return absl::OkStatus();
}

// The sizes every array's shape is made of: K trajectories, T samples and n
// particles, from the shape of 'p'.
struct Sizes {
  hsize_t k = 0;
  hsize_t t = 0;
  hsize_t n = 0;
};

// The sizes of `p`: rank 3, each at least 1, and small enough that the
// allocations (and the products below) are guarded against corrupt headers.
absl::StatusOr<Sizes> CheckSizes(const Array& p) {
  AANET_RETURN_IF_ERROR(h5::CheckRank(p, 3, "[K,T,n]"));
  const Sizes s{p.dims[0], p.dims[1], p.dims[2]};
  if (s.k < 1 || s.t < 1 || s.n < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset 'p' has shape ", h5::ShapeString(p.dims),
                     ", expected [K,T,n] with K, T, n >= 1"));
  }
  const hsize_t limit = static_cast<hsize_t>(kMaxValuesPerArray);
  if (s.k > limit || s.t > limit || s.n > limit || s.k * s.t > limit ||
      s.k * s.t * s.n > limit || s.n * s.n > limit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset 'p' has shape ", h5::ShapeString(p.dims),
        ", more than the limit of ", kMaxValuesPerArray, " values per array"));
  }
  return s;
}

// An array of the file and the shape it must have.
struct Expected {
  const char* name;
  Dims dims;
  const char* symbolic;   // e.g. "[K,T,n]"
  const char* reference;  // the array the shape is compared with
};

// Opens `group`/`item` and checks its shape.
absl::StatusOr<Array> OpenChecked(const H5::Group& group,
                                  const std::string& prefix,
                                  const Expected& item) {
  AANET_ASSIGN_OR_RETURN(
      Array array,
      h5::OpenArray(group, item.name, absl::StrCat(prefix, item.name)));
  AANET_RETURN_IF_ERROR(
      h5::CheckShape(array, item.dims, item.symbolic, item.reference));
  return array;
}

// Every array of the file, opened, with its shape checked; nothing read.
struct Arrays {
  Array q, p, t, energy;
  Array masses, k_wall, k_pair, amplitudes, phases;  // parameters/
  Array frequencies, eigenvectors;                   // normal_modes/
};

// Opens every array and checks its shape against the sizes of 'p'.
absl::StatusOr<Arrays> OpenArrays(const H5::H5File& file) {
  Arrays a;
  AANET_ASSIGN_OR_RETURN(a.p, h5::OpenArray(file, "p", "p"));
  AANET_ASSIGN_OR_RETURN(const Sizes s, CheckSizes(a.p));
  const hsize_t k = s.k, t = s.t, n = s.n;
  AANET_ASSIGN_OR_RETURN(
      a.q, OpenChecked(file, "", {"q", {k, t, n}, "[K,T,n]", "p"}));
  AANET_ASSIGN_OR_RETURN(a.t, OpenChecked(file, "", {"t", {t}, "[T]", "q"}));
  AANET_ASSIGN_OR_RETURN(
      a.energy, OpenChecked(file, "", {"energy", {k, t}, "[K,T]", "q"}));

  AANET_ASSIGN_OR_RETURN(const H5::Group parameters,
                         h5::OpenGroup(file, "parameters", "parameters"));
  const std::pair<Expected, Array*> parameter_items[] = {
      {{"masses", {n}, "[n]", "q"}, &a.masses},
      {{"k_wall", {n}, "[n]", "q"}, &a.k_wall},
      {{"k_pair", {}, "scalar", "q"}, &a.k_pair},
      {{"amplitudes", {k, n}, "[K,n]", "q"}, &a.amplitudes},
      {{"phases", {k, n}, "[K,n]", "q"}, &a.phases},
  };
  for (const auto& [item, array] : parameter_items) {
    AANET_ASSIGN_OR_RETURN(*array,
                           OpenChecked(parameters, "parameters/", item));
  }

  AANET_ASSIGN_OR_RETURN(const H5::Group modes,
                         h5::OpenGroup(file, "normal_modes", "normal_modes"));
  AANET_ASSIGN_OR_RETURN(
      a.frequencies,
      OpenChecked(modes, "normal_modes/", {"frequencies", {n}, "[n]", "q"}));
  AANET_ASSIGN_OR_RETURN(a.eigenvectors,
                         OpenChecked(modes, "normal_modes/",
                                     {"eigenvectors", {n, n}, "[n,n]", "q"}));
  return a;
}

// Reads the values of `a` into `d`. Shapes are valid, so a read fails only on
// a corrupt file; the first failure is reported.
absl::Status ReadValues(const Arrays& a, Dataset* d) {
  absl::Status read_status;
  auto read = [&read_status](auto value, auto* out) {
    if (value.ok()) {
      *out = *std::move(value);
    } else if (read_status.ok()) {
      read_status = value.status();
    }
  };
  read(h5::ReadStack(a.q), &d->q);
  read(h5::ReadStack(a.p), &d->p);
  read(h5::ReadVector(a.t), &d->t);
  read(h5::ReadMatrix(a.energy), &d->energy);
  read(h5::ReadVector(a.masses), &d->parameters.masses);
  read(h5::ReadVector(a.k_wall), &d->parameters.k_wall);
  read(h5::ReadScalar(a.k_pair), &d->parameters.k_pair);
  read(h5::ReadMatrix(a.amplitudes), &d->parameters.amplitudes);
  read(h5::ReadMatrix(a.phases), &d->parameters.phases);
  read(h5::ReadVector(a.frequencies), &d->normal_modes.frequencies);
  read(h5::ReadMatrix(a.eigenvectors), &d->normal_modes.eigenvectors);
  return read_status;
}

// Every value is finite: q and p trajectory by trajectory, then the
// matrices, then the vectors.
absl::Status CheckAllFinite(const Dataset& d) {
  for (size_t i = 0; i < d.q.size(); ++i) {
    AANET_RETURN_IF_ERROR(h5::CheckFinite("q", d.q[i].data(), d.q[i].size()));
    AANET_RETURN_IF_ERROR(h5::CheckFinite("p", d.p[i].data(), d.p[i].size()));
  }
  const std::pair<const char*, const Eigen::MatrixXd*> matrices[] = {
      {"energy", &d.energy},
      {"parameters/amplitudes", &d.parameters.amplitudes},
      {"parameters/phases", &d.parameters.phases},
      {"normal_modes/eigenvectors", &d.normal_modes.eigenvectors}};
  for (const auto& [name, m] : matrices) {
    AANET_RETURN_IF_ERROR(h5::CheckFinite(name, m->data(), m->size()));
  }
  const std::pair<const char*, const Eigen::VectorXd*> vectors[] = {
      {"t", &d.t}, {"normal_modes/frequencies", &d.normal_modes.frequencies}};
  for (const auto& [name, v] : vectors) {
    AANET_RETURN_IF_ERROR(h5::CheckFinite(name, v->data(), v->size()));
  }
  return absl::OkStatus();
}

// The parameters make a valid system and its normal-mode frequencies are
// positive and ascending.
absl::Status CheckSystem(const Dataset& d) {
  if (absl::Status s = ValidateSystem(d.parameters.system()); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("group 'parameters': ", s.message()));
  }
  for (Eigen::Index i = 0; i < d.normal_modes.frequencies.size(); ++i) {
    const double f = d.normal_modes.frequencies(i);
    if (!(f > 0.0) || (i > 0 && !(f >= d.normal_modes.frequencies(i - 1)))) {
      return absl::InvalidArgumentError(
          "dataset 'normal_modes/frequencies' must be positive and "
          "ascending");
    }
  }
  return absl::OkStatus();
}

// Reads and validates an open file. Errors omit the file name.
// The recorded config is what eval, sweeps and the report read the dataset
// as: it must parse and describe these arrays.
absl::Status CheckConfigAgrees(const Dataset& d) {
  aanet::Experiment experiment;
  if (absl::Status parsed =
          ParseTextProto(d.config_text, "config", &experiment);
      !parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'config' is not a valid config: ", parsed.message()));
  }
  const aanet::SimulationConfig& sim = experiment.simulation();
  std::string problem;
  const int64_t n = d.q.empty() ? 0 : d.q[0].cols();
  if (sim.harmonic().num_particles() != n) {
    problem = absl::StrCat("simulation.harmonic.num_particles is ",
                           sim.harmonic().num_particles(),
                           ", the arrays have n = ", n);
  } else if (sim.num_trajectories() != d.num_trajectories()) {
    problem =
        absl::StrCat("simulation.num_trajectories is ", sim.num_trajectories(),
                     ", the arrays have K = ", d.num_trajectories());
  } else if (sim.num_samples() != d.num_samples()) {
    problem = absl::StrCat("simulation.num_samples is ", sim.num_samples(),
                           ", the arrays have T = ", d.num_samples());
  } else if (d.num_samples() >= 2) {
    // t[s] = s * time_step exactly when written; the tolerance only allows
    // for a config text printed with fewer digits.
    const double step = d.t[1] - d.t[0];
    if (!(std::abs(sim.time_step() - step) <= 1e-6 * std::abs(step))) {
      problem = absl::StrCat("simulation.time_step is ", sim.time_step(),
                             ", t[1] - t[0] is ", step);
    }
  }
  if (problem.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("attribute 'config' disagrees with the arrays: ", problem));
}

absl::StatusOr<Dataset> ReadContents(const H5::H5File& file) {
  Dataset d;
  AANET_RETURN_IF_ERROR(ReadAttributes(file, &d));
  AANET_ASSIGN_OR_RETURN(const Arrays arrays, OpenArrays(file));
  AANET_RETURN_IF_ERROR(ReadValues(arrays, &d));
  AANET_RETURN_IF_ERROR(CheckAllFinite(d));
  AANET_RETURN_IF_ERROR(CheckSampleTimes(d.t));
  AANET_RETURN_IF_ERROR(CheckSystem(d));
  AANET_RETURN_IF_ERROR(CheckConfigAgrees(d));
  return d;
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

}  // namespace

absl::Status ValidateSimulationConfig(const aanet::SimulationConfig& config) {
  std::vector<std::string> problems;
  if (config.system_case() != aanet::SimulationConfig::kHarmonic) {
    problems.push_back("simulation: no system set (expected 'harmonic')");
  } else if (absl::Status s = ValidateHarmonicConfig(config.harmonic());
             !s.ok()) {
    problems.emplace_back(s.message());
  }
  if (!config.has_num_samples()) {
    problems.push_back("simulation.num_samples: required");
  } else if (config.num_samples() < 2) {
    problems.push_back(absl::StrCat(
        "simulation.num_samples: must be >= 2, got ", config.num_samples()));
  }
  if (!config.has_time_step()) {
    problems.push_back("simulation.time_step: required");
  } else if (!std::isfinite(config.time_step()) ||
             !(config.time_step() > 0.0)) {
    problems.push_back(
        absl::StrCat("simulation.time_step: must be > 0 and finite, got ",
                     config.time_step()));
  } else if (config.has_num_samples() && config.num_samples() >= 2 &&
             !std::isfinite((config.num_samples() - 1.0) *
                            config.time_step())) {
    problems.push_back(absl::StrCat(
        "simulation.time_step: the last time (num_samples - 1) * time_step "
        "overflows, got ",
        config.time_step()));
  }
  if (!config.has_num_trajectories()) {
    problems.push_back("simulation.num_trajectories: required");
  } else if (config.num_trajectories() < 1) {
    problems.push_back(
        absl::StrCat("simulation.num_trajectories: must be >= 1, got ",
                     config.num_trajectories()));
  }
  const int num_states = config.harmonic().initial_states_size();
  if (num_states > 0 && config.has_num_trajectories() &&
      num_states != config.num_trajectories()) {
    problems.push_back(absl::StrCat("simulation.harmonic.initial_states: has ",
                                    num_states, " states, num_trajectories is ",
                                    config.num_trajectories()));
  }
  if (problems.empty()) {
    // The product of three int32 values can overflow int64; a double is
    // exact enough for a limit check.
    const double values = static_cast<double>(config.num_trajectories()) *
                          config.num_samples() *
                          config.harmonic().num_particles();
    if (values > static_cast<double>(kMaxValuesPerArray)) {
      problems.push_back(absl::StrCat(
          "simulation: num_trajectories * num_samples * num_particles = ",
          values, " exceeds the limit of ", kMaxValuesPerArray,
          " values per array"));
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

absl::Status ValidateDataset(const Dataset& d) {
  if (d.system != kSystemHarmonic) {
    return absl::InvalidArgumentError(absl::StrCat(
        "system is \"", d.system, "\", expected \"", kSystemHarmonic, "\""));
  }
  const Eigen::Index k = d.q.size();
  const Eigen::Index t = d.t.size();
  const Eigen::Index n = d.parameters.masses.size();
  if (k < 1 || t < 1 || n < 1) {
    return absl::InvalidArgumentError(absl::StrCat("empty dataset: K = ", k,
                                                   ", T = ", t, ", n = ", n,
                                                   " (all must be >= 1)"));
  }
  std::vector<std::string> problems;
  auto check = [&problems](const std::string& name, Eigen::Index rows,
                           Eigen::Index cols, Eigen::Index want_rows,
                           Eigen::Index want_cols, const char* symbolic) {
    if (rows != want_rows || cols != want_cols) {
      problems.push_back(absl::StrCat(name, " is [", rows, ",", cols,
                                      "], expected ", symbolic, " = [",
                                      want_rows, ",", want_cols, "]"));
    }
  };
  if (static_cast<Eigen::Index>(d.p.size()) != k) {
    problems.push_back(
        absl::StrCat("p has ", d.p.size(), " trajectories, q has ", k));
  }
  for (Eigen::Index i = 0; i < k; ++i) {
    check(absl::StrCat("q[", i, "]"), d.q[i].rows(), d.q[i].cols(), t, n,
          "[T,n]");
    if (i < static_cast<Eigen::Index>(d.p.size())) {
      check(absl::StrCat("p[", i, "]"), d.p[i].rows(), d.p[i].cols(), t, n,
            "[T,n]");
    }
  }
  check("energy", d.energy.rows(), d.energy.cols(), k, t, "[K,T]");
  check("parameters.k_wall", d.parameters.k_wall.size(), 1, n, 1, "[n]");
  check("parameters.amplitudes", d.parameters.amplitudes.rows(),
        d.parameters.amplitudes.cols(), k, n, "[K,n]");
  check("parameters.phases", d.parameters.phases.rows(),
        d.parameters.phases.cols(), k, n, "[K,n]");
  check("normal_modes.frequencies", d.normal_modes.frequencies.size(), 1, n, 1,
        "[n]");
  check("normal_modes.eigenvectors", d.normal_modes.eigenvectors.rows(),
        d.normal_modes.eigenvectors.cols(), n, n, "[n,n]");
  if (problems.empty()) return CheckSampleTimes(d.t);
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

absl::Status CheckSampleTimes(const Eigen::VectorXd& t) {
  if (t.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset 't' has ", t.size(), " sample(s), expected at least 2"));
  }
  const double step = t(1) - t(0);
  for (Eigen::Index i = 1; i < t.size(); ++i) {
    if (!(t(i) > t(i - 1))) {
      return absl::InvalidArgumentError(
          absl::StrCat("dataset 't' must be strictly increasing: t[", i,
                       "] = ", t(i), " after t[", i - 1, "] = ", t(i - 1)));
    }
    const double here = t(i) - t(i - 1);
    if (!(std::abs(here - step) <= 1e-6 * step)) {
      return absl::InvalidArgumentError(
          absl::StrCat("dataset 't' must be uniformly spaced: t[", i, "] - t[",
                       i - 1, "] = ", here, ", but t[1] - t[0] = ", step));
    }
  }
  return absl::OkStatus();
}

namespace {

// FNV-1a over arrays: shape, then values (as little-endian IEEE bit
// patterns on every machine this project builds for).
class ArrayHash {
 public:
  void AddArray(const double* values, int64_t rows, int64_t cols) {
    hash_.Add(&rows, sizeof(rows));
    hash_.Add(&cols, sizeof(cols));
    hash_.Add(values, sizeof(double) * static_cast<size_t>(rows * cols));
  }
  void Add(const Eigen::MatrixXd& m) { AddArray(m.data(), m.rows(), m.cols()); }
  void Add(const Eigen::VectorXd& v) { AddArray(v.data(), v.size(), 1); }
  std::string Hex() const { return hash_.Hex(); }

 private:
  Fnv1a hash_;
};

}  // namespace

std::string DatasetHash(const Dataset& d) {
  ArrayHash hash;
  hash.Add(d.t);
  for (const Eigen::MatrixXd& q : d.q) hash.Add(q);
  for (const Eigen::MatrixXd& p : d.p) hash.Add(p);
  hash.Add(d.energy);
  hash.Add(d.parameters.masses);
  hash.Add(d.parameters.k_wall);
  hash.AddArray(&d.parameters.k_pair, 1, 1);
  hash.Add(d.parameters.amplitudes);
  hash.Add(d.parameters.phases);
  hash.Add(d.normal_modes.frequencies);
  hash.Add(d.normal_modes.eigenvectors);
  return hash.Hex();
}

absl::StatusOr<Dataset> GenerateDataset(const aanet::Experiment& experiment,
                                        std::string config_text) {
  const aanet::SimulationConfig& sim = experiment.simulation();
  AANET_RETURN_IF_ERROR(ValidateSimulationConfig(sim));
  const int num_trajectories = sim.num_trajectories();
  const int num_samples = sim.num_samples();

  AANET_ASSIGN_OR_RETURN(
      HarmonicParameters parameters,
      SampleHarmonicParameters(sim.harmonic(), num_trajectories, sim.seed()));
  // Trajectories with the same amplitudes and phases are the same trajectory:
  // a dataset with copies would silently hold fewer distinct ones than it
  // claims (LINSPACE_SHUFFLED only permutes n values: n! orders).
  std::map<std::vector<double>, int> seen;
  for (int k = 0; k < num_trajectories; ++k) {
    std::vector<double> key(parameters.amplitudes.row(k).begin(),
                            parameters.amplitudes.row(k).end());
    key.insert(key.end(), parameters.phases.row(k).begin(),
               parameters.phases.row(k).end());
    const auto [it, inserted] = seen.emplace(std::move(key), k);
    if (!inserted) {
      if (sim.harmonic().initial_states_size() > 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "simulation.harmonic.initial_states: states ", it->second, " and ",
            k, " give identical trajectories"));
      }
      const bool shuffled =
          sim.harmonic().trajectory_sampling() == aanet::LINSPACE_SHUFFLED;
      return absl::InvalidArgumentError(absl::StrCat(
          "simulation.num_trajectories: trajectories ", it->second, " and ", k,
          " would be identical (same amplitudes and phases)",
          shuffled ? absl::StrCat("; LINSPACE_SHUFFLED only reorders the same ",
                                  sim.harmonic().num_particles(),
                                  " values per trajectory")
                   : "",
          "; use simulation.harmonic.trajectory_sampling: UNIFORM with a "
          "nonzero amplitudes or phases range, or fewer trajectories"));
    }
  }
  const HarmonicSystem system = parameters.system();
  AANET_ASSIGN_OR_RETURN(NormalModes modes, ComputeNormalModes(system));

  Dataset d;
  d.system = kSystemHarmonic;
  d.config_text = std::move(config_text);
  d.t.resize(num_samples);
  for (int s = 0; s < num_samples; ++s) {
    d.t(s) = static_cast<double>(s) * sim.time_step();
  }
  d.energy.resize(num_trajectories, num_samples);
  d.q.reserve(num_trajectories);
  d.p.reserve(num_trajectories);
  for (int k = 0; k < num_trajectories; ++k) {
    AANET_ASSIGN_OR_RETURN(
        Trajectory trajectory,
        EvaluateTrajectory(system, modes,
                           parameters.amplitudes.row(k).transpose(),
                           parameters.phases.row(k).transpose(), d.t));
    d.energy.row(k) =
        TrajectoryEnergy(system, trajectory.q, trajectory.p).transpose();
    if (!trajectory.q.allFinite() || !trajectory.p.allFinite() ||
        !d.energy.row(k).allFinite()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "simulation: trajectory ", k,
          " has non-finite values; amplitudes or masses too large"));
    }
    AANET_RETURN_IF_ERROR(CheckStatesChange(trajectory, k, sim.time_step(),
                                            modes.frequencies(0)));
    d.q.push_back(std::move(trajectory.q));
    d.p.push_back(std::move(trajectory.p));
  }
  d.parameters = std::move(parameters);
  d.normal_modes = std::move(modes);
  return d;
}

absl::Status WriteDataset(const Dataset& dataset, const std::string& path) {
  if (absl::Status s = ValidateDataset(dataset); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not writing an inconsistent dataset: ", s.message()));
  }
  return h5::WriteFileAtomically(path, [&dataset](H5::H5File& file) {
    return WriteContents(dataset, file);
  });
}

absl::StatusOr<Dataset> ReadDataset(const std::string& path) {
  absl::StatusOr<Dataset> dataset;
  AANET_RETURN_IF_ERROR(h5::ReadFile(path, [&](const H5::H5File& file) {
    dataset = ReadContents(file);
    return dataset.status();
  }));
  return dataset;
}

absl::StatusOr<Dataset> ReadDatasetImage(const std::string& image,
                                         const std::string& name) {
  absl::StatusOr<Dataset> dataset;
  AANET_RETURN_IF_ERROR(h5::ReadImage(image, name, [&](const H5::H5File& file) {
    dataset = ReadContents(file);
    return dataset.status();
  }));
  return dataset;
}

}  // namespace aanet::data_gen
