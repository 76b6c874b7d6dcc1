#include "models/checkpoint.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "H5Cpp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "models/predictor.h"
#include "models/random_checkpoint.h"
#include "rng/random.h"
#include "testing/hdf5_test_util.h"
#include "testing/test_util.h"

namespace aanet {
namespace {

using ::aanet::test_util::EditHdf5File;
using ::aanet::test_util::ListDir;
using ::aanet::test_util::SameBits;
using ::aanet::test_util::StatusIs;
using ::aanet::test_util::TestDir;

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Eigen::MatrixXd RandomMatrix(Random& random, int rows, int cols) {
  Eigen::MatrixXd m(rows, cols);
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) m(i, j) = random.Normal() * 1e-3;
  }
  return m;
}

// The parameter order is deliberately not sorted.
const std::vector<std::pair<std::string, std::pair<int, int>>> kShapes = {
    {"encoder/layer_10/W", {4, 3}},
    {"encoder/layer_03/W", {3, 4}},
    {"encoder/layer_03/b", {1, 4}},
    {"angle.freq-1", {1, 2}},
    {"A", {2, 2}},
};

// A checkpoint for n = 2 degrees of freedom, with training state if `training`.
Checkpoint MakeCheckpoint(bool training) {
  Random random(42);
  Checkpoint c;
  c.model_kind = "action_angle";
  c.config_text = "name: \"test\"\nsimulation { num_samples: 10 }\n";
  c.dataset_path = "/data/harmonic_k0.5.h5";
  c.dataset_config_text = "name: \"harmonic_k0.5\"\n";
  c.dataset_hash = "0123456789abcdef";
  c.num_degrees_of_freedom = 2;
  c.step = 12345;
  for (const auto& [name, shape] : kShapes) {
    c.parameters.push_back(
        {name, RandomMatrix(random, shape.first, shape.second)});
  }
  c.parameters[0].value(0, 0) = -0.0;
  c.parameters[0].value(1, 0) = std::numeric_limits<double>::denorm_min();
  c.parameters[0].value(2, 0) = std::numeric_limits<double>::max();
  c.scaler_mean = Eigen::RowVectorXd(4);
  c.scaler_mean << 0.1, -0.0, 1.0 / 3.0, -7.5;
  c.scaler_scale = Eigen::RowVectorXd(4);
  c.scaler_scale << 1.0, 2.5, 1e-300, 3.0;
  if (training) {
    TrainingState t;
    for (const NamedMatrix& p : c.parameters) {
      t.adam_m.push_back(
          {p.name, RandomMatrix(random, p.value.rows(), p.value.cols())});
      t.adam_v.push_back(
          {p.name,
           RandomMatrix(random, p.value.rows(), p.value.cols()).cwiseAbs()});
    }
    t.adam_step = 12000;
    random.Normal();  // leaves a cached normal in the saved state
    t.rng_state = random.SaveState();
    t.best_loss = 1.0 / 7.0;
    t.best_step = 11000;
    c.training = std::move(t);
  }
  return c;
}

void ExpectSameMatrices(const std::vector<NamedMatrix>& a,
                        const std::vector<NamedMatrix>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_TRUE(SameBits(a[i].value, b[i].value)) << a[i].name;
  }
}

void ExpectBitIdentical(const Checkpoint& a, const Checkpoint& b) {
  EXPECT_EQ(a.model_kind, b.model_kind);
  EXPECT_EQ(a.config_text, b.config_text);
  EXPECT_EQ(a.dataset_path, b.dataset_path);
  EXPECT_EQ(a.dataset_config_text, b.dataset_config_text);
  EXPECT_EQ(a.dataset_hash, b.dataset_hash);
  EXPECT_EQ(a.num_degrees_of_freedom, b.num_degrees_of_freedom);
  EXPECT_EQ(a.step, b.step);
  ExpectSameMatrices(a.parameters, b.parameters);
  EXPECT_TRUE(SameBits(a.scaler_mean, b.scaler_mean));
  EXPECT_TRUE(SameBits(a.scaler_scale, b.scaler_scale));
  ASSERT_EQ(a.training.has_value(), b.training.has_value());
  if (!a.training.has_value()) return;
  ExpectSameMatrices(a.training->adam_m, b.training->adam_m);
  ExpectSameMatrices(a.training->adam_v, b.training->adam_v);
  EXPECT_EQ(a.training->adam_step, b.training->adam_step);
  EXPECT_EQ(a.training->rng_state, b.training->rng_state);
  EXPECT_EQ(std::memcmp(&a.training->best_loss, &b.training->best_loss,
                        sizeof(double)),
            0);
  EXPECT_EQ(a.training->best_step, b.training->best_step);
}

// Writes MakeCheckpoint(training) to `dir`/name and returns its path.
std::string WriteValidFile(const std::string& dir, bool training = true,
                           const std::string& name = "ckpt.h5") {
  const std::string path = dir + "/" + name;
  const absl::Status status = WriteCheckpoint(MakeCheckpoint(training), path);
  EXPECT_TRUE(status.ok()) << status;
  return path;
}

// Replaces dataset `name` by one of `type` and `dims`, filled with `fill`.
void ReplaceDataset(const std::string& path, const std::string& name,
                    std::vector<hsize_t> dims, double fill = 1.0,
                    const H5::PredType& type = H5::PredType::IEEE_F64LE) {
  EditHdf5File(path, [&](H5::H5File& file) {
    file.unlink(name);
    H5::DataSpace space = dims.empty()
                              ? H5::DataSpace(H5S_SCALAR)
                              : H5::DataSpace(dims.size(), dims.data());
    H5::DataSet dataset = file.createDataSet(name, type, space);
    std::vector<double> values(space.getSimpleExtentNpoints(), fill);
    if (!values.empty()) {
      dataset.write(values.data(), H5::PredType::NATIVE_DOUBLE);
    }
  });
}

void ReplaceStringAttribute(const std::string& path, const std::string& object,
                            const std::string& name, const std::string& value) {
  EditHdf5File(path, [&](H5::H5File& file) {
    H5::Group group = file.openGroup(object);
    group.removeAttr(name);
    H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    group.createAttribute(name, type, H5::DataSpace(H5S_SCALAR))
        .write(type, value);
  });
}

void ReplaceIntAttribute(const std::string& path, const std::string& object,
                         const std::string& name, int64_t value) {
  EditHdf5File(path, [&](H5::H5File& file) {
    file.openGroup(object).openAttribute(name).write(H5::PredType::NATIVE_INT64,
                                                     &value);
  });
}

void ExpectReadError(const std::string& path, const std::string& expected) {
  absl::StatusOr<Checkpoint> c = ReadCheckpoint(path);
  ASSERT_FALSE(c.ok()) << "expected error: " << expected;
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(c.status().message()), HasSubstr(path + ": "));
  EXPECT_THAT(std::string(c.status().message()), HasSubstr(expected));
}

// ---------------------------------------------------------------------------
// Round trips.

TEST(CheckpointTest, RoundTripWithoutTrainingStateIsBitExact) {
  const std::string dir = TestDir();
  const Checkpoint c = MakeCheckpoint(false);
  ASSERT_TRUE(WriteCheckpoint(c, dir + "/c.h5").ok());
  absl::StatusOr<Checkpoint> read = ReadCheckpoint(dir + "/c.h5");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_FALSE(read->training.has_value());
  ExpectBitIdentical(c, *read);
}

TEST(CheckpointTest, RoundTripWithTrainingStateIsBitExact) {
  const std::string dir = TestDir();
  Checkpoint c = MakeCheckpoint(true);
  ASSERT_TRUE(WriteCheckpoint(c, dir + "/c.h5").ok());
  absl::StatusOr<Checkpoint> read = ReadCheckpoint(dir + "/c.h5");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_TRUE(read->training.has_value());
  ExpectBitIdentical(c, *read);
  // The restored generator continues the same stream.
  Random original(0), restored(1);
  ASSERT_TRUE(original.RestoreState(c.training->rng_state).ok());
  ASSERT_TRUE(restored.RestoreState(read->training->rng_state).ok());
  EXPECT_EQ(original.Normal(), restored.Normal());
  EXPECT_EQ(original.Bits(), restored.Bits());

  // No best state yet: best_loss = +inf.
  c.training->best_loss = std::numeric_limits<double>::infinity();
  ASSERT_TRUE(WriteCheckpoint(c, dir + "/c.h5").ok());
  read = ReadCheckpoint(dir + "/c.h5");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->training->best_loss, std::numeric_limits<double>::infinity());
}

TEST(CheckpointTest, ParameterOrderIsPreserved) {
  const std::string path = WriteValidFile(TestDir(), false);
  absl::StatusOr<Checkpoint> read = ReadCheckpoint(path);
  ASSERT_TRUE(read.ok()) << read.status();
  std::vector<std::string> names;
  for (const NamedMatrix& p : read->parameters) names.push_back(p.name);
  EXPECT_THAT(names, ElementsAre("encoder/layer_10/W", "encoder/layer_03/W",
                                 "encoder/layer_03/b", "angle.freq-1", "A"));
}

// The layout as any HDF5 reader (h5py) sees it.
TEST(CheckpointTest, OnDiskLayoutIsTheContract) {
  const std::string path = WriteValidFile(TestDir());
  const Checkpoint c = MakeCheckpoint(true);
  H5::H5File file(path, H5F_ACC_RDONLY);
  H5::StrType string_type(H5::PredType::C_S1, H5T_VARIABLE);
  auto string_attribute = [&](const H5::H5Object& object, const char* name) {
    std::string value;
    object.openAttribute(name).read(string_type, value);
    return value;
  };
  auto int_attribute = [&](const H5::H5Object& object, const char* name) {
    int64_t value = 0;
    H5::Attribute attribute = object.openAttribute(name);
    EXPECT_EQ(attribute.getDataType(), H5::PredType::STD_I64LE) << name;
    attribute.read(H5::PredType::NATIVE_INT64, &value);
    return value;
  };
  EXPECT_EQ(string_attribute(file, "format"), "aanet_checkpoint");
  EXPECT_EQ(int_attribute(file, "format_version"), 1);
  EXPECT_EQ(string_attribute(file, "model_kind"), "action_angle");
  EXPECT_EQ(string_attribute(file, "config"), c.config_text);
  EXPECT_EQ(string_attribute(file, "dataset_path"), c.dataset_path);
  EXPECT_EQ(int_attribute(file, "num_degrees_of_freedom"), 2);
  EXPECT_FALSE(file.attrExists("num_particles"));
  EXPECT_EQ(int_attribute(file, "step"), 12345);
  H5::Group parameters = file.openGroup("parameters");
  EXPECT_EQ(string_attribute(parameters, "order"),
            "encoder/layer_10/W\nencoder/layer_03/W\nencoder/layer_03/b\n"
            "angle.freq-1\nA");
  // Nested groups; a row-major [3, 4] matrix.
  H5::DataSet w =
      file.openGroup("parameters/encoder/layer_03").openDataSet("W");
  EXPECT_EQ(w.getDataType(), H5::PredType::IEEE_F64LE);
  hsize_t dims[2];
  ASSERT_EQ(w.getSpace().getSimpleExtentNdims(), 2);
  w.getSpace().getSimpleExtentDims(dims);
  EXPECT_EQ(dims[0], 3u);
  EXPECT_EQ(dims[1], 4u);
  double values[12];
  w.read(values, H5::PredType::NATIVE_DOUBLE);
  EXPECT_EQ(values[1 * 4 + 2], c.parameters[1].value(1, 2));
  H5::DataSet mean = file.openDataSet("scaler/mean");
  ASSERT_EQ(mean.getSpace().getSimpleExtentNdims(), 1);
  EXPECT_EQ(mean.getSpace().getSimpleExtentNpoints(), 4);
  EXPECT_TRUE(file.nameExists("training/adam_m/encoder/layer_10/W"));
  EXPECT_TRUE(file.nameExists("training/adam_v/A"));
  H5::Group training = file.openGroup("training");
  EXPECT_EQ(int_attribute(training, "adam_step"), 12000);
  EXPECT_EQ(int_attribute(training, "best_step"), 11000);
  EXPECT_EQ(string_attribute(training, "rng_state"), c.training->rng_state);
  double best_loss = 0;
  training.openAttribute("best_loss")
      .read(H5::PredType::NATIVE_DOUBLE, &best_loss);
  EXPECT_EQ(best_loss, 1.0 / 7.0);
}

TEST(CheckpointTest, LeavesNoTemporaryAndCreatesParentDirectories) {
  const std::string dir = TestDir();
  ASSERT_TRUE(
      WriteCheckpoint(MakeCheckpoint(true), dir + "/run/ckpt/last.h5").ok());
  EXPECT_THAT(ListDir(dir + "/run/ckpt"), ElementsAre("last.h5"));
  // Overwriting keeps one file.
  Checkpoint later = MakeCheckpoint(false);
  later.step = 20000;
  ASSERT_TRUE(WriteCheckpoint(later, dir + "/run/ckpt/last.h5").ok());
  EXPECT_THAT(ListDir(dir + "/run/ckpt"), ElementsAre("last.h5"));
  absl::StatusOr<Checkpoint> read = ReadCheckpoint(dir + "/run/ckpt/last.h5");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->step, 20000);
  EXPECT_FALSE(read->training.has_value());
}

TEST(CheckpointTest, WriteFailureNamesPathAndLeavesNoTemporary) {
  const std::string dir = TestDir();
  fs::create_directories(dir + "/target.h5");  // refused: not a file
  const absl::Status status =
      WriteCheckpoint(MakeCheckpoint(true), dir + "/target.h5");
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(dir + "/target.h5: is a directory, not a regular "
                              "file; refusing to replace it"));
  EXPECT_THAT(ListDir(dir), ElementsAre("target.h5"));
}

// ---------------------------------------------------------------------------
// Validation on write.

TEST(CheckpointTest, ParameterNames) {
  for (const char* name : {"W", "encoder/layer_03/W", "a.b-c_D/9", "..a"}) {
    EXPECT_TRUE(ValidateParameterName(name).ok()) << name;
  }
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "parameter name is empty"},
      {"a//b", "parameter name 'a//b': empty segment"},
      {"/a", "empty segment"},
      {"a/", "empty segment"},
      {"a b", "segment 'a b' has a character outside [A-Za-z0-9_.-]"},
      {"a\nb", "character outside"},
      {"a/./b", "segment '.' is not allowed"},
      {"..", "segment '..' is not allowed"},
  };
  for (const auto& [name, expected] : bad) {
    const absl::Status s = ValidateParameterName(name);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(std::string(s.message()), HasSubstr(expected)) << name;
  }
}

TEST(CheckpointTest, RefusesToWriteInvalidCheckpoints) {
  const std::string dir = TestDir();
  struct Case {
    std::string name;
    std::function<void(Checkpoint&)> edit;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"bad name", [](Checkpoint& c) { c.parameters[1].name = "a//b"; },
       "parameters[1]: parameter name 'a//b': empty segment"},
      {"duplicate name",
       [](Checkpoint& c) { c.parameters[4].name = c.parameters[0].name; },
       "parameters[4]: name 'encoder/layer_10/W' is also parameters[0]"},
      {"name is also a group",
       [](Checkpoint& c) { c.parameters[4].name = "encoder/layer_03"; },
       "parameters[4]: 'encoder/layer_03' is also a group holding "
       "parameters[1] ('encoder/layer_03/W')"},
      {"no parameters", [](Checkpoint& c) { c.parameters.clear(); },
       "parameters: none"},
      {"NaN parameter",
       [](Checkpoint& c) { c.parameters[2].value(0, 1) = NAN; },
       "parameters[2] ('encoder/layer_03/b'): non-finite value (nan) at (0, "
       "1)"},
      {"scaler size", [](Checkpoint& c) { c.scaler_mean.resize(3); },
       "scaler_mean: size 3, expected 2 num_degrees_of_freedom = 4"},
      {"scale zero", [](Checkpoint& c) { c.scaler_scale(2) = 0; },
       "scaler_scale: must be > 0"},
      {"num_degrees_of_freedom",
       [](Checkpoint& c) { c.num_degrees_of_freedom = 0; },
       "num_degrees_of_freedom: must be >= 1, got 0"},
      {"model_kind", [](Checkpoint& c) { c.model_kind = ""; },
       "model_kind: empty"},
      {"negative step", [](Checkpoint& c) { c.step = -1; },
       "step: must be >= 0, got -1"},
      {"m shape",
       [](Checkpoint& c) {
         c.training->adam_m[1].value = Eigen::MatrixXd::Zero(4, 3);
       },
       "training.adam_m[1] ('encoder/layer_03/W') is [4,3], expected [3,4] as "
       "parameters[1]"},
      {"v name", [](Checkpoint& c) { c.training->adam_v[0].name = "x"; },
       "training.adam_v[0] ('x'): expected the name 'encoder/layer_10/W' of "
       "parameters[0]"},
      {"v count", [](Checkpoint& c) { c.training->adam_v.pop_back(); },
       "training.adam_v: 4 matrices, expected 5 (one per parameter)"},
      {"v negative",
       [](Checkpoint& c) { c.training->adam_v[3].value(0, 0) = -1; },
       "training.adam_v[3] ('angle.freq-1'): has a negative value"},
      {"best_loss NaN", [](Checkpoint& c) { c.training->best_loss = NAN; },
       "training.best_loss: is NaN"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Checkpoint checkpoint = MakeCheckpoint(true);
    c.edit(checkpoint);
    const absl::Status status = WriteCheckpoint(checkpoint, dir + "/c.h5");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()),
                HasSubstr(dir + "/c.h5: not writing an invalid checkpoint: "));
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.expected));
    EXPECT_TRUE(ListDir(dir).empty());
  }
}

// ---------------------------------------------------------------------------
// Malformed files.

TEST(CheckpointFileTest, MissingFile) {
  const std::string path = TestDir() + "/nothing.h5";
  EXPECT_THAT(ReadCheckpoint(path),
              StatusIs(absl::StatusCode::kNotFound, path + ": no such file"));
}

TEST(CheckpointFileTest, GarbageAndTruncatedFiles) {
  const std::string dir = TestDir();
  const std::string garbage = dir + "/garbage.h5";
  std::ofstream(garbage) << "not HDF5 at all\n";
  ExpectReadError(garbage, "not an HDF5 file (or truncated)");
  const std::string path = WriteValidFile(dir);
  fs::resize_file(path, fs::file_size(path) / 2);
  ExpectReadError(path, "not an HDF5 file (or truncated)");
}

TEST(CheckpointFileTest, OtherHdf5FileIsNotACheckpoint) {
  const std::string path = TestDir() + "/other.h5";
  H5::H5File(path, H5F_ACC_TRUNC).createGroup("q");
  ExpectReadError(path, "not an aanet checkpoint (missing attribute 'format')");
}

TEST(CheckpointFileTest, WrongFormatTagOrVersion) {
  const std::string dir = TestDir();
  std::string path = WriteValidFile(dir);
  ReplaceStringAttribute(path, "/", "format", "aanet_dataset");
  ExpectReadError(path,
                  "attribute 'format' is \"aanet_dataset\", expected "
                  "\"aanet_checkpoint\"");
  path = WriteValidFile(dir);
  ReplaceIntAttribute(path, "/", "format_version", 2);
  ExpectReadError(path, "attribute 'format_version' is 2, expected 1");
}

TEST(CheckpointFileTest, BadRootAttributes) {
  const std::string dir = TestDir();
  for (const char* name : {"model_kind", "config", "dataset_path",
                           "num_degrees_of_freedom", "step"}) {
    SCOPED_TRACE(name);
    const std::string path = WriteValidFile(dir);
    EditHdf5File(path, [&](H5::H5File& file) { file.removeAttr(name); });
    ExpectReadError(path, std::string("missing attribute '") + name + "'");
  }
  std::string path = WriteValidFile(dir);
  ReplaceIntAttribute(path, "/", "num_degrees_of_freedom", 0);
  ExpectReadError(path,
                  "attribute 'num_degrees_of_freedom' is 0, expected 1 to");
  path = WriteValidFile(dir);
  ReplaceIntAttribute(path, "/", "step", -5);
  ExpectReadError(path, "attribute 'step' is -5, expected >= 0");
  path = WriteValidFile(dir);
  ReplaceStringAttribute(path, "/", "model_kind", "");
  ExpectReadError(path, "attribute 'model_kind' is empty");
}

// Checkpoints written before the dataset's identity was recorded lack both
// attributes: read as empty. A malformed hash is refused.
TEST(CheckpointFileTest, DatasetIdentityIsOptionalButChecked) {
  const std::string dir = TestDir();
  std::string path = WriteValidFile(dir);
  EditHdf5File(path, [](H5::H5File& file) {
    file.removeAttr("dataset_config");
    file.removeAttr("dataset_hash");
  });
  absl::StatusOr<Checkpoint> old = ReadCheckpoint(path);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->dataset_config_text, "");
  EXPECT_EQ(old->dataset_hash, "");
  path = WriteValidFile(dir);
  ReplaceStringAttribute(path, "/", "dataset_hash", "xyz");
  ExpectReadError(
      path, "attribute 'dataset_hash': expected 16 hex digits, got \"xyz\"");
  Checkpoint bad = MakeCheckpoint(false);
  bad.dataset_hash = "12";
  EXPECT_THAT(std::string(ValidateCheckpoint(bad).message()),
              HasSubstr("dataset_hash: expected 16 hex digits"));
}

TEST(CheckpointFileTest, MissingParameter) {
  const std::string dir = TestDir();
  std::string path = WriteValidFile(dir);
  EditHdf5File(path, [](H5::H5File& file) {
    file.unlink("parameters/encoder/layer_03/W");
  });
  ExpectReadError(path, "missing dataset 'parameters/encoder/layer_03/W'");
  path = WriteValidFile(dir);
  EditHdf5File(path,
               [](H5::H5File& file) { file.unlink("parameters/encoder"); });
  ExpectReadError(path, "missing dataset 'parameters/encoder/layer_10/W'");
  path = WriteValidFile(dir);
  EditHdf5File(path, [](H5::H5File& file) { file.unlink("parameters"); });
  ExpectReadError(path, "missing group 'parameters'");
}

TEST(CheckpointFileTest, BadOrderAttribute) {
  const std::string dir = TestDir();
  std::string path = WriteValidFile(dir);
  EditHdf5File(path, [](H5::H5File& file) {
    file.openGroup("parameters").removeAttr("order");
  });
  ExpectReadError(path, "group 'parameters': missing attribute 'order'");
  path = WriteValidFile(dir);
  ReplaceStringAttribute(path, "parameters", "order", "");
  ExpectReadError(path, "group 'parameters': attribute 'order' lists no");
  path = WriteValidFile(dir);
  ReplaceStringAttribute(path, "parameters", "order", "A\nA");
  ExpectReadError(path,
                  "group 'parameters': attribute 'order': entry 1: name 'A' "
                  "is also entry 0");
  path = WriteValidFile(dir);
  ReplaceStringAttribute(path, "parameters", "order", "A\n");
  ExpectReadError(path, "attribute 'order': entry 1: parameter name is empty");
  // A dataset that the order does not list.
  path = WriteValidFile(dir);
  ReplaceStringAttribute(path, "parameters", "order",
                         "encoder/layer_10/W\nencoder/layer_03/W\nA");
  ExpectReadError(path,
                  "group 'parameters' holds dataset 'angle.freq-1', which "
                  "attribute 'order' does not list");
}

TEST(CheckpointFileTest, BadParameterValues) {
  const std::string dir = TestDir();
  std::string path = WriteValidFile(dir, false);
  EditHdf5File(path, [](H5::H5File& file) {
    H5::DataSet dataset = file.openDataSet("parameters/encoder/layer_03/b");
    const double values[4] = {1, 2, NAN, 4};
    dataset.write(values, H5::PredType::NATIVE_DOUBLE);
  });
  ExpectReadError(path,
                  "dataset 'parameters/encoder/layer_03/b' has a non-finite "
                  "value (nan) at flat index 2");
  // Flat indices count in file (row-major) order, as h5py's .flat.
  path = WriteValidFile(dir, false);
  EditHdf5File(path, [](H5::H5File& file) {
    H5::DataSet dataset = file.openDataSet("parameters/encoder/layer_03/W");
    std::vector<double> values(12, 0.5);
    values[1 * 4 + 2] = -INFINITY;
    dataset.write(values.data(), H5::PredType::NATIVE_DOUBLE);
  });
  ExpectReadError(path,
                  "dataset 'parameters/encoder/layer_03/W' has a non-finite "
                  "value (-inf) at flat index 6");
  path = WriteValidFile(dir, false);
  ReplaceDataset(path, "parameters/A", {4});
  ExpectReadError(path,
                  "dataset 'parameters/A' has shape [4], expected rank 2 "
                  "[rows,cols]");
  path = WriteValidFile(dir, false);
  ReplaceDataset(path, "parameters/A", {2, 2}, 1.0, H5::PredType::STD_I32LE);
  ExpectReadError(path,
                  "dataset 'parameters/A' has dtype int32, expected float64");
}

TEST(CheckpointFileTest, BadScaler) {
  const std::string dir = TestDir();
  std::string path = WriteValidFile(dir);
  ReplaceDataset(path, "scaler/mean", {3});
  ExpectReadError(path,
                  "dataset 'scaler/mean' has shape [3], expected [2n] = [4]");
  path = WriteValidFile(dir);
  ReplaceDataset(path, "scaler/scale", {4}, 0.0);
  ExpectReadError(path,
                  "dataset 'scaler/scale' has a non-positive value (0) at "
                  "index 0");
  path = WriteValidFile(dir);
  ReplaceDataset(path, "scaler/scale", {4}, INFINITY);
  ExpectReadError(path, "dataset 'scaler/scale' has a non-finite value (inf)");
  path = WriteValidFile(dir);
  EditHdf5File(path, [](H5::H5File& file) { file.unlink("scaler"); });
  ExpectReadError(path, "missing group 'scaler'");
  // num_degrees_of_freedom and the scaler must agree.
  path = WriteValidFile(dir);
  ReplaceIntAttribute(path, "/", "num_degrees_of_freedom", 3);
  ExpectReadError(path,
                  "dataset 'scaler/mean' has shape [4], expected [2n] = [6]");
}

TEST(CheckpointFileTest, InconsistentTrainingState) {
  const std::string dir = TestDir();
  std::string path = WriteValidFile(dir);
  ReplaceDataset(path, "training/adam_m/encoder/layer_03/W", {4, 3});
  ExpectReadError(path,
                  "dataset 'training/adam_m/encoder/layer_03/W' has shape "
                  "[4,3], expected [3,4] to match "
                  "'parameters/encoder/layer_03/W'");
  path = WriteValidFile(dir);
  EditHdf5File(path,
               [](H5::H5File& file) { file.unlink("training/adam_v/A"); });
  ExpectReadError(path, "missing dataset 'training/adam_v/A'");
  path = WriteValidFile(dir);
  EditHdf5File(path, [](H5::H5File& file) {
    file.link(H5L_TYPE_HARD, "training/adam_v/A", "training/adam_v/B");
  });
  ExpectReadError(path,
                  "group 'training/adam_v' holds dataset 'B', which is not a "
                  "parameter");
  path = WriteValidFile(dir);
  EditHdf5File(path, [](H5::H5File& file) { file.unlink("training/adam_m"); });
  ExpectReadError(path, "missing group 'training/adam_m'");
  path = WriteValidFile(dir);
  ReplaceDataset(path, "training/adam_v/A", {2, 2}, -1.0);
  ExpectReadError(path, "dataset 'training/adam_v/A' has a negative value");
  path = WriteValidFile(dir);
  ReplaceDataset(path, "training/adam_m/A", {2, 2}, NAN);
  ExpectReadError(path, "dataset 'training/adam_m/A' has a non-finite value");
  for (const char* name :
       {"adam_step", "rng_state", "best_loss", "best_step"}) {
    SCOPED_TRACE(name);
    path = WriteValidFile(dir);
    EditHdf5File(path, [&](H5::H5File& file) {
      file.openGroup("training").removeAttr(name);
    });
    ExpectReadError(path, std::string("group 'training': missing attribute '") +
                              name + "'");
  }
  path = WriteValidFile(dir);
  ReplaceIntAttribute(path, "training", "adam_step", -1);
  ExpectReadError(path,
                  "group 'training': attribute 'adam_step' is -1, expected "
                  ">= 0");
  path = WriteValidFile(dir);
  EditHdf5File(path, [](H5::H5File& file) {
    const double nan = NAN;
    file.openGroup("training")
        .openAttribute("best_loss")
        .write(H5::PredType::NATIVE_DOUBLE, &nan);
  });
  ExpectReadError(path, "group 'training': attribute 'best_loss' is NaN");
}

}  // namespace
}  // namespace aanet

namespace aanet {
namespace {

// The model of testdata/checkpoint_num_particles.h5: a small Action-Angle
// Network on n = 2, randomised with seed 5 (aanet::testing::RandomCheckpoint).
constexpr char kOldCheckpointConfig[] = R"pb(
  model {
    action_angle {
      encoder {
        flow {
          num_layers: 2
          hidden_width: 4
          activation: "sigmoid"
          weight_init_stddev: 0.1
        }
      }
      angular_velocity_net { hidden_widths: 4 activation: "sigmoid" }
    }
  }
)pb";

absl::StatusOr<Checkpoint> OldCheckpointModel() {
  Eigen::RowVectorXd mean(4), scale(4);
  mean << 0.1, -0.2, 0.3, -1;
  scale << 2, 0.5, 1, 3;
  return aanet::testing::RandomCheckpoint(kOldCheckpointConfig, mean, scale,
                                          0.3, 5);
}

// Checkpoints written before the count was named for degrees of freedom
// (attribute "num_particles", written by the code of issue 20's phase 1 into
// testdata/) keep loading: the same parameters, and the same predictions to
// the bit as the same model written today.
TEST(CheckpointFileTest, CheckpointWithNumParticlesAttributeStillLoads) {
  const std::string old_path = "models/testdata/checkpoint_num_particles.h5";
  {
    // The file does exercise the old name.
    H5::H5File file(old_path, H5F_ACC_RDONLY);
    EXPECT_TRUE(file.attrExists("num_particles"));
    EXPECT_FALSE(file.attrExists("num_degrees_of_freedom"));
  }
  absl::StatusOr<Checkpoint> old = ReadCheckpoint(old_path);
  ASSERT_TRUE(old.ok()) << old.status();
  absl::StatusOr<Checkpoint> expected = OldCheckpointModel();
  ASSERT_TRUE(expected.ok()) << expected.status();
  expected->step = 7;
  expected->dataset_path = "old.h5";
  ExpectBitIdentical(*old, *expected);

  const std::string new_path = TestDir() + "/written_today.h5";
  ASSERT_TRUE(WriteCheckpoint(*expected, new_path).ok());
  absl::StatusOr<Predictor> from_old = Predictor::Load(old_path);
  absl::StatusOr<Predictor> from_new = Predictor::Load(new_path);
  ASSERT_TRUE(from_old.ok()) << from_old.status();
  ASSERT_TRUE(from_new.ok()) << from_new.status();
  Eigen::MatrixXd states(3, 4);
  states << 1, 2, 0.5, -0.5,  //
      -1, 0, 1, 2,            //
      0.3, -0.7, 0.1, 0.9;
  for (double dt : {0.0, 0.1, 10.0}) {
    const Eigen::MatrixXd a = from_old->Predict(states, dt);
    EXPECT_TRUE(SameBits(a, from_new->Predict(states, dt))) << dt;
    EXPECT_TRUE(a.allFinite());
  }
  absl::StatusOr<ActionAngleState> inspected = from_old->Inspect(states);
  ASSERT_TRUE(inspected.ok()) << inspected.status();
  EXPECT_TRUE(SameBits(inspected->angular_velocities,
                       from_new->Inspect(states)->angular_velocities));
}

// One state of an Action-Angle Network takes the Predictor's own path (the
// network frozen at Load, the scaler applied in place): the same numbers as
// the model's Predict of that standardised state, and a batch's row to
// float32 rounding (the batched flow sums in another order, which moves the
// actions and, through the angular velocities, the angle).
TEST(CheckpointFileTest, PredictorSingleStatePathEqualsTheModelsPredict) {
  absl::StatusOr<Checkpoint> checkpoint = OldCheckpointModel();
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  const std::string path = TestDir() + "/single_state.h5";
  ASSERT_TRUE(WriteCheckpoint(*checkpoint, path).ok());
  absl::StatusOr<Predictor> predictor = Predictor::Load(path);
  ASSERT_TRUE(predictor.ok()) << predictor.status();
  Eigen::MatrixXd states(3, 4);
  states << 1, 2, 0.5, -0.5,  //
      -1, 0, 1, 2,            //
      0.3, -0.7, 0.1, 0.9;
  for (double dt : {0.0, 0.1, 10.0, 1000.0}) {
    const Eigen::MatrixXd batch = predictor->Predict(states, dt);
    for (int i = 0; i < states.rows(); ++i) {
      const Eigen::MatrixXd one = predictor->Predict(states.row(i), dt);
      const Eigen::MatrixXd expected =
          predictor->scaler().InverseTransform(predictor->model().Predict(
              predictor->scaler().Transform(states.row(i)), dt));
      ASSERT_EQ(one.rows(), 1);
      ASSERT_EQ(one.cols(), 4);
      for (int c = 0; c < 4; ++c) {
        EXPECT_NEAR(one(0, c), expected(0, c),
                    1e-13 * (1 + std::fabs(expected(0, c))))
            << "dt " << dt << " row " << i << " column " << c;
        // Both paths take the angular velocities from the same float32
        // kernel, but of actions that differ by the flow's float rounding:
        // the angle moves by up to about 5e-8 dt (4.3e-5 at dt 1000).
        EXPECT_NEAR(one(0, c), batch(i, c),
                    (2e-5 + 1e-7 * dt) * (1 + std::fabs(batch(i, c))))
            << "dt " << dt << " row " << i << " column " << c;
      }
    }
  }
}

// A bad value under the old name is refused naming the old name.
TEST(CheckpointFileTest, BadValueUnderTheOldNameNamesIt) {
  const std::string path = TestDir() + "/old_name.h5";
  fs::copy_file("models/testdata/checkpoint_num_particles.h5", path);
  ReplaceIntAttribute(path, "/", "num_particles", 0);
  ExpectReadError(path, "attribute 'num_particles' is 0, expected 1 to");
}

}  // namespace
}  // namespace aanet
