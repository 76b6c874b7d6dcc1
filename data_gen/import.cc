#include "data_gen/import.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "H5Cpp.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "fileio/npy.h"
#include "google/protobuf/text_format.h"
#include "h5/hdf5_io.h"
#include "status/status_macros.h"

namespace aanet::data_gen {
namespace {

namespace fs = std::filesystem;

// Beyond this spread of one trajectory's energy (a fraction of the scale of
// all the energies) the data do not follow the named Hamiltonian: refused.
constexpr double kEnergyRefuseSpread = 0.1;
// Beyond this, imported anyway, with a warning (measured or loosely
// integrated data drift a little).
constexpr double kEnergyWarnSpread = 1e-3;

std::string ShapeOf(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

// "[k, s, i]" of a flat row-major index into `shape`.
std::string IndexOf(const std::vector<int64_t>& shape, int64_t flat) {
  std::vector<int64_t> index(shape.size());
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return ShapeOf(index);
}

// The first non-finite value of a source array, named by its index.
absl::Status CheckFiniteValues(const std::string& source,
                               const std::vector<int64_t>& shape,
                               const double* values, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": value ", values[i], " at ", IndexOf(shape, i),
                       " is not finite (every value must be)"));
    }
  }
  return absl::OkStatus();
}

// K, T, n of a q or p shape [K, T, n] or [T, n].
struct Sizes {
  int64_t k = 0, t = 0, n = 0;
};

absl::StatusOr<Sizes> TrajectorySizes(const std::string& source,
                                      const std::vector<int64_t>& shape) {
  Sizes s;
  if (shape.size() == 3) {
    s = {shape[0], shape[1], shape[2]};
  } else if (shape.size() == 2) {
    s = {1, shape[0], shape[1]};
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": shape ", ShapeOf(shape), ", expected [K, T, n] or [T, n]"));
  }
  if (s.k < 1 || s.t < 1 || s.n < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": shape ", ShapeOf(shape), ", expected every size >= 1"));
  }
  if (static_cast<double>(s.k) * s.t * s.n >
      static_cast<double>(kMaxValuesPerArray)) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": shape ", ShapeOf(shape), ", more than the limit of ",
        kMaxValuesPerArray, " values per array"));
  }
  return s;
}

// q, p and t as flat row-major arrays with their shapes, checked against
// one another, into trajectories.
absl::StatusOr<SourceTrajectories> FromArrays(
    const std::string& q_name, const NpyArray& q, const std::string& p_name,
    const NpyArray& p, const std::string& t_name, const NpyArray& t) {
  AANET_ASSIGN_OR_RETURN(const Sizes s, TrajectorySizes(q_name, q.shape));
  if (p.shape != q.shape) {
    return absl::InvalidArgumentError(
        absl::StrCat(p_name, ": shape ", ShapeOf(p.shape), " differs from ",
                     q_name, "'s ", ShapeOf(q.shape)));
  }
  if (t.shape.size() != 1 || t.shape[0] != s.t) {
    return absl::InvalidArgumentError(
        absl::StrCat(t_name, ": shape ", ShapeOf(t.shape), ", expected [T] = [",
                     s.t, "] to match ", q_name, "'s ", ShapeOf(q.shape)));
  }
  AANET_RETURN_IF_ERROR(
      CheckFiniteValues(q_name, q.shape, q.values.data(), q.values.size()));
  AANET_RETURN_IF_ERROR(
      CheckFiniteValues(p_name, p.shape, p.values.data(), p.values.size()));
  AANET_RETURN_IF_ERROR(
      CheckFiniteValues(t_name, t.shape, t.values.data(), t.values.size()));
  SourceTrajectories out;
  out.t = Eigen::Map<const Eigen::VectorXd>(t.values.data(), s.t);
  AANET_RETURN_IF_ERROR(CheckSourceTimes(out.t, t_name, [&](int i) {
    return absl::StrCat(t_name, ": sample ", i);
  }));
  using RowMajor =
      Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  for (int64_t k = 0; k < s.k; ++k) {
    const int64_t offset = k * s.t * s.n;
    out.q.push_back(
        Eigen::Map<const RowMajor>(q.values.data() + offset, s.t, s.n));
    out.p.push_back(
        Eigen::Map<const RowMajor>(p.values.data() + offset, s.t, s.n));
  }
  return out;
}

// A regular file to read; errors as the binaries word them.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (!fs::exists(status)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  if (!fs::is_regular_file(status)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a regular file"));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot be read"));
  }
  return contents.str();
}

// The index of a column name "q_3" with prefix "q_", or -1.
int ColumnIndex(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix)) {
    return -1;
  }
  int index = 0;
  const std::string digits = name.substr(prefix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos ||
      !absl::SimpleAtoi(digits, &index)) {
    return -1;
  }
  return index;
}

}  // namespace

absl::Status CheckSourceTimes(const Eigen::VectorXd& t,
                              const std::string& source,
                              const std::function<std::string(int)>& where) {
  const Eigen::Index count = t.size();
  if (count < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", count, " sample(s), at least 2 are needed"));
  }
  const double step = t(1) - t(0);
  for (Eigen::Index i = 1; i < count; ++i) {
    if (!(t(i) > t(i - 1))) {
      return absl::InvalidArgumentError(absl::StrCat(
          where(static_cast<int>(i)), ": t = ", t(i),
          " is not after t = ", t(i - 1), " (t must be strictly increasing)"));
    }
    if (std::abs((t(i) - t(i - 1)) - step) > kImportTimeTolerance * step) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(static_cast<int>(i)), ": t = ", t(i),
                       " breaks the even spacing ", step, " (expected ",
                       t(i - 1) + step, ")"));
    }
  }
  // A slow drift of the step passes the check above: each time must also
  // lie on the even grid of the mean step.
  const double mean_step =
      (t(count - 1) - t(0)) / static_cast<double>(count - 1);
  for (Eigen::Index i = 1; i < count; ++i) {
    const double expected = t(0) + static_cast<double>(i) * mean_step;
    if (std::abs(t(i) - expected) > kImportTimeTolerance * mean_step) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(static_cast<int>(i)), ": t = ", t(i),
                       " is off the even grid of the mean step ", mean_step,
                       " (expected ", expected, ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<SourceTrajectories> ReadHdf5Source(
    const std::string& path, const std::string& q_dataset,
    const std::string& p_dataset, const std::string& t_dataset) {
  NpyArray q, p, t;
  absl::Status status = h5::ReadFile(path, [&](const H5::H5File& file) {
    for (const auto& [name, out] :
         {std::pair{&q_dataset, &q}, std::pair{&p_dataset, &p},
          std::pair{&t_dataset, &t}}) {
      AANET_ASSIGN_OR_RETURN(const h5::Array array,
                             h5::OpenArray(file, *name, *name));
      AANET_RETURN_IF_ERROR(h5::CheckNumValues(array, kMaxValuesPerArray));
      out->shape.assign(array.dims.begin(), array.dims.end());
      out->values.resize(h5::NumValues(array.dims));
      if (!out->values.empty()) {
        try {
          array.dataset.read(out->values.data(), H5::PredType::NATIVE_DOUBLE);
        } catch (const H5::Exception& e) {
          return absl::InvalidArgumentError(absl::StrCat(
              "dataset '", *name, "' cannot be read: ", h5::Describe(e)));
        }
      }
    }
    return absl::OkStatus();
  });
  AANET_RETURN_IF_ERROR(status);
  auto named = [&path](const std::string& dataset) {
    return absl::StrCat(path, ": dataset '", dataset, "'");
  };
  return FromArrays(named(q_dataset), q, named(p_dataset), p, named(t_dataset),
                    t);
}

absl::StatusOr<SourceTrajectories> ReadNpySource(const std::string& q_path,
                                                 const std::string& p_path,
                                                 const std::string& t_path) {
  AANET_ASSIGN_OR_RETURN(const NpyArray q, ReadNpy(q_path));
  AANET_ASSIGN_OR_RETURN(const NpyArray p, ReadNpy(p_path));
  AANET_ASSIGN_OR_RETURN(const NpyArray t, ReadNpy(t_path));
  return FromArrays(q_path, q, p_path, p, t_path, t);
}

absl::StatusOr<SourceTrajectories> ParseCsvSource(const std::string& text,
                                                  const std::string& source) {
  const std::vector<std::string> lines = absl::StrSplit(text, '\n');
  // The header: the first line that is not blank or a comment.
  size_t line = 0;
  auto skipped = [&lines](size_t i) {
    const absl::string_view l = absl::StripAsciiWhitespace(lines[i]);
    return l.empty() || l[0] == '#';
  };
  while (line < lines.size() && skipped(line)) ++line;
  if (line == lines.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source,
                     ": no header row (expected t, q_1..q_n, "
                     "p_1..p_n and optionally trajectory)"));
  }
  const int header_line = static_cast<int>(line) + 1;
  std::vector<std::string> names;
  for (absl::string_view field : absl::StrSplit(lines[line], ',')) {
    names.emplace_back(absl::StripAsciiWhitespace(field));
  }
  int t_column = -1, trajectory_column = -1;
  std::map<int, int> q_columns, p_columns;  // index -> column
  for (int c = 0; c < static_cast<int>(names.size()); ++c) {
    const std::string& name = names[c];
    int* single = name == "t"            ? &t_column
                  : name == "trajectory" ? &trajectory_column
                                         : nullptr;
    std::map<int, int>* indexed = nullptr;
    int index = ColumnIndex(name, "q_");
    if (index >= 0) {
      indexed = &q_columns;
    } else if ((index = ColumnIndex(name, "p_")) >= 0) {
      indexed = &p_columns;
    }
    if (single == nullptr && indexed == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": line ", header_line, ", column ", c + 1,
          ": unknown name '", name,
          "' (expected t, q_1..q_n, p_1..p_n and optionally trajectory)"));
    }
    if ((single != nullptr && *single >= 0) ||
        (indexed != nullptr && indexed->count(index) > 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": line ", header_line, ", column ", c + 1,
                       ": '", name, "' appears twice"));
    }
    if (single != nullptr) {
      *single = c;
    } else {
      (*indexed)[index] = c;
    }
  }
  if (t_column < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": line ", header_line, ": no column 't'"));
  }
  if (q_columns.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": line ", header_line, ": no columns q_1..q_n"));
  }
  // q_1..q_n or q_0..q_{n-1}, and p with the same indices.
  const int n = static_cast<int>(q_columns.size());
  const int first = q_columns.begin()->first;
  for (const auto& [prefix, columns] :
       {std::pair{"q_", &q_columns}, std::pair{"p_", &p_columns}}) {
    for (int i = first; i < first + n; ++i) {
      if (columns->count(i) == 0 || (first != 0 && first != 1)) {
        return absl::InvalidArgumentError(
            absl::StrCat(source, ": line ", header_line, ": no column ", prefix,
                         first == 0 ? i : std::max(i, 1), " (expected q_1..q_",
                         n, " and p_1..p_", n, ")"));
      }
    }
    if (static_cast<int>(columns->size()) != n) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": line ", header_line, ": ", columns->size(),
                       " ", prefix, " columns and ", n, " q_ columns"));
    }
  }
  // The rows, trajectory by trajectory in order of first appearance.
  struct Row {
    int line;
    double t;
    std::vector<double> q, p;
  };
  std::vector<double> ids;
  std::vector<std::vector<Row>> trajectories;
  for (++line; line < lines.size(); ++line) {
    if (skipped(line)) continue;
    const int line_number = static_cast<int>(line) + 1;
    const std::vector<absl::string_view> fields =
        absl::StrSplit(lines[line], ',');
    if (fields.size() != names.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": line ", line_number, ": ", fields.size(),
                       " fields, the header has ", names.size()));
    }
    std::vector<double> values(fields.size());
    for (size_t c = 0; c < fields.size(); ++c) {
      const absl::string_view field = absl::StripAsciiWhitespace(fields[c]);
      if (!absl::SimpleAtod(field, &values[c])) {
        return absl::InvalidArgumentError(
            absl::StrCat(source, ": line ", line_number, ", column ", names[c],
                         ": '", std::string(field), "' is not a number"));
      }
      if (!std::isfinite(values[c])) {
        return absl::InvalidArgumentError(absl::StrCat(
            source, ": line ", line_number, ", column ", names[c], ": ",
            std::string(field), " is not finite (every value must be)"));
      }
    }
    double id = 0;
    if (trajectory_column >= 0) {
      id = values[trajectory_column];
      if (id != std::round(id)) {
        return absl::InvalidArgumentError(
            absl::StrCat(source, ": line ", line_number,
                         ", column trajectory: ", id, " is not an integer"));
      }
    }
    if (ids.empty() || ids.back() != id) {
      if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat(source, ": line ", line_number, ": trajectory ", id,
                         " appears again after trajectory ", ids.back(),
                         " (keep each trajectory's rows together)"));
      }
      ids.push_back(id);
      trajectories.emplace_back();
    }
    Row row{line_number, values[t_column], {}, {}};
    for (int i = first; i < first + n; ++i) {
      row.q.push_back(values[q_columns[i]]);
      row.p.push_back(values[p_columns[i]]);
    }
    trajectories.back().push_back(std::move(row));
  }
  if (trajectories.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": no data rows after the header (at least 2 are needed)"));
  }
  const int num_samples = static_cast<int>(trajectories[0].size());
  SourceTrajectories out;
  out.t.resize(num_samples);
  for (int s = 0; s < num_samples; ++s) out.t(s) = trajectories[0][s].t;
  auto where = [&](int k, int s) {
    return absl::StrCat(source, ": line ", trajectories[k][s].line,
                        " (trajectory ", ids[k], ", sample ", s, ")");
  };
  AANET_RETURN_IF_ERROR(
      CheckSourceTimes(out.t, source, [&](int s) { return where(0, s); }));
  const double step = out.t(1) - out.t(0);
  for (size_t k = 0; k < trajectories.size(); ++k) {
    const std::vector<Row>& rows = trajectories[k];
    if (static_cast<int>(rows.size()) != num_samples) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": trajectory ", ids[k], " has ", rows.size(),
                       " rows, trajectory ", ids[0], " has ", num_samples,
                       " (every trajectory must share one t)"));
    }
    Eigen::MatrixXd q(num_samples, n), p(num_samples, n);
    for (int s = 0; s < num_samples; ++s) {
      if (std::abs(rows[s].t - out.t(s)) > kImportTimeTolerance * step) {
        return absl::InvalidArgumentError(absl::StrCat(
            where(static_cast<int>(k), s), ": t = ", rows[s].t, ", trajectory ",
            ids[0], " has t = ", out.t(s),
            " at this sample (every trajectory must share one t)"));
      }
      for (int i = 0; i < n; ++i) {
        q(s, i) = rows[s].q[i];
        p(s, i) = rows[s].p[i];
      }
    }
    out.q.push_back(std::move(q));
    out.p.push_back(std::move(p));
  }
  return out;
}

absl::StatusOr<SourceTrajectories> ReadCsvSource(const std::string& path) {
  AANET_ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(path));
  return ParseCsvSource(text, path);
}

absl::StatusOr<ImportedDataset> MakeImportedDataset(
    SourceTrajectories source_trajectories, const std::string& name,
    aanet::ImportedTrajectories source, const NamedHamiltonian* hamiltonian) {
  const std::string files = absl::StrJoin(source.files(), ", ");
  const Eigen::VectorXd& t = source_trajectories.t;
  AANET_RETURN_IF_ERROR(CheckSourceTimes(
      t, files, [&](int i) { return absl::StrCat(files, ": sample ", i); }));
  const int num_samples = static_cast<int>(t.size());
  const double step = (t(num_samples - 1) - t(0)) / (num_samples - 1.0);
  source.set_t_start(t(0));

  ImportedDataset out;
  Dataset& d = out.dataset;
  d.system = kImportedSystem;
  d.name = name;
  d.t.resize(num_samples);
  // As generated datasets: t[s] = s * time_step exactly.
  for (int s = 0; s < num_samples; ++s) d.t(s) = s * step;
  d.q = std::move(source_trajectories.q);
  d.p = std::move(source_trajectories.p);
  const int n = d.num_degrees_of_freedom();

  if (hamiltonian != nullptr) {
    const std::string& path = hamiltonian->path;
    const aanet::SimulationConfig& sim = hamiltonian->config.simulation();
    absl::StatusOr<Dataset> generated =
        GenerateDataset(hamiltonian->config, hamiltonian->config_text);
    if (!generated.ok()) {
      return absl::Status(
          generated.status().code(),
          absl::StrCat(path, ": ", generated.status().message()));
    }
    AANET_ASSIGN_OR_RETURN(const System* system, DatasetSystem(*generated));
    if (system->DegreesOfFreedom(sim) != n) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: its system %s has %d degree(s) of freedom, the trajectories "
          "(%s) have %d",
          path, std::string(system->name()), system->DegreesOfFreedom(sim),
          files, n));
    }
    d.hamiltonian = std::string(system->name());
    d.parameters = generated->parameters;
    *source.mutable_hamiltonian() = sim;
    d.energy.resize(d.num_trajectories(), num_samples);
    for (int k = 0; k < d.num_trajectories(); ++k) {
      Eigen::MatrixXd states(num_samples, 2 * n);
      states << d.q[k], d.p[k];
      d.energy.row(k) = system->Energy(d.parameters, states).transpose();
    }
    if (!d.energy.allFinite()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": the energy of the trajectories (", files,
                       ") under its Hamiltonian is not finite"));
    }
    // The data's own energy must be (nearly) conserved under the named
    // Hamiltonian, else that Hamiltonian is not theirs.
    const double scale = std::max(d.energy.cwiseAbs().maxCoeff(), 1e-300);
    for (int k = 0; k < d.num_trajectories(); ++k) {
      const double lo = d.energy.row(k).minCoeff();
      const double hi = d.energy.row(k).maxCoeff();
      const double spread = (hi - lo) / scale;
      const std::string what = absl::StrFormat(
          "trajectory %d's energy under %s ranges over [%.6g, %.6g], %.3g of "
          "the energies' scale %.6g",
          k, system->Describe(d.parameters), lo, hi, spread, scale);
      if (spread > kEnergyRefuseSpread) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": ", what, ", more than ", kEnergyRefuseSpread,
            ": the trajectories (", files, ") do not follow this Hamiltonian"));
      }
      if (spread > kEnergyWarnSpread) {
        out.warnings.push_back(absl::StrCat(
            path, ": ", what, " (conserved energy would stay within ",
            kEnergyWarnSpread, ")"));
      }
    }
  }

  aanet::Experiment experiment;
  experiment.set_name(name);
  aanet::SimulationConfig& sim = *experiment.mutable_simulation();
  *sim.mutable_imported() = std::move(source);
  sim.set_num_samples(num_samples);
  sim.set_time_step(step);
  sim.set_num_trajectories(d.num_trajectories());
  google::protobuf::TextFormat::Printer printer;
  std::string text;
  printer.PrintToString(experiment, &text);
  d.config_text = absl::StrCat(
      "# Imported by //data_gen:import (data_gen/README.md, \"Your own "
      "trajectories\").\n",
      text);
  AANET_RETURN_IF_ERROR(ValidateDataset(d));
  return out;
}

}  // namespace aanet::data_gen
