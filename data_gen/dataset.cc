#include "data_gen/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "H5Cpp.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "fileio/fnv1a.h"
#include "google/protobuf/descriptor.h"
#include "h5/hdf5_io.h"
#include "proto/text_config.h"
#include "status/status_macros.h"

namespace aanet::data_gen {
namespace {

using h5::Array;
using h5::Dims;

// Runs `steps` in order up to the first error.
absl::Status RunAll(const std::vector<std::function<absl::Status()>>& steps) {
  for (const auto& step : steps) {
    AANET_RETURN_IF_ERROR(step());
  }
  return absl::OkStatus();
}

// Where a parameter array lives in a file (see dataset.h).
std::string ParameterPath(const std::string& name) {
  return name.find('/') == std::string::npos ? "parameters/" + name : name;
}

// Writes the whole file into `file`; the caller validated `d`.
absl::Status WriteContents(const Dataset& d, H5::H5File& file) {
  std::vector<std::function<absl::Status()>> steps = {
      [&] { return h5::WriteStringAttribute(file, "system", d.system); },
      [&] {
        return h5::WriteIntAttribute(file, "format_version", kFormatVersion);
      },
      [&] { return h5::WriteStringAttribute(file, "config", d.config_text); },
      [&] { return h5::WriteStringAttribute(file, "name", d.name); },
      [&] {
        return h5::WriteIntAttribute(file, "num_degrees_of_freedom",
                                     d.num_degrees_of_freedom());
      },
      [&] { return h5::WriteStack(file, "q", d.q); },
      [&] { return h5::WriteStack(file, "p", d.p); },
      [&] { return h5::WriteVector(file, "t", d.t); },
  };
  // Imported trajectories without a named Hamiltonian have no energy.
  if (d.energy.size() > 0) {
    steps.push_back([&] { return h5::WriteMatrix(file, "energy", d.energy); });
  }
  if (!d.hamiltonian.empty()) {
    steps.push_back([&] {
      return h5::WriteStringAttribute(file, "hamiltonian", d.hamiltonian);
    });
  }
  for (const NamedArray& array : d.parameters.arrays) {
    steps.push_back([&file, &array] {
      const Dims dims(array.shape.begin(), array.shape.end());
      return h5::WriteArray(file, ParameterPath(array.name), dims,
                            array.values.data());
    });
  }
  if (d.true_actions.size() > 0) {
    steps.push_back(
        [&] { return h5::WriteMatrix(file, "true_actions", d.true_actions); });
    steps.push_back([&] {
      return h5::WriteMatrix(file, "true_frequencies", d.true_frequencies);
    });
  }
  return RunAll(steps);
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
  if (system != kImportedSystem && !FindSystem(system).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'system' is \"", system, "\", expected one of: ",
        absl::StrJoin(RegisteredSystemNames(), ", "), ", ", kImportedSystem));
  }
  d->system = std::move(system);
  if (H5Aexists(file.getId(), "hamiltonian") > 0) {
    AANET_ASSIGN_OR_RETURN(std::string hamiltonian,
                           h5::ReadStringAttribute(file, "hamiltonian"));
    if (d->system != kImportedSystem) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute 'hamiltonian' is only for imported trajectories, the "
          "file's system is ",
          d->system));
    }
    if (!FindSystem(hamiltonian).ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute 'hamiltonian' is \"", hamiltonian, "\", expected one of: ",
          absl::StrJoin(RegisteredSystemNames(), ", ")));
    }
    d->hamiltonian = std::move(hamiltonian);
  }
  AANET_ASSIGN_OR_RETURN(d->config_text,
                         h5::ReadStringAttribute(file, "config"));
  // Files written before the name was recorded take it from the config.
  if (H5Aexists(file.getId(), "name") > 0) {
    AANET_ASSIGN_OR_RETURN(d->name, h5::ReadStringAttribute(file, "name"));
  }
  return absl::OkStatus();
}

// The sizes every array's shape is made of: K trajectories, T samples and n
// degrees of freedom, from the shape of 'p'.
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

// The arrays every system's file has, opened, with their shapes checked;
// nothing read.
struct Arrays {
  Array q, p, t;
  std::optional<Array> energy, true_actions, true_frequencies;
};

// Opens the common arrays and checks their shapes against the sizes of 'p';
// 'energy' only if `with_energy` (imported trajectories without a
// Hamiltonian have none).
absl::StatusOr<Arrays> OpenArrays(const H5::H5File& file, bool with_energy,
                                  Sizes* sizes) {
  Arrays a;
  AANET_ASSIGN_OR_RETURN(a.p, h5::OpenArray(file, "p", "p"));
  AANET_ASSIGN_OR_RETURN(*sizes, CheckSizes(a.p));
  const hsize_t k = sizes->k, t = sizes->t, n = sizes->n;
  AANET_ASSIGN_OR_RETURN(
      a.q, OpenChecked(file, "", {"q", {k, t, n}, "[K,T,n]", "p"}));
  AANET_ASSIGN_OR_RETURN(a.t, OpenChecked(file, "", {"t", {t}, "[T]", "q"}));
  if (with_energy) {
    AANET_ASSIGN_OR_RETURN(
        a.energy, OpenChecked(file, "", {"energy", {k, t}, "[K,T]", "q"}));
  }
  // Optional: files written before systems were plug-ins have neither.
  for (const auto& [name, out] :
       {std::pair{"true_actions", &a.true_actions},
        std::pair{"true_frequencies", &a.true_frequencies}}) {
    AANET_ASSIGN_OR_RETURN(const bool present, h5::HasChild(file, name));
    if (present) {
      AANET_ASSIGN_OR_RETURN(
          *out, OpenChecked(file, "", {name, {k, n}, "[K,n]", "q"}));
    }
  }
  return a;
}

// Reads one parameter array of any rank up to 2 into row-major values.
absl::StatusOr<NamedArray> ReadParameter(const Array& array,
                                         const std::string& name) {
  if (array.dims.size() > 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset '", array.name, "' has shape ",
                     h5::ShapeString(array.dims), ", expected rank <= 2"));
  }
  AANET_RETURN_IF_ERROR(h5::CheckNumValues(array, kMaxValuesPerArray));
  NamedArray out;
  out.name = name;
  for (hsize_t d : array.dims) out.shape.push_back(static_cast<int>(d));
  if (array.dims.empty()) {
    AANET_ASSIGN_OR_RETURN(const double value, h5::ReadScalar(array));
    out.values = {value};
  } else if (array.dims.size() == 1) {
    AANET_ASSIGN_OR_RETURN(const Eigen::VectorXd v, h5::ReadVector(array));
    out.values.assign(v.data(), v.data() + v.size());
  } else {
    AANET_ASSIGN_OR_RETURN(const Eigen::MatrixXd m, h5::ReadMatrix(array));
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>
        row_major = m;
    out.values.assign(row_major.data(), row_major.data() + row_major.size());
  }
  AANET_RETURN_IF_ERROR(
      h5::CheckFinite(array.name, out.values.data(), out.values.size()));
  return out;
}

// The system's parameter group: the arrays it names (ParameterNames), or
// every array under /parameters in name order.
absl::StatusOr<ParameterGroup> ReadParameters(const H5::H5File& file,
                                              const System& system) {
  AANET_ASSIGN_OR_RETURN(const H5::Group parameters,
                         h5::OpenGroup(file, "parameters", "parameters"));
  std::vector<std::string> names = system.ParameterNames();
  if (names.empty()) {
    AANET_ASSIGN_OR_RETURN(names, h5::ListDatasets(parameters, "parameters"));
  }
  ParameterGroup group;
  for (const std::string& name : names) {
    const std::string path = ParameterPath(name);
    const size_t slash = path.rfind('/');
    const std::string group_name = path.substr(0, slash);
    AANET_ASSIGN_OR_RETURN(const H5::Group holder,
                           h5::OpenGroup(file, group_name, group_name));
    AANET_ASSIGN_OR_RETURN(const Array array,
                           h5::OpenArray(holder, path.substr(slash + 1), path));
    AANET_ASSIGN_OR_RETURN(NamedArray value, ReadParameter(array, name));
    group.arrays.push_back(std::move(value));
  }
  return group;
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
  if (a.energy) read(h5::ReadMatrix(*a.energy), &d->energy);
  if (a.true_actions) read(h5::ReadMatrix(*a.true_actions), &d->true_actions);
  if (a.true_frequencies) {
    read(h5::ReadMatrix(*a.true_frequencies), &d->true_frequencies);
  }
  return read_status;
}

// Every value is finite: q and p trajectory by trajectory, then the
// matrices, then t (the parameters are checked as they are read).
absl::Status CheckAllFinite(const Dataset& d) {
  for (size_t i = 0; i < d.q.size(); ++i) {
    AANET_RETURN_IF_ERROR(h5::CheckFinite("q", d.q[i].data(), d.q[i].size()));
    AANET_RETURN_IF_ERROR(h5::CheckFinite("p", d.p[i].data(), d.p[i].size()));
  }
  const std::pair<const char*, const Eigen::MatrixXd*> matrices[] = {
      {"energy", &d.energy},
      {"true_actions", &d.true_actions},
      {"true_frequencies", &d.true_frequencies}};
  for (const auto& [name, m] : matrices) {
    AANET_RETURN_IF_ERROR(h5::CheckFinite(name, m->data(), m->size()));
  }
  return h5::CheckFinite("t", d.t.data(), d.t.size());
}

// The true actions and frequencies of each trajectory's first state, or
// none if the system does not know them.
absl::Status DeriveTrueActions(const System& system, Dataset* d) {
  const int n = d->num_degrees_of_freedom();
  Eigen::MatrixXd first(d->num_trajectories(), 2 * n);
  for (int k = 0; k < d->num_trajectories(); ++k) {
    first.row(k) << d->q[k].row(0), d->p[k].row(0);
  }
  absl::Status s = system.ActionsAndFrequencies(
      d->parameters, first, &d->true_actions, &d->true_frequencies);
  if (absl::IsUnimplemented(s)) {
    d->true_actions.resize(0, 0);
    d->true_frequencies.resize(0, 0);
    return absl::OkStatus();
  }
  return s;
}

// What the recorded config says of imported trajectories' Hamiltonian: it
// must name the file's `hamiltonian` (or none) and its n; `sim` is the
// config's simulation.
std::string ImportedConfigProblem(const Dataset& d,
                                  const aanet::SimulationConfig& sim,
                                  const System* hamiltonian) {
  const aanet::ImportedTrajectories& imported = sim.imported();
  if (hamiltonian == nullptr) {
    return imported.has_hamiltonian()
               ? "simulation.imported.hamiltonian is set, the file names no "
                 "Hamiltonian"
               : "";
  }
  absl::StatusOr<const System*> named = SystemFor(imported.hamiltonian());
  if (!named.ok() || *named != hamiltonian) {
    return absl::StrCat("simulation.imported.hamiltonian does not set system ",
                        d.hamiltonian, ", the file's Hamiltonian");
  }
  const int n = hamiltonian->DegreesOfFreedom(imported.hamiltonian());
  if (n != d.num_degrees_of_freedom()) {
    return absl::StrCat("simulation.imported.hamiltonian.", d.hamiltonian,
                        " has ", n,
                        " degree(s) of freedom, the arrays have n = ",
                        d.num_degrees_of_freedom());
  }
  return "";
}

// The recorded config is what eval, sweeps and the report read the dataset
// as: it must parse and describe these arrays. `system` is the dataset's, or
// for imported trajectories their Hamiltonian's (nullptr: none).
absl::Status CheckConfigAgrees(const Dataset& d, const System* system) {
  aanet::Experiment experiment;
  if (absl::Status parsed =
          ParseTextProto(d.config_text, "config", &experiment);
      !parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'config' is not a valid config: ", parsed.message()));
  }
  const aanet::SimulationConfig& sim = experiment.simulation();
  std::string problem;
  const int64_t n = d.num_degrees_of_freedom();
  // A system with a field in the config's oneof must be the one set there
  // (a registered system without one, e.g. a test's toy, is not named).
  const google::protobuf::FieldDescriptor* set =
      sim.GetReflection()->GetOneofFieldDescriptor(
          sim, sim.GetDescriptor()->FindOneofByName("system"));
  const google::protobuf::FieldDescriptor* own =
      sim.GetDescriptor()->FindFieldByName(d.system);
  const bool has_field = own != nullptr && own->containing_oneof() != nullptr;
  if (has_field && set != own) {
    problem = absl::StrCat(
        "the config sets ",
        set == nullptr ? std::string("no system") : "system " + set->name(),
        ", the file's system is ", d.system);
  } else if (d.imported()) {
    problem = ImportedConfigProblem(d, sim, system);
  } else if (system->DegreesOfFreedom(sim) != n) {
    problem = absl::StrCat("simulation.", d.system, " has ",
                           system->DegreesOfFreedom(sim),
                           " degree(s) of freedom, the arrays have n = ", n);
  }
  if (!problem.empty()) {
    // The first problem is the one reported.
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

// The number of trajectories the parameter group of imported trajectories'
// Hamiltonian was made for (its config's; they are its, not the data's).
absl::StatusOr<int> HamiltonianTrajectories(const std::string& config_text) {
  aanet::Experiment experiment;
  if (absl::Status parsed = ParseTextProto(config_text, "config", &experiment);
      !parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'config' is not a valid config: ", parsed.message()));
  }
  return experiment.simulation().imported().hamiltonian().num_trajectories();
}

// Reads and validates an open file. Errors omit the file name.
absl::StatusOr<Dataset> ReadContents(const H5::H5File& file) {
  Dataset d;
  AANET_RETURN_IF_ERROR(ReadAttributes(file, &d));
  // The system whose parameters the file holds: the dataset's own, or the
  // Hamiltonian named for imported trajectories (nullptr: none).
  const System* system = nullptr;
  if (!d.imported()) {
    AANET_ASSIGN_OR_RETURN(system, FindSystem(d.system));
  } else if (!d.hamiltonian.empty()) {
    AANET_ASSIGN_OR_RETURN(system, FindSystem(d.hamiltonian));
  }
  Sizes sizes;
  AANET_ASSIGN_OR_RETURN(const Arrays arrays,
                         OpenArrays(file, system != nullptr, &sizes));
  if (system == nullptr) {
    AANET_ASSIGN_OR_RETURN(const bool has_energy, h5::HasChild(file, "energy"));
    if (has_energy) {
      return absl::InvalidArgumentError(
          "dataset 'energy' of imported trajectories without attribute "
          "'hamiltonian' (no Hamiltonian gives their energy)");
    }
  }
  if (d.imported() && (arrays.true_actions || arrays.true_frequencies)) {
    return absl::InvalidArgumentError(
        "imported trajectories have no true actions or frequencies, the file "
        "has dataset 'true_actions' or 'true_frequencies'");
  }
  if (system != nullptr) {
    AANET_ASSIGN_OR_RETURN(d.parameters, ReadParameters(file, *system));
    int num_trajectories = static_cast<int>(sizes.k);
    if (d.imported()) {
      AANET_ASSIGN_OR_RETURN(num_trajectories,
                             HamiltonianTrajectories(d.config_text));
    }
    AANET_RETURN_IF_ERROR(system->CheckParameters(
        d.parameters, static_cast<int>(sizes.n), num_trajectories));
  }
  AANET_RETURN_IF_ERROR(ReadValues(arrays, &d));
  AANET_RETURN_IF_ERROR(CheckAllFinite(d));
  AANET_RETURN_IF_ERROR(CheckSampleTimes(d.t));
  if (H5Aexists(file.getId(), "num_degrees_of_freedom") > 0) {
    AANET_ASSIGN_OR_RETURN(
        const int64_t n, h5::ReadIntAttribute(file, "num_degrees_of_freedom"));
    if (n != static_cast<int64_t>(sizes.n)) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute 'num_degrees_of_freedom' is ", n,
                       ", the arrays have n = ", sizes.n));
    }
  }
  AANET_RETURN_IF_ERROR(CheckConfigAgrees(d, system));
  if (H5Aexists(file.getId(), "name") <= 0) {
    aanet::Experiment experiment;
    if (ParseTextProto(d.config_text, "config", &experiment).ok()) {
      d.name = experiment.name();
    }
  }
  if (d.imported()) {
    // Nothing to derive: no system describes them.
  } else if (!arrays.true_actions && !arrays.true_frequencies) {
    AANET_RETURN_IF_ERROR(DeriveTrueActions(*system, &d));
  } else if (!arrays.true_actions || !arrays.true_frequencies) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing dataset '",
                     arrays.true_actions ? "true_frequencies" : "true_actions",
                     "' (the file has the other)"));
  }
  return d;
}

}  // namespace

namespace {

// ValidateSimulationConfig for `system` (nullptr: none found, `problems`
// says why).
absl::Status ValidateWith(const aanet::SimulationConfig& config,
                          const System* system,
                          std::vector<std::string> problems) {
  bool system_valid = false;
  if (system != nullptr) {
    if (absl::Status s = system->ValidateConfig(config); !s.ok()) {
      problems.emplace_back(s.message());
    } else {
      system_valid = true;
    }
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
  if (problems.empty() && system_valid) {
    // The product of three int32 values can overflow int64; a double is
    // exact enough for a limit check.
    const double values = static_cast<double>(config.num_trajectories()) *
                          config.num_samples() *
                          system->DegreesOfFreedom(config);
    if (values > static_cast<double>(kMaxValuesPerArray)) {
      problems.push_back(absl::StrCat(
          "simulation: num_trajectories * num_samples * degrees of freedom = ",
          values, " exceeds the limit of ", kMaxValuesPerArray,
          " values per array"));
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

}  // namespace

absl::Status ValidateSimulationConfig(const aanet::SimulationConfig& config) {
  if (config.has_imported()) {
    return absl::InvalidArgumentError(
        "simulation.imported: imported trajectories are not generated; use "
        "the dataset file //data_gen:import wrote from them");
  }
  absl::StatusOr<const System*> system = SystemFor(config);
  if (!system.ok()) {
    return ValidateWith(config, nullptr,
                        {std::string(system.status().message())});
  }
  return ValidateWith(config, *system, {});
}

std::string ImportedSource(const Dataset& dataset) {
  if (!dataset.imported()) return "";
  aanet::Experiment experiment;
  if (!ParseTextProto(dataset.config_text, "config", &experiment).ok()) {
    return "unknown source";
  }
  const aanet::ImportedTrajectories& imported =
      experiment.simulation().imported();
  return absl::StrCat(imported.format(), ": ",
                      absl::StrJoin(imported.files(), ", "));
}

absl::StatusOr<const System*> DatasetSystem(const Dataset& dataset) {
  if (dataset.imported()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "dataset '", dataset.name, "' holds imported trajectories (",
        ImportedSource(dataset),
        "), which no system of the project describes: their true dynamics, "
        "actions and frequencies are unknown"));
  }
  return FindSystem(dataset.system);
}

absl::StatusOr<const System*> DatasetHamiltonian(const Dataset& dataset) {
  if (!dataset.imported()) return FindSystem(dataset.system);
  if (dataset.hamiltonian.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "dataset '", dataset.name, "' holds imported trajectories (",
        ImportedSource(dataset),
        ") and no Hamiltonian was named at import (--hamiltonian_config): "
        "their energy is unknown"));
  }
  return FindSystem(dataset.hamiltonian);
}

absl::Status ValidateDataset(const Dataset& d) {
  // The system whose parameters `d` holds (nullptr: imported, no Hamiltonian).
  const System* system = nullptr;
  if (!d.imported() || !d.hamiltonian.empty()) {
    AANET_ASSIGN_OR_RETURN(system, DatasetHamiltonian(d));
  }
  const Eigen::Index k = d.q.size();
  const Eigen::Index t = d.t.size();
  const Eigen::Index n = d.num_degrees_of_freedom();
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
  if (system != nullptr) {
    check("energy", d.energy.rows(), d.energy.cols(), k, t, "[K,T]");
  } else if (d.energy.size() > 0 || !d.parameters.arrays.empty()) {
    problems.push_back(
        "imported trajectories without a Hamiltonian have no energy and no "
        "parameters");
  }
  if (d.imported() &&
      (d.true_actions.size() > 0 || d.true_frequencies.size() > 0)) {
    problems.push_back(
        "imported trajectories have no true actions or frequencies");
  } else if (d.true_actions.size() > 0 || d.true_frequencies.size() > 0) {
    check("true_actions", d.true_actions.rows(), d.true_actions.cols(), k, n,
          "[K,n]");
    check("true_frequencies", d.true_frequencies.rows(),
          d.true_frequencies.cols(), k, n, "[K,n]");
  }
  for (const NamedArray& array : d.parameters.arrays) {
    size_t count = 1;
    for (int dim : array.shape) count *= dim < 0 ? 0 : dim;
    if (array.values.size() != count) {
      problems.push_back(absl::StrCat("parameters.", array.name, " has ",
                                      array.values.size(),
                                      " values for its shape"));
    }
  }
  if (problems.empty() && system != nullptr) {
    int parameter_trajectories = static_cast<int>(k);
    if (d.imported()) {
      absl::StatusOr<int> h = HamiltonianTrajectories(d.config_text);
      if (!h.ok()) return h.status();
      parameter_trajectories = *h;
    }
    if (absl::Status s =
            system->CheckParameters(d.parameters, n, parameter_trajectories);
        !s.ok()) {
      problems.emplace_back(s.message());
    }
  }
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
  for (const NamedArray& array : d.parameters.arrays) {
    // As format_version 1 hashed its Eigen members: [r, c] column-major.
    const int64_t rows = array.shape.empty() ? 1 : array.shape[0];
    const int64_t cols =
        rows == 0 ? 0 : static_cast<int64_t>(array.values.size()) / rows;
    const Eigen::MatrixXd column_major =
        Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic,
                                       Eigen::RowMajor>>(array.values.data(),
                                                         rows, cols);
    hash.Add(column_major);
  }
  return hash.Hex();
}

absl::StatusOr<Dataset> GenerateDataset(const aanet::Experiment& experiment,
                                        std::string config_text) {
  AANET_RETURN_IF_ERROR(ValidateSimulationConfig(experiment.simulation()));
  AANET_ASSIGN_OR_RETURN(const System* system,
                         SystemFor(experiment.simulation()));
  return GenerateDatasetWith(*system, experiment, std::move(config_text));
}

absl::StatusOr<Dataset> GenerateDatasetWith(const System& system_ref,
                                            const aanet::Experiment& experiment,
                                            std::string config_text) {
  const aanet::SimulationConfig& sim = experiment.simulation();
  AANET_RETURN_IF_ERROR(ValidateWith(sim, &system_ref, {}));
  const System* system = &system_ref;
  const int num_samples = sim.num_samples();

  Dataset d;
  d.system = std::string(system->name());
  d.name = experiment.name();
  d.config_text = std::move(config_text);
  d.t.resize(num_samples);
  for (int s = 0; s < num_samples; ++s) {
    d.t(s) = static_cast<double>(s) * sim.time_step();
  }
  AANET_ASSIGN_OR_RETURN(GeneratedTrajectories generated,
                         system->Generate(sim, d.t));
  const int num_trajectories = static_cast<int>(generated.q.size());
  if (num_trajectories != sim.num_trajectories() ||
      generated.p.size() != generated.q.size()) {
    return absl::InternalError(absl::StrCat(
        "system ", d.system, " generated ", num_trajectories,
        " trajectories, the config asks for ", sim.num_trajectories()));
  }
  const std::vector<std::string> names = system->ParameterNames();
  if (names.empty()) {
    // Read back in name order (ParameterNames): generate in it too.
    std::sort(generated.parameters.arrays.begin(),
              generated.parameters.arrays.end(),
              [](const NamedArray& a, const NamedArray& b) {
                return a.name < b.name;
              });
  }
  d.energy.resize(num_trajectories, num_samples);
  for (int k = 0; k < num_trajectories; ++k) {
    Eigen::MatrixXd states(num_samples, 2 * generated.q[k].cols());
    states << generated.q[k], generated.p[k];
    d.energy.row(k) = system->Energy(generated.parameters, states).transpose();
    if (!generated.q[k].allFinite() || !generated.p[k].allFinite() ||
        !d.energy.row(k).allFinite()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "simulation: trajectory ", k,
          " has non-finite values; amplitudes or masses too large"));
    }
  }
  d.q = std::move(generated.q);
  d.p = std::move(generated.p);
  d.parameters = std::move(generated.parameters);
  d.true_actions = std::move(generated.true_actions);
  d.true_frequencies = std::move(generated.true_frequencies);
  if (!names.empty()) {
    std::vector<std::string> got;
    for (const NamedArray& array : d.parameters.arrays) {
      got.push_back(array.name);
    }
    if (got != names) {
      return absl::InternalError(
          absl::StrCat("system ", d.system, " generated parameters (",
                       absl::StrJoin(got, ", "), "), its ParameterNames are (",
                       absl::StrJoin(names, ", "), ")"));
    }
  }
  AANET_RETURN_IF_ERROR(ValidateDataset(d));
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
