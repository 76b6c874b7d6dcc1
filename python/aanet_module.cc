// The Python module `aanet`: load a trained checkpoint and predict on numpy
// arrays (python/README.md).
//
//   import aanet
//   m = aanet.load("out/runs/action_angle_flow/best.h5")
//   later = m.predict(states, 10.0)          # states [B, 2n] or [2n]
//   many = m.predict(states, [1, 10, 50])    # [3, B, 2n]
//   c = m.action_angles(states, dt=10.0)     # Action-Angle Network only
//   truth = aanet.true_trajectory("data.h5", states, [1, 10])  # [2, B, 2n]
//   r = m.compare_with_truth("data.h5", states, [1, 10])       # + error
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "eval/truth.h"
#include "models/predictor.h"

namespace py = pybind11;

namespace aanet {
namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

// Raises the Python exception that fits `status` (FileNotFoundError for a
// missing file, ValueError otherwise).
[[noreturn]] void Raise(const absl::Status& status) {
  const std::string message(status.message());
  if (status.code() == absl::StatusCode::kNotFound) {
    PyErr_SetString(PyExc_FileNotFoundError, message.c_str());
    throw py::error_already_set();
  }
  throw py::value_error(message);
}

// states [B, 2n] (or one state [2n]) as a matrix; `single` tells which.
Eigen::MatrixXd ToStates(int num_degrees_of_freedom, const Array& states,
                         bool* single) {
  *single = states.ndim() == 1;
  if (states.ndim() != 1 && states.ndim() != 2) {
    throw py::value_error(
        "states must be an array [B, 2n] or one state [2n], "
        "got " +
        std::to_string(states.ndim()) + " dimensions");
  }
  const Eigen::Index rows = *single ? 1 : states.shape(0);
  const Eigen::Index cols = *single ? states.shape(0) : states.shape(1);
  Eigen::MatrixXd m(rows, cols);
  const double* data = states.data();
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < cols; ++c) m(r, c) = data[r * cols + c];
  }
  if (absl::Status ok = Predictor::CheckStates(m, num_degrees_of_freedom);
      !ok.ok()) {
    Raise(ok);
  }
  return m;
}

Eigen::MatrixXd ToStates(const Predictor& predictor, const Array& states,
                         bool* single) {
  return ToStates(predictor.num_degrees_of_freedom(), states, single);
}

// A matrix as a numpy array [rows, cols], or [cols] if `single`.
py::array_t<double> ToArray(const Eigen::MatrixXd& m, bool single) {
  std::vector<py::ssize_t> shape =
      single ? std::vector<py::ssize_t>{m.cols()}
             : std::vector<py::ssize_t>{m.rows(), m.cols()};
  py::array_t<double> out(shape);
  double* data = out.mutable_data();
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    for (Eigen::Index c = 0; c < m.cols(); ++c)
      data[r * m.cols() + c] = m(r, c);
  }
  return out;
}

// Several matrices of one shape as [D, rows, cols] (or [D, cols]).
py::array_t<double> Stack(const std::vector<Eigen::MatrixXd>& ms, bool single) {
  const Eigen::Index rows = ms.empty() ? 0 : ms[0].rows();
  const Eigen::Index cols = ms.empty() ? 0 : ms[0].cols();
  std::vector<py::ssize_t> shape = {static_cast<py::ssize_t>(ms.size())};
  if (!single) shape.push_back(rows);
  shape.push_back(cols);
  py::array_t<double> out(shape);
  double* data = out.mutable_data();
  for (const Eigen::MatrixXd& m : ms) {
    for (Eigen::Index r = 0; r < rows; ++r) {
      for (Eigen::Index c = 0; c < cols; ++c) *data++ = m(r, c);
    }
  }
  return out;
}

Predictor Load(const std::string& path) {
  absl::StatusOr<Predictor> predictor = Predictor::Load(path);
  if (!predictor.ok()) Raise(predictor.status());
  return *std::move(predictor);
}

py::array_t<double> Predict(
    const Predictor& predictor, const Array& states,
    const std::variant<double, std::vector<double>>& dt) {
  bool single = false;
  const Eigen::MatrixXd m = ToStates(predictor, states, &single);
  // PredictChecked: the command line's checks of dt and of the result.
  if (const double* one = std::get_if<double>(&dt)) {
    absl::StatusOr<Eigen::MatrixXd> predicted =
        predictor.PredictChecked(m, *one);
    if (!predicted.ok()) Raise(predicted.status());
    return ToArray(*predicted, single);
  }
  std::vector<Eigen::MatrixXd> out;
  for (double d : std::get<std::vector<double>>(dt)) {
    absl::StatusOr<Eigen::MatrixXd> predicted = predictor.PredictChecked(m, d);
    if (!predicted.ok()) Raise(predicted.status());
    out.push_back(*std::move(predicted));
  }
  return Stack(out, single);
}

py::dict ActionAngles(const Predictor& predictor, const Array& states,
                      double dt) {
  bool single = false;
  const Eigen::MatrixXd m = ToStates(predictor, states, &single);
  absl::StatusOr<ActionAngleState> s = predictor.Inspect(m, dt);
  if (!s.ok()) Raise(s.status());
  py::dict result;
  result["actions"] = ToArray(s->actions, single);
  result["angles"] = ToArray(s->angles, single);
  result["angular_velocities"] = ToArray(s->angular_velocities, single);
  return result;
}

// dt as given: one number, or a list (results stacked along a new axis).
std::vector<double> Dts(const std::variant<double, std::vector<double>>& dt) {
  if (const double* one = std::get_if<double>(&dt)) return {*one};
  return std::get<std::vector<double>>(dt);
}

data_gen::Dataset LoadDataset(const std::string& path) {
  absl::StatusOr<data_gen::Dataset> dataset = eval::LoadTruthDataset(path);
  if (!dataset.ok()) Raise(dataset.status());
  return *std::move(dataset);
}

// Matrices per dt as one array: [B, cols] (or [cols]) for a single dt,
// [D, B, cols] for a list.
py::array_t<double> PerDt(const std::vector<Eigen::MatrixXd>& ms, bool list,
                          bool single) {
  return list ? Stack(ms, single) : ToArray(ms[0], single);
}

py::array_t<double> TrueTrajectory(
    const std::string& dataset_path, const Array& states,
    const std::variant<double, std::vector<double>>& dt) {
  const data_gen::Dataset dataset = LoadDataset(dataset_path);
  bool single = false;
  const Eigen::MatrixXd m =
      ToStates(dataset.num_degrees_of_freedom(), states, &single);
  std::vector<Eigen::MatrixXd> out;
  for (double d : Dts(dt)) {
    absl::StatusOr<Eigen::MatrixXd> truth = eval::TrueStates(dataset, m, d);
    if (!truth.ok()) Raise(truth.status());
    out.push_back(*std::move(truth));
  }
  return PerDt(out, std::holds_alternative<std::vector<double>>(dt), single);
}

py::dict CompareWithTruth(const Predictor& predictor,
                          const std::string& dataset_path, const Array& states,
                          const std::variant<double, std::vector<double>>& dt) {
  const data_gen::Dataset dataset = LoadDataset(dataset_path);
  bool single = false;
  const Eigen::MatrixXd m = ToStates(predictor, states, &single);
  const std::vector<double> dts = Dts(dt);
  std::vector<Eigen::MatrixXd> predicted;
  for (double d : dts) {
    absl::StatusOr<Eigen::MatrixXd> p = predictor.PredictChecked(m, d);
    if (!p.ok()) Raise(p.status());
    predicted.push_back(*std::move(p));
  }
  absl::StatusOr<eval::TruthComparison> truth =
      eval::CompareWithTruth(predictor, predictor.checkpoint_path(), dataset,
                             dataset_path, m, dts, predicted);
  if (!truth.ok()) Raise(truth.status());
  // Said, not only returned: as //eval:predict's warning lines.
  for (const std::string& warning : truth->warnings) {
    if (PyErr_WarnEx(PyExc_UserWarning, warning.c_str(), 1) != 0) {
      throw py::error_already_set();
    }
  }
  const bool list = std::holds_alternative<std::vector<double>>(dt);
  // error: [D, B] for a list of dt, [B] for one; no B axis for one state.
  std::vector<py::ssize_t> shape;
  if (list) shape.push_back(static_cast<py::ssize_t>(dts.size()));
  if (!single) shape.push_back(m.rows());
  py::array_t<double> error(shape);
  double* e = error.mutable_data();
  for (const Eigen::VectorXd& v : truth->errors) {
    for (Eigen::Index r = 0; r < v.size(); ++r) *e++ = v(r);
  }
  const Eigen::VectorXi& o = truth->outside_training_range;
  std::vector<bool> outside(o.data(), o.data() + o.size());
  py::dict result;
  result["predicted"] = PerDt(predicted, list, single);
  result["true"] = PerDt(truth->true_states, list, single);
  result["error"] = error;
  result["outside_training_range"] =
      single ? py::object(py::bool_(outside[0])) : py::cast(outside);
  result["warnings"] = truth->warnings;
  return result;
}

py::array_t<double> Row(const Eigen::RowVectorXd& v) {
  return ToArray(Eigen::MatrixXd(v), /*single=*/true);
}

}  // namespace
}  // namespace aanet

PYBIND11_MODULE(aanet, m) {
  using aanet::Predictor;
  m.doc() =
      "Trained Action-Angle Networks and baselines: load a checkpoint written "
      "by //train and predict on numpy arrays of states [q, p] in the "
      "dataset's original units.";
  py::class_<Predictor>(m, "Model")
      .def("predict", &aanet::Predict, py::arg("states"), py::arg("dt"),
           "States [B, 2n] (or one state [2n]) after dt, same shape; with a "
           "list of dt, stacked along a new first axis [D, ...].")
      .def("action_angles", &aanet::ActionAngles, py::arg("states"),
           py::arg("dt") = 0.0,
           "Action-Angle Network only: dict of 'actions', 'angles' (advanced "
           "by dt, wrapped into [-pi, pi)) and 'angular_velocities' (radians "
           "per time unit), each [B, n] (or [n]).")
      .def("compare_with_truth", &aanet::CompareWithTruth, py::arg("dataset"),
           py::arg("states"), py::arg("dt"),
           "Predictions against the truth of `dataset` (.h5 or config "
           ".pbtxt; its system must be the checkpoint's): dict of "
           "'predicted', 'true' (shapes as predict), 'error' (per state, the "
           "prediction loss in the checkpoint's standardised units), "
           "'outside_training_range' (per state) and 'warnings' (also "
           "issued as UserWarning).")
      .def_property_readonly(
          "num_degrees_of_freedom", &Predictor::num_degrees_of_freedom,
          "n: the checkpoint's degrees of freedom (states have 2n columns).")
      // Kept for users' scripts from before the rename; warns (Python hides
      // DeprecationWarning outside __main__ and tests by default).
      .def_property_readonly(
          "num_particles",
          [](const Predictor& p) {
            if (PyErr_WarnEx(PyExc_DeprecationWarning,
                             "aanet.Model.num_particles is deprecated; use "
                             "num_degrees_of_freedom",
                             1) < 0) {
              throw py::error_already_set();
            }
            return p.num_degrees_of_freedom();
          },
          "Deprecated alias of num_degrees_of_freedom.")
      .def_property_readonly(
          "model_kind", [](const Predictor& p) { return p.model().kind(); })
      .def_property_readonly("step", &Predictor::step)
      .def_property_readonly("config", &Predictor::config_text)
      .def_property_readonly(
          "scaler_mean",
          [](const Predictor& p) { return aanet::Row(p.scaler().mean()); })
      .def_property_readonly(
          "scaler_scale",
          [](const Predictor& p) { return aanet::Row(p.scaler().scale()); })
      .def("__repr__", [](const Predictor& p) {
        return "<aanet.Model " + p.model().kind() + ", " +
               std::to_string(p.num_degrees_of_freedom()) +
               " degrees of freedom, step " + std::to_string(p.step()) + ">";
      });
  m.def("load", &aanet::Load, py::arg("checkpoint"),
        "Loads a checkpoint (best.h5 or checkpoint.h5 of a run).");
  m.def("true_trajectory", &aanet::TrueTrajectory, py::arg("dataset"),
        py::arg("states"), py::arg("dt"),
        "The true states [B, 2n] (or [2n]; [D, ...] for a list of dt) after "
        "dt under the system of `dataset` (a dataset .h5 or a dataset config "
        ".pbtxt), in closed form (normal modes).");
}
