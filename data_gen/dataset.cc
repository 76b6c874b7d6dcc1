#include "data_gen/dataset.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "H5Cpp.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace aanet::data_gen {
namespace {

namespace fs = std::filesystem;

constexpr char kSystemHarmonic[] = "harmonic";

// Longest fixed-length string attribute accepted when reading; guards the
// buffer allocation against a corrupt type header.
constexpr size_t kMaxFixedStringSize = size_t{1} << 26;

using RowMajorMatrix =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Dims = std::vector<hsize_t>;

std::string ShapeString(const Dims& dims) {
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

// Turns HDF5's error stack (still set after a failed call; printing is
// disabled) into one line: the C++ API's message plus the innermost cause.
herr_t CollectErrorDescription(unsigned /*n*/, const H5E_error2_t* error,
                               void* data) {
  if (error != nullptr && error->desc != nullptr && error->desc[0] != '\0') {
    *static_cast<std::string*>(data) = error->desc;
  }
  return 0;
}

std::string Describe(const H5::Exception& e) {
  std::string innermost;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, CollectErrorDescription, &innermost);
  H5Eclear2(H5E_DEFAULT);
  std::string message = e.getDetailMsg();
  if (!innermost.empty()) absl::StrAppend(&message, " (", innermost, ")");
  return message;
}

// ---------------------------------------------------------------------------
// Writing.

void WriteStringAttribute(const H5::H5Object& object, const char* name,
                          const std::string& value) {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  type.setCset(H5T_CSET_UTF8);
  H5::Attribute attribute =
      object.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  attribute.write(type, value);
}

void WriteIntAttribute(const H5::H5Object& object, const char* name,
                       int64_t value) {
  H5::Attribute attribute = object.createAttribute(
      name, H5::PredType::STD_I64LE, H5::DataSpace(H5S_SCALAR));
  attribute.write(H5::PredType::NATIVE_INT64, &value);
}

void WriteArray(const H5::H5Location& location, const char* name,
                const Dims& dims, const double* data) {
  H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
  H5::DataSet dataset =
      location.createDataSet(name, H5::PredType::IEEE_F64LE, space);
  dataset.write(data, H5::PredType::NATIVE_DOUBLE);
}

void WriteScalar(const H5::H5Location& location, const char* name,
                 double value) {
  H5::DataSet dataset = location.createDataSet(name, H5::PredType::IEEE_F64LE,
                                               H5::DataSpace(H5S_SCALAR));
  dataset.write(&value, H5::PredType::NATIVE_DOUBLE);
}

void WriteVector(const H5::H5Location& location, const char* name,
                 const Eigen::VectorXd& v) {
  WriteArray(location, name, {static_cast<hsize_t>(v.size())}, v.data());
}

void WriteMatrix(const H5::H5Location& location, const char* name,
                 const Eigen::MatrixXd& m) {
  const RowMajorMatrix row_major = m;
  WriteArray(location, name,
             {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())},
             row_major.data());
}

// Writes K matrices [T, n] as one [K, T, n] dataset, one hyperslab each.
void WriteStack(const H5::H5Location& location, const char* name,
                const std::vector<Eigen::MatrixXd>& stack) {
  const hsize_t k = stack.size();
  const hsize_t t = stack[0].rows();
  const hsize_t n = stack[0].cols();
  const hsize_t dims[3] = {k, t, n};
  H5::DataSpace file_space(3, dims);
  H5::DataSet dataset =
      location.createDataSet(name, H5::PredType::IEEE_F64LE, file_space);
  const hsize_t mem_dims[2] = {t, n};
  H5::DataSpace mem_space(2, mem_dims);
  for (hsize_t i = 0; i < k; ++i) {
    const RowMajorMatrix row_major = stack[i];
    const hsize_t start[3] = {i, 0, 0};
    const hsize_t count[3] = {1, t, n};
    file_space.selectHyperslab(H5S_SELECT_SET, count, start);
    dataset.write(row_major.data(), H5::PredType::NATIVE_DOUBLE, mem_space,
                  file_space);
  }
}

// Writes the whole file at `path`; the caller validated `d`. Every HDF5
// object is closed when this returns.
void WriteHdf5(const Dataset& d, const std::string& path) {
  H5::H5File file(path, H5F_ACC_TRUNC);
  WriteStringAttribute(file, "system", d.system);
  WriteIntAttribute(file, "format_version", kFormatVersion);
  WriteStringAttribute(file, "config", d.config_text);
  WriteStack(file, "q", d.q);
  WriteStack(file, "p", d.p);
  WriteVector(file, "t", d.t);
  WriteMatrix(file, "energy", d.energy);
  {
    H5::Group group = file.createGroup("parameters");
    WriteVector(group, "masses", d.parameters.masses);
    WriteVector(group, "k_wall", d.parameters.k_wall);
    WriteScalar(group, "k_pair", d.parameters.k_pair);
    WriteMatrix(group, "amplitudes", d.parameters.amplitudes);
    WriteMatrix(group, "phases", d.parameters.phases);
  }
  {
    H5::Group group = file.createGroup("normal_modes");
    WriteVector(group, "frequencies", d.normal_modes.frequencies);
    WriteMatrix(group, "eigenvectors", d.normal_modes.eigenvectors);
  }
  file.close();
}

// Flushes a closed file's data to the disk, so that the rename never
// publishes a file whose contents are still only in the page cache.
absl::Status SyncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot reopen ", path, ": ", std::strerror(errno)));
  }
  const int result = ::fsync(fd);
  const int saved_errno = errno;
  ::close(fd);
  if (result != 0) {
    return absl::InternalError(
        absl::StrCat("fsync ", path, ": ", std::strerror(saved_errno)));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Reading. Helpers return errors without the file name; ReadDataset prefixes
// it.

std::string TypeName(const H5::DataType& type) {
  const size_t bits = type.getSize() * 8;
  switch (type.getClass()) {
    case H5T_INTEGER: {
      return absl::StrCat(
          H5Tget_sign(type.getId()) == H5T_SGN_NONE ? "uint" : "int", bits);
    }
    case H5T_FLOAT:
      return absl::StrCat("float", bits);
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ARRAY:
      return "array";
    case H5T_VLEN:
      return "variable-length sequence";
    case H5T_ENUM:
      return "enum";
    default:
      return absl::StrCat("HDF5 type class ",
                          static_cast<int>(type.getClass()));
  }
}

// The rank and dimensions of a dataspace; scalar is rank 0.
absl::StatusOr<Dims> ShapeOf(const H5::DataSpace& space,
                             const std::string& what) {
  switch (space.getSimpleExtentType()) {
    case H5S_SCALAR:
      return Dims{};
    case H5S_SIMPLE: {
      const int rank = space.getSimpleExtentNdims();
      if (rank < 0 || rank > 32) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, " has invalid rank ", rank));
      }
      Dims dims(rank);
      space.getSimpleExtentDims(dims.data());
      return dims;
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(what, " has no dataspace (null or unknown)"));
  }
}

// Whether `location` has a child `name` of the given type; "missing ..." or
// "... is not a ..." otherwise.
absl::Status CheckChild(const H5::H5Location& location, const std::string& name,
                        const std::string& full_name, H5O_type_t type,
                        const char* kind) {
  if (!location.nameExists(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing ", kind, " '", full_name, "'"));
  }
  if (location.childObjType(name) != type) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", full_name, "' is not a ", kind));
  }
  return absl::OkStatus();
}

// A float64 dataset and its shape.
struct Array {
  std::string name;  // path inside the file, for messages
  H5::DataSet dataset;
  Dims dims;
};

absl::StatusOr<Array> OpenArray(const H5::H5Location& location,
                                const std::string& name,
                                const std::string& full_name) {
  if (absl::Status s =
          CheckChild(location, name, full_name, H5O_TYPE_DATASET, "dataset");
      !s.ok()) {
    return s;
  }
  Array array{full_name, location.openDataSet(name), {}};
  const H5::DataType type = array.dataset.getDataType();
  if (type.getClass() != H5T_FLOAT || type.getSize() != 8) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset '", full_name, "' has dtype ", TypeName(type),
                     ", expected float64"));
  }
  absl::StatusOr<Dims> dims = ShapeOf(
      array.dataset.getSpace(), absl::StrCat("dataset '", full_name, "'"));
  if (!dims.ok()) return dims.status();
  array.dims = *std::move(dims);
  return array;
}

// "dataset 'x' has shape [..], expected <symbolic> = [..] to match '<ref>'".
absl::Status CheckShape(const Array& array, const Dims& expected,
                        const std::string& symbolic,
                        const std::string& reference) {
  if (array.dims == expected) return absl::OkStatus();
  if (expected.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset '", array.name, "' has shape ",
                     ShapeString(array.dims), ", expected a scalar"));
  }
  std::string message = absl::StrCat("dataset '", array.name, "' has shape ",
                                     ShapeString(array.dims), ", expected ",
                                     symbolic, " = ", ShapeString(expected));
  if (!reference.empty())
    absl::StrAppend(&message, " to match '", reference, "'");
  return absl::InvalidArgumentError(message);
}

// Reads all of a validated array (row-major) into `out`.
void ReadAll(const Array& array, double* out) {
  array.dataset.read(out, H5::PredType::NATIVE_DOUBLE);
}

Eigen::VectorXd ReadVector(const Array& array) {
  Eigen::VectorXd v(array.dims.empty() ? 1 : array.dims[0]);
  ReadAll(array, v.data());
  return v;
}

Eigen::MatrixXd ReadMatrix(const Array& array) {
  RowMajorMatrix m(array.dims[0], array.dims[1]);
  ReadAll(array, m.data());
  return m;
}

// Reads a validated [K, T, n] array one trajectory at a time.
std::vector<Eigen::MatrixXd> ReadStack(const Array& array) {
  const hsize_t k = array.dims[0], t = array.dims[1], n = array.dims[2];
  H5::DataSpace file_space = array.dataset.getSpace();
  const hsize_t mem_dims[2] = {t, n};
  H5::DataSpace mem_space(2, mem_dims);
  std::vector<Eigen::MatrixXd> stack;
  stack.reserve(k);
  RowMajorMatrix buffer(t, n);
  for (hsize_t i = 0; i < k; ++i) {
    const hsize_t start[3] = {i, 0, 0};
    const hsize_t count[3] = {1, t, n};
    file_space.selectHyperslab(H5S_SELECT_SET, count, start);
    array.dataset.read(buffer.data(), H5::PredType::NATIVE_DOUBLE, mem_space,
                       file_space);
    stack.emplace_back(buffer);
  }
  return stack;
}

absl::StatusOr<H5::Attribute> OpenScalarAttribute(const H5::H5Object& object,
                                                  const char* name,
                                                  H5T_class_t type_class,
                                                  const char* expected) {
  if (!object.attrExists(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing attribute '", name, "'"));
  }
  H5::Attribute attribute = object.openAttribute(name);
  const H5::DataType type = attribute.getDataType();
  if (type.getClass() != type_class) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute '", name, "' has type ", TypeName(type),
                     ", expected ", expected));
  }
  const H5::DataSpace space = attribute.getSpace();
  const H5S_class_t extent = space.getSimpleExtentType();
  if (extent == H5S_NULL || space.getSimpleExtentNpoints() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute '", name, "' must hold a single value, got ",
                     extent == H5S_NULL ? 0 : space.getSimpleExtentNpoints()));
  }
  return attribute;
}

absl::StatusOr<std::string> ReadStringAttribute(const H5::H5Object& object,
                                                const char* name) {
  absl::StatusOr<H5::Attribute> attribute =
      OpenScalarAttribute(object, name, H5T_STRING, "string");
  if (!attribute.ok()) return attribute.status();
  const H5::StrType file_type = attribute->getStrType();
  if (file_type.isVariableStr()) {
    H5::StrType mem_type(H5::PredType::C_S1, H5T_VARIABLE);
    mem_type.setCset(file_type.getCset());
    char* buffer = nullptr;
    attribute->read(mem_type, &buffer);
    std::string value = buffer != nullptr ? buffer : "";
    H5free_memory(buffer);
    return value;
  }
  const size_t size = file_type.getSize();
  if (size > kMaxFixedStringSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute '", name, "' is a ", size, "-byte string, too long"));
  }
  H5::StrType mem_type(H5::PredType::C_S1, size);
  mem_type.setCset(file_type.getCset());
  mem_type.setStrpad(H5T_STR_NULLPAD);
  std::string value(size, '\0');
  attribute->read(mem_type, value.data());
  value.resize(std::strlen(value.c_str()));  // drop NUL padding
  return value;
}

absl::StatusOr<int64_t> ReadIntAttribute(const H5::H5Object& object,
                                         const char* name) {
  absl::StatusOr<H5::Attribute> attribute =
      OpenScalarAttribute(object, name, H5T_INTEGER, "integer");
  if (!attribute.ok()) return attribute.status();
  int64_t value = 0;
  attribute->read(H5::PredType::NATIVE_INT64, &value);
  return value;
}

absl::Status CheckFinite(const std::string& name, const double* data,
                         Eigen::Index size) {
  for (Eigen::Index i = 0; i < size; ++i) {
    if (!std::isfinite(data[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("dataset '", name, "' has a non-finite value (", data[i],
                       ") at flat index ", i));
    }
  }
  return absl::OkStatus();
}

// Reads and validates an open file. Errors omit the file name.
absl::StatusOr<Dataset> ReadContents(const H5::H5File& file) {
  Dataset d;

  // Attributes: the version first, since it decides what the rest means.
  absl::StatusOr<int64_t> version = ReadIntAttribute(file, "format_version");
  if (!version.ok()) return version.status();
  if (*version != kFormatVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'format_version' is ", *version, ", expected ",
                     kFormatVersion));
  }
  absl::StatusOr<std::string> system = ReadStringAttribute(file, "system");
  if (!system.ok()) return system.status();
  if (*system != kSystemHarmonic) {
    return absl::InvalidArgumentError(absl::StrCat("attribute 'system' is \"",
                                                   *system, "\", expected \"",
                                                   kSystemHarmonic, "\""));
  }
  d.system = *std::move(system);
  absl::StatusOr<std::string> config = ReadStringAttribute(file, "config");
  if (!config.ok()) return config.status();
  d.config_text = *std::move(config);

  // Shapes: K, T, n come from 'p'; everything else must agree.
  absl::StatusOr<Array> p = OpenArray(file, "p", "p");
  if (!p.ok()) return p.status();
  if (p->dims.size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset 'p' has shape ", ShapeString(p->dims),
                     ", expected rank 3 [K,T,n]"));
  }
  const hsize_t k = p->dims[0], t = p->dims[1], n = p->dims[2];
  if (k < 1 || t < 1 || n < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset 'p' has shape ", ShapeString(p->dims),
                     ", expected [K,T,n] with K, T, n >= 1"));
  }
  // Guard allocations (and the products below) against corrupt headers.
  const hsize_t limit = static_cast<hsize_t>(kMaxValuesPerArray);
  if (k > limit || t > limit || n > limit || k * t > limit ||
      k * t * n > limit || n * n > limit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset 'p' has shape ", ShapeString(p->dims),
        ", more than the limit of ", kMaxValuesPerArray, " values per array"));
  }
  absl::StatusOr<Array> q = OpenArray(file, "q", "q");
  if (!q.ok()) return q.status();
  if (absl::Status s = CheckShape(*q, {k, t, n}, "[K,T,n]", "p"); !s.ok()) {
    return s;
  }
  absl::StatusOr<Array> t_array = OpenArray(file, "t", "t");
  if (!t_array.ok()) return t_array.status();
  if (absl::Status s = CheckShape(*t_array, {t}, "[T]", "q"); !s.ok()) {
    return s;
  }
  absl::StatusOr<Array> energy = OpenArray(file, "energy", "energy");
  if (!energy.ok()) return energy.status();
  if (absl::Status s = CheckShape(*energy, {k, t}, "[K,T]", "q"); !s.ok()) {
    return s;
  }

  if (absl::Status s =
          CheckChild(file, "parameters", "parameters", H5O_TYPE_GROUP, "group");
      !s.ok()) {
    return s;
  }
  const H5::Group parameters = file.openGroup("parameters");
  struct Expected {
    const char* name;
    Dims dims;
    const char* symbolic;
  };
  const Expected parameter_items[] = {
      {"masses", {n}, "[n]"},      {"k_wall", {n}, "[n]"},
      {"k_pair", {}, "scalar"},    {"amplitudes", {k, n}, "[K,n]"},
      {"phases", {k, n}, "[K,n]"},
  };
  std::vector<Array> parameter_arrays;
  for (const Expected& item : parameter_items) {
    absl::StatusOr<Array> array = OpenArray(
        parameters, item.name, absl::StrCat("parameters/", item.name));
    if (!array.ok()) return array.status();
    if (absl::Status s = CheckShape(*array, item.dims, item.symbolic, "q");
        !s.ok()) {
      return s;
    }
    parameter_arrays.push_back(*std::move(array));
  }

  if (absl::Status s = CheckChild(file, "normal_modes", "normal_modes",
                                  H5O_TYPE_GROUP, "group");
      !s.ok()) {
    return s;
  }
  const H5::Group modes = file.openGroup("normal_modes");
  absl::StatusOr<Array> frequencies =
      OpenArray(modes, "frequencies", "normal_modes/frequencies");
  if (!frequencies.ok()) return frequencies.status();
  if (absl::Status s = CheckShape(*frequencies, {n}, "[n]", "q"); !s.ok()) {
    return s;
  }
  absl::StatusOr<Array> eigenvectors =
      OpenArray(modes, "eigenvectors", "normal_modes/eigenvectors");
  if (!eigenvectors.ok()) return eigenvectors.status();
  if (absl::Status s = CheckShape(*eigenvectors, {n, n}, "[n,n]", "q");
      !s.ok()) {
    return s;
  }

  // Values.
  d.q = ReadStack(*q);
  d.p = ReadStack(*p);
  d.t = ReadVector(*t_array);
  d.energy = ReadMatrix(*energy);
  d.parameters.masses = ReadVector(parameter_arrays[0]);
  d.parameters.k_wall = ReadVector(parameter_arrays[1]);
  d.parameters.k_pair = ReadVector(parameter_arrays[2])(0);
  d.parameters.amplitudes = ReadMatrix(parameter_arrays[3]);
  d.parameters.phases = ReadMatrix(parameter_arrays[4]);
  d.normal_modes.frequencies = ReadVector(*frequencies);
  d.normal_modes.eigenvectors = ReadMatrix(*eigenvectors);

  for (size_t i = 0; i < d.q.size(); ++i) {
    if (absl::Status s = CheckFinite("q", d.q[i].data(), d.q[i].size());
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckFinite("p", d.p[i].data(), d.p[i].size());
        !s.ok()) {
      return s;
    }
  }
  const std::pair<const char*, const Eigen::MatrixXd*> matrices[] = {
      {"energy", &d.energy},
      {"parameters/amplitudes", &d.parameters.amplitudes},
      {"parameters/phases", &d.parameters.phases},
      {"normal_modes/eigenvectors", &d.normal_modes.eigenvectors}};
  for (const auto& [name, m] : matrices) {
    if (absl::Status s = CheckFinite(name, m->data(), m->size()); !s.ok()) {
      return s;
    }
  }
  const std::pair<const char*, const Eigen::VectorXd*> vectors[] = {
      {"t", &d.t}, {"normal_modes/frequencies", &d.normal_modes.frequencies}};
  for (const auto& [name, v] : vectors) {
    if (absl::Status s = CheckFinite(name, v->data(), v->size()); !s.ok()) {
      return s;
    }
  }
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
  return d;
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
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

absl::StatusOr<Dataset> GenerateDataset(const aanet::Experiment& experiment,
                                        std::string config_text) {
  const aanet::SimulationConfig& sim = experiment.simulation();
  if (absl::Status s = ValidateSimulationConfig(sim); !s.ok()) return s;
  const int num_trajectories = sim.num_trajectories();
  const int num_samples = sim.num_samples();

  absl::StatusOr<HarmonicParameters> parameters =
      SampleHarmonicParameters(sim.harmonic(), num_trajectories, sim.seed());
  if (!parameters.ok()) return parameters.status();
  const HarmonicSystem system = parameters->system();
  absl::StatusOr<NormalModes> modes = ComputeNormalModes(system);
  if (!modes.ok()) return modes.status();

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
    absl::StatusOr<Trajectory> trajectory = EvaluateTrajectory(
        system, *modes, parameters->amplitudes.row(k).transpose(),
        parameters->phases.row(k).transpose(), d.t);
    if (!trajectory.ok()) return trajectory.status();
    d.energy.row(k) =
        TrajectoryEnergy(system, trajectory->q, trajectory->p).transpose();
    if (!trajectory->q.allFinite() || !trajectory->p.allFinite() ||
        !d.energy.row(k).allFinite()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "simulation: trajectory ", k,
          " has non-finite values; amplitudes or masses too large"));
    }
    d.q.push_back(std::move(trajectory->q));
    d.p.push_back(std::move(trajectory->p));
  }
  d.parameters = *std::move(parameters);
  d.normal_modes = *std::move(modes);
  return d;
}

absl::Status WriteDataset(const Dataset& dataset, const std::string& path) {
  H5::Exception::dontPrint();
  if (absl::Status s = ValidateDataset(dataset); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not writing an inconsistent dataset: ", s.message()));
  }
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat(path, ": cannot create directory ", parent.string(),
                       ": ", ec.message()));
    }
  }
  const std::string tmp = absl::StrCat(path, ".tmp-", ::getpid());
  absl::Status status = absl::OkStatus();
  try {
    WriteHdf5(dataset, tmp);
  } catch (const H5::Exception& e) {
    status = absl::InternalError(
        absl::StrCat(path, ": writing ", tmp, " failed: ", Describe(e)));
  } catch (const std::bad_alloc&) {
    status = absl::ResourceExhaustedError(
        absl::StrCat(path, ": out of memory while writing"));
  } catch (const std::exception& e) {
    status = absl::InternalError(
        absl::StrCat(path, ": writing ", tmp, " failed: ", e.what()));
  } catch (...) {
    status = absl::InternalError(
        absl::StrCat(path, ": writing ", tmp, " failed: unknown exception"));
  }
  if (status.ok()) {
    if (absl::Status s = SyncFile(tmp); !s.ok()) {
      status = absl::InternalError(absl::StrCat(path, ": ", s.message()));
    }
  }
  if (status.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    status = absl::InternalError(absl::StrCat(
        path, ": cannot rename ", tmp, " to it: ", std::strerror(errno)));
  }
  if (!status.ok()) fs::remove(tmp, ec);
  return status;
}

absl::StatusOr<Dataset> ReadDataset(const std::string& path) {
  H5::Exception::dontPrint();
  std::error_code ec;
  const fs::file_status file_status = fs::status(path, ec);
  if (!fs::exists(file_status)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  if (fs::is_directory(file_status)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory, expected an HDF5 file"));
  }
  if (!std::ifstream(path, std::ios::binary)) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot open (", std::strerror(errno), ")"));
  }
  try {
    if (!H5::H5File::isHdf5(path)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": not an HDF5 file (or truncated)"));
    }
    H5::H5File file;
    try {
      file.openFile(path, H5F_ACC_RDONLY);
    } catch (const H5::Exception& e) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": not an HDF5 file (or truncated): ", Describe(e)));
    }
    absl::StatusOr<Dataset> dataset = ReadContents(file);
    if (!dataset.ok()) {
      return absl::Status(dataset.status().code(),
                          absl::StrCat(path, ": ", dataset.status().message()));
    }
    return dataset;
  } catch (const H5::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": malformed HDF5 file: ", Describe(e)));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat(path, ": out of memory while reading"));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(path, ": ", e.what()));
  } catch (...) {
    return absl::InternalError(
        absl::StrCat(path, ": unknown exception while reading"));
  }
}

}  // namespace aanet::data_gen
