#include "eval/truth.h"

#include <cmath>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "data_gen/dataset.h"
#include "data_gen/harmonic.h"
#include "data_gen/import.h"
#include "data_gen/splits.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "models/action_angle_network.h"
#include "models/checkpoint.h"
#include "models/model.h"
#include "models/model_test_util.h"
#include "models/named_parameters.h"
#include "models/predictor.h"
#include "models/random_checkpoint.h"
#include "ode/dormand_prince.h"
#include "proto/text_config.h"
#include "rng/random.h"
#include "testing/test_util.h"

namespace aanet::eval {
namespace {

// The harmonic system's physical parameters (data_gen/systems/harmonic.cc).
data_gen::HarmonicSystem HarmonicOf(const data_gen::Dataset& dataset) {
  const data_gen::ParameterGroup& g = dataset.parameters;
  data_gen::HarmonicSystem system;
  system.masses = Eigen::Map<const Eigen::VectorXd>(
      g.Find("masses")->values.data(), g.Find("masses")->values.size());
  system.k_wall = Eigen::Map<const Eigen::VectorXd>(
      g.Find("k_wall")->values.data(), g.Find("k_wall")->values.size());
  system.k_pair = g.Find("k_pair")->values[0];
  return system;
}

using ::aanet::test_util::TempPath;
using ::aanet::test_util::WriteAll;
using ::testing::HasSubstr;

constexpr char kModel[] = R"pb(
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
  training { num_train_samples: 50 num_test_samples: 50 }
)pb";

constexpr char kActionAngle[] = R"pb(
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
  training { num_train_samples: 50 num_test_samples: 50 }
)pb";

// The shipped default system, two trajectories of 200 samples at dt 0.5
// (UNIFORM: different energies, so the training range is an interval).
Experiment DatasetExperiment(double k_pair) {
  absl::StatusOr<ExperimentConfig> config =
      ReadExperimentConfig("configs/harmonic/default.pbtxt");
  EXPECT_TRUE(config.ok()) << config.status();
  Experiment experiment = config->experiment;
  SimulationConfig& simulation = *experiment.mutable_simulation();
  simulation.set_num_samples(200);
  simulation.set_time_step(0.5);
  simulation.set_num_trajectories(2);
  simulation.mutable_harmonic()->set_trajectory_sampling(UNIFORM);
  simulation.mutable_harmonic()->set_k_pair(k_pair);
  return experiment;
}

std::string Text(const Experiment& experiment) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(experiment, &text);
  return text;
}

data_gen::Dataset MakeDataset(double k_pair = 0.5) {
  const Experiment experiment = DatasetExperiment(k_pair);
  absl::StatusOr<data_gen::Dataset> dataset =
      data_gen::GenerateDataset(experiment, Text(experiment));
  EXPECT_TRUE(dataset.ok()) << dataset.status();
  return *dataset;
}

// A randomised model on 2 degrees of freedom trained (nominally) on
// MakeDataset().
Predictor MakePredictor(const std::string& name,
                        const std::string& dataset_config_text,
                        const char* config = kModel) {
  Eigen::RowVectorXd mean(4), scale(4);
  mean << 0.1, -0.2, 0, 1;
  scale << 2, 1, 3, 1;
  absl::StatusOr<Checkpoint> checkpoint =
      aanet::testing::RandomCheckpoint(config, mean, scale, 0.3, 3);
  EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
  checkpoint->step = 7;
  checkpoint->dataset_config_text = dataset_config_text;
  const std::string path = TempPath(name);
  EXPECT_TRUE(WriteCheckpoint(*checkpoint, path).ok());
  absl::StatusOr<Predictor> predictor = Predictor::Load(path);
  EXPECT_TRUE(predictor.ok()) << predictor.status();
  return *std::move(predictor);
}

Eigen::MatrixXd SomeStates() {
  Eigen::MatrixXd states(3, 4);
  states << 1, -2, 0.3, 0,  //
      0, 0, 1, -1,          //
      7.5, 3, -4, 2;
  return states;
}

TEST(TruthTest, AtDtZeroTheTrueStateIsTheInput) {
  const data_gen::Dataset dataset = MakeDataset();
  const Eigen::MatrixXd states = SomeStates();
  absl::StatusOr<Eigen::MatrixXd> truth = TrueStates(dataset, states, 0.0);
  ASSERT_TRUE(truth.ok()) << truth.status();
  EXPECT_LE((*truth - states).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(TruthTest, FromADatasetStateGivesTheDatasetsLaterSample) {
  const data_gen::Dataset dataset = MakeDataset();
  for (int k = 0; k < dataset.num_trajectories(); ++k) {
    const Eigen::MatrixXd states = data_gen::TrajectoryStates(dataset, k);
    for (int jump : {1, 7, 150}) {
      const double dt = dataset.t(jump) - dataset.t(0);
      absl::StatusOr<Eigen::MatrixXd> truth =
          TrueStates(dataset, states.topRows(200 - jump), dt);
      ASSERT_TRUE(truth.ok()) << truth.status();
      const double difference =
          (*truth - states.bottomRows(200 - jump)).cwiseAbs().maxCoeff();
      EXPECT_LE(difference, 1e-9) << "trajectory " << k << ", jump " << jump;
    }
  }
}

TEST(TruthTest, ClosedFormAgreesWithDormandPrince) {
  const data_gen::Dataset dataset = MakeDataset();
  const data_gen::HarmonicSystem system = HarmonicOf(dataset);
  const Eigen::MatrixXd stiffness = data_gen::StiffnessMatrix(system);
  const Eigen::VectorXd inverse_mass = system.masses.cwiseInverse();
  // Hamilton's equations, rows are states: q' = p / m, p' = -K q.
  const auto field = [&](double, const Eigen::MatrixXd& y) {
    Eigen::MatrixXd dy(y.rows(), 4);
    dy.leftCols(2) = y.rightCols(2) * inverse_mass.asDiagonal();
    dy.rightCols(2) = -y.leftCols(2) * stiffness;  // K is symmetric
    return dy;
  };
  ode::SolverOptions options;
  options.mode = ode::StepMode::kAdaptive;
  options.rtol = 1e-14;
  options.atol = 1e-14;
  options.max_steps = 10000000;
  const Eigen::MatrixXd states = SomeStates();
  for (double dt : {0.3, 5.0, 40.0}) {
    absl::StatusOr<Eigen::MatrixXd> integrated =
        ode::Solve(field, states, 0.0, dt, options);
    ASSERT_TRUE(integrated.ok()) << integrated.status();
    absl::StatusOr<Eigen::MatrixXd> closed = TrueStates(dataset, states, dt);
    ASSERT_TRUE(closed.ok()) << closed.status();
    for (Eigen::Index r = 0; r < states.rows(); ++r) {
      // Relative to the state's size: single coordinates pass through zero.
      const double size = integrated->row(r).cwiseAbs().maxCoeff();
      EXPECT_LE((closed->row(r) - integrated->row(r)).cwiseAbs().maxCoeff(),
                1e-12 * size)
          << "dt " << dt << ", state " << r;
    }
  }
}

// Imported trajectories have no truth: refused, never evolved by a stand-in.
TEST(TruthTest, ImportedTrajectoriesHaveNoTruth) {
  const data_gen::Dataset dataset = MakeDataset();
  ImportedTrajectories source;
  source.set_format("csv");
  source.add_files("traj.csv");
  absl::StatusOr<data_gen::ImportedDataset> imported =
      data_gen::MakeImportedDataset({dataset.t, dataset.q, dataset.p}, "mine",
                                    source, nullptr);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(TrueStates(imported->dataset, SomeStates(), 1).status().message(),
            "dataset 'mine' holds imported trajectories (csv: traj.csv), "
            "which no system of the project describes: their true dynamics, "
            "actions and frequencies are unknown");
}

TEST(TruthTest, ChecksStatesAndDtAsPredictionsDo) {
  const data_gen::Dataset dataset = MakeDataset();
  EXPECT_EQ(
      TrueStates(dataset, Eigen::MatrixXd::Zero(1, 5), 1).status().message(),
      "states have 5 columns, expected 2n = 4 (q_0..q_1, p_0..p_1)");
  EXPECT_EQ(TrueStates(dataset, SomeStates(), -1).status().message(),
            Predictor::CheckDt(-1).message());
}

TEST(TruthTest, ConfigGivesTheSameTruthAsItsDatasetFile) {
  const Experiment experiment = DatasetExperiment(0.5);
  const std::string config = TempPath("truth_config.pbtxt");
  WriteAll(config, Text(experiment));
  const std::string file = TempPath("truth_dataset.h5");
  ASSERT_TRUE(data_gen::WriteDataset(MakeDataset(), file).ok());
  absl::StatusOr<data_gen::Dataset> from_config = LoadTruthDataset(config);
  absl::StatusOr<data_gen::Dataset> from_file = LoadTruthDataset(file);
  ASSERT_TRUE(from_config.ok()) << from_config.status();
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_EQ(*TrueStates(*from_config, SomeStates(), 3.5),
            *TrueStates(*from_file, SomeStates(), 3.5));
  EXPECT_THAT(LoadTruthDataset("x.txt").status().message(),
              HasSubstr("expected a dataset .h5 or a dataset config .pbtxt"));
}

TEST(TruthTest, RefusesAnotherSystemNamingBoth) {
  const Predictor predictor =
      MakePredictor("truth_ck.h5", Text(DatasetExperiment(0.5)));
  bool unchecked = true;
  EXPECT_TRUE(CheckTruthSystem(predictor, "run/best.h5", MakeDataset(0.5),
                               "same.h5", &unchecked)
                  .ok());
  EXPECT_FALSE(unchecked);
  const absl::Status other = CheckTruthSystem(
      predictor, "run/best.h5", MakeDataset(0.3), "other.h5", &unchecked);
  EXPECT_THAT(other.message(), HasSubstr("other.h5: its system ("));
  EXPECT_THAT(other.message(), HasSubstr("k_pair 0.3"));
  EXPECT_THAT(other.message(),
              HasSubstr("is not the one the checkpoint run/best.h5"));
  EXPECT_THAT(other.message(), HasSubstr("k_pair 0.5"));
}

TEST(TruthTest, FlagsTenTimesTheTrainingEnergyNotATrainingState) {
  const data_gen::Dataset dataset = MakeDataset();
  const Predictor predictor =
      MakePredictor("truth_range.h5", dataset.config_text);
  absl::StatusOr<EnergyRange> range = TrainingEnergyRange(predictor, dataset);
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(range->num_train_samples, 50);
  EXPECT_LT(range->min, range->max);
  // Row 0: a training state; row 1: the same at 10x its energy (the
  // Hamiltonian is quadratic); row 2: a training state of trajectory 1.
  const Eigen::MatrixXd training = data_gen::TrajectoryStates(dataset, 0);
  Eigen::MatrixXd states(3, 4);
  states.row(0) = training.row(10);
  states.row(1) = std::sqrt(10.0) * training.row(10);
  states.row(2) = data_gen::TrajectoryStates(dataset, 1).row(49);
  const std::vector<double> dts = {0, 2.5};
  std::vector<Eigen::MatrixXd> predicted;
  for (double dt : dts)
    predicted.push_back(*predictor.PredictChecked(states, dt));
  absl::StatusOr<TruthComparison> truth = CompareWithTruth(
      predictor, "ck.h5", dataset, "d.h5", states, dts, predicted);
  ASSERT_TRUE(truth.ok()) << truth.status();
  EXPECT_EQ(truth->outside_training_range, Eigen::Vector3i(0, 1, 0));
  ASSERT_EQ(truth->warnings.size(), 1u);
  EXPECT_THAT(truth->warnings[0], HasSubstr("state 1: energy "));
  EXPECT_THAT(truth->warnings[0], HasSubstr(" outside the training split's ["));
  // The error is the prediction loss of each row in the scaler's units.
  for (size_t d = 0; d < dts.size(); ++d) {
    for (int r = 0; r < 3; ++r) {
      const Eigen::RowVectorXd diff =
          (predicted[d].row(r) - truth->true_states[d].row(r))
              .cwiseQuotient(predictor.scaler().scale());
      // Absolute 1e-20: at dt 0 the model returns its input, up to rounding.
      EXPECT_NEAR(truth->errors[d](r), diff.squaredNorm() / 4,
                  1e-12 * diff.squaredNorm() + 1e-20);
    }
  }
  // At dt 0 the truth is the input; at 2.5 (5 samples) the later sample.
  EXPECT_LE((truth->true_states[0] - states).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LE(
      (truth->true_states[1].row(0) - training.row(15)).cwiseAbs().maxCoeff(),
      1e-9);
}

TEST(TruthTest, TrainingRangeIsTheCheckpointsDatasetsNotTheGivenOnes) {
  // The checkpoint's dataset has two trajectories; the truth is given as
  // one trajectory of the same system: the range is still both's.
  const data_gen::Dataset trained = MakeDataset();
  const Predictor predictor =
      MakePredictor("truth_own.h5", trained.config_text);
  Experiment one = DatasetExperiment(0.5);
  one.mutable_simulation()->set_num_trajectories(1);
  const data_gen::Dataset given = *data_gen::GenerateDataset(one, Text(one));
  const EnergyRange both = *TrainingEnergyRange(predictor, trained);
  const EnergyRange first = *TrainingEnergyRange(predictor, given);
  // Trajectory 0 has the larger energy (the one's range is a point).
  ASSERT_LT(both.min, first.min);
  // A state between both's minimum and the one trajectory's energy.
  Eigen::MatrixXd states = data_gen::TrajectoryStates(given, 0).topRows(1);
  states *= std::sqrt((first.min + both.min) / 2 / first.min);
  absl::StatusOr<TruthComparison> truth =
      CompareWithTruth(predictor, "ck.h5", given, "one.h5", states, {1.0},
                       {*predictor.PredictChecked(states, 1.0)});
  ASSERT_TRUE(truth.ok()) << truth.status();
  EXPECT_EQ(truth->outside_training_range(0), 0);
}

TEST(TruthTest, FlagsActionsOutsideTheTrainingSplitsForTheActionAngleNetwork) {
  const data_gen::Dataset dataset = MakeDataset();
  const Predictor predictor =
      MakePredictor("truth_aa.h5", dataset.config_text, kActionAngle);
  // Every training state, then states of in-range energies off the orbits.
  Eigen::MatrixXd training(100, 4);
  training << data_gen::TrajectoryStates(dataset, 0).topRows(50),
      data_gen::TrajectoryStates(dataset, 1).topRows(50);
  Random random(5);
  Eigen::MatrixXd states(120, 4);
  states.topRows(100) = training;
  const EnergyRange range = *TrainingEnergyRange(predictor, dataset);
  for (int r = 100; r < 120; ++r) {
    for (int c = 0; c < 4; ++c) states(r, c) = random.Uniform(-1, 1);
    // Scaled to an energy inside the range (the Hamiltonian is quadratic).
    const double target = random.Uniform(range.min, range.max);
    states.row(r) *= std::sqrt(
        target / data_gen::Energy(HarmonicOf(dataset), states.row(r).head(2),
                                  states.row(r).tail(2)));
  }
  absl::StatusOr<TruthComparison> truth =
      CompareWithTruth(predictor, "ck.h5", dataset, "d.h5", states, {1.0},
                       {*predictor.PredictChecked(states, 1.0)});
  ASSERT_TRUE(truth.ok()) << truth.status();
  EXPECT_EQ(truth->outside_training_range.head(100).sum(), 0);
  // Independently: each action against its range over the training states.
  const ActionAngleState trained = *predictor.Inspect(training);
  const ActionAngleState given = *predictor.Inspect(states);
  int by_action_only = 0;
  for (int r = 100; r < 120; ++r) {
    bool action_outside = false;
    for (int i = 0; i < 2; ++i) {
      const double a = given.actions(r, i);
      action_outside |= a < trained.actions.col(i).minCoeff() ||
                        a > trained.actions.col(i).maxCoeff();
    }
    const double e = data_gen::Energy(
        HarmonicOf(dataset), states.row(r).head(2), states.row(r).tail(2));
    const bool energy_outside = e < range.min || e > range.max;
    EXPECT_EQ(truth->outside_training_range(r),
              action_outside || energy_outside)
        << "state " << r;
    by_action_only += action_outside && !energy_outside;
  }
  // The check is exercised: some state is outside by its actions alone.
  EXPECT_GT(by_action_only, 0);
  bool named = false;
  for (const std::string& w : truth->warnings) {
    named |= w.find("action_") != std::string::npos;
  }
  EXPECT_TRUE(named);
}

}  // namespace
}  // namespace aanet::eval
