#include "models/checkpoint.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "H5Cpp.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "h5/hdf5_io.h"
#include "status/status_macros.h"

namespace aanet {
namespace {

// "" or 16 lower-case hex digits.
absl::Status CheckDatasetHash(const std::string& hash) {
  if (hash.empty()) return absl::OkStatus();
  bool hex = hash.size() == 16;
  for (char ch : hash) {
    hex = hex && ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'));
  }
  if (hex) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("expected 16 hex digits, got \"", hash.substr(0, 40), "\""));
}

// Largest num_degrees_of_freedom accepted, so that 2n fits an int.
constexpr int64_t kMaxDegreesOfFreedom = INT_MAX / 2;

// The root attribute of n. Checkpoints written before it was renamed for
// degrees of freedom (issue 20) hold n as "num_particles"; they still read.
constexpr char kDegreesOfFreedomAttribute[] = "num_degrees_of_freedom";
constexpr char kOldDegreesOfFreedomAttribute[] = "num_particles";

// Runs `steps` in order up to the first error.
absl::Status RunAll(const std::vector<std::function<absl::Status()>>& steps) {
  for (const auto& step : steps) {
    AANET_RETURN_IF_ERROR(step());
  }
  return absl::OkStatus();
}

bool IsNameCharacter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

// Checks a list of parameter names: each valid, unique, and none also a group
// holding another ("a" and "a/b"). `what(i)` names entry i in messages.
absl::Status ValidateNames(const std::vector<std::string>& names,
                           const std::function<std::string(size_t)>& what) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (absl::Status s = ValidateParameterName(names[i]); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what(i), ": ", s.message()));
    }
  }
  std::vector<std::pair<std::string, size_t>> sorted;
  for (size_t i = 0; i < names.size(); ++i) sorted.emplace_back(names[i], i);
  std::sort(sorted.begin(), sorted.end());
  for (size_t k = 0; k + 1 < sorted.size(); ++k) {
    const auto& [name, i] = sorted[k];
    const auto& [next, j] = sorted[k + 1];
    if (name == next) {
      return absl::InvalidArgumentError(
          absl::StrCat(what(std::max(i, j)), ": name '", name, "' is also ",
                       what(std::min(i, j))));
    }
  }
  // The names starting with "a/" are contiguous in sorted order and the
  // first of them, if any, is the first name >= "a/".
  for (size_t k = 0; k < sorted.size(); ++k) {
    const std::string prefix = sorted[k].first + "/";
    auto it = std::lower_bound(sorted.begin(), sorted.end(),
                               std::make_pair(prefix, size_t{0}));
    if (it != sorted.end() &&
        it->first.compare(0, prefix.size(), prefix) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what(sorted[k].second), ": '", sorted[k].first,
                       "' is also a group holding ", what(it->second), " ('",
                       it->first, "')"));
    }
  }
  return absl::OkStatus();
}

std::string Shape(const Eigen::MatrixXd& m) {
  return absl::StrCat("[", m.rows(), ",", m.cols(), "]");
}

// The first non-finite entry of `m` as "non-finite value (nan) at (1, 2)",
// or "".
std::string NonFinite(const Eigen::MatrixXd& m) {
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      if (!std::isfinite(m(i, j))) {
        return absl::StrCat("non-finite value (", m(i, j), ") at (", i, ", ", j,
                            ")");
      }
    }
  }
  return "";
}

// Checks optimiser moments against the parameters; `field` is e.g.
// "training.adam_m".
void ValidateMoments(const std::vector<NamedMatrix>& moments,
                     const std::vector<NamedMatrix>& parameters,
                     const std::string& field, bool non_negative,
                     std::vector<std::string>* problems) {
  if (moments.size() != parameters.size()) {
    problems->push_back(absl::StrCat(field, ": ", moments.size(),
                                     " matrices, expected ", parameters.size(),
                                     " (one per parameter)"));
    return;
  }
  for (size_t i = 0; i < moments.size(); ++i) {
    const NamedMatrix& m = moments[i];
    const NamedMatrix& p = parameters[i];
    const std::string item = absl::StrCat(field, "[", i, "] ('", m.name, "')");
    if (m.name != p.name) {
      problems->push_back(absl::StrCat(item, ": expected the name '", p.name,
                                       "' of parameters[", i, "]"));
    } else if (m.value.rows() != p.value.rows() ||
               m.value.cols() != p.value.cols()) {
      problems->push_back(absl::StrCat(item, " is ", Shape(m.value),
                                       ", expected ", Shape(p.value),
                                       " as parameters[", i, "]"));
    } else if (std::string bad = NonFinite(m.value); !bad.empty()) {
      problems->push_back(absl::StrCat(item, ": ", bad));
    } else if (non_negative && (m.value.array() < 0.0).any()) {
      problems->push_back(absl::StrCat(item, ": has a negative value"));
    }
  }
}

// ---------------------------------------------------------------------------
// Writing.

absl::Status WriteContents(const Checkpoint& c, H5::H5File& file) {
  std::vector<std::string> names;
  for (const NamedMatrix& p : c.parameters) names.push_back(p.name);
  if (absl::Status s = RunAll({
          [&] {
            return h5::WriteStringAttribute(file, "format", kCheckpointFormat);
          },
          [&] {
            return h5::WriteIntAttribute(file, "format_version",
                                         kCheckpointFormatVersion);
          },
          [&] {
            return h5::WriteStringAttribute(file, "model_kind", c.model_kind);
          },
          [&] {
            return h5::WriteStringAttribute(file, "config", c.config_text);
          },
          [&] {
            return h5::WriteStringAttribute(file, "dataset_path",
                                            c.dataset_path);
          },
          [&] {
            return h5::WriteStringAttribute(file, "dataset_config",
                                            c.dataset_config_text);
          },
          [&] {
            return h5::WriteStringAttribute(file, "dataset_hash",
                                            c.dataset_hash);
          },
          [&] {
            return h5::WriteIntAttribute(file, kDegreesOfFreedomAttribute,
                                         c.num_degrees_of_freedom);
          },
          [&] { return h5::WriteIntAttribute(file, "step", c.step); },
          [&] {
            return h5::WriteVector(file, "scaler/mean",
                                   c.scaler_mean.transpose());
          },
          [&] {
            return h5::WriteVector(file, "scaler/scale",
                                   c.scaler_scale.transpose());
          },
      });
      !s.ok()) {
    return s;
  }

  AANET_ASSIGN_OR_RETURN(H5::Group parameters,
                         h5::OpenOrCreateGroup(file, "parameters"));
  if (absl::Status s = h5::WriteStringAttribute(parameters, "order",
                                                absl::StrJoin(names, "\n"));
      !s.ok()) {
    return s;
  }
  for (const NamedMatrix& p : c.parameters) {
    if (absl::Status s = h5::WriteMatrix(parameters, p.name, p.value);
        !s.ok()) {
      return s;
    }
  }

  if (!c.training.has_value()) return absl::OkStatus();
  const TrainingState& t = *c.training;
  AANET_ASSIGN_OR_RETURN(H5::Group training,
                         h5::OpenOrCreateGroup(file, "training"));
  const std::pair<const char*, const std::vector<NamedMatrix>*> moments[] = {
      {"adam_m", &t.adam_m}, {"adam_v", &t.adam_v}};
  for (const auto& [group, matrices] : moments) {
    for (const NamedMatrix& m : *matrices) {
      if (absl::Status s = h5::WriteMatrix(
              training, absl::StrCat(group, "/", m.name), m.value);
          !s.ok()) {
        return s;
      }
    }
  }
  return RunAll({
      [&] { return h5::WriteIntAttribute(training, "adam_step", t.adam_step); },
      [&] {
        return h5::WriteStringAttribute(training, "rng_state", t.rng_state);
      },
      [&] {
        return h5::WriteDoubleAttribute(training, "best_loss", t.best_loss);
      },
      [&] { return h5::WriteIntAttribute(training, "best_step", t.best_step); },
  });
}

// ---------------------------------------------------------------------------
// Reading. Errors omit the file name; h5::ReadFile prefixes it.

// The root attributes.
absl::Status ReadAttributes(const H5::H5File& file, Checkpoint* c) {
  if (!file.attrExists("format")) {
    return absl::InvalidArgumentError(
        "not an aanet checkpoint (missing attribute 'format')");
  }
  AANET_ASSIGN_OR_RETURN(std::string format,
                         h5::ReadStringAttribute(file, "format"));
  if (format != kCheckpointFormat) {
    return absl::InvalidArgumentError(absl::StrCat("attribute 'format' is \"",
                                                   format, "\", expected \"",
                                                   kCheckpointFormat, "\""));
  }
  AANET_ASSIGN_OR_RETURN(int64_t version,
                         h5::ReadIntAttribute(file, "format_version"));
  if (version != kCheckpointFormatVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'format_version' is ", version, ", expected ",
                     kCheckpointFormatVersion));
  }
  const std::pair<const char*, std::string*> strings[] = {
      {"model_kind", &c->model_kind},
      {"config", &c->config_text},
      {"dataset_path", &c->dataset_path}};
  for (const auto& [name, out] : strings) {
    AANET_ASSIGN_OR_RETURN(std::string value,
                           h5::ReadStringAttribute(file, name));
    *out = std::move(value);
  }
  if (c->model_kind.empty()) {
    return absl::InvalidArgumentError("attribute 'model_kind' is empty");
  }
  // The dataset's identity, absent from older checkpoints.
  const std::pair<const char*, std::string*> optional_strings[] = {
      {"dataset_config", &c->dataset_config_text},
      {"dataset_hash", &c->dataset_hash}};
  for (const auto& [name, out] : optional_strings) {
    if (!file.attrExists(name)) continue;
    AANET_ASSIGN_OR_RETURN(std::string value,
                           h5::ReadStringAttribute(file, name));
    *out = std::move(value);
  }
  if (absl::Status s = CheckDatasetHash(c->dataset_hash); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'dataset_hash': ", s.message()));
  }
  // The new name if present; a file with neither is refused under it.
  const char* const n_attribute =
      file.attrExists(kDegreesOfFreedomAttribute) ||
              !file.attrExists(kOldDegreesOfFreedomAttribute)
          ? kDegreesOfFreedomAttribute
          : kOldDegreesOfFreedomAttribute;
  AANET_ASSIGN_OR_RETURN(int64_t n, h5::ReadIntAttribute(file, n_attribute));
  if (n < 1 || n > kMaxDegreesOfFreedom) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute '", n_attribute, "' is ", n, ", expected 1 to ",
                     kMaxDegreesOfFreedom));
  }
  c->num_degrees_of_freedom = static_cast<int>(n);
  AANET_ASSIGN_OR_RETURN(int64_t step, h5::ReadIntAttribute(file, "step"));
  if (step < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'step' is ", step, ", expected >= 0"));
  }
  c->step = step;
  return absl::OkStatus();
}

// Checks that the datasets below `group` (called `group_name`) are exactly
// `names`; `what` says what the names are, for messages.
absl::Status CheckNoExtraDatasets(const H5::Group& group,
                                  const std::string& group_name,
                                  const std::vector<std::string>& names,
                                  const std::string& what) {
  AANET_ASSIGN_OR_RETURN(std::vector<std::string> present,
                         h5::ListDatasets(group, group_name));
  const std::set<std::string> expected(names.begin(), names.end());
  for (const std::string& name : present) {
    if (expected.count(name) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "group '", group_name, "' holds dataset '", name, "', ", what));
    }
  }
  return absl::OkStatus();
}

// Reads the float64 2-D dataset `name` of `group` (called `group_name`),
// checks it is finite and, if `shape` is given, that it has that shape
// (matching `reference`).
absl::StatusOr<Eigen::MatrixXd> ReadNamedMatrix(const H5::Group& group,
                                                const std::string& group_name,
                                                const std::string& name,
                                                const Eigen::MatrixXd* shape,
                                                const std::string& reference) {
  const std::string full_name = absl::StrCat(group_name, "/", name);
  AANET_ASSIGN_OR_RETURN(h5::Array array,
                         h5::OpenArray(group, name, full_name));
  AANET_RETURN_IF_ERROR(
      shape == nullptr ? h5::CheckRank(array, 2, "[rows,cols]")
                       : h5::CheckShape(array,
                                        {static_cast<hsize_t>(shape->rows()),
                                         static_cast<hsize_t>(shape->cols())},
                                        "", reference));
  absl::StatusOr<Eigen::MatrixXd> value = h5::ReadMatrix(array);
  AANET_RETURN_IF_ERROR(value);
  // Flat indices in messages count in the file's (row-major) order.
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>
      row_major = *value;
  AANET_RETURN_IF_ERROR(
      h5::CheckFinite(full_name, row_major.data(), row_major.size()));
  return value;
}

absl::Status ReadParameters(const H5::H5File& file, Checkpoint* c) {
  AANET_ASSIGN_OR_RETURN(H5::Group group,
                         h5::OpenGroup(file, "parameters", "parameters"));
  absl::StatusOr<std::string> order = h5::ReadStringAttribute(group, "order");
  if (!order.ok()) return h5::Annotate(order.status(), "group 'parameters'");
  if (order->empty()) {
    return absl::InvalidArgumentError(
        "group 'parameters': attribute 'order' lists no parameters");
  }
  const std::vector<std::string> names = absl::StrSplit(*order, '\n');
  if (absl::Status s = ValidateNames(
          names, [](size_t i) { return absl::StrCat("entry ", i); });
      !s.ok()) {
    return h5::Annotate(s, "group 'parameters': attribute 'order'");
  }
  if (absl::Status s = CheckNoExtraDatasets(group, "parameters", names,
                                            "which attribute 'order' does "
                                            "not list");
      !s.ok()) {
    return s;
  }
  for (const std::string& name : names) {
    AANET_ASSIGN_OR_RETURN(
        Eigen::MatrixXd value,
        ReadNamedMatrix(group, "parameters", name, nullptr, ""));
    c->parameters.push_back({name, std::move(value)});
  }
  return absl::OkStatus();
}

absl::Status ReadScaler(const H5::H5File& file, Checkpoint* c) {
  AANET_ASSIGN_OR_RETURN(H5::Group group,
                         h5::OpenGroup(file, "scaler", "scaler"));
  const hsize_t size = 2 * static_cast<hsize_t>(c->num_degrees_of_freedom);
  const std::pair<const char*, Eigen::RowVectorXd*> items[] = {
      {"mean", &c->scaler_mean}, {"scale", &c->scaler_scale}};
  for (const auto& [name, out] : items) {
    const std::string full_name = absl::StrCat("scaler/", name);
    AANET_ASSIGN_OR_RETURN(h5::Array array,
                           h5::OpenArray(group, name, full_name));
    if (absl::Status s = h5::CheckShape(array, {size}, "[2n]", ""); !s.ok()) {
      return s;
    }
    AANET_ASSIGN_OR_RETURN(Eigen::VectorXd value, h5::ReadVector(array));
    if (absl::Status s = h5::CheckFinite(full_name, value.data(), value.size());
        !s.ok()) {
      return s;
    }
    *out = value.transpose();
  }
  for (Eigen::Index i = 0; i < c->scaler_scale.size(); ++i) {
    if (!(c->scaler_scale(i) > 0.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("dataset 'scaler/scale' has a non-positive value (",
                       c->scaler_scale(i), ") at index ", i));
    }
  }
  return absl::OkStatus();
}

// The optimiser moments `name` ("adam_m" or "adam_v") of group 'training'.
absl::StatusOr<std::vector<NamedMatrix>> ReadMoments(
    const H5::Group& training, const std::string& name,
    const std::vector<NamedMatrix>& parameters) {
  const std::string group_name = absl::StrCat("training/", name);
  AANET_ASSIGN_OR_RETURN(H5::Group group,
                         h5::OpenGroup(training, name, group_name));
  std::vector<std::string> names;
  for (const NamedMatrix& p : parameters) names.push_back(p.name);
  if (absl::Status s = CheckNoExtraDatasets(group, group_name, names,
                                            "which is not a parameter");
      !s.ok()) {
    return s;
  }
  std::vector<NamedMatrix> moments;
  for (const NamedMatrix& p : parameters) {
    AANET_ASSIGN_OR_RETURN(
        Eigen::MatrixXd value,
        ReadNamedMatrix(group, group_name, p.name, &p.value,
                        absl::StrCat("parameters/", p.name)));
    moments.push_back({p.name, std::move(value)});
  }
  return moments;
}

absl::Status ReadTraining(const H5::H5File& file, Checkpoint* c) {
  AANET_ASSIGN_OR_RETURN(bool present, h5::HasChild(file, "training"));
  if (!present) return absl::OkStatus();
  AANET_ASSIGN_OR_RETURN(H5::Group group,
                         h5::OpenGroup(file, "training", "training"));
  TrainingState t;
  AANET_ASSIGN_OR_RETURN(std::vector<NamedMatrix> m,
                         ReadMoments(group, "adam_m", c->parameters));
  t.adam_m = std::move(m);
  AANET_ASSIGN_OR_RETURN(std::vector<NamedMatrix> v,
                         ReadMoments(group, "adam_v", c->parameters));
  t.adam_v = std::move(v);
  for (const NamedMatrix& moment : t.adam_v) {
    if ((moment.value.array() < 0.0).any()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "dataset 'training/adam_v/", moment.name, "' has a negative value"));
    }
  }

  const std::string context = "group 'training'";
  absl::StatusOr<int64_t> adam_step = h5::ReadIntAttribute(group, "adam_step");
  if (!adam_step.ok()) return h5::Annotate(adam_step.status(), context);
  if (*adam_step < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        context, ": attribute 'adam_step' is ", *adam_step, ", expected >= 0"));
  }
  t.adam_step = *adam_step;
  absl::StatusOr<std::string> rng_state =
      h5::ReadStringAttribute(group, "rng_state");
  if (!rng_state.ok()) return h5::Annotate(rng_state.status(), context);
  t.rng_state = *std::move(rng_state);
  absl::StatusOr<double> best_loss =
      h5::ReadDoubleAttribute(group, "best_loss");
  if (!best_loss.ok()) return h5::Annotate(best_loss.status(), context);
  if (std::isnan(*best_loss)) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": attribute 'best_loss' is NaN"));
  }
  t.best_loss = *best_loss;
  absl::StatusOr<int64_t> best_step = h5::ReadIntAttribute(group, "best_step");
  if (!best_step.ok()) return h5::Annotate(best_step.status(), context);
  t.best_step = *best_step;
  c->training = std::move(t);
  return absl::OkStatus();
}

absl::StatusOr<Checkpoint> ReadContents(const H5::H5File& file) {
  Checkpoint c;
  for (const auto& read :
       {ReadAttributes, ReadParameters, ReadScaler, ReadTraining}) {
    AANET_RETURN_IF_ERROR(read(file, &c));
  }
  // Everything above was checked item by item; this is a safety net.
  if (absl::Status s = ValidateCheckpoint(c); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid checkpoint: ", s.message()));
  }
  return c;
}

}  // namespace

absl::Status ValidateParameterName(const std::string& name) {
  if (name.empty())
    return absl::InvalidArgumentError("parameter name is empty");
  for (const absl::string_view segment : absl::StrSplit(name, '/')) {
    std::string problem;
    if (segment.empty()) {
      problem = "empty segment";
    } else if (segment == "." || segment == "..") {
      problem = absl::StrCat("segment '", segment, "' is not allowed");
    } else if (!std::all_of(segment.begin(), segment.end(), IsNameCharacter)) {
      problem = absl::StrCat("segment '", segment,
                             "' has a character outside [A-Za-z0-9_.-]");
    }
    if (!problem.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter name '", name, "': ", problem));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateCheckpoint(const Checkpoint& c) {
  std::vector<std::string> problems;
  if (c.model_kind.empty()) problems.push_back("model_kind: empty");
  if (absl::Status s = CheckDatasetHash(c.dataset_hash); !s.ok()) {
    problems.push_back(absl::StrCat("dataset_hash: ", s.message()));
  }
  if (c.num_degrees_of_freedom < 1) {
    problems.push_back(
        absl::StrCat("num_degrees_of_freedom: must be >= 1, got ",
                     c.num_degrees_of_freedom));
  }
  if (c.step < 0) {
    problems.push_back(absl::StrCat("step: must be >= 0, got ", c.step));
  }

  std::vector<std::string> names;
  for (const NamedMatrix& p : c.parameters) names.push_back(p.name);
  if (c.parameters.empty()) problems.push_back("parameters: none");
  if (absl::Status s = ValidateNames(
          names, [](size_t i) { return absl::StrCat("parameters[", i, "]"); });
      !s.ok()) {
    problems.emplace_back(s.message());
  }
  for (size_t i = 0; i < c.parameters.size(); ++i) {
    const NamedMatrix& p = c.parameters[i];
    if (std::string bad = NonFinite(p.value); !bad.empty()) {
      problems.push_back(
          absl::StrCat("parameters[", i, "] ('", p.name, "'): ", bad));
    }
  }

  const int64_t size = 2 * static_cast<int64_t>(c.num_degrees_of_freedom);
  const std::pair<const char*, const Eigen::RowVectorXd*> scaler[] = {
      {"scaler_mean", &c.scaler_mean}, {"scaler_scale", &c.scaler_scale}};
  for (const auto& [name, v] : scaler) {
    if (v->size() != size) {
      problems.push_back(
          absl::StrCat(name, ": size ", v->size(),
                       ", expected 2 num_degrees_of_freedom = ", size));
    } else if (std::string bad = NonFinite(*v); !bad.empty()) {
      problems.push_back(absl::StrCat(name, ": ", bad));
    }
  }
  if (c.scaler_scale.size() == size && (c.scaler_scale.array() <= 0.0).any()) {
    problems.push_back("scaler_scale: must be > 0");
  }

  if (c.training.has_value()) {
    const TrainingState& t = *c.training;
    ValidateMoments(t.adam_m, c.parameters, "training.adam_m", false,
                    &problems);
    ValidateMoments(t.adam_v, c.parameters, "training.adam_v", true, &problems);
    if (t.adam_step < 0) {
      problems.push_back(
          absl::StrCat("training.adam_step: must be >= 0, got ", t.adam_step));
    }
    if (std::isnan(t.best_loss)) {
      problems.push_back("training.best_loss: is NaN");
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

absl::Status WriteCheckpoint(const Checkpoint& checkpoint,
                             const std::string& path) {
  if (absl::Status s = ValidateCheckpoint(checkpoint); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not writing an invalid checkpoint: ", s.message()));
  }
  return h5::WriteFileAtomically(path, [&checkpoint](H5::H5File& file) {
    return WriteContents(checkpoint, file);
  });
}

absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path) {
  absl::StatusOr<Checkpoint> checkpoint;
  const absl::Status status = h5::ReadFile(path, [&](const H5::H5File& file) {
    checkpoint = ReadContents(file);
    return checkpoint.status();
  });
  AANET_RETURN_IF_ERROR(status);
  return checkpoint;
}

absl::StatusOr<Checkpoint> ReadCheckpointImage(const std::string& image,
                                               const std::string& name) {
  absl::StatusOr<Checkpoint> checkpoint;
  const absl::Status status =
      h5::ReadImage(image, name, [&](const H5::H5File& file) {
        checkpoint = ReadContents(file);
        return checkpoint.status();
      });
  AANET_RETURN_IF_ERROR(status);
  return checkpoint;
}

}  // namespace aanet
