#include "data_gen/import.h"

#include <cmath>
#include <string>
#include <vector>

#include "H5Cpp.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "data_gen/dataset.h"
#include "fileio/npy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/text_config.h"
#include "testing/test_util.h"

namespace aanet::data_gen {
namespace {

using ::aanet::test_util::IsOk;
using ::aanet::test_util::StatusIs;
using ::testing::HasSubstr;

// "t,q_1,p_1\n" then rows of the oscillator q = a cos t, p = -a sin t.
std::string OscillatorCsv(int samples, double dt, double t0 = 0) {
  std::string text = "t,q_1,p_1\n";
  for (int s = 0; s < samples; ++s) {
    const double t = t0 + s * dt;
    absl::StrAppend(&text, absl::StrFormat("%.17g,%.17g,%.17g\n", t,
                                           std::cos(t), -std::sin(t)));
  }
  return text;
}

ImportedTrajectories Source(const std::string& format,
                            const std::string& file) {
  ImportedTrajectories source;
  source.set_format(format);
  source.add_files(file);
  return source;
}

TEST(ImportCsvTest, OneTrajectory) {
  auto read = ParseCsvSource(OscillatorCsv(5, 0.5), "traj.csv");
  ASSERT_THAT(read, IsOk());
  ASSERT_EQ(read->q.size(), 1u);
  EXPECT_EQ(read->q[0].rows(), 5);
  EXPECT_EQ(read->q[0].cols(), 1);
  EXPECT_DOUBLE_EQ(read->q[0](2, 0), std::cos(1.0));
  EXPECT_DOUBLE_EQ(read->p[0](2, 0), -std::sin(1.0));
  EXPECT_DOUBLE_EQ(read->t(4), 2.0);
}

TEST(ImportCsvTest, ManyTrajectoriesAnyColumnOrderZeroBased) {
  const std::string text =
      "# two trajectories of two degrees of freedom\n"
      "trajectory,p_0,q_0,t,q_1,p_1\n"
      "7,1,2,0,3,4\n"
      "7,5,6,0.5,7,8\n"
      "\n"
      "2,9,10,0,11,12\n"
      "2,13,14,0.5,15,16\n";
  auto read = ParseCsvSource(text, "traj.csv");
  ASSERT_THAT(read, IsOk());
  ASSERT_EQ(read->q.size(), 2u);  // in order of first appearance: 7, 2
  EXPECT_EQ(read->q[0](1, 0), 6);
  EXPECT_EQ(read->q[0](1, 1), 7);
  EXPECT_EQ(read->p[0](1, 0), 5);
  EXPECT_EQ(read->p[1](0, 1), 12);
  EXPECT_EQ(read->q[1](1, 1), 15);
}

// Every refusal of the CSV reader, with its exact message.
TEST(ImportCsvTest, RefusalsNameTheLineAndColumn) {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"",
       "traj.csv: no header row (expected t, q_1..q_n, p_1..p_n and "
       "optionally trajectory)"},
      {"t,q_1,p_1,x\n",
       "traj.csv: line 1, column 4: unknown name 'x' "
       "(expected t, q_1..q_n, p_1..p_n and optionally "
       "trajectory)"},
      {"t,q_1,q_1,p_1\n", "traj.csv: line 1, column 3: 'q_1' appears twice"},
      {"q_1,p_1\n0,1\n", "traj.csv: line 1: no column 't'"},
      {"t,q_1,p_2\n0,1,2\n",
       "traj.csv: line 1: no column p_1 (expected q_1..q_1 and p_1..p_1)"},
      {"t,q_1,q_2,p_1\n",
       "traj.csv: line 1: no column p_2 (expected "
       "q_1..q_2 and p_1..p_2)"},
      {"t,q_1,p_1\n",
       "traj.csv: no data rows after the header (at least 2 "
       "are needed)"},
      {"t,q_1,p_1\n0,1,2\n", "traj.csv: 1 sample(s), at least 2 are needed"},
      {"t,q_1,p_1\n0,1\n", "traj.csv: line 2: 2 fields, the header has 3"},
      {"t,q_1,p_1\n0,1,abc\n",
       "traj.csv: line 2, column p_1: 'abc' is not a number"},
      {"t,q_1,p_1\n0,1,2\n0.1,nan,2\n",
       "traj.csv: line 3, column q_1: nan is not finite (every value must "
       "be)"},
      {"t,q_1,p_1\n0,1,2\n0.1,1,2\n0.1,1,2\n",
       "traj.csv: line 4 (trajectory 0, sample 2): t = 0.1 is not after t = "
       "0.1 (t must be strictly increasing)"},
      {"t,q_1,p_1,trajectory\n0,1,2,0.5\n",
       "traj.csv: line 2, column trajectory: 0.5 is not an integer"},
      {"t,q_1,p_1,trajectory\n0,1,2,0\n0.1,1,2,0\n0,1,2,1\n0.1,1,2,1\n0.2,1,"
       "2,0\n",
       "traj.csv: line 6: trajectory 0 appears again after trajectory 1 (keep "
       "each trajectory's rows together)"},
      {"t,q_1,p_1,trajectory\n0,1,2,0\n0.1,1,2,0\n0,1,2,1\n",
       "traj.csv: trajectory 1 has 1 rows, trajectory 0 has 2 (every "
       "trajectory must share one t)"},
      {"t,q_1,p_1,trajectory\n0,1,2,0\n0.1,1,2,0\n0,1,2,1\n0.2,1,2,1\n",
       "traj.csv: line 5 (trajectory 1, sample 1): t = 0.2, trajectory 0 has "
       "t = 0.1 at this sample (every trajectory must share one t)"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseCsvSource(c.text, "traj.csv"),
                StatusIs(absl::StatusCode::kInvalidArgument, c.message))
        << c.text;
  }
  // The example: row 17 of the data (line 18) breaks the spacing.
  std::string text = "t,q_1,p_1\n";
  for (int s = 0; s < 20; ++s) {
    absl::StrAppend(&text, s == 16 ? 1.7 : s * 0.1, ",0,0\n");
  }
  EXPECT_THAT(ParseCsvSource(text, "traj.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "traj.csv: line 18 (trajectory 0, sample 16): t = 1.7 "
                       "breaks the even spacing 0.1 (expected 1.6)"));
}

TEST(ImportTimesTest, SlowDriftIsOffTheGrid) {
  // Each step within 0.1 % of the first, but the times drift away from any
  // even grid.
  Eigen::VectorXd t(2001);
  t(0) = 0;
  for (int i = 1; i < t.size(); ++i) t(i) = t(i - 1) + 1 + 5e-4 * (i > 1000);
  EXPECT_THAT(
      CheckSourceTimes(t, "t.npy", [](int i) { return absl::StrCat("s", i); }),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("is off the even grid of the mean step")));
  // Rounding of printed times is well inside the tolerance.
  for (int i = 0; i < t.size(); ++i) t(i) = 0.1 * i + 1e-9 * std::sin(i);
  EXPECT_THAT(CheckSourceTimes(t, "t.npy", [](int i) { return ""; }), IsOk());
}

// q, p [K, T, n] as .npy, t [T].
struct NpyFiles {
  std::string q, p, t;
};

NpyFiles WriteNpy(const std::string& dir, const std::vector<int64_t>& shape,
                  double t0 = 0) {
  NpyArray q{shape, {}}, p{shape, {}};
  int64_t count = 1;
  for (int64_t s : shape) count *= s;
  for (int64_t i = 0; i < count; ++i) {
    q.values.push_back(std::cos(0.01 * i));
    p.values.push_back(-std::sin(0.01 * i));
  }
  const int64_t samples = shape.size() == 3 ? shape[1] : shape[0];
  NpyArray t{{samples}, {}};
  for (int64_t s = 0; s < samples; ++s) t.values.push_back(t0 + 0.25 * s);
  NpyFiles files{dir + "/q.npy", dir + "/p.npy", dir + "/t.npy"};
  EXPECT_THAT(aanet::WriteNpy(q, files.q), IsOk());
  EXPECT_THAT(aanet::WriteNpy(p, files.p), IsOk());
  EXPECT_THAT(aanet::WriteNpy(t, files.t), IsOk());
  return files;
}

TEST(ImportNpyTest, ManyAndOneTrajectory) {
  const std::string dir = test_util::FreshDir("npy");
  NpyFiles files = WriteNpy(dir, {3, 4, 2});
  auto read = ReadNpySource(files.q, files.p, files.t);
  ASSERT_THAT(read, IsOk());
  ASSERT_EQ(read->q.size(), 3u);
  // Row-major [K, T, n]: trajectory 1, sample 2, coordinate 1 is flat 8+4+1.
  EXPECT_DOUBLE_EQ(read->q[1](2, 1), std::cos(0.01 * 13));
  EXPECT_DOUBLE_EQ(read->p[2](3, 0), -std::sin(0.01 * 22));

  files = WriteNpy(dir, {4, 2});
  read = ReadNpySource(files.q, files.p, files.t);
  ASSERT_THAT(read, IsOk());
  ASSERT_EQ(read->q.size(), 1u);
  EXPECT_EQ(read->q[0].rows(), 4);
}

TEST(ImportNpyTest, Float32) {
  const std::string dir = test_util::FreshDir("npy32");
  const NpyFiles files = WriteNpy(dir, {4, 1});
  // A float32 q as numpy writes it ('<f4', C order).
  std::string header =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 1), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes = "\x93NUMPY\x01";
  bytes += '\0';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  for (float v : {1.5f, 2.5f, -0.25f, 4.0f}) {
    bytes.append(reinterpret_cast<const char*>(&v), sizeof(v));
  }
  test_util::WriteAll(files.q, bytes);
  auto read = ReadNpySource(files.q, files.p, files.t);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->q[0](2, 0), -0.25);
}

TEST(ImportNpyTest, Refusals) {
  const std::string dir = test_util::FreshDir("npy_bad");
  NpyFiles files = WriteNpy(dir, {2, 4, 1});
  ASSERT_THAT(aanet::WriteNpy(NpyArray{{2, 3, 1}, std::vector<double>(6, 1)},
                              dir + "/p3.npy"),
              IsOk());
  EXPECT_THAT(ReadNpySource(files.q, dir + "/p3.npy", files.t),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       dir + "/p3.npy: shape [2, 3, 1] differs from " + dir +
                           "/q.npy's [2, 4, 1]"));
  ASSERT_THAT(aanet::WriteNpy(NpyArray{{3}, {0, 1, 2}}, dir + "/t3.npy"),
              IsOk());
  EXPECT_THAT(ReadNpySource(files.q, files.p, dir + "/t3.npy"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       dir +
                           "/t3.npy: shape [3], expected [T] = [4] to "
                           "match " +
                           dir + "/q.npy's [2, 4, 1]"));
  ASSERT_THAT(aanet::WriteNpy(NpyArray{{5}, {0, 1, 2, 3, 4}}, dir + "/q1.npy"),
              IsOk());
  EXPECT_THAT(ReadNpySource(dir + "/q1.npy", files.p, files.t),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       dir + "/q1.npy: shape [5], expected [K, T, n] or "
                             "[T, n]"));
  NpyArray p{{2, 4, 1}, std::vector<double>(8, 0)};
  p.values[5] = INFINITY;
  ASSERT_THAT(aanet::WriteNpy(p, dir + "/pinf.npy"), IsOk());
  EXPECT_THAT(ReadNpySource(files.q, dir + "/pinf.npy", files.t),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       dir + "/pinf.npy: value inf at [1, 1, 0] is not "
                             "finite (every value must be)"));
  ASSERT_THAT(aanet::WriteNpy(NpyArray{{4}, {0, 1, 2, 4}}, dir + "/tb.npy"),
              IsOk());
  EXPECT_THAT(ReadNpySource(files.q, files.p, dir + "/tb.npy"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       dir + "/tb.npy: sample 3: t = 4 breaks the even "
                             "spacing 1 (expected 3)"));
  EXPECT_THAT(ReadNpySource(dir + "/none.npy", files.p, files.t),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("none.npy")));
}

TEST(ImportHdf5Test, PathsAndShapes) {
  const std::string path = test_util::TempPath("source.h5");
  {
    H5::H5File file(path, H5F_ACC_TRUNC);
    H5::Group group = file.createGroup("run");
    const hsize_t qdims[3] = {2, 3, 1};
    std::vector<double> q = {1, 2, 3, 4, 5, 6}, p = {6, 5, 4, 3, 2, 1};
    const hsize_t tdims[1] = {3};
    std::vector<double> t = {1, 1.5, 2};
    H5::DataSet dq = group.createDataSet("x", H5::PredType::IEEE_F64LE,
                                         H5::DataSpace(3, qdims));
    dq.write(q.data(), H5::PredType::NATIVE_DOUBLE);
    H5::DataSet dp = group.createDataSet("px", H5::PredType::IEEE_F64LE,
                                         H5::DataSpace(3, qdims));
    dp.write(p.data(), H5::PredType::NATIVE_DOUBLE);
    H5::DataSet dt = file.createDataSet("time", H5::PredType::IEEE_F64LE,
                                        H5::DataSpace(1, tdims));
    dt.write(t.data(), H5::PredType::NATIVE_DOUBLE);
    const hsize_t twodims[2] = {3, 2};
    H5::DataSet d2 = file.createDataSet("q2", H5::PredType::IEEE_F64LE,
                                        H5::DataSpace(2, twodims));
    d2.write(q.data(), H5::PredType::NATIVE_DOUBLE);
  }
  auto read = ReadHdf5Source(path, "run/x", "run/px", "time");
  ASSERT_THAT(read, IsOk());
  ASSERT_EQ(read->q.size(), 2u);
  EXPECT_EQ(read->q[1](2, 0), 6);
  EXPECT_EQ(read->p[1](0, 0), 3);
  EXPECT_EQ(read->t(2), 2);
  read = ReadHdf5Source(path, "q2", "q2", "time");  // [T, n]
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->q.size(), 1u);
  EXPECT_EQ(read->q[0](2, 1), 6);
  EXPECT_THAT(ReadHdf5Source(path, "q", "run/px", "time"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("missing dataset 'q'")));
  EXPECT_THAT(ReadHdf5Source(path, "q2", "run/px", "time"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       path +
                           ": dataset 'run/px': shape [2, 3, 1] differs "
                           "from " +
                           path + ": dataset 'q2''s [3, 2]"));
}

TEST(ImportDatasetTest, ShiftsTimeRecordsSourceAndRoundTrips) {
  auto read = ParseCsvSource(OscillatorCsv(50, 0.1, 2.0), "traj.csv");
  ASSERT_THAT(read, IsOk());
  auto imported =
      MakeImportedDataset(*read, "mine", Source("csv", "traj.csv"), nullptr);
  ASSERT_THAT(imported, IsOk());
  const Dataset& d = imported->dataset;
  EXPECT_TRUE(d.imported());
  EXPECT_EQ(d.t(0), 0);
  EXPECT_NEAR(d.t(49), 4.9, 1e-12);
  EXPECT_EQ(d.energy.size(), 0);
  EXPECT_TRUE(d.parameters.arrays.empty());
  EXPECT_THAT(d.config_text, HasSubstr("t_start: 2"));
  EXPECT_THAT(d.config_text, HasSubstr("files: \"traj.csv\""));
  EXPECT_EQ(ImportedSource(d), "csv: traj.csv");
  EXPECT_THAT(DatasetSystem(d),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "dataset 'mine' holds imported trajectories (csv: "
                       "traj.csv), which no system of the project describes: "
                       "their true dynamics, actions and frequencies are "
                       "unknown"));
  EXPECT_THAT(DatasetHamiltonian(d),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("no Hamiltonian was named at import")));

  const std::string path = test_util::TempPath("mine.h5");
  ASSERT_THAT(WriteDataset(d, path), IsOk());
  auto back = ReadDataset(path);
  ASSERT_THAT(back, IsOk());
  EXPECT_TRUE(back->imported());
  EXPECT_EQ(back->name, "mine");
  EXPECT_EQ(DatasetHash(*back), DatasetHash(d));
  EXPECT_TRUE(test_util::SameBits(back->q[0], d.q[0]));

  // Its config cannot be generated from.
  Experiment experiment;
  ASSERT_THAT(ParseTextProto(d.config_text, "config", &experiment), IsOk());
  EXPECT_THAT(GenerateDataset(experiment, d.config_text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("simulation.imported: imported trajectories "
                                 "are not generated")));
}

TEST(ImportDatasetTest, NamedHamiltonianGivesTheEnergy) {
  auto config = ReadExperimentConfig("configs/pendulum/default.pbtxt");
  ASSERT_THAT(config, IsOk());
  config->experiment.mutable_simulation()->set_num_trajectories(3);
  config->experiment.mutable_simulation()->set_num_samples(100);
  auto generated = GenerateDataset(config->experiment, config->text);
  ASSERT_THAT(generated, IsOk());
  SourceTrajectories source{generated->t, generated->q, generated->p};
  const NamedHamiltonian hamiltonian{"configs/pendulum/default.pbtxt",
                                     config->experiment, config->text};
  auto imported = MakeImportedDataset(source, "pendulum_mine",
                                      Source("npy", "q.npy"), &hamiltonian);
  ASSERT_THAT(imported, IsOk());
  const Dataset& d = imported->dataset;
  EXPECT_EQ(d.hamiltonian, "pendulum");
  EXPECT_TRUE(imported->warnings.empty());
  EXPECT_TRUE(test_util::SameBits(d.energy, generated->energy));
  EXPECT_THAT(DatasetHamiltonian(d), IsOk());
  EXPECT_THAT(DatasetSystem(d), StatusIs(absl::StatusCode::kFailedPrecondition,
                                         HasSubstr("imported trajectories")));
  const std::string path = test_util::TempPath("pendulum_mine.h5");
  ASSERT_THAT(WriteDataset(d, path), IsOk());
  auto back = ReadDataset(path);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->hamiltonian, "pendulum");
  EXPECT_TRUE(test_util::SameBits(back->energy, d.energy));
  EXPECT_EQ(DatasetHash(*back), DatasetHash(d));

  // Trajectories that do not conserve that energy are refused.
  SourceTrajectories scaled = source;
  for (Eigen::MatrixXd& p : scaled.p) {
    for (int s = 0; s < p.rows(); ++s) p(s, 0) *= 1 + 0.02 * s;
  }
  EXPECT_THAT(
      MakeImportedDataset(scaled, "x", Source("npy", "q.npy"), &hamiltonian),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("do not follow this Hamiltonian")));
  // Nor a Hamiltonian of other degrees of freedom.
  SourceTrajectories wide = source;
  for (Eigen::MatrixXd& q : wide.q) q.conservativeResize(Eigen::NoChange, 2);
  for (Eigen::MatrixXd& p : wide.p) p.conservativeResize(Eigen::NoChange, 2);
  EXPECT_THAT(
      MakeImportedDataset(wide, "x", Source("npy", "q.npy"), &hamiltonian),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "configs/pendulum/default.pbtxt: its system pendulum has 1 "
               "degree(s) of freedom, the trajectories (q.npy) have 2"));
}

}  // namespace
}  // namespace aanet::data_gen
