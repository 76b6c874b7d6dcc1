#include "eval/vpt.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "data_gen/dataset.h"
#include "data_gen/splits.h"
#include "eval/truth.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "models/checkpoint.h"
#include "models/predictor.h"
#include "models/random_checkpoint.h"
#include "models/scaler.h"
#include "proto/text_config.h"
#include "testing/test_util.h"

namespace aanet::eval {
namespace {

using ::aanet::test_util::TempPath;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

Eigen::MatrixXd Row(std::vector<double> values) {
  Eigen::MatrixXd row(1, static_cast<Eigen::Index>(values.size()));
  for (size_t i = 0; i < values.size(); ++i) row(0, i) = values[i];
  return row;
}

TEST(VptFromErrorsTest, LastTimeBeforeTheErrorFirstExceedsTheThreshold) {
  // Crosses at jump 3 (0.03 > 0.025), though it falls back later: VPT is 2
  // dt. A value equal to the threshold does not exceed it.
  const ValidPredictionTime vpt =
      VptFromErrors(Row({0.01, 0.025, 0.03, 0.001}), 0.5, 0.025);
  EXPECT_THAT(vpt.times(), ElementsAre(1.0));
  EXPECT_THAT(vpt.censored(), ElementsAre(false));
  EXPECT_THAT(vpt.failed(), ElementsAre(false));
  EXPECT_EQ(vpt.median_time(), 1.0);
  EXPECT_EQ(vpt.max_jump(), 4);
  EXPECT_EQ(vpt.max_time(), 2.0);
  EXPECT_EQ(vpt.threshold(), 0.025);
  EXPECT_EQ(vpt.num_start_states(), 1);
  EXPECT_EQ(vpt.fraction_censored(), 0.0);
  // Over the threshold at the first jump: 0.
  EXPECT_THAT(VptFromErrors(Row({0.5, 0.01}), 0.5, 0.025).times(),
              ElementsAre(0.0));
}

TEST(VptFromErrorsTest, NeverOverTheThresholdIsCensoredAtMaxTime) {
  const ValidPredictionTime vpt =
      VptFromErrors(Row({0.0, 0.01, 0.02}), 0.1, 0.025);
  EXPECT_THAT(vpt.times(), ElementsAre(3 * 0.1));
  EXPECT_THAT(vpt.censored(), ElementsAre(true));
  EXPECT_EQ(vpt.fraction_censored(), 1.0);
  EXPECT_EQ(vpt.num_failed(), 0);
}

TEST(VptFromErrorsTest, AFailedPredictionEndsAtTheLastFiniteDt) {
  const ValidPredictionTime vpt =
      VptFromErrors(Row({0.01, 0.02, kNan, kNan}), 1.0, 0.025);
  EXPECT_THAT(vpt.times(), ElementsAre(2.0));
  EXPECT_THAT(vpt.failed(), ElementsAre(true));
  EXPECT_THAT(vpt.censored(), ElementsAre(false));
  EXPECT_EQ(vpt.num_failed(), 1);
  // Failing after the crossing does not count as failed: the crossing
  // decided.
  const ValidPredictionTime crossed =
      VptFromErrors(Row({0.01, 0.3, kNan}), 1.0, 0.025);
  EXPECT_THAT(crossed.times(), ElementsAre(1.0));
  EXPECT_EQ(crossed.num_failed(), 0);
  // An infinite error is a failed prediction too.
  EXPECT_EQ(
      VptFromErrors(Row({std::numeric_limits<double>::infinity()}), 1.0, 0.025)
          .num_failed(),
      1);
}

TEST(VptFromErrorsTest, MedianOverStartStates) {
  // Times 0, 1, 3 (censored, at max_time), 2: median of an even count is
  // the mean of the middle two, (1 + 2) / 2.
  Eigen::MatrixXd errors(4, 3);
  errors << 0.9, 0.9, 0.9,  //
      0.0, 0.9, 0.9,        //
      0.0, 0.0, 0.0,        //
      0.0, 0.0, 0.9;
  ValidPredictionTime vpt = VptFromErrors(errors, 1.0, 0.025);
  EXPECT_THAT(vpt.times(), ElementsAre(0.0, 1.0, 3.0, 2.0));
  EXPECT_EQ(vpt.median_time(), 1.5);
  EXPECT_EQ(vpt.fraction_censored(), 0.25);
  // Odd count: the middle one.
  vpt = VptFromErrors(errors.topRows(3), 1.0, 0.025);
  EXPECT_EQ(vpt.median_time(), 1.0);
  // None: NaN.
  EXPECT_TRUE(std::isnan(
      VptFromErrors(Eigen::MatrixXd(0, 3), 1.0, 0.025).median_time()));
}

TEST(VptTest, NormalisedErrorStandardisesEachCoordinate) {
  Eigen::MatrixXd truth(1, 2), predicted(1, 2);
  truth << 2, 30;
  predicted << 3, 40;
  Eigen::RowVectorXd sigma(2);
  sigma << 1, 10;
  // ((1/1)^2 + (10/10)^2) / ((2/1)^2 + (30/10)^2) = 2 / 13.
  EXPECT_DOUBLE_EQ(NormalisedErrors(predicted, truth, sigma)(0), 2.0 / 13.0);
}

TEST(VptTest, StartRowsAreEvenlySpaced) {
  EXPECT_THAT(VptStartRows(3), ElementsAre(0, 1, 2));
  const std::vector<int> rows = VptStartRows(1000);
  ASSERT_EQ(rows.size(), 50u);
  EXPECT_EQ(rows[0], 0);
  EXPECT_EQ(rows[1], 20);
  EXPECT_EQ(rows[49], 980);
}

// The shipped default system, two trajectories of 200 samples at dt 0.5.
data_gen::Dataset MakeDataset() {
  absl::StatusOr<ExperimentConfig> config =
      ReadExperimentConfig("configs/harmonic/default.pbtxt");
  EXPECT_TRUE(config.ok()) << config.status();
  Experiment experiment = config->experiment;
  SimulationConfig& simulation = *experiment.mutable_simulation();
  simulation.set_num_samples(200);
  simulation.set_time_step(0.5);
  simulation.set_num_trajectories(2);
  simulation.mutable_harmonic()->set_trajectory_sampling(UNIFORM);
  std::string text;
  google::protobuf::TextFormat::PrintToString(experiment, &text);
  absl::StatusOr<data_gen::Dataset> dataset =
      data_gen::GenerateDataset(experiment, text);
  EXPECT_TRUE(dataset.ok()) << dataset.status();
  return *dataset;
}

// A known crossing from the system's own truth: predictions that drift off
// the true states by a relative 0.01 * j per jump (error (0.01 j)^2 exactly)
// exceed 0.025 first at j = 16 ((0.16)^2 = 0.0256; (0.15)^2 = 0.0225): VPT
// 15 dt for every start state.
TEST(VptTest, HandMadeDriftCrossesAtTheKnownJump) {
  const data_gen::Dataset dataset = MakeDataset();
  const Eigen::MatrixXd states =
      data_gen::RangeStates(dataset, data_gen::SampleRange{150, 50});
  absl::StatusOr<StandardScaler> scaler = StandardScaler::Fit(states);
  ASSERT_TRUE(scaler.ok());
  const Eigen::MatrixXd start = states.topRows(5);
  const double dt = 0.5;
  Eigen::MatrixXd errors(5, 30);
  for (int j = 1; j <= 30; ++j) {
    absl::StatusOr<Eigen::MatrixXd> truth = TrueStates(dataset, start, j * dt);
    ASSERT_TRUE(truth.ok()) << truth.status();
    const Eigen::MatrixXd predicted = *truth * (1 + 0.01 * j);
    errors.col(j - 1) = NormalisedErrors(predicted, *truth, scaler->scale());
  }
  const ValidPredictionTime vpt = VptFromErrors(errors, dt, kVptThreshold);
  EXPECT_THAT(vpt.times(), ElementsAre(7.5, 7.5, 7.5, 7.5, 7.5));
  EXPECT_EQ(vpt.median_time(), 7.5);
}

constexpr char kNeuralOde[] = R"pb(
  model {
    neural_ode {
      encoder {
        mlp {
          hidden_width: 6
          num_encoder_layers: 1
          num_decoder_layers: 1
          activation: "tanh"
        }
      }
      derivative_net { hidden_widths: 6 activation: "tanh" }
      solver { mode: CONSTANT step: 0.1 precision: FLOAT64 }
    }
  }
  training { num_train_samples: 50 num_test_samples: 50 }
)pb";

// MeasureVpt (one grid solve, rows split on failure) against the rule
// written out from per-jump predictions, for a small random Neural ODE.
TEST(VptTest, MeasureVptFollowsTheRuleOnPerJumpPredictions) {
  const data_gen::Dataset dataset = MakeDataset();
  Eigen::RowVectorXd mean(4), scale(4);
  mean << 0.1, -0.2, 0, 1;
  scale << 2, 1, 3, 1;
  absl::StatusOr<Checkpoint> checkpoint =
      aanet::testing::RandomCheckpoint(kNeuralOde, mean, scale, 0.05, 3);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  const std::string path = TempPath("vpt_node.h5");
  ASSERT_TRUE(WriteCheckpoint(*checkpoint, path).ok());
  absl::StatusOr<Predictor> predictor = Predictor::Load(path);
  ASSERT_TRUE(predictor.ok()) << predictor.status();

  const Eigen::MatrixXd test =
      data_gen::RangeStates(dataset, data_gen::SampleRange{150, 50});
  absl::StatusOr<StandardScaler> test_scaler = StandardScaler::Fit(test);
  ASSERT_TRUE(test_scaler.ok());
  const Eigen::RowVectorXd sigma = test_scaler->scale();
  Eigen::MatrixXd start(8, 4);
  for (int i = 0; i < 8; ++i) start.row(i) = test.row(i * 12);
  constexpr int kMaxJump = 40;
  absl::StatusOr<ValidPredictionTime> vpt =
      MeasureVpt(*predictor, dataset, start, sigma, kMaxJump);
  ASSERT_TRUE(vpt.ok()) << vpt.status();

  std::vector<double> expected(8, kMaxJump * 0.5);
  std::vector<bool> done(8, false);
  for (int j = 1; j <= kMaxJump; ++j) {
    const Eigen::MatrixXd predicted = predictor->Predict(start, j * 0.5);
    const Eigen::MatrixXd truth = *TrueStates(dataset, start, j * 0.5);
    for (int s = 0; s < 8; ++s) {
      double num = 0, den = 0;
      for (int c = 0; c < 4; ++c) {
        num += std::pow((predicted(s, c) - truth(s, c)) / sigma(c), 2);
        den += std::pow(truth(s, c) / sigma(c), 2);
      }
      if (!done[s] && num / den > 0.025) {
        expected[s] = (j - 1) * 0.5;
        done[s] = true;
      }
    }
  }
  ASSERT_EQ(vpt->times_size(), 8);
  for (int s = 0; s < 8; ++s) {
    EXPECT_EQ(vpt->times(s), expected[s]) << s;
    EXPECT_EQ(vpt->censored(s), !done[s]) << s;
  }
  // A random model: some state must cross inside 40 jumps, or the check
  // above would compare nothing but the censoring.
  EXPECT_TRUE(std::find(done.begin(), done.end(), true) != done.end());
  EXPECT_EQ(vpt->num_failed(), 0);
  EXPECT_EQ(vpt->max_time(), 20.0);

  EXPECT_THAT(
      MeasureVpt(*predictor, dataset, start, sigma, 0).status().message(),
      HasSubstr("vpt_max_jump: must be >= 1, got 0"));
}

// A failing solve: with max_steps below one jump's 5 steps every state's
// first prediction fails, and the VPT is 0 with the solver's reason.
TEST(VptTest, FailedSolvesAreRecorded) {
  const data_gen::Dataset dataset = MakeDataset();
  std::string config = kNeuralOde;
  config.replace(config.find("precision: FLOAT64"), 18,
                 "precision: FLOAT64 max_steps: 3");
  Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(4);
  Eigen::RowVectorXd scale = Eigen::RowVectorXd::Ones(4);
  absl::StatusOr<Checkpoint> checkpoint =
      aanet::testing::RandomCheckpoint(config, mean, scale, 0.05, 3);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  const std::string path = TempPath("vpt_failing.h5");
  ASSERT_TRUE(WriteCheckpoint(*checkpoint, path).ok());
  absl::StatusOr<Predictor> predictor = Predictor::Load(path);
  ASSERT_TRUE(predictor.ok()) << predictor.status();
  const Eigen::MatrixXd start =
      data_gen::RangeStates(dataset, data_gen::SampleRange{150, 3});
  absl::StatusOr<ValidPredictionTime> vpt =
      MeasureVpt(*predictor, dataset, start, Eigen::RowVectorXd::Ones(4), 10);
  ASSERT_TRUE(vpt.ok()) << vpt.status();
  EXPECT_EQ(vpt->num_failed(), 6);
  EXPECT_THAT(vpt->failed(), ::testing::Each(true));
  EXPECT_EQ(vpt->median_time(), 0.0);
  EXPECT_THAT(vpt->failure(), HasSubstr("max_steps"));
}

}  // namespace
}  // namespace aanet::eval
