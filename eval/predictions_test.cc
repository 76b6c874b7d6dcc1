#include "eval/predictions.h"

#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>

#include "Eigen/Core"
#include "absl/strings/str_split.h"
#include "fileio/npy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "h5/hdf5_io.h"
#include "models/action_angle_network.h"
#include "models/checkpoint.h"
#include "models/model.h"
#include "models/model_test_util.h"
#include "models/named_parameters.h"
#include "models/predictor.h"
#include "models/random_checkpoint.h"
#include "proto/text_config.h"
#include "rng/random.h"
#include "testing/test_util.h"

namespace aanet::eval {
namespace {

using ::aanet::test_util::ReadAll;
using ::aanet::test_util::TempPath;
using ::aanet::test_util::WriteAll;

using ::testing::HasSubstr;

constexpr char kActionAngle[] = R"pb(
  model {
    action_angle {
      encoder {
        flow {
          num_layers: 2
          hidden_width: 4
          activation: "sigmoid"
          weight_init_stddev: 0.1
          precision: FLOAT64  # Inspect and Predict agree to 1e-8
        }
      }
      angular_velocity_net { hidden_widths: 4 activation: "sigmoid" }
    }
  }
)pb";

constexpr char kEuler[] = R"pb(
  model {
    euler_update {
      encoder {
        flow {
          num_layers: 2
          hidden_width: 4
          activation: "relu"
          weight_init_stddev: 0.1
        }
      }
      derivative_net { hidden_widths: 4 activation: "relu" }
    }
  }
)pb";

// A randomised model on 3 degrees of freedom written as a checkpoint and loaded
// back.
Predictor MakePredictor(const char* config, const std::string& name) {
  Eigen::RowVectorXd mean(6), scale(6);
  mean << 0.1, -0.2, 0.3, 0, 1, -1;
  scale << 2, 1, 0.5, 1, 3, 1;
  absl::StatusOr<Checkpoint> checkpoint =
      aanet::testing::RandomCheckpoint(config, mean, scale, 0.3, 3);
  EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
  checkpoint->step = 7;
  const std::string path = TempPath(name);
  EXPECT_TRUE(WriteCheckpoint(*checkpoint, path).ok());
  return *Predictor::Load(path);
}

Eigen::MatrixXd SomeStates() {
  Eigen::MatrixXd states(2, 6);
  states << 1, 2, 3, 0.5, -0.5, 0.25,  //
      -1, 0, 1, 2, 1, 0;
  return states;
}

TEST(PredictorTest, CheckStatesNamesShapeAndValue) {
  Predictor predictor = MakePredictor(kActionAngle, "aa.h5");
  EXPECT_TRUE(predictor.CheckStates(SomeStates()).ok());
  EXPECT_EQ(predictor.CheckStates(Eigen::MatrixXd::Zero(1, 5)).message(),
            "states have 5 columns, expected 2n = 6 (q_0..q_2, p_0..p_2)");
  Eigen::MatrixXd bad = SomeStates();
  bad(1, 2) = NAN;
  EXPECT_EQ(predictor.CheckStates(bad).message(),
            "states row 1, column 2: non-finite value nan");
}

TEST(PredictorTest, InspectAdvancesAnglesByOmegaDt) {
  Predictor predictor = MakePredictor(kActionAngle, "aa.h5");
  const ActionAngleState at0 = *predictor.Inspect(SomeStates());
  const ActionAngleState at5 = *predictor.Inspect(SomeStates(), 5.0);
  EXPECT_EQ(at0.actions, at5.actions);
  EXPECT_EQ(at0.angular_velocities, at5.angular_velocities);
  for (Eigen::Index i = 0; i < at0.angles.size(); ++i) {
    const double expected = ActionAngleNetwork::WrapAngleValue(
        at0.angles(i) + 5.0 * at0.angular_velocities(i));
    EXPECT_DOUBLE_EQ(at5.angles(i), expected);
    EXPECT_GE(at5.angles(i), -M_PI);
    EXPECT_LT(at5.angles(i), M_PI);
  }
  // The predicted state decodes from exactly these coordinates.
  const Eigen::MatrixXd predicted = predictor.Predict(SomeStates(), 5.0);
  const ActionAngleState re = *predictor.Inspect(predicted);
  EXPECT_TRUE(re.actions.isApprox(at5.actions, 1e-8));
}

TEST(PredictionsTest, ReadsCsvWithHeaderAndComments) {
  const std::string path = TempPath("s.csv");
  WriteAll(path,
           "# my states\nq_0,q_1,q_2,p_0,p_1,p_2\n1,2,3,0.5,-0.5,0.25\n\n"
           " -1, 0, 1, 2, 1, 0 \n");
  absl::StatusOr<Eigen::MatrixXd> states = ReadStates(path, 3);
  ASSERT_TRUE(states.ok()) << states.status();
  EXPECT_EQ(*states, SomeStates());
}

TEST(PredictionsTest, CsvErrorsNameTheLine) {
  const std::string path = TempPath("bad.csv");
  WriteAll(path, "1,2,3,4,5,6\n1,2,3,4,5\n");
  EXPECT_EQ(ReadStates(path, 3).status().message(),
            path + ":2: expected 6 values (q_0..q_2, p_0..p_2), got 5");
  WriteAll(path, "1,2,3,4,5,6\n1,2,x,4,5,6\n");
  EXPECT_EQ(ReadStates(path, 3).status().message(),
            path + ":2: 'x' is not a number");
  WriteAll(path, "q_0,q_1\n");
  EXPECT_THAT(ReadStates(path, 3).status().message(), HasSubstr("no states"));
  EXPECT_THAT(ReadStates(TempPath("none.csv"), 3).status().message(),
              HasSubstr("no such file"));
  EXPECT_THAT(ReadStates(TempPath("x.txt"), 3).status().message(),
              HasSubstr("unknown format '.txt'"));
}

// Issue 24: a first line that does not parse was taken as a header, so
// "1,2,abc,4,5,6" vanished and one state was predicted instead of two.
TEST(PredictionsTest, OnlyALineOfNamesIsAHeader) {
  const std::string path = TempPath("header.csv");
  WriteAll(path, "1,2,abc,4,5,6\n5,6,7,8,9,10\n");
  EXPECT_EQ(ReadStates(path, 3).status().message(),
            path + ":1: 'abc' is not a number");
  WriteAll(path, "q_0,q_1,q_2,p_0,p_1,2\n5,6,7,8,9,10\n");
  EXPECT_EQ(ReadStates(path, 3).status().message(),
            path + ":1: 'q_0' is not a number");
  WriteAll(path, "q_0,q_1,q_2,p_0,p_1,p_2\nq,q,q,p,p,p\n1,2,3,4,5,6\n");
  EXPECT_EQ(ReadStates(path, 3).status().message(),
            path + ":2: 'q' is not a number");
}

TEST(PredictionsTest, ReadsNpyAndHdf5) {
  const std::string npy = TempPath("s.npy");
  const Eigen::MatrixXd expected = SomeStates();
  NpyArray array{{2, 6}, {}};
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 6; ++c) array.values.push_back(expected(r, c));
  }
  ASSERT_TRUE(WriteNpy(array, npy).ok());
  EXPECT_EQ(*ReadStates(npy, 3), expected);
  ASSERT_TRUE(WriteNpy(NpyArray{{6}, {1, 2, 3, 4, 5, 6}}, npy).ok());
  EXPECT_EQ(ReadStates(npy, 3)->rows(), 1);
  ASSERT_TRUE(WriteNpy(NpyArray{{1, 4}, {1, 2, 3, 4}}, npy).ok());
  EXPECT_THAT(ReadStates(npy, 3).status().message(),
              HasSubstr("array has shape (1, 4), expected (B, 6) or (6,)"));

  const std::string h5_states = TempPath("s.h5");
  ASSERT_TRUE(h5::WriteFileAtomically(h5_states, [&](H5::H5File& f) {
                return h5::WriteMatrix(f, "states", expected);
              }).ok());
  EXPECT_EQ(*ReadStates(h5_states, 3), expected);
  // q and p as a dataset stores them: [K, T, n].
  const std::string h5_qp = TempPath("qp.h5");
  ASSERT_TRUE(
      h5::WriteFileAtomically(h5_qp, [&](H5::H5File& f) {
        std::vector<Eigen::MatrixXd> q = {expected.leftCols(3).topRows(1),
                                          expected.leftCols(3).bottomRows(1)};
        std::vector<Eigen::MatrixXd> p = {expected.rightCols(3).topRows(1),
                                          expected.rightCols(3).bottomRows(1)};
        absl::Status s = h5::WriteStack(f, "q", q);
        return s.ok() ? h5::WriteStack(f, "p", p) : s;
      }).ok());
  EXPECT_EQ(*ReadStates(h5_qp, 3), expected);
  EXPECT_THAT(ReadStates(h5_qp, 2).status().message(),
              HasSubstr("expected [..., n = 2]"));
}

TEST(PredictionsTest, ParsesDtLists) {
  EXPECT_EQ(*ParseDtList("1, 10,0.5"), (std::vector<double>{1, 10, 0.5}));
  EXPECT_EQ(ParseDtList("1,x").status().message(),
            "'x' is not a finite number");
  EXPECT_FALSE(ParseDtList("1,").ok());
}

TEST(PredictionsTest, PredictsAndWritesEveryFormat) {
  Predictor predictor = MakePredictor(kActionAngle, "aa.h5");
  absl::StatusOr<Predictions> p =
      PredictStates(predictor, SomeStates(), {1, 50}, true);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->predicted.size(), 2u);
  EXPECT_EQ(p->predicted[1], predictor.Predict(SomeStates(), 50));

  const std::string csv = TempPath("p.csv");
  ASSERT_TRUE(WritePredictions(*p, predictor, "aa.h5", csv).ok());
  const std::string text = ReadAll(csv);
  EXPECT_THAT(text, HasSubstr("state,dt,q_0,q_1,q_2,p_0,p_1,p_2,action_0,"
                              "action_1,action_2,angle_0,angle_1,angle_2,"
                              "angular_velocity_0,angular_velocity_1,"
                              "angular_velocity_2\n"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 5);  // header + 2x2
  // Rows are dt-major and read back exactly.
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);
  std::getline(lines, line);
  std::getline(lines, line);
  std::getline(lines, line);  // dt 50, state 0
  std::vector<std::string> fields = absl::StrSplit(line, ',');
  EXPECT_EQ(fields[0], "0");
  EXPECT_EQ(fields[1], "50");
  EXPECT_EQ(std::stod(fields[2]), p->predicted[1](0, 0));
  EXPECT_EQ(std::stod(fields[8]), p->latent[1].actions(0, 0));

  const std::string npy = TempPath("p.npy");
  ASSERT_TRUE(WritePredictions(*p, predictor, "aa.h5", npy).ok());
  NpyArray read = *ReadNpy(npy);
  EXPECT_EQ(read.shape, (std::vector<int64_t>{2, 2, 6}));
  EXPECT_EQ(read.values[6 * 2 + 6 + 1], p->predicted[1](1, 1));
  EXPECT_EQ(PredictionFiles(*p, npy).size(), 4u);
  NpyArray angles = *ReadNpy(TempPath("p_angles.npy"));
  EXPECT_EQ(angles.shape, (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(angles.values[3 * 2 + 2], p->latent[1].angles(0, 2));

  const std::string h5 = TempPath("p.h5");
  ASSERT_TRUE(WritePredictions(*p, predictor, "aa.h5", h5).ok());
  ASSERT_TRUE(
      h5::ReadFile(h5, [&](const H5::H5File& f) {
        h5::Array a = *h5::OpenArray(f, "predictions", "predictions");
        EXPECT_EQ(a.dims, (h5::Dims{2, 2, 6}));
        h5::Array w =
            *h5::OpenArray(f, "angular_velocities", "angular_velocities");
        EXPECT_EQ(w.dims, (h5::Dims{2, 2, 3}));
        EXPECT_EQ(*h5::ReadStringAttribute(f, "model_kind"), "action_angle");
        EXPECT_EQ(*h5::ReadVector(*h5::OpenArray(f, "dt", "dt")),
                  Eigen::Vector2d(1, 50));
        return absl::OkStatus();
      }).ok());
}

// Issue 18: a failure while writing the .npy files (here the last
// companion's path is taken by a directory; in the issue, a full disk) left
// the first files replaced, mixed with an earlier run's. None changes now.
TEST(PredictionsTest, WritesTheTruthInEveryFormat) {
  Predictor predictor = MakePredictor(kEuler, "eu_truth.h5");
  absl::StatusOr<Predictions> p =
      PredictStates(predictor, SomeStates(), {1, 50}, false);
  ASSERT_TRUE(p.ok()) << p.status();
  // The writers' part alone: made-up truth values, each one distinct.
  TruthComparison truth;
  truth.dataset_path = "d.h5";
  truth.true_states = {2 * p->predicted[0], 3 * p->predicted[1]};
  truth.errors = {Eigen::Vector2d(0.5, 0.25), Eigen::Vector2d(4, 8)};
  truth.outside_training_range = Eigen::Vector2i(0, 1);
  p->truth = truth;

  const std::string csv = TempPath("t.csv");
  ASSERT_TRUE(WritePredictions(*p, predictor, "eu.h5", csv).ok());
  std::istringstream lines(ReadAll(csv));
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line,
            "state,dt,q_0,q_1,q_2,p_0,p_1,p_2,true_q_0,true_q_1,true_q_2,"
            "true_p_0,true_p_1,true_p_2,error,outside_training_range");
  for (int i = 0; i < 4; ++i) std::getline(lines, line);  // dt 50, state 1
  std::vector<std::string> fields = absl::StrSplit(line, ',');
  ASSERT_EQ(fields.size(), 16u);
  EXPECT_EQ(std::stod(fields[8]), truth.true_states[1](1, 0));
  EXPECT_EQ(fields[14], "8");
  EXPECT_EQ(fields[15], "1");

  const std::string npy = TempPath("t.npy");
  ASSERT_TRUE(WritePredictions(*p, predictor, "eu.h5", npy).ok());
  EXPECT_EQ(PredictionFiles(*p, npy),
            (std::vector<std::string>{
                npy, TempPath("t_true.npy"), TempPath("t_error.npy"),
                TempPath("t_outside_training_range.npy")}));
  NpyArray true_states = *ReadNpy(TempPath("t_true.npy"));
  EXPECT_EQ(true_states.shape, (std::vector<int64_t>{2, 2, 6}));
  EXPECT_EQ(true_states.values[12 + 6 + 2], truth.true_states[1](1, 2));
  NpyArray errors = *ReadNpy(TempPath("t_error.npy"));
  EXPECT_EQ(errors.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(errors.values, (std::vector<double>{0.5, 0.25, 4, 8}));
  NpyArray outside = *ReadNpy(TempPath("t_outside_training_range.npy"));
  EXPECT_EQ(outside.shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(outside.values, (std::vector<double>{0, 1}));

  const std::string h5 = TempPath("t.h5");
  ASSERT_TRUE(WritePredictions(*p, predictor, "eu.h5", h5).ok());
  ASSERT_TRUE(
      h5::ReadFile(h5, [&](const H5::H5File& f) {
        EXPECT_EQ(h5::OpenArray(f, "true_states", "true_states")->dims,
                  (h5::Dims{2, 2, 6}));
        EXPECT_EQ(h5::OpenArray(f, "error", "error")->dims, (h5::Dims{2, 2}));
        EXPECT_EQ(*h5::ReadVector(*h5::OpenArray(f, "outside_training_range",
                                                 "outside_training_range")),
                  Eigen::Vector2d(0, 1));
        EXPECT_EQ(*h5::ReadStringAttribute(f, "truth"), "d.h5");
        return absl::OkStatus();
      }).ok());
  // Without the truth nothing of it is written.
  p->truth.reset();
  EXPECT_EQ(PredictionFiles(*p, npy).size(), 1u);
}

TEST(PredictionsTest, NpyFilesAreReplacedAllOrNone) {
  Predictor predictor = MakePredictor(kActionAngle, "aa.h5");
  absl::StatusOr<Predictions> first =
      PredictStates(predictor, SomeStates(), {1, 2}, true);
  absl::StatusOr<Predictions> second =
      PredictStates(predictor, SomeStates(), {3, 4}, true);
  ASSERT_TRUE(first.ok() && second.ok());
  const std::string npy = TempPath("all_or_none/p.npy");
  std::filesystem::create_directories(TempPath("all_or_none"));
  ASSERT_TRUE(WritePredictions(*first, predictor, "aa.h5", npy).ok());
  const std::string before = ReadAll(npy);
  const std::string velocities =
      TempPath("all_or_none/p_angular_velocities.npy");
  std::filesystem::remove(velocities);
  std::filesystem::create_directories(velocities + "/x");
  EXPECT_FALSE(WritePredictions(*second, predictor, "aa.h5", npy).ok());
  EXPECT_TRUE(ReadAll(npy) == before) << "p.npy changed";
  int entries = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(TempPath("all_or_none"))) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 4);  // no temporary left
}

// The estimate //eval:predict checks before predicting: above what the
// output takes, and the issue's 100,000 states x 2,000 dt far above a
// machine's memory.
TEST(PredictionsTest, EstimatesTheBytesOfPredictionsAndTheirOutput) {
  Predictor predictor = MakePredictor(kActionAngle, "aa.h5");
  const std::vector<double> dts = {1, 50, 1e-7};
  absl::StatusOr<Predictions> p =
      PredictStates(predictor, SomeStates(), dts, true);
  ASSERT_TRUE(p.ok()) << p.status();
  const std::string csv = TempPath("estimate.csv");
  ASSERT_TRUE(WritePredictions(*p, predictor, "aa.h5", csv).ok());
  const double estimate = EstimatePredictionBytes(
      SomeStates().rows(), dts.size(), 3, true, StatesFormat::kCsv);
  EXPECT_GT(estimate, static_cast<double>(ReadAll(csv).size()));
  EXPECT_GT(EstimatePredictionBytes(100000, 2000, 2, false, StatesFormat::kCsv),
            3e10);
  EXPECT_GT(EstimatePredictionBytes(100000, 2000, 2, false, StatesFormat::kNpy),
            1.5e10);
}

TEST(PredictionsTest, CoordinatesNeedTheActionAngleNetwork) {
  Predictor predictor = MakePredictor(kEuler, "eu.h5");
  EXPECT_TRUE(PredictStates(predictor, SomeStates(), {1}, false).ok());
  absl::StatusOr<Predictions> p =
      PredictStates(predictor, SomeStates(), {1}, true);
  EXPECT_THAT(p.status().message(),
              HasSubstr("the model is 'euler_update', which has no "
                        "action-angle coordinates"));
  EXPECT_THAT(PredictStates(predictor, Eigen::MatrixXd::Zero(1, 4), {1}, false)
                  .status()
                  .message(),
              HasSubstr("states have 4 columns"));
}

// Issue 24: finite states that overflow inside the model (1e308 in every
// column) gave rows of NaN and exit status 0.
TEST(PredictionsTest, RefusesPredictionsThatAreNotFinite) {
  for (const char* config : {kActionAngle, kEuler}) {
    Predictor predictor = MakePredictor(config, "overflow.h5");
    Eigen::MatrixXd states = SomeStates();
    states.row(1).setConstant(1e308);
    absl::StatusOr<Predictions> p =
        PredictStates(predictor, states, {1}, false);
    EXPECT_THAT(p.status().message(),
                HasSubstr("states row 1: the prediction at dt 1 is not "
                          "finite"))
        << config;
  }
}

// Issue 24: NaN or a negative dt reached the model (the Neural ODE returned
// NaN for dt < 0); the CLI and the Python module share this check.
TEST(PredictorTest, CheckDtRefusesNanAndNegative) {
  Predictor predictor = MakePredictor(kActionAngle, "aa.h5");
  EXPECT_TRUE(predictor.CheckDt(0).ok());
  EXPECT_TRUE(predictor.CheckDt(2.5).ok());
  EXPECT_EQ(predictor.CheckDt(NAN).message(),
            "dt nan: must be a finite number >= 0");
  EXPECT_EQ(predictor.CheckDt(-1).message(),
            "dt -1: must be a finite number >= 0 (predictions run forward "
            "in time only)");
  EXPECT_THAT(
      PredictStates(predictor, SomeStates(), {1, -2}, false).status().message(),
      HasSubstr("dt -2: must be"));
}

}  // namespace
}  // namespace aanet::eval
