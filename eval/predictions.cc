#include "eval/predictions.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fileio/npy.h"
#include "fileio/text_file.h"
#include "h5/hdf5_io.h"
#include "status/status_macros.h"

namespace aanet::eval {
namespace {

namespace fs = std::filesystem;

std::string Columns(int n) {
  return absl::StrFormat("q_0..q_%d, p_0..p_%d", n - 1, n - 1);
}

// A header is a line of names: no field is a number.
bool IsHeader(const std::vector<std::string>& fields) {
  for (const std::string& field : fields) {
    double value = 0;
    if (absl::SimpleAtod(absl::StripAsciiWhitespace(field), &value)) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<Eigen::MatrixXd> ReadCsv(const std::string& path, int n) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  std::vector<std::vector<double>> rows;
  std::string line;
  int line_number = 0;
  bool first_line = true;  // no state or header read yet
  while (std::getline(in, line)) {
    ++line_number;
    const absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    std::vector<std::string> fields = absl::StrSplit(text, ',');
    std::vector<double> row;
    bool numeric = true;
    std::string bad;
    for (const std::string& field : fields) {
      double value = 0;
      if (!absl::SimpleAtod(absl::StripAsciiWhitespace(field), &value)) {
        numeric = false;
        bad = field;
        break;
      }
      row.push_back(value);
    }
    if (!numeric) {
      // Only a first line of names is a header: a line with a number in it
      // is a state with a typo, which must not vanish silently.
      if (first_line && IsHeader(fields)) {
        first_line = false;
        continue;
      }
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", line_number, ": '", bad, "' is not a number"));
    }
    first_line = false;
    if (static_cast<int>(row.size()) != 2 * n) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s:%d: expected %d values (%s), got %d", path,
                          line_number, 2 * n, Columns(n), row.size()));
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no states (expected lines of ", 2 * n,
                     " comma-separated values: ", Columns(n), ")"));
  }
  Eigen::MatrixXd states(rows.size(), 2 * n);
  for (size_t r = 0; r < rows.size(); ++r) {
    for (int c = 0; c < 2 * n; ++c) states(r, c) = rows[r][c];
  }
  return states;
}

absl::StatusOr<Eigen::MatrixXd> ReadNpyStates(const std::string& path, int n) {
  AANET_ASSIGN_OR_RETURN(NpyArray array, ReadNpy(path));
  const std::vector<int64_t>& shape = array.shape;
  const bool one = shape.size() == 1 && shape[0] == 2 * n;
  const bool many = shape.size() == 2 && shape[1] == 2 * n && shape[0] >= 1;
  if (!one && !many) {
    std::vector<std::string> dims;
    for (int64_t d : shape) dims.push_back(absl::StrCat(d));
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: array has shape (%s), expected (B, %d) or (%d,): %s", path,
        absl::StrJoin(dims, ", "), 2 * n, 2 * n, Columns(n)));
  }
  const Eigen::Index rows = one ? 1 : shape[0];
  Eigen::MatrixXd states(rows, 2 * n);
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (int c = 0; c < 2 * n; ++c) states(r, c) = array.values[r * 2 * n + c];
  }
  return states;
}

// Rows of a [..., n] array as a matrix [rows, n].
absl::StatusOr<Eigen::MatrixXd> ReadRows(const h5::Array& array, int n) {
  if (array.dims.empty() || array.dims.back() != static_cast<hsize_t>(n)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("dataset '%s' has shape %s, expected [..., n = %d]",
                        array.name, h5::ShapeString(array.dims), n));
  }
  if (array.dims.size() == 2) return h5::ReadMatrix(array);
  if (array.dims.size() == 3) {
    AANET_ASSIGN_OR_RETURN(std::vector<Eigen::MatrixXd> stack,
                           h5::ReadStack(array));
    Eigen::MatrixXd rows(array.dims[0] * array.dims[1], n);
    for (size_t k = 0; k < stack.size(); ++k) {
      rows.middleRows(k * array.dims[1], array.dims[1]) = stack[k];
    }
    return rows;
  }
  return absl::InvalidArgumentError(
      absl::StrFormat("dataset '%s' has shape %s, expected rank 2 or 3",
                      array.name, h5::ShapeString(array.dims)));
}

absl::StatusOr<Eigen::MatrixXd> ReadHdf5States(const std::string& path, int n) {
  Eigen::MatrixXd states;
  absl::Status status = h5::ReadFile(path, [&](const H5::H5File& file) {
    AANET_ASSIGN_OR_RETURN(bool has_states, h5::HasChild(file, "states"));
    if (has_states) {
      AANET_ASSIGN_OR_RETURN(h5::Array array,
                             h5::OpenArray(file, "states", "states"));
      if (array.dims.size() != 2 || array.dims[1] != 2u * n) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "dataset 'states' has shape %s, expected [B, 2n = %d] (%s)",
            h5::ShapeString(array.dims), 2 * n, Columns(n)));
      }
      AANET_ASSIGN_OR_RETURN(Eigen::MatrixXd read, h5::ReadMatrix(array));
      states = std::move(read);
      return absl::OkStatus();
    }
    absl::StatusOr<h5::Array> q = h5::OpenArray(file, "q", "q");
    if (!q.ok()) {
      return absl::InvalidArgumentError(
          "no dataset 'states' [B, 2n], nor 'q' and 'p' [..., n]");
    }
    AANET_ASSIGN_OR_RETURN(h5::Array p, h5::OpenArray(file, "p", "p"));
    if (p.dims != q->dims) {
      return absl::InvalidArgumentError(
          absl::StrCat("datasets 'q' ", h5::ShapeString(q->dims), " and 'p' ",
                       h5::ShapeString(p.dims), " differ in shape"));
    }
    AANET_ASSIGN_OR_RETURN(Eigen::MatrixXd q_rows, ReadRows(*q, n));
    AANET_ASSIGN_OR_RETURN(Eigen::MatrixXd p_rows, ReadRows(p, n));
    states.resize(q_rows.rows(), 2 * n);
    states << q_rows, p_rows;
    return absl::OkStatus();
  });
  AANET_RETURN_IF_ERROR(status);
  if (states.rows() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no states"));
  }
  return states;
}

std::string Number(double value) { return absl::StrFormat("%.17g", value); }

// The latent coordinates of one kind as [D, B, n] values, dt-major.
std::vector<double> Stack(const std::vector<Eigen::MatrixXd>& matrices) {
  std::vector<double> values;
  for (const Eigen::MatrixXd& m : matrices) {
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
      for (Eigen::Index c = 0; c < m.cols(); ++c) values.push_back(m(r, c));
    }
  }
  return values;
}

struct LatentKinds {
  std::vector<Eigen::MatrixXd> actions, angles, angular_velocities;
};

LatentKinds Split(const Predictions& p) {
  LatentKinds kinds;
  for (const ActionAngleState& s : p.latent) {
    kinds.actions.push_back(s.actions);
    kinds.angles.push_back(s.angles);
    kinds.angular_velocities.push_back(s.angular_velocities);
  }
  return kinds;
}

// The truth's arrays: true states [D, B, 2n], errors [D, B] and the
// training-range flags [B] as 0.0 / 1.0.
std::vector<double> Errors(const TruthComparison& truth) {
  std::vector<double> values;
  for (const Eigen::VectorXd& e : truth.errors) {
    values.insert(values.end(), e.data(), e.data() + e.size());
  }
  return values;
}

std::vector<double> Outside(const TruthComparison& truth) {
  const Eigen::VectorXi& o = truth.outside_training_range;
  return std::vector<double>(o.data(), o.data() + o.size());
}

std::string NpyCompanion(const std::string& path, const std::string& kind) {
  fs::path p(path);
  return (p.parent_path() / (p.stem().string() + "_" + kind + ".npy")).string();
}

std::string Csv(const Predictions& p, int n) {
  std::vector<std::string> header = {"state", "dt"};
  for (const char* name : {"q", "p"}) {
    for (int i = 0; i < n; ++i) header.push_back(absl::StrCat(name, "_", i));
  }
  if (!p.latent.empty()) {
    for (const char* name : {"action", "angle", "angular_velocity"}) {
      for (int i = 0; i < n; ++i) header.push_back(absl::StrCat(name, "_", i));
    }
  }
  if (p.truth.has_value()) {
    for (const char* name : {"true_q", "true_p"}) {
      for (int i = 0; i < n; ++i) header.push_back(absl::StrCat(name, "_", i));
    }
    header.push_back("error");
    header.push_back("outside_training_range");
  }
  std::string text = absl::StrCat(absl::StrJoin(header, ","), "\n");
  for (size_t d = 0; d < p.dts.size(); ++d) {
    for (Eigen::Index b = 0; b < p.states.rows(); ++b) {
      std::vector<std::string> row = {absl::StrCat(b), Number(p.dts[d])};
      for (Eigen::Index c = 0; c < p.predicted[d].cols(); ++c) {
        row.push_back(Number(p.predicted[d](b, c)));
      }
      if (!p.latent.empty()) {
        const ActionAngleState& s = p.latent[d];
        for (const Eigen::MatrixXd* m :
             {&s.actions, &s.angles, &s.angular_velocities}) {
          for (Eigen::Index c = 0; c < m->cols(); ++c) {
            row.push_back(Number((*m)(b, c)));
          }
        }
      }
      if (p.truth.has_value()) {
        const Eigen::MatrixXd& truth = p.truth->true_states[d];
        for (Eigen::Index c = 0; c < truth.cols(); ++c) {
          row.push_back(Number(truth(b, c)));
        }
        row.push_back(Number(p.truth->errors[d](b)));
        row.push_back(absl::StrCat(p.truth->outside_training_range(b)));
      }
      absl::StrAppend(&text, absl::StrJoin(row, ","), "\n");
    }
  }
  return text;
}

}  // namespace

absl::StatusOr<StatesFormat> StatesFormatOf(const std::string& path) {
  const std::string extension =
      absl::AsciiStrToLower(fs::path(path).extension().string());
  if (extension == ".csv") return StatesFormat::kCsv;
  if (extension == ".npy") return StatesFormat::kNpy;
  if (extension == ".h5" || extension == ".hdf5") return StatesFormat::kHdf5;
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": unknown format '", extension,
                   "' (expected .csv, .npy, .h5 or .hdf5)"));
}

absl::StatusOr<Eigen::MatrixXd> ReadStates(const std::string& path,
                                           int num_degrees_of_freedom) {
  AANET_ASSIGN_OR_RETURN(StatesFormat format, StatesFormatOf(path));
  switch (format) {
    case StatesFormat::kCsv:
      return ReadCsv(path, num_degrees_of_freedom);
    case StatesFormat::kNpy:
      return ReadNpyStates(path, num_degrees_of_freedom);
    case StatesFormat::kHdf5:
      return ReadHdf5States(path, num_degrees_of_freedom);
  }
  return absl::InternalError("unreachable");
}

absl::StatusOr<std::vector<double>> ParseDtList(const std::string& text) {
  std::vector<double> dts;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    part = absl::StripAsciiWhitespace(part);
    double dt = 0;
    if (!absl::SimpleAtod(part, &dt) || !std::isfinite(dt)) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", part, "' is not a finite number"));
    }
    AANET_RETURN_IF_ERROR(Predictor::CheckDt(dt));
    dts.push_back(dt);
  }
  return dts;
}

absl::StatusOr<Predictions> PredictStates(const Predictor& predictor,
                                          const Eigen::MatrixXd& states,
                                          const std::vector<double>& dts,
                                          bool action_angle) {
  AANET_RETURN_IF_ERROR(predictor.CheckStates(states));
  Predictions p;
  p.dts = dts;
  p.states = states;
  for (double dt : dts) {
    AANET_ASSIGN_OR_RETURN(Eigen::MatrixXd predicted,
                           predictor.PredictChecked(states, dt));
    p.predicted.push_back(std::move(predicted));
    if (action_angle) {
      AANET_ASSIGN_OR_RETURN(ActionAngleState latent,
                             predictor.Inspect(states, dt));
      p.latent.push_back(std::move(latent));
    }
  }
  return p;
}

std::vector<std::string> PredictionFiles(const Predictions& predictions,
                                         const std::string& path) {
  std::vector<std::string> files = {path};
  absl::StatusOr<StatesFormat> format = StatesFormatOf(path);
  if (format.ok() && *format == StatesFormat::kNpy &&
      !predictions.latent.empty()) {
    for (const char* kind : {"actions", "angles", "angular_velocities"}) {
      files.push_back(NpyCompanion(path, kind));
    }
  }
  if (format.ok() && *format == StatesFormat::kNpy &&
      predictions.truth.has_value()) {
    for (const char* kind : {"true", "error", "outside_training_range"}) {
      files.push_back(NpyCompanion(path, kind));
    }
  }
  return files;
}

double EstimatePredictionBytes(int64_t num_states, int64_t num_dts,
                               int num_degrees_of_freedom, bool action_angle,
                               StatesFormat format, bool truth) {
  const double rows = static_cast<double>(num_states) * num_dts;
  // Per row: the prediction (2n), the coordinates (3n), the true state (2n)
  // and its error and flag.
  const double numbers =
      rows *
      (num_degrees_of_freedom * (2 + (action_angle ? 3 : 0) + (truth ? 2 : 0)) +
       (truth ? 2 : 0));
  double bytes = 8 * numbers;  // Predictions
  switch (format) {
    case StatesFormat::kCsv:
      // %.17g and a comma per number; the row's index and dt.
      bytes += 26 * numbers + 40 * rows;
      break;
    case StatesFormat::kNpy:
    case StatesFormat::kHdf5:
      bytes += 2 * 8 * numbers;  // a stacked copy, the file image
      break;
  }
  return bytes;
}

absl::Status WritePredictions(const Predictions& predictions,
                              const Predictor& predictor,
                              const std::string& checkpoint_path,
                              const std::string& path) {
  AANET_ASSIGN_OR_RETURN(StatesFormat format, StatesFormatOf(path));
  const int n = predictor.num_degrees_of_freedom();
  const int64_t num_dts = static_cast<int64_t>(predictions.dts.size());
  const int64_t batch = predictions.states.rows();
  const LatentKinds kinds = Split(predictions);
  switch (format) {
    case StatesFormat::kCsv:
      return WriteTextFileAtomically(path, Csv(predictions, n));
    case StatesFormat::kNpy: {
      // One output of up to four files: all or none of them replaced, so a
      // failure never mixes new predictions with an earlier run's angles.
      std::vector<std::pair<std::string, std::string>> files = {
          {path, SerializeNpy(NpyArray{{num_dts, batch, 2 * n},
                                       Stack(predictions.predicted)})}};
      if (!predictions.latent.empty()) {
        for (const auto& [kind, matrices] :
             {std::pair{"actions", &kinds.actions},
              std::pair{"angles", &kinds.angles},
              std::pair{"angular_velocities", &kinds.angular_velocities}}) {
          files.emplace_back(
              NpyCompanion(path, kind),
              SerializeNpy(NpyArray{{num_dts, batch, n}, Stack(*matrices)}));
        }
      }
      if (predictions.truth.has_value()) {
        const TruthComparison& truth = *predictions.truth;
        files.emplace_back(NpyCompanion(path, "true"),
                           SerializeNpy(NpyArray{{num_dts, batch, 2 * n},
                                                 Stack(truth.true_states)}));
        files.emplace_back(
            NpyCompanion(path, "error"),
            SerializeNpy(NpyArray{{num_dts, batch}, Errors(truth)}));
        files.emplace_back(NpyCompanion(path, "outside_training_range"),
                           SerializeNpy(NpyArray{{batch}, Outside(truth)}));
      }
      return WriteTextFilesTogether(files);
    }
    case StatesFormat::kHdf5:
      return h5::WriteFileAtomically(path, [&](H5::H5File& file) {
        const h5::Dims d = {static_cast<hsize_t>(num_dts),
                            static_cast<hsize_t>(batch)};
        Eigen::VectorXd dt =
            Eigen::Map<const Eigen::VectorXd>(predictions.dts.data(), num_dts);
        absl::Status s = h5::WriteVector(file, "dt", dt);
        if (s.ok()) s = h5::WriteMatrix(file, "states", predictions.states);
        const std::vector<double> predicted = Stack(predictions.predicted);
        if (s.ok()) {
          s = h5::WriteArray(file, "predictions",
                             {d[0], d[1], static_cast<hsize_t>(2 * n)},
                             predicted.data());
        }
        if (!predictions.latent.empty()) {
          for (const auto& [kind, matrices] :
               {std::pair{"actions", &kinds.actions},
                std::pair{"angles", &kinds.angles},
                std::pair{"angular_velocities", &kinds.angular_velocities}}) {
            const std::vector<double> values = Stack(*matrices);
            if (s.ok()) {
              s = h5::WriteArray(file, kind,
                                 {d[0], d[1], static_cast<hsize_t>(n)},
                                 values.data());
            }
          }
        }
        if (predictions.truth.has_value()) {
          const TruthComparison& truth = *predictions.truth;
          const std::vector<double> true_states = Stack(truth.true_states);
          const std::vector<double> errors = Errors(truth);
          const std::vector<double> outside = Outside(truth);
          if (s.ok()) {
            s = h5::WriteArray(file, "true_states",
                               {d[0], d[1], static_cast<hsize_t>(2 * n)},
                               true_states.data());
          }
          if (s.ok()) s = h5::WriteArray(file, "error", d, errors.data());
          if (s.ok()) {
            s = h5::WriteArray(file, "outside_training_range", {d[1]},
                               outside.data());
          }
          if (s.ok()) {
            s = h5::WriteStringAttribute(file, "truth", truth.dataset_path);
          }
        }
        if (s.ok())
          s = h5::WriteStringAttribute(file, "checkpoint", checkpoint_path);
        if (s.ok()) {
          s = h5::WriteStringAttribute(file, "model_kind",
                                       predictor.model().kind());
        }
        if (s.ok()) {
          s = h5::WriteStringAttribute(file, "config", predictor.config_text());
        }
        return s;
      });
  }
  return absl::InternalError("unreachable");
}

}  // namespace aanet::eval
