#include "eval/evaluation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "data_gen/dataset.h"
#include "data_gen/import.h"
#include "data_gen/splits.h"
#include "data_gen/system.h"
#include "eval/held_out.h"
#include "eval/learned_actions.h"
#include "eval/vpt.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "models/checkpoint.h"
#include "models/model.h"
#include "models/model_test_util.h"
#include "models/named_parameters.h"
#include "models/predictor.h"
#include "models/random_checkpoint.h"
#include "proto/evaluation.pb.h"
#include "proto/text_config.h"
#include "rng/random.h"
#include "testing/test_util.h"

namespace aanet::eval {
namespace {

using ::aanet::test_util::ReadAll;
using ::aanet::test_util::TempPath;

namespace fs = std::filesystem;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A tiny Action-Angle Network; only its shape and the test split matter here.
constexpr char kConfig[] = R"pb(
  name: "tiny"
  model {
    action_angle {
      encoder {
        flow {
          num_layers: 2
          hidden_width: 8
          activation: "sigmoid"
          conditioner: GATED
          weight_init_stddev: 0.1
          precision: FLOAT64  # these tests compare paths to 1e-12
        }
      }
      angular_velocity_net { hidden_widths: 8 activation: "sigmoid" }
    }
  }
  training {
    num_steps: 10
    batch_size: 10
    learning_rate: 1e-3
    train_split_proportion: 0.1
    num_test_samples: 500
    max_jump: 10
    action_variance_weight: 1.0
    eval_every: 5
    test_jumps: [ 1 ]
    seed: 0
  }
)pb";

constexpr int64_t kStep = 123;
constexpr int kNumTest = 500;

// The Hamiltonian of one state, written out from harmonic.h's definition,
// with the harmonic system's parameters (data_gen/systems/harmonic.cc).
double HandEnergy(const data_gen::ParameterGroup& parameters,
                  const Eigen::RowVectorXd& state) {
  struct {
    const std::vector<double>& masses;
    const std::vector<double>& k_wall;
    double k_pair;
  } system = {parameters.Find("masses")->values,
              parameters.Find("k_wall")->values,
              parameters.Find("k_pair")->values[0]};
  const int n = static_cast<int>(system.masses.size());
  double energy = 0;
  for (int i = 0; i < n; ++i) {
    const double q = state[i], p = state[n + i];
    energy += p * p / (2 * system.masses[i]) + system.k_wall[i] * q * q / 2;
    for (int j = i + 1; j < n; ++j) {
      const double d = q - state[j];
      energy += system.k_pair / 2 * d * d;
    }
  }
  return energy;
}

class EvaluationTest : public ::testing::Test {
 protected:
  // The default dataset (2 particles, 1000 samples), a randomised tiny
  // network written as a checkpoint and loaded back, and one evaluation at
  // jumps 1, 5, 400 and 500 (which leaves no test pair).
  static void SetUpTestSuite() {
    absl::StatusOr<ExperimentConfig> data =
        ReadExperimentConfig("configs/harmonic/default.pbtxt");
    ASSERT_TRUE(data.ok()) << data.status();
    dataset_ = new data_gen::Dataset(
        *data_gen::GenerateDataset(data->experiment, data->text));

    Experiment experiment;
    ASSERT_TRUE(ParseTextProto(kConfig, "test", &experiment).ok());
    absl::StatusOr<StandardScaler> scaler = StandardScaler::Fit(States(0, 100));
    ASSERT_TRUE(scaler.ok()) << scaler.status();
    Random random(7);
    absl::StatusOr<std::unique_ptr<Model>> model = CreateModel(
        experiment.model(),
        ModelContext{dataset_->num_degrees_of_freedom(), scaler->scale()},
        random);
    ASSERT_TRUE(model.ok()) << model.status();
    // Away from the identity, so that predictions and frequencies are
    // generic.
    aanet::testing::RandomizeParameters((*model)->parameters(), 0.3, random);
    Checkpoint checkpoint;
    checkpoint.model_kind = (*model)->kind();
    checkpoint.config_text = kConfig;
    checkpoint.dataset_path = "default.h5";
    checkpoint.num_degrees_of_freedom = dataset_->num_degrees_of_freedom();
    checkpoint.step = kStep;
    checkpoint.parameters =
        ToNamed((*model)->parameters(), (*model)->parameters().Flatten());
    checkpoint.scaler_mean = scaler->mean();
    checkpoint.scaler_scale = scaler->scale();
    checkpoint_path_ = new std::string(TempPath("run/best.h5"));
    ASSERT_TRUE(WriteCheckpoint(checkpoint, *checkpoint_path_).ok());
    absl::StatusOr<Predictor> predictor = Predictor::Load(*checkpoint_path_);
    ASSERT_TRUE(predictor.ok()) << predictor.status();
    predictor_ = new Predictor(*std::move(predictor));

    absl::StatusOr<EvaluationReport> report =
        EvaluateModel(*predictor_, *dataset_, SmallOptions());
    ASSERT_TRUE(report.ok()) << report.status();
    report_ = new EvaluationReport(*std::move(report));
  }
  static void TearDownTestSuite() {
    delete report_;
    delete predictor_;
    delete checkpoint_path_;
    delete dataset_;
  }

  static EvaluationOptions SmallOptions() {
    EvaluationOptions options;
    options.jumps = {1, 5, 400, 500};
    options.timing_repetitions = 5;
    options.timing_warmup = 1;
    return options;
  }

  // States [q, p] of samples [begin, begin + count) of trajectory 0, built
  // without data_gen/splits.h.
  static Eigen::MatrixXd States(int begin, int count) {
    Eigen::MatrixXd states(count, 2 * dataset_->num_degrees_of_freedom());
    states << dataset_->q[0].middleRows(begin, count),
        dataset_->p[0].middleRows(begin, count);
    return states;
  }

  static const JumpMetrics& Jump(int jump) {
    for (const JumpMetrics& m : report_->jumps()) {
      if (m.jump() == jump) return m;
    }
    ADD_FAILURE() << "no jump " << jump;
    return JumpMetrics::default_instance();
  }

  static data_gen::Dataset* dataset_;
  static std::string* checkpoint_path_;
  static Predictor* predictor_;
  static EvaluationReport* report_;
};

data_gen::Dataset* EvaluationTest::dataset_ = nullptr;
std::string* EvaluationTest::checkpoint_path_ = nullptr;
Predictor* EvaluationTest::predictor_ = nullptr;
EvaluationReport* EvaluationTest::report_ = nullptr;

TEST_F(EvaluationTest, RecordsTheModelAndItsConfig) {
  EXPECT_EQ(report_->model_kind(), "action_angle");
  EXPECT_EQ(report_->num_parameters(),
            predictor_->model().parameters().NumScalars());
  EXPECT_GT(report_->num_parameters(), 0);
  EXPECT_EQ(report_->step(), kStep);
  EXPECT_EQ(report_->config_text(), kConfig);
  EXPECT_EQ(report_->config_text(), predictor_->config_text());
  EXPECT_EQ(report_->dataset_config_text(), dataset_->config_text);
  EXPECT_EQ(report_->num_test_samples(), kNumTest);
  EXPECT_EQ(report_->num_trajectories(), 1);
  EXPECT_DOUBLE_EQ(report_->time_step(), 1.0);
  EXPECT_GT(report_->wall_seconds(), 0);
  // EvaluateModel leaves the paths to its caller.
  EXPECT_EQ(report_->checkpoint_path(), "");
  EXPECT_EQ(report_->dataset_path(), "");
}

TEST_F(EvaluationTest, HonoursTheJumpList) {
  ASSERT_EQ(report_->jumps_size(), 3);
  EXPECT_EQ(report_->jumps(0).jump(), 1);
  EXPECT_EQ(report_->jumps(1).jump(), 5);
  EXPECT_EQ(report_->jumps(2).jump(), 400);
  EXPECT_THAT(report_->skipped_jumps(), ElementsAre(500));
  EXPECT_EQ(Jump(1).num_pairs(), kNumTest - 1);
  EXPECT_EQ(Jump(400).num_pairs(), kNumTest - 400);
  EXPECT_DOUBLE_EQ(Jump(400).dt(), 400.0);

  EvaluationOptions options = SmallOptions();
  options.jumps = {20, 2};
  options.measure_timing = false;
  absl::StatusOr<EvaluationReport> other =
      EvaluateModel(*predictor_, *dataset_, options);
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_EQ(other->jumps_size(), 2);
  EXPECT_EQ(other->jumps(0).jump(), 20);
  EXPECT_EQ(other->jumps(1).jump(), 2);
  EXPECT_TRUE(other->skipped_jumps().empty());
}

TEST_F(EvaluationTest, PredictionLossMatchesAnIndependentRecomputation) {
  for (int jump : {5, 400}) {
    SCOPED_TRACE(jump);
    const int first = dataset_->num_samples() - kNumTest;
    const int count = kNumTest - jump;
    const Eigen::MatrixXd inputs = States(first, count);
    const Eigen::MatrixXd targets = States(first + jump, count);
    const Eigen::MatrixXd predicted = predictor_->Predict(inputs, jump * 1.0);
    const StandardScaler& scaler = predictor_->scaler();
    double sum = 0;
    for (int i = 0; i < count; ++i) {
      for (int c = 0; c < inputs.cols(); ++c) {
        const double d = (predicted(i, c) - targets(i, c)) / scaler.scale()[c];
        sum += d * d;
      }
    }
    const double expected = sum / (count * inputs.cols());
    EXPECT_GT(expected, 1e-6);
    EXPECT_NEAR(Jump(jump).prediction_loss(), expected, 1e-10 * expected);
  }
}

TEST_F(EvaluationTest, EnergyChangeMatchesAnIndependentRecomputation) {
  for (int jump : {1, 400}) {
    SCOPED_TRACE(jump);
    const int first = dataset_->num_samples() - kNumTest;
    const int count = kNumTest - jump;
    const Eigen::MatrixXd inputs = States(first, count);
    const Eigen::MatrixXd predicted = predictor_->Predict(inputs, jump * 1.0);
    double sum = 0, relative_sum = 0;
    for (int i = 0; i < count; ++i) {
      const double true_energy =
          HandEnergy(dataset_->parameters, inputs.row(i));
      const double change = std::abs(
          HandEnergy(dataset_->parameters, predicted.row(i)) - true_energy);
      sum += change;
      relative_sum += change / std::abs(true_energy);
    }
    const double expected = sum / count;
    EXPECT_GT(expected, 0);
    EXPECT_NEAR(Jump(jump).mean_abs_energy_change(), expected,
                1e-9 * expected + 1e-12);
    // The same relative to the true energy, as the published analysis
    // reports it.
    const double expected_relative = relative_sum / count;
    EXPECT_NEAR(Jump(jump).mean_relative_energy_change(), expected_relative,
                1e-9 * expected_relative + 1e-15);
    EXPECT_NE(expected_relative, expected);
  }
}

// The same trajectories imported (//data_gen:import) without a Hamiltonian:
// the losses are those of the generated dataset to the bit, the energy
// changes and true frequencies are absent (never computed from a stand-in),
// and with the harmonic Hamiltonian named the energy changes come back.
TEST_F(EvaluationTest, ImportedTrajectoriesLeaveTheTruthOut) {
  EvaluationOptions options = SmallOptions();
  options.jumps = {1, 5};
  options.measure_timing = false;
  absl::StatusOr<EvaluationReport> generated =
      EvaluateModel(*predictor_, *dataset_, options);
  ASSERT_TRUE(generated.ok()) << generated.status();
  ImportedTrajectories source;
  source.set_format("npy");
  source.add_files("q.npy");
  absl::StatusOr<data_gen::ImportedDataset> imported =
      data_gen::MakeImportedDataset({dataset_->t, dataset_->q, dataset_->p},
                                    "mine", source, nullptr);
  ASSERT_TRUE(imported.ok()) << imported.status();
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(*predictor_, imported->dataset, options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->jumps_size(), 2);
  for (int i = 0; i < 2; ++i) {
    const JumpMetrics& m = report->jumps(i);
    EXPECT_FALSE(m.has_mean_abs_energy_change());
    EXPECT_FALSE(m.has_mean_relative_energy_change());
    EXPECT_TRUE(generated->jumps(i).has_mean_abs_energy_change());
    EXPECT_EQ(m.prediction_loss(), generated->jumps(i).prediction_loss());
    EXPECT_EQ(m.random_phase_loss(), generated->jumps(i).random_phase_loss());
  }
  EXPECT_TRUE(report->true_frequencies().empty());
  EXPECT_TRUE(report->frequencies().empty());
  EXPECT_FALSE(generated->frequencies().empty());
  EXPECT_EQ(report->angular_velocities_size(),
            generated->angular_velocities_size());

  absl::StatusOr<ExperimentConfig> harmonic =
      ReadExperimentConfig("configs/harmonic/default.pbtxt");
  ASSERT_TRUE(harmonic.ok()) << harmonic.status();
  const data_gen::NamedHamiltonian hamiltonian{
      "configs/harmonic/default.pbtxt", harmonic->experiment, harmonic->text};
  imported = data_gen::MakeImportedDataset(
      {dataset_->t, dataset_->q, dataset_->p}, "mine", source, &hamiltonian);
  ASSERT_TRUE(imported.ok()) << imported.status();
  report = EvaluateModel(*predictor_, imported->dataset, options);
  ASSERT_TRUE(report.ok()) << report.status();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(report->jumps(i).mean_abs_energy_change(),
              generated->jumps(i).mean_abs_energy_change());
  }
  EXPECT_TRUE(report->true_frequencies().empty());
}

TEST_F(EvaluationTest, TimingsAreOrderedAndRecordTheirSettings) {
  for (const JumpMetrics& m : report_->jumps()) {
    SCOPED_TRACE(m.jump());
    ASSERT_TRUE(m.has_single_state());
    ASSERT_TRUE(m.has_batch());
    EXPECT_EQ(m.single_state().batch_size(), 1);
    EXPECT_EQ(m.batch().batch_size(), 500);
    for (const Timing& t : {m.single_state(), m.batch()}) {
      EXPECT_EQ(t.repetitions(), 5);
      EXPECT_EQ(t.warmup_calls(), 1);
      EXPECT_GT(t.min_seconds(), 0);
      EXPECT_LE(t.min_seconds(), t.p10_seconds());
      EXPECT_LE(t.p10_seconds(), t.median_seconds());
      EXPECT_LE(t.median_seconds(), t.p90_seconds());
      EXPECT_LE(t.p90_seconds(), t.max_seconds());
    }
  }
}

TEST_F(EvaluationTest, BatchTimingCyclesTheTestStates) {
  EvaluationOptions options;
  options.jumps = {1};
  options.timing_repetitions = 1;
  options.timing_warmup = 0;
  options.timing_batch_size = 2 * kNumTest + 3;
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(*predictor_, *dataset_, options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->jumps_size(), 1);
  const Timing& batch = report->jumps(0).batch();
  EXPECT_EQ(batch.batch_size(), 2 * kNumTest + 3);
  EXPECT_EQ(batch.repetitions(), 1);
  // One measurement: every statistic is that measurement.
  EXPECT_EQ(batch.min_seconds(), batch.max_seconds());
  EXPECT_EQ(batch.median_seconds(), batch.p10_seconds());
}

TEST_F(EvaluationTest, TimingBudgetAndBatchJumpLimit) {
  EvaluationOptions options = SmallOptions();
  options.timing_repetitions = 50;
  options.timing_warmup = 4;
  options.timing_budget_seconds = 1e-9;  // every call exceeds it
  options.batch_timing_max_jump = 1;
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(*predictor_, *dataset_, options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_GE(report->jumps_size(), 2);
  for (const JumpMetrics& m : report->jumps()) {
    SCOPED_TRACE(m.jump());
    EXPECT_EQ(m.single_state().repetitions(), 1);
    EXPECT_EQ(m.single_state().warmup_calls(), 1);
    EXPECT_EQ(m.has_batch(), m.jump() <= 1);
  }
}

// eval --timing_repetitions=2000000000 ran for hours and reserved 16 GB:
// the time of the timings is estimated first and refused over the limit,
// in a moment, naming the flags and the estimate.
TEST_F(EvaluationTest, TimingsOverTheTimeLimitAreRefusedUpFront) {
  EvaluationOptions options = SmallOptions();
  options.timing_repetitions = 2000000000;
  options.max_timing_seconds = 3600;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(*predictor_, *dataset_, options);
  EXPECT_LT(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count(),
      10.0);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(report.status().message()),
              ::testing::AllOf(HasSubstr("--timing_repetitions=2000000000: "),
                               HasSubstr("would take about "),
                               HasSubstr("over --max_timing_seconds=3600")))
      << report.status();
  // Within the limit, or with a time budget per timing, it runs.
  options.timing_repetitions = 3;
  EXPECT_TRUE(EvaluateModel(*predictor_, *dataset_, options).ok());
  options.timing_repetitions = 2000000000;
  options.timing_budget_seconds = 0.01;
  EXPECT_TRUE(EvaluateModel(*predictor_, *dataset_, options).ok());
}

TEST_F(EvaluationTest, CappedPairsAreEvenlySpacedAndRecomputable) {
  EvaluationOptions options = SmallOptions();
  options.measure_timing = false;
  options.jumps = {1};
  options.max_pairs_per_jump = 7;
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(*predictor_, *dataset_, options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->jumps_size(), 1);
  EXPECT_EQ(report->jumps(0).num_pairs(), 7);
  // Independently: the same 7 pairs picked by hand.
  const data_gen::SampleRange test = {dataset_->num_samples() - kNumTest,
                                      kNumTest};
  const data_gen::StatePairs all = data_gen::MakePairs(*dataset_, test, 1);
  double sum = 0;
  for (int i = 0; i < 7; ++i) {
    const Eigen::Index row = i * all.inputs.rows() / 7;
    const Eigen::MatrixXd predicted =
        predictor_->Predict(all.inputs.row(row), 1.0);
    sum += (predictor_->scaler().Transform(predicted) -
            predictor_->scaler().Transform(all.targets.row(row)))
               .squaredNorm();
  }
  EXPECT_NEAR(report->jumps(0).prediction_loss(),
              sum / (7.0 * all.inputs.cols()), 1e-12);
}

// The test split's population standard deviations, written out.
std::vector<double> TestSplitDeviations(const Eigen::MatrixXd& test_states) {
  std::vector<double> deviations;
  for (Eigen::Index c = 0; c < test_states.cols(); ++c) {
    double mean = 0;
    for (Eigen::Index i = 0; i < test_states.rows(); ++i) {
      mean += test_states(i, c);
    }
    mean /= test_states.rows();
    double variance = 0;
    for (Eigen::Index i = 0; i < test_states.rows(); ++i) {
      variance += (test_states(i, c) - mean) * (test_states(i, c) - mean);
    }
    deviations.push_back(std::sqrt(variance / test_states.rows()));
  }
  return deviations;
}

TEST_F(EvaluationTest, CommonUnitLossAndTrivialLevelsByHand) {
  const int first = dataset_->num_samples() - kNumTest;
  const Eigen::MatrixXd test_states = States(first, kNumTest);
  const std::vector<double> test_sd = TestSplitDeviations(test_states);
  const StandardScaler& scaler = predictor_->scaler();
  for (int jump : {5, 400}) {
    SCOPED_TRACE(jump);
    const int count = kNumTest - jump;
    const Eigen::MatrixXd inputs = States(first, count);
    const Eigen::MatrixXd targets = States(first + jump, count);
    const Eigen::MatrixXd predicted = predictor_->Predict(inputs, jump * 1.0);
    const int d = static_cast<int>(inputs.cols());
    // In each unit (0: the training scaler's, 1: the test split's): the
    // model, the training mean, and every state of the test split as the
    // prediction of every target (the random phase, all phases averaged).
    double model[2] = {0, 0}, mean[2] = {0, 0}, phase[2] = {0, 0};
    for (int i = 0; i < count; ++i) {
      for (int c = 0; c < d; ++c) {
        const double sd[2] = {scaler.scale()[c], test_sd[c]};
        for (int u = 0; u < 2; ++u) {
          const double e = (predicted(i, c) - targets(i, c)) / sd[u];
          model[u] += e * e;
          const double m = (scaler.mean()[c] - targets(i, c)) / sd[u];
          mean[u] += m * m;
          for (int s = 0; s < kNumTest; ++s) {
            const double r = (test_states(s, c) - targets(i, c)) / sd[u];
            phase[u] += r * r / kNumTest;
          }
        }
      }
    }
    const double pairs = static_cast<double>(count) * d;
    const JumpMetrics& m = Jump(jump);
    EXPECT_NEAR(m.prediction_loss(), model[0] / pairs, 1e-10 * model[0]);
    ASSERT_TRUE(m.has_prediction_loss_test_scaled());
    EXPECT_NEAR(m.prediction_loss_test_scaled(), model[1] / pairs,
                1e-10 * model[1]);
    // The test split's spread is not the training split's.
    EXPECT_GT(std::abs(model[1] / model[0] - 1), 1e-3);
    EXPECT_NEAR(m.train_mean_loss(), mean[0] / pairs, 1e-10 * mean[0]);
    EXPECT_NEAR(m.train_mean_loss_test_scaled(), mean[1] / pairs,
                1e-10 * mean[1]);
    EXPECT_NEAR(m.random_phase_loss(), phase[0] / pairs, 1e-9 * phase[0]);
    EXPECT_NEAR(m.random_phase_loss_test_scaled(), phase[1] / pairs,
                1e-9 * phase[1]);
    EXPECT_EQ(m.num_failed_pairs(), 0);
    EXPECT_EQ(m.failure(), "");
    EXPECT_FALSE(m.single_state().failed());
    EXPECT_FALSE(m.batch().failed());
  }
}

// With several trajectories and capped pairs, the random phase of each pair
// is drawn from its own trajectory's test split.
TEST_F(EvaluationTest, RandomPhaseLevelUsesEachPairsOwnTrajectory) {
  absl::StatusOr<ExperimentConfig> data =
      ReadExperimentConfig("configs/harmonic/default.pbtxt");
  ASSERT_TRUE(data.ok());
  data->experiment.mutable_simulation()->set_num_trajectories(3);
  data->experiment.mutable_simulation()
      ->mutable_harmonic()
      ->set_trajectory_sampling(UNIFORM);
  absl::StatusOr<data_gen::Dataset> three =
      data_gen::GenerateDataset(data->experiment, data->text);
  ASSERT_TRUE(three.ok()) << three.status();
  EvaluationOptions options = SmallOptions();
  options.jumps = {5};
  options.measure_timing = false;
  options.max_pairs_per_jump = 50;
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(*predictor_, *three, options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->jumps_size(), 1);
  const int first = three->num_samples() - kNumTest;
  const int per_trajectory = kNumTest - 5;
  const int total = 3 * per_trajectory;
  const Eigen::RowVectorXd& sd = predictor_->scaler().scale();
  double sum = 0;
  for (int i = 0; i < 50; ++i) {
    const int row = i * total / 50;
    const int k = row / per_trajectory;
    const int t = first + row % per_trajectory + 5;
    for (int c = 0; c < 4; ++c) {
      const Eigen::MatrixXd& x = c < 2 ? three->q[k] : three->p[k];
      const double target = x(t, c % 2);
      for (int s = first; s < three->num_samples(); ++s) {
        const double r = (x(s, c % 2) - target) / sd[c];
        sum += r * r / kNumTest;
      }
    }
  }
  const double expected = sum / (50 * 4);
  EXPECT_EQ(report->jumps(0).num_pairs(), 50);
  EXPECT_NEAR(report->jumps(0).random_phase_loss(), expected, 1e-9 * expected);
}

// A small Neural ODE solving in float32, so that a state beyond float's
// range fails its solve, and a too-steep field overflows it.
constexpr char kFloat32NeuralOdeConfig[] = R"pb(
  name: "tiny_ode"
  model {
    neural_ode {
      encoder {
        flow {
          num_layers: 2
          hidden_width: 8
          activation: "sigmoid"
          conditioner: GATED
          weight_init_stddev: 0.1
        }
      }
      derivative_net {
        hidden_widths: [ 8, 8 ]
        activation: "relu"
      }
      solver { mode: CONSTANT step: 0.1 precision: FLOAT32 }
    }
  }
  training {
    num_steps: 10
    batch_size: 10
    learning_rate: 1e-3
    train_split_proportion: 0.1
    num_test_samples: 500
    max_jump: 10
    action_variance_weight: 1.0
    eval_every: 5
    test_jumps: [ 1 ]
    seed: 0
  }
)pb";

// `config` with random parameters of standard deviation `stddev`, through a
// checkpoint under `name`, as EvaluateCheckpoint would load it.
Predictor MakePredictor(const char* config, double stddev,
                        const data_gen::Dataset& dataset,
                        const StandardScaler& scaler, const std::string& name) {
  EXPECT_EQ(2 * dataset.num_degrees_of_freedom(), scaler.mean().size());
  absl::StatusOr<Checkpoint> checkpoint = aanet::testing::RandomCheckpoint(
      config, scaler.mean(), scaler.scale(), stddev, 11);
  EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
  checkpoint->dataset_path = "default.h5";
  const std::string path = TempPath(name + "/best.h5");
  EXPECT_TRUE(WriteCheckpoint(*checkpoint, path).ok());
  absl::StatusOr<Predictor> predictor = Predictor::Load(path);
  EXPECT_TRUE(predictor.ok()) << predictor.status();
  return *std::move(predictor);
}

// Two test states beyond float's range fail the float32 solve of every row
// of a batch they are in: the evaluation finds exactly those rows, averages
// over the others, and records the failed timings.
TEST_F(EvaluationTest, FailedRowsAreFoundCountedAndLeftOut) {
  const Predictor predictor =
      MakePredictor(kFloat32NeuralOdeConfig, 0.3, *dataset_,
                    predictor_->scaler(), "float32_ode");
  data_gen::Dataset dataset = *dataset_;
  const int first = dataset.num_samples() - kNumTest;
  for (int sample : {first, first + 7}) {
    dataset.q[0].row(sample).setConstant(1e40);
    dataset.p[0].row(sample).setConstant(-1e40);
  }
  EvaluationOptions options = SmallOptions();
  options.jumps = {1, 5};
  options.timing_repetitions = 2;
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(predictor, dataset, options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->jumps_size(), 2);
  for (const JumpMetrics& m : report->jumps()) {
    SCOPED_TRACE(m.jump());
    const int count = kNumTest - m.jump();
    EXPECT_EQ(m.num_pairs(), count);
    // The pairs starting at the two huge states, and only those.
    EXPECT_EQ(m.num_failed_pairs(), 2);
    EXPECT_THAT(m.failure(), HasSubstr("the latent ODE solve failed"));
    EXPECT_THAT(m.failure(), HasSubstr("y0: must be finite"));
    // The batched prediction of all rows fails, as the issue says.
    Eigen::MatrixXd inputs(count, 4), targets(count, 4);
    for (int i = 0; i < count; ++i) {
      inputs.row(i) << dataset.q[0].row(first + i), dataset.p[0].row(first + i);
      targets.row(i) << dataset.q[0].row(first + i + m.jump()),
          dataset.p[0].row(first + i + m.jump());
    }
    EXPECT_FALSE(predictor.Predict(inputs, m.jump()).allFinite());
    // The others, predicted as one batch.
    Eigen::MatrixXd kept_inputs(count - 2, 4), kept_targets(count - 2, 4);
    int kept = 0;
    for (int i = 0; i < count; ++i) {
      if (i == 0 || i == 7) continue;
      kept_inputs.row(kept) = inputs.row(i);
      kept_targets.row(kept++) = targets.row(i);
    }
    const Eigen::MatrixXd predicted = predictor.Predict(kept_inputs, m.jump());
    ASSERT_TRUE(predicted.allFinite());
    const StandardScaler& scaler = predictor.scaler();
    const double expected =
        (scaler.Transform(predicted) - scaler.Transform(kept_targets))
            .squaredNorm() /
        (4.0 * (count - 2));
    EXPECT_TRUE(std::isfinite(m.prediction_loss()));
    EXPECT_NEAR(m.prediction_loss(), expected, 1e-6 * expected);
    EXPECT_TRUE(std::isfinite(m.prediction_loss_test_scaled()));
    EXPECT_TRUE(std::isfinite(m.mean_abs_energy_change()));
    // The first test state is one of them: the single-state timing fails at
    // its first (warm-up) call; the batch holds both.
    for (const Timing& t : {m.single_state(), m.batch()}) {
      EXPECT_TRUE(t.failed());
      EXPECT_THAT(t.failure(), HasSubstr("the latent ODE solve failed"));
      EXPECT_TRUE(std::isnan(t.median_seconds()));
      EXPECT_EQ(t.warmup_calls(), 1);
      EXPECT_EQ(t.repetitions(), 0);
    }
  }
  // Written and read back as such.
  const std::string path = TempPath("failed/evaluation.json");
  ASSERT_TRUE(WriteEvaluationJson(*report, path).ok());
  const std::string text = ReadAll(path);
  EXPECT_THAT(text, HasSubstr("\"num_failed_pairs\": 2"));
  EXPECT_THAT(text, HasSubstr("\"failed\": true"));
  absl::StatusOr<EvaluationReport> read = ReadEvaluationJson(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->jumps(0).num_failed_pairs(), 2);
}

// A field steep enough to overflow float32 fails every row: no loss is
// averaged (NaN), every pair is counted, and no time is recorded.
TEST_F(EvaluationTest, AnOverflowingModelIsNeverAveragedOrTimed) {
  const Predictor predictor =
      MakePredictor(kFloat32NeuralOdeConfig, 30.0, *dataset_,
                    predictor_->scaler(), "overflowing_ode");
  EvaluationOptions options = SmallOptions();
  options.jumps = {50};
  options.timing_repetitions = 3;
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(predictor, *dataset_, options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->jumps_size(), 1);
  const JumpMetrics& m = report->jumps(0);
  EXPECT_EQ(m.num_failed_pairs(), kNumTest - 50);
  EXPECT_EQ(m.num_failed_pairs(), m.num_pairs());
  EXPECT_THAT(m.failure(), HasSubstr("the latent ODE solve failed"));
  EXPECT_TRUE(std::isnan(m.prediction_loss()));
  EXPECT_TRUE(std::isnan(m.prediction_loss_test_scaled()));
  EXPECT_TRUE(std::isnan(m.mean_abs_energy_change()));
  // The levels do not depend on the model.
  EXPECT_GT(m.train_mean_loss(), 0);
  EXPECT_GT(m.random_phase_loss_test_scaled(), 0);
  EXPECT_TRUE(m.single_state().failed());
  EXPECT_TRUE(m.batch().failed());
  EXPECT_TRUE(std::isnan(m.batch().min_seconds()));
}

TEST_F(EvaluationTest, NoTimingWhenDisabled) {
  EvaluationOptions options = SmallOptions();
  options.measure_timing = false;
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(*predictor_, *dataset_, options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->jumps_size(), 3);
  for (int i = 0; i < report->jumps_size(); ++i) {
    const JumpMetrics& m = report->jumps(i);
    EXPECT_FALSE(m.has_single_state());
    EXPECT_FALSE(m.has_batch());
    // The metrics themselves do not depend on timing.
    EXPECT_EQ(m.prediction_loss(), report_->jumps(i).prediction_loss());
    EXPECT_EQ(m.mean_abs_energy_change(),
              report_->jumps(i).mean_abs_energy_change());
  }
}

TEST_F(EvaluationTest, AngularVelocitiesOnEveryTestStateAndTheirMatch) {
  const int n = dataset_->num_degrees_of_freedom();
  EXPECT_EQ(report_->num_latent_pairs(), n);
  ASSERT_EQ(report_->angular_velocities_size(), kNumTest * n);
  absl::StatusOr<ActionAngleState> inspected =
      predictor_->Inspect(States(dataset_->num_samples() - kNumTest, kNumTest));
  ASSERT_TRUE(inspected.ok()) << inspected.status();
  for (int row : {0, 1, kNumTest - 1}) {
    for (int col = 0; col < n; ++col) {
      EXPECT_EQ(report_->angular_velocities(row * n + col),
                inspected->angular_velocities(row, col))
          << row << ", " << col;
    }
  }
  ASSERT_EQ(report_->true_frequencies_size(), n);
  for (int k = 0; k < n; ++k) {
    EXPECT_EQ(report_->true_frequencies(k),
              dataset_->parameters.Find("normal_modes/frequencies")->values[k]);
  }
  ASSERT_EQ(report_->frequencies_size(), n);
  std::vector<int> latent;
  for (const aanet::FrequencyMatch& m : report_->frequencies()) {
    latent.push_back(m.latent_index());
    const double mean =
        inspected->angular_velocities.col(m.latent_index()).cwiseAbs().mean();
    EXPECT_NEAR(m.learned_mean(), mean, 1e-12 * mean);
    EXPECT_GE(m.learned_std(), 0);
    EXPECT_NEAR(
        m.relative_error(),
        std::abs(m.learned_mean() - m.true_frequency()) / m.true_frequency(),
        1e-12);
  }
  EXPECT_THAT(latent, ::testing::UnorderedElementsAre(0, 1));
  EXPECT_LT(report_->frequencies(0).true_frequency(),
            report_->frequencies(1).true_frequency());
}

TEST_F(EvaluationTest, JsonRoundTripGivesAnEqualMessage) {
  const std::string path = TempPath("round_trip/evaluation.json");
  ASSERT_TRUE(WriteEvaluationJson(*report_, path).ok());
  absl::StatusOr<EvaluationReport> read = ReadEvaluationJson(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*read, *report_));
  // The documented JSON names, zero-valued fields included.
  const std::string text = ReadAll(path);
  EXPECT_THAT(text, HasSubstr("\"prediction_loss\""));
  EXPECT_THAT(text, HasSubstr("\"mean_abs_energy_change\""));
  EXPECT_THAT(text, HasSubstr("\"median_seconds\""));
  EXPECT_THAT(text, HasSubstr("\"checkpoint_path\": \"\""));
}

TEST_F(EvaluationTest, WriteReplacesAnExistingFileAndLeavesNoTemporary) {
  const std::string dir = TempPath("atomic");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = dir + "/evaluation.json";
  std::ofstream(path) << "old contents";
  ASSERT_TRUE(WriteEvaluationJson(*report_, path).ok());
  EXPECT_NE(ReadAll(path), "old contents");
  absl::StatusOr<EvaluationReport> read = ReadEvaluationJson(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*read, *report_));
  std::vector<std::string> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    files.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(files, ElementsAre("evaluation.json"));

  // A directory in the way: an error naming the path, and no temporary.
  const std::string blocked = dir + "/blocked";
  fs::create_directories(blocked + "/inner");
  absl::Status status = WriteEvaluationJson(*report_, blocked);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr(blocked));
  files.clear();
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    files.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(files,
              ::testing::UnorderedElementsAre("evaluation.json", "blocked"));
}

TEST_F(EvaluationTest, ReadErrorsNameTheFile) {
  const std::string missing = TempPath("missing.json");
  absl::StatusOr<EvaluationReport> read = ReadEvaluationJson(missing);
  EXPECT_TRUE(absl::IsNotFound(read.status())) << read.status();
  EXPECT_THAT(std::string(read.status().message()), HasSubstr(missing));

  const std::string garbage = TempPath("garbage.json");
  std::ofstream(garbage) << "{\"no_such_field\": 1}";
  read = ReadEvaluationJson(garbage);
  EXPECT_TRUE(absl::IsInvalidArgument(read.status())) << read.status();
  EXPECT_THAT(std::string(read.status().message()),
              HasSubstr(garbage + ": not an evaluation report"));
}

TEST_F(EvaluationTest, RejectsInvalidOptions) {
  EvaluationOptions options;
  options.jumps = {1, 0};
  EXPECT_THAT(std::string(ValidateEvaluationOptions(options).message()),
              HasSubstr("jumps: 0 is not >= 1"));
  options.jumps = {5, 5};
  EXPECT_THAT(std::string(ValidateEvaluationOptions(options).message()),
              HasSubstr("jumps: 5 is listed twice"));
  options.jumps = {1};
  options.timing_repetitions = 0;
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(*predictor_, *dataset_, options);
  EXPECT_TRUE(absl::IsInvalidArgument(report.status()));
  EXPECT_THAT(std::string(report.status().message()),
              HasSubstr("timing_repetitions"));
  options = EvaluationOptions();
  options.vpt_max_jump = -1;
  EXPECT_THAT(std::string(ValidateEvaluationOptions(options).message()),
              HasSubstr("vpt_max_jump: must be >= 0"));
}

TEST_F(EvaluationTest, RejectsADatasetOfOtherDegreesOfFreedom) {
  absl::StatusOr<ExperimentConfig> data =
      ReadExperimentConfig("configs/harmonic/default.pbtxt");
  ASSERT_TRUE(data.ok());
  data->experiment.mutable_simulation()->mutable_harmonic()->set_num_particles(
      3);
  absl::StatusOr<data_gen::Dataset> three =
      data_gen::GenerateDataset(data->experiment, data->text);
  ASSERT_TRUE(three.ok()) << three.status();
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(*predictor_, *three, SmallOptions());
  EXPECT_TRUE(absl::IsInvalidArgument(report.status()));
  EXPECT_THAT(
      std::string(report.status().message()),
      HasSubstr("has 3 degrees of freedom; the model was trained on 2"));
}

TEST_F(EvaluationTest, EvaluateCheckpointRecordsThePaths) {
  const std::string dataset_path = TempPath("data/default.h5");
  ASSERT_TRUE(data_gen::WriteDataset(*dataset_, dataset_path).ok());
  EvaluationOptions options = SmallOptions();
  options.measure_timing = false;
  absl::StatusOr<EvaluationReport> report =
      EvaluateCheckpoint(*checkpoint_path_, dataset_path, options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->checkpoint_path(), *checkpoint_path_);
  EXPECT_EQ(report->dataset_path(), dataset_path);
  ASSERT_EQ(report->jumps_size(), 3);
  EXPECT_EQ(report->jumps(2).prediction_loss(),
            report_->jumps(2).prediction_loss());
  EXPECT_EQ(report->config_text(), kConfig);

  absl::StatusOr<EvaluationReport> missing =
      EvaluateCheckpoint(*checkpoint_path_, TempPath("none.h5"), options);
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("none.h5"));
}

// A checkpoint records its training dataset; evaluating it on another one
// is refused unless allowed; an older checkpoint without it gets a warning.
TEST_F(EvaluationTest, EvaluateCheckpointChecksTheTrainingDataset) {
  const std::string same_path = TempPath("identity/default.h5");
  ASSERT_TRUE(data_gen::WriteDataset(*dataset_, same_path).ok());
  absl::StatusOr<ExperimentConfig> data =
      ReadExperimentConfig("configs/harmonic/default.pbtxt");
  ASSERT_TRUE(data.ok());
  data->experiment.mutable_simulation()->mutable_harmonic()->set_k_pair(0.25);
  absl::StatusOr<data_gen::Dataset> other =
      data_gen::GenerateDataset(data->experiment, data->text);
  ASSERT_TRUE(other.ok());
  const std::string other_path = TempPath("identity/other.h5");
  ASSERT_TRUE(data_gen::WriteDataset(*other, other_path).ok());

  absl::StatusOr<Checkpoint> checkpoint = ReadCheckpoint(*checkpoint_path_);
  ASSERT_TRUE(checkpoint.ok());
  checkpoint->dataset_config_text = dataset_->config_text;
  checkpoint->dataset_hash = data_gen::DatasetHash(*dataset_);
  const std::string path = TempPath("identity/best.h5");
  ASSERT_TRUE(WriteCheckpoint(*checkpoint, path).ok());

  EvaluationOptions options = SmallOptions();
  options.measure_timing = false;
  EXPECT_TRUE(EvaluateCheckpoint(path, same_path, options).ok());
  absl::StatusOr<EvaluationReport> refused =
      EvaluateCheckpoint(path, other_path, options);
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status()));
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("was trained on another dataset ('harmonic_k_pair_0.5'"
                        ", hash " +
                        checkpoint->dataset_hash + ") than " + other_path));
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("--allow_other_dataset"));
  options.allow_other_dataset = true;
  EXPECT_TRUE(EvaluateCheckpoint(path, other_path, options).ok());

  // The suite's checkpoint records no dataset: evaluated, with a warning.
  options.allow_other_dataset = false;
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(EvaluateCheckpoint(*checkpoint_path_, other_path, options).ok());
  const std::string warning = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(warning, HasSubstr("does not record its training dataset"));
  EXPECT_EQ(std::count(warning.begin(), warning.end(), '\n'), 1);
}

TEST_F(EvaluationTest, MeasuresTheValidPredictionTime) {
  // SmallOptions leave vpt_max_jump at its default.
  ASSERT_TRUE(report_->has_vpt());
  const ValidPredictionTime& vpt = report_->vpt();
  EXPECT_EQ(vpt.max_jump(), kDefaultVptMaxJump);
  EXPECT_DOUBLE_EQ(vpt.max_time(), kDefaultVptMaxJump * 1.0);
  EXPECT_EQ(vpt.threshold(), kVptThreshold);
  EXPECT_EQ(vpt.num_start_states(), 50);
  ASSERT_EQ(vpt.start_rows_size(), 50);
  EXPECT_EQ(vpt.start_rows(1), kNumTest / 50);
  EXPECT_EQ(vpt.times_size(), 50);
  EXPECT_FALSE(report_->has_held_out());
  EXPECT_EQ(report_->held_out_trajectories_size(), 0);

  // The same states through MeasureVpt, sigma from the test split.
  Eigen::MatrixXd start(50, 4);
  for (int i = 0; i < 50; ++i) {
    start.row(i) = States(1000 - kNumTest + vpt.start_rows(i), 1);
  }
  absl::StatusOr<StandardScaler> test_scaler =
      StandardScaler::Fit(States(1000 - kNumTest, kNumTest));
  ASSERT_TRUE(test_scaler.ok());
  absl::StatusOr<ValidPredictionTime> direct = MeasureVpt(
      *predictor_, *dataset_, start, test_scaler->scale(), kDefaultVptMaxJump);
  ASSERT_TRUE(direct.ok()) << direct.status();
  EXPECT_THAT(vpt.times(), ::testing::ElementsAreArray(direct->times()));
  EXPECT_EQ(vpt.median_time(), direct->median_time());

  // vpt_max_jump 0: no VPT, and every other number as with it.
  EvaluationOptions options = SmallOptions();
  options.measure_timing = false;
  absl::StatusOr<EvaluationReport> with =
      EvaluateModel(*predictor_, *dataset_, options);
  options.vpt_max_jump = 0;
  absl::StatusOr<EvaluationReport> without =
      EvaluateModel(*predictor_, *dataset_, options);
  ASSERT_TRUE(with.ok() && without.ok());
  EXPECT_FALSE(without->has_vpt());
  with->clear_vpt();
  with->clear_wall_seconds();
  without->clear_wall_seconds();
  EXPECT_TRUE(MessageDifferencer::Equals(*with, *without));
}

// Trajectory 1 of three held out: the main metrics are those of an
// evaluation of trajectories 0 and 2 alone, the held_out block those of
// trajectory 1 alone; the VPT of both blocks takes sigma from all three.
TEST(HeldOutEvaluationTest, HeldOutTrajectoriesAreEvaluatedApart) {
  absl::StatusOr<ExperimentConfig> data =
      ReadExperimentConfig("configs/harmonic/default.pbtxt");
  ASSERT_TRUE(data.ok()) << data.status();
  Experiment simulation = data->experiment;
  simulation.mutable_simulation()->set_num_trajectories(3);
  simulation.mutable_simulation()->mutable_harmonic()->set_trajectory_sampling(
      UNIFORM);
  std::string simulation_text;
  google::protobuf::TextFormat::PrintToString(simulation, &simulation_text);
  absl::StatusOr<data_gen::Dataset> dataset =
      data_gen::GenerateDataset(simulation, simulation_text);
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  absl::StatusOr<StandardScaler> scaler = StandardScaler::Fit(
      data_gen::RangeStates(*dataset, data_gen::SampleRange{0, 100}));
  ASSERT_TRUE(scaler.ok());

  std::string held_config = kConfig;
  held_config.replace(held_config.find("seed: 0"), 7,
                      "seed: 0 held_out_trajectories: [ 1 ]");
  auto load = [&](const std::string& config, const std::string& name) {
    absl::StatusOr<Checkpoint> checkpoint = aanet::testing::RandomCheckpoint(
        config, scaler->mean(), scaler->scale(), 0.3, 11);
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
    const std::string path = TempPath(name);
    EXPECT_TRUE(WriteCheckpoint(*checkpoint, path).ok());
    absl::StatusOr<Predictor> predictor = Predictor::Load(path);
    EXPECT_TRUE(predictor.ok()) << predictor.status();
    return *std::move(predictor);
  };
  const Predictor held = load(held_config, "held/best.h5");
  const Predictor plain = load(kConfig, "plain/best.h5");

  EvaluationOptions options;
  options.jumps = {1, 5};
  options.measure_timing = false;
  options.vpt_max_jump = 30;
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(held, *dataset, options);
  ASSERT_TRUE(report.ok()) << report.status();
  absl::StatusOr<EvaluationReport> trained =
      EvaluateModel(plain, SelectTrajectories(*dataset, {0, 2}), options);
  ASSERT_TRUE(trained.ok()) << trained.status();
  options.vpt_max_jump = 0;
  absl::StatusOr<EvaluationReport> apart =
      EvaluateModel(plain, SelectTrajectories(*dataset, {1}), options);
  ASSERT_TRUE(apart.ok()) << apart.status();

  EXPECT_THAT(report->held_out_trajectories(), ElementsAre(1));
  EXPECT_EQ(report->num_trajectories(), 3);
  ASSERT_EQ(report->jumps_size(), 2);
  ASSERT_TRUE(report->has_held_out());
  ASSERT_EQ(report->held_out().jumps_size(), 2);
  EXPECT_THAT(report->held_out().trajectories(), ElementsAre(1));
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(report->jumps(i).num_pairs(),
              2 * (kNumTest - report->jumps(i).jump()));
    EXPECT_EQ(report->jumps(i).prediction_loss(),
              trained->jumps(i).prediction_loss());
    EXPECT_EQ(report->jumps(i).prediction_loss_test_scaled(),
              trained->jumps(i).prediction_loss_test_scaled());
    const JumpMetrics& held_jump = report->held_out().jumps(i);
    EXPECT_EQ(held_jump.num_pairs(), kNumTest - held_jump.jump());
    EXPECT_EQ(held_jump.prediction_loss(), apart->jumps(i).prediction_loss());
    EXPECT_FALSE(held_jump.has_single_state());
    // A random model: the two blocks differ.
    EXPECT_NE(held_jump.prediction_loss(), report->jumps(i).prediction_loss());
  }
  // Angular velocities of the trained trajectories' test states only.
  EXPECT_EQ(report->angular_velocities_size(),
            2 * kNumTest * report->num_latent_pairs());

  // Both VPT blocks: 50 states each, sigma from every trajectory's test
  // split.
  absl::StatusOr<StandardScaler> all_test = StandardScaler::Fit(
      data_gen::RangeStates(*dataset, data_gen::SampleRange{500, 500}));
  ASSERT_TRUE(all_test.ok());
  const data_gen::Dataset held_data = SelectTrajectories(*dataset, {1});
  const Eigen::MatrixXd held_test =
      data_gen::RangeStates(held_data, data_gen::SampleRange{500, 500});
  Eigen::MatrixXd start(50, 4);
  for (int i = 0; i < 50; ++i) start.row(i) = held_test.row(10 * i);
  absl::StatusOr<ValidPredictionTime> direct =
      MeasureVpt(plain, held_data, start, all_test->scale(), 30);
  ASSERT_TRUE(direct.ok()) << direct.status();
  ASSERT_TRUE(report->held_out().has_vpt());
  EXPECT_THAT(report->held_out().vpt().times(),
              ::testing::ElementsAreArray(direct->times()));
  EXPECT_EQ(report->vpt().num_start_states(), 50);
  EXPECT_EQ(report->vpt().start_rows(1), 20);  // of 1,000 trained test states

  // A list the dataset cannot satisfy: one line naming the entry.
  std::string bad_config = kConfig;
  bad_config.replace(bad_config.find("seed: 0"), 7,
                     "seed: 0 held_out_trajectories: [ 3 ]");
  const Predictor bad = load(bad_config, "bad/best.h5");
  EXPECT_THAT(EvaluateModel(bad, *dataset, options).status().message(),
              HasSubstr("training.held_out_trajectories: 3 is not a "
                        "trajectory of the dataset (it has 3, numbered "
                        "0..2)"));
}

// Per-trajectory omega(I): every trajectory, trained and held out, its
// learned frequency and action over its own test window, the true values
// the dataset's, the action converted as eval/learned_actions says.
TEST(TrajectoryFrequencyTest, EveryTrajectoryItsOwnWindowAndTruth) {
  absl::StatusOr<ExperimentConfig> data =
      ReadExperimentConfig("configs/harmonic/default.pbtxt");
  ASSERT_TRUE(data.ok()) << data.status();
  Experiment simulation = data->experiment;
  simulation.mutable_simulation()->set_num_trajectories(3);
  simulation.mutable_simulation()->mutable_harmonic()->set_num_particles(1);
  simulation.mutable_simulation()->mutable_harmonic()->set_trajectory_sampling(
      UNIFORM);
  std::string simulation_text;
  google::protobuf::TextFormat::PrintToString(simulation, &simulation_text);
  absl::StatusOr<data_gen::Dataset> dataset =
      data_gen::GenerateDataset(simulation, simulation_text);
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  ASSERT_EQ(dataset->num_degrees_of_freedom(), 1);
  ASSERT_EQ(dataset->true_frequencies.rows(), 3);
  ASSERT_EQ(dataset->true_actions.rows(), 3);
  absl::StatusOr<StandardScaler> scaler = StandardScaler::Fit(
      data_gen::RangeStates(*dataset, data_gen::SampleRange{0, 100}));
  ASSERT_TRUE(scaler.ok());
  auto load = [&](const std::string& conditioner, const std::string& name) {
    std::string config = kConfig;
    config.replace(config.find("seed: 0"), 7,
                   "seed: 0 held_out_trajectories: [ 1 ]");
    config.replace(config.find("GATED"), 5, conditioner);
    absl::StatusOr<Checkpoint> checkpoint = aanet::testing::RandomCheckpoint(
        config, scaler->mean(), scaler->scale(), 0.3, 11);
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
    const std::string path = TempPath(name);
    EXPECT_TRUE(WriteCheckpoint(*checkpoint, path).ok());
    absl::StatusOr<Predictor> predictor = Predictor::Load(path);
    EXPECT_TRUE(predictor.ok()) << predictor.status();
    return *std::move(predictor);
  };
  const Predictor predictor = load("SYMPLECTIC_SKIP_GATE", "sym/best.h5");
  EvaluationOptions options;
  options.jumps = {1};
  options.measure_timing = false;
  options.vpt_max_jump = 0;
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(predictor, *dataset, options);
  ASSERT_TRUE(report.ok()) << report.status();

  absl::StatusOr<double> scale = PhysicalActionScale(predictor);
  ASSERT_TRUE(scale.ok()) << scale.status();
  EXPECT_EQ(report->action_conversion(), absl::StrFormat("C = %.17g", *scale));
  ASSERT_EQ(report->trajectory_frequencies_size(), 3);
  const Eigen::MatrixXd test_states =
      data_gen::RangeStates(*dataset, data_gen::SampleRange{500, 500});
  for (int k = 0; k < 3; ++k) {
    SCOPED_TRACE(k);
    const TrajectoryFrequency& f = report->trajectory_frequencies(k);
    EXPECT_EQ(f.trajectory(), k);
    EXPECT_EQ(f.held_out(), k == 1);
    EXPECT_THAT(f.latent_index(), ElementsAre(0));
    EXPECT_THAT(f.true_frequency(),
                ElementsAre(dataset->true_frequencies(k, 0)));
    EXPECT_THAT(f.true_action(), ElementsAre(dataset->true_actions(k, 0)));
    // Recomputed from this trajectory's window alone.
    absl::StatusOr<ActionAngleState> latent =
        predictor.Inspect(test_states.middleRows(500 * k, 500));
    ASSERT_TRUE(latent.ok()) << latent.status();
    const Eigen::ArrayXd omega = latent->angular_velocities.col(0).cwiseAbs();
    const Eigen::ArrayXd action =
        PhysicalActions(latent->actions.col(0), *scale).col(0).array();
    ASSERT_EQ(f.learned_mean_size(), 1);
    EXPECT_NEAR(f.learned_mean(0), omega.mean(), 1e-12 * omega.mean());
    EXPECT_NEAR(f.learned_std(0),
                std::sqrt((omega - omega.mean()).square().mean()), 1e-9);
    ASSERT_EQ(f.learned_action_mean_size(), 1);
    EXPECT_NEAR(f.learned_action_mean(0), action.mean(), 1e-12 * action.mean());
    EXPECT_NEAR(f.learned_action_std(0),
                std::sqrt((action - action.mean()).square().mean()), 1e-9);
    EXPECT_GT(f.learned_action_std(0), 0);  // a random flow: not constant
  }
  // Three amplitudes, three different windows.
  EXPECT_NE(report->trajectory_frequencies(0).learned_action_mean(0),
            report->trajectory_frequencies(2).learned_action_mean(0));

  // No one constant converts the actions: the reason, and no values.
  const Predictor published =
      load("PUBLISHED_PER_COORDINATE_GATE", "published/best.h5");
  report = EvaluateModel(published, *dataset, options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->action_conversion(),
              HasSubstr("keeps volume but not the symplectic form"));
  ASSERT_EQ(report->trajectory_frequencies_size(), 3);
  EXPECT_EQ(report->trajectory_frequencies(0).learned_mean_size(), 1);
  EXPECT_EQ(report->trajectory_frequencies(0).learned_action_mean_size(), 0);
  // Nor is there a basis to compare them in.
  EXPECT_FALSE(report->has_action_basis());
}

// A test-local system that conserves a quantity besides the energy: the
// isotropic planar oscillator H = (|q|^2 + |p|^2) / 2 (unit mass and
// frequency), q = (q_0, q_1), whose angular momentum L = q_0 p_1 - q_1 p_0
// the true dynamics conserve exactly. No parameters; the closed form is a
// rotation of each (q_i, p_i) plane by -t.
class PlanarOscillatorForTest final : public data_gen::System {
 public:
  std::string_view name() const override { return "planar_oscillator_test"; }
  absl::Status ValidateConfig(const SimulationConfig&) const override {
    return absl::OkStatus();
  }
  int DegreesOfFreedom(const SimulationConfig&) const override { return 2; }
  absl::StatusOr<data_gen::GeneratedTrajectories> Generate(
      const SimulationConfig&, const Eigen::VectorXd&) const override {
    return absl::UnimplementedError("built by hand in the test");
  }
  absl::Status CheckParameters(const data_gen::ParameterGroup&, int,
                               int) const override {
    return absl::OkStatus();
  }
  Eigen::VectorXd Energy(const data_gen::ParameterGroup&,
                         const Eigen::MatrixXd& states) const override {
    return 0.5 * states.rowwise().squaredNorm();
  }
  absl::StatusOr<Eigen::MatrixXd> Evolve(const data_gen::ParameterGroup&,
                                         const Eigen::MatrixXd& states,
                                         double dt) const override {
    Eigen::MatrixXd out(states.rows(), 4);
    out.leftCols(2) =
        states.leftCols(2) * std::cos(dt) + states.rightCols(2) * std::sin(dt);
    out.rightCols(2) =
        states.rightCols(2) * std::cos(dt) - states.leftCols(2) * std::sin(dt);
    return out;
  }
  absl::Status ActionsAndFrequencies(const data_gen::ParameterGroup&,
                                     const Eigen::MatrixXd&, Eigen::MatrixXd*,
                                     Eigen::MatrixXd*) const override {
    return absl::UnimplementedError("not needed here");
  }
  std::vector<std::string> ConservedQuantityNames() const override {
    return {"angular_momentum"};
  }
  Eigen::MatrixXd ConservedQuantities(
      const data_gen::ParameterGroup&,
      const Eigen::MatrixXd& states) const override {
    return (states.col(0).array() * states.col(3).array() -
            states.col(1).array() * states.col(2).array())
        .matrix();
  }
  std::string Describe(const data_gen::ParameterGroup&) const override {
    return "planar oscillator (test)";
  }
};
AANET_REGISTER_SYSTEM(PlanarOscillatorForTest);

// Three trajectories of the planar oscillator, 1000 samples at time step
// 0.05, each with its own angular momentum.
data_gen::Dataset PlanarDataset() {
  const PlanarOscillatorForTest system;
  data_gen::Dataset dataset;
  dataset.system = "planar_oscillator_test";
  dataset.name = "planar";
  dataset.t = Eigen::VectorXd::LinSpaced(1000, 0, 999 * 0.05);
  const double starts[3][4] = {
      {1, 0, 0, 0.5}, {0.3, -1.2, 0.8, 0.1}, {-2, 0.5, -0.4, -1.5}};
  dataset.energy.resize(3, 1000);
  for (const auto& start : starts) {
    const Eigen::RowVector4d initial(start[0], start[1], start[2], start[3]);
    Eigen::MatrixXd states(1000, 4);
    for (int j = 0; j < 1000; ++j) {
      states.row(j) = *system.Evolve({}, initial, dataset.t[j]);
    }
    dataset.energy.row(dataset.q.size()) = system.Energy({}, states);
    dataset.q.push_back(states.leftCols(2));
    dataset.p.push_back(states.rightCols(2));
  }
  // Each plane's action (q_i^2 + p_i^2) / 2 at frequency 1: degenerate.
  dataset.true_actions.resize(3, 2);
  for (int k = 0; k < 3; ++k) {
    for (int i = 0; i < 2; ++i) {
      dataset.true_actions(k, i) = 0.5 * (starts[k][i] * starts[k][i] +
                                          starts[k][2 + i] * starts[k][2 + i]);
    }
  }
  dataset.true_frequencies = Eigen::MatrixXd::Ones(3, 2);
  return dataset;
}

// An Action-Angle Network that is the true dynamics of uncoupled
// oscillators whose pair i turns at `omega`[i]: the flow is the identity
// (all parameters 0) and the angular velocity net's output bias -omega
// (the latent angle turns clockwise); with a scaler of mean 0 and
// (sigma_q, sigma_p) = (1, m omega) per pair its learned actions are the
// true ones, (m omega q^2 + p^2 / (m omega)) / 2.
Predictor ExactOscillatorNetwork(const Eigen::RowVectorXd& scale,
                                 const Eigen::RowVectorXd& omega,
                                 const std::string& name) {
  absl::StatusOr<Checkpoint> checkpoint = aanet::testing::RandomCheckpoint(
      kConfig, Eigen::RowVectorXd::Zero(scale.size()), scale, 0.0, 5);
  EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
  NamedMatrix& bias = checkpoint->parameters.back();
  EXPECT_THAT(bias.name, HasSubstr("angular_velocity_net"));
  EXPECT_EQ(bias.value.size(), omega.size());
  bias.value = -omega;
  const std::string path = TempPath(name);
  EXPECT_TRUE(WriteCheckpoint(*checkpoint, path).ok());
  absl::StatusOr<Predictor> predictor = Predictor::Load(path);
  EXPECT_TRUE(predictor.ok()) << predictor.status();
  return *std::move(predictor);
}

// The angular momentum along predictions: zero change for a model that
// moves states as the true dynamics do (an Action-Angle Network whose flow
// is the identity, turning every latent pair at -1 radian per time unit,
// on a unit scaler), a measurable one for a random network; recomputed by
// hand at one jump, and along the long rollout of the VPT's start states.
TEST(ConservedQuantityTest, DriftAlongPredictionsPerJumpAndAlongTheRollout) {
  const data_gen::Dataset dataset = PlanarDataset();
  const Eigen::RowVectorXd zero = Eigen::RowVectorXd::Zero(4);
  const Eigen::RowVectorXd one = Eigen::RowVectorXd::Ones(4);
  auto load = [&](double stddev, bool exact, const std::string& name) {
    absl::StatusOr<Checkpoint> checkpoint =
        aanet::testing::RandomCheckpoint(kConfig, zero, one, stddev, 5);
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
    if (exact) {
      // All parameters 0: the flow is the identity and omega the output
      // bias of the angular velocity net (its last parameter).
      NamedMatrix& bias = checkpoint->parameters.back();
      EXPECT_THAT(bias.name, HasSubstr("angular_velocity_net"));
      EXPECT_EQ(bias.value.size(), 2);
      bias.value.setConstant(-1.0);
    }
    const std::string path = TempPath(name);
    EXPECT_TRUE(WriteCheckpoint(*checkpoint, path).ok());
    absl::StatusOr<Predictor> predictor = Predictor::Load(path);
    EXPECT_TRUE(predictor.ok()) << predictor.status();
    return *std::move(predictor);
  };
  EvaluationOptions options;
  options.jumps = {1, 10, 100, 700};  // 700: beyond the test split
  options.measure_timing = false;
  options.vpt_max_jump = 150;

  const Predictor exact = load(0.0, true, "exact/best.h5");
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(exact, dataset, options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->jumps_size(), 3);
  for (const JumpMetrics& m : report->jumps()) {
    SCOPED_TRACE(m.jump());
    EXPECT_LT(m.prediction_loss(), 1e-20);  // it is the true dynamics
    ASSERT_EQ(m.conserved_quantities_size(), 1);
    EXPECT_EQ(m.conserved_quantities(0).name(), "angular_momentum");
    EXPECT_LT(m.conserved_quantities(0).mean_abs_change(), 1e-13);
    EXPECT_LT(m.conserved_quantities(0).mean_relative_change(), 1e-13);
  }
  ASSERT_EQ(report->vpt().conserved_quantities_size(), 1);
  const ConservedQuantityRollout& rollout =
      report->vpt().conserved_quantities(0);
  EXPECT_EQ(rollout.name(), "angular_momentum");
  // The evaluation's jumps up to max_jump, and max_jump.
  EXPECT_THAT(rollout.jumps(), ElementsAre(1, 10, 100, 150));
  EXPECT_THAT(rollout.dt(), ElementsAre(0.05, 0.5, 5.0, 7.5));
  EXPECT_THAT(rollout.num_failed(), ElementsAre(0, 0, 0, 0));
  for (double change : rollout.mean_relative_change()) {
    EXPECT_LT(change, 1e-13);
  }

  const Predictor random = load(0.3, false, "random/best.h5");
  report = EvaluateModel(random, dataset, options);
  ASSERT_TRUE(report.ok()) << report.status();
  const JumpMetrics& jump10 = report->jumps(1);
  ASSERT_EQ(jump10.jump(), 10);
  ASSERT_EQ(jump10.num_failed_pairs(), 0);
  // By hand: every pair of the test split, L before and after.
  const data_gen::StatePairs pairs =
      data_gen::MakePairs(dataset, data_gen::SampleRange{500, 500}, 10);
  const Eigen::MatrixXd predicted = random.Predict(pairs.inputs, 0.5);
  const PlanarOscillatorForTest system;
  const Eigen::ArrayXd before =
      system.ConservedQuantities({}, pairs.inputs).col(0).array();
  const Eigen::ArrayXd after =
      system.ConservedQuantities({}, predicted).col(0).array();
  const double abs_change = (after - before).abs().mean();
  const double relative_change = ((after - before).abs() / before.abs()).mean();
  EXPECT_GT(relative_change, 1e-3);  // a random network does not conserve it
  ASSERT_EQ(jump10.conserved_quantities_size(), 1);
  EXPECT_NEAR(jump10.conserved_quantities(0).mean_abs_change(), abs_change,
              1e-12 * abs_change);
  EXPECT_NEAR(jump10.conserved_quantities(0).mean_relative_change(),
              relative_change, 1e-12 * relative_change);
  const ConservedQuantityRollout& drift = report->vpt().conserved_quantities(0);
  ASSERT_EQ(drift.mean_relative_change_size(), 4);
  EXPECT_GT(drift.mean_relative_change(3), 1e-3);
  // The rollout from the VPT's start states, by hand at its last jump.
  const Eigen::MatrixXd test_states =
      data_gen::RangeStates(dataset, data_gen::SampleRange{500, 500});
  const std::vector<int> rows = VptStartRows(1500);
  Eigen::MatrixXd start(rows.size(), 4);
  for (size_t i = 0; i < rows.size(); ++i)
    start.row(i) = test_states.row(rows[i]);
  const std::vector<Eigen::MatrixXd> grid =
      random.PredictGrid(start, 0.05, 150);
  const Eigen::ArrayXd l0 =
      system.ConservedQuantities({}, start).col(0).array();
  const Eigen::ArrayXd l150 =
      system.ConservedQuantities({}, grid[149]).col(0).array();
  EXPECT_NEAR(drift.mean_abs_change(3), (l150 - l0).abs().mean(),
              1e-9 * (l150 - l0).abs().mean());
}

// Uncoupled harmonic oscillators (k_pair 0, so each particle is a normal
// mode) and a network that is their true dynamics: its learned actions are
// the true ones in its own latent order, so M is the permutation from the
// dataset's mode order to the particles', with residual ~0, and M^T maps
// the learned frequencies onto the true ones. No frequency is degenerate.
TEST(ActionBasisEvaluationTest, HarmonicBasisIsAPermutation) {
  absl::StatusOr<ExperimentConfig> data =
      ReadExperimentConfig("configs/harmonic/default.pbtxt");
  ASSERT_TRUE(data.ok()) << data.status();
  Experiment simulation = data->experiment;
  simulation.mutable_simulation()->set_num_trajectories(4);
  simulation.mutable_simulation()->mutable_harmonic()->set_k_pair(0.0);
  simulation.mutable_simulation()->mutable_harmonic()->set_trajectory_sampling(
      UNIFORM);
  std::string simulation_text;
  google::protobuf::TextFormat::PrintToString(simulation, &simulation_text);
  absl::StatusOr<data_gen::Dataset> dataset =
      data_gen::GenerateDataset(simulation, simulation_text);
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  const std::vector<double>& masses =
      dataset->parameters.Find("masses")->values;
  const std::vector<double>& k_wall =
      dataset->parameters.Find("k_wall")->values;
  Eigen::RowVectorXd omega(2), scale(4);
  for (int i = 0; i < 2; ++i) {
    omega[i] = std::sqrt(k_wall[i] / masses[i]);
    scale[i] = 1.0;
    scale[2 + i] = masses[i] * omega[i];
  }
  // The dataset's mode of each particle: the one with its frequency.
  Eigen::MatrixXi expected = Eigen::MatrixXi::Zero(2, 2);
  for (int i = 0; i < 2; ++i) {
    for (int mode = 0; mode < 2; ++mode) {
      if (std::abs(dataset->true_frequencies(0, mode) - omega[i]) <
          1e-9 * omega[i]) {
        expected(i, mode) = 1;
      }
    }
  }
  ASSERT_EQ(expected.sum(), 2) << dataset->true_frequencies;
  const Predictor predictor =
      ExactOscillatorNetwork(scale, omega, "harmonic_exact/best.h5");
  EvaluationOptions options;
  options.jumps = {1};
  options.measure_timing = false;
  options.vpt_max_jump = 0;
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(predictor, *dataset, options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->has_action_basis());
  const ActionBasis& basis = report->action_basis();
  EXPECT_EQ(basis.failure(), "");
  EXPECT_THAT(basis.basis(), ElementsAre(expected(0, 0), expected(0, 1),
                                         expected(1, 0), expected(1, 1)));
  EXPECT_TRUE(basis.explains());
  EXPECT_LT(basis.relative_residual(), 1e-6);
  EXPECT_EQ(basis.num_equivalent(), 1);
  EXPECT_EQ(basis.true_action_rank(), 2);
  EXPECT_EQ(basis.num_trajectories(), 4);
  ASSERT_EQ(basis.trajectories_size(), 4);
  for (const ActionBasisTrajectory& t : basis.trajectories()) {
    SCOPED_TRACE(t.trajectory());
    EXPECT_FALSE(t.degenerate());
    for (int i = 0; i < 2; ++i) {
      EXPECT_NEAR(t.mapped_frequency(i), t.true_frequency(i),
                  1e-12 * t.true_frequency(i));
      EXPECT_GT(t.learned_frequency(i), 0);  // the canonical sense
    }
  }
}

// The planar oscillator's two frequencies are equal: each trajectory is
// degenerate, and a network that is the true dynamics shows no precession.
TEST(ActionBasisEvaluationTest,
     DegenerateFrequenciesShowNoPrecessionWhenExact) {
  const data_gen::Dataset dataset = PlanarDataset();
  const Predictor predictor = ExactOscillatorNetwork(
      Eigen::RowVectorXd::Ones(4), Eigen::RowVectorXd::Ones(2),
      "planar_exact/best.h5");
  EvaluationOptions options;
  options.jumps = {1};
  options.measure_timing = false;
  options.vpt_max_jump = 0;
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(predictor, dataset, options);
  ASSERT_TRUE(report.ok()) << report.status();
  const ActionBasis& basis = report->action_basis();
  EXPECT_THAT(basis.basis(), ElementsAre(1, 0, 0, 1));
  EXPECT_LT(basis.relative_residual(), 1e-12);
  ASSERT_EQ(basis.trajectories_size(), 3);
  for (const ActionBasisTrajectory& t : basis.trajectories()) {
    EXPECT_TRUE(t.degenerate());
    EXPECT_EQ(t.degenerate_first(), 0);
    EXPECT_EQ(t.degenerate_second(), 1);
    EXPECT_LT(std::abs(t.precession_rate()), 1e-12);
    EXPECT_LT(std::abs(t.precession_per_orbit()), 1e-11);
  }
}

// The harmonic fixture (one trajectory, two modes): a basis is fitted to
// the random network from true actions of rank 1, which a real matrix
// always fits exactly; the rank says that M is not determined.
TEST_F(EvaluationTest, ActionBasisFromOneTrajectoryIsUndetermined) {
  ASSERT_TRUE(report_->has_action_basis());
  EXPECT_EQ(report_->action_basis().num_trajectories(), 1);
  EXPECT_EQ(report_->action_basis().true_action_rank(), 1);
  EXPECT_LT(report_->action_basis().real_relative_residual(), 1e-12);
}

// A system that declares no conserved quantity (the harmonic fixture): no
// entries at all.
TEST_F(EvaluationTest, NoConservedQuantitiesForASystemWithoutThem) {
  for (const JumpMetrics& m : report_->jumps()) {
    EXPECT_EQ(m.conserved_quantities_size(), 0);
  }
  EXPECT_EQ(report_->vpt().conserved_quantities_size(), 0);
}

}  // namespace
}  // namespace aanet::eval
