#include "eval/trajectories.h"

#include <cmath>
#include <filesystem>
#include <string>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "data_gen/dataset.h"
#include "eval/evaluation.h"
#include "eval/learned_actions.h"
#include "eval/truth.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "models/checkpoint.h"
#include "models/predictor.h"
#include "models/random_checkpoint.h"
#include "proto/evaluation.pb.h"
#include "proto/text_config.h"
#include "testing/test_util.h"

namespace aanet::eval {
namespace {

using ::aanet::test_util::TempPath;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

constexpr char kActionAngle[] = R"pb(
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
    seed: 0
  }
)pb";

// Float32 solves overflow with parameters this large (evaluation_test).
constexpr char kFloat32NeuralOde[] = R"pb(
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
    seed: 0
  }
)pb";

class TrajectoriesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<ExperimentConfig> data =
        ReadExperimentConfig("configs/harmonic/default.pbtxt");
    ASSERT_TRUE(data.ok()) << data.status();
    Experiment simulation = data->experiment;
    simulation.mutable_simulation()->set_num_trajectories(3);
    simulation.mutable_simulation()
        ->mutable_harmonic()
        ->set_trajectory_sampling(UNIFORM);
    std::string text;
    google::protobuf::TextFormat::PrintToString(simulation, &text);
    absl::StatusOr<data_gen::Dataset> dataset =
        data_gen::GenerateDataset(simulation, text);
    ASSERT_TRUE(dataset.ok()) << dataset.status();
    dataset_ = new data_gen::Dataset(*std::move(dataset));
  }
  static void TearDownTestSuite() { delete dataset_; }

  static Predictor Load(const std::string& config, double stddev,
                        const std::string& name) {
    Eigen::MatrixXd states(100, 4);
    states << dataset_->q[0].topRows(100), dataset_->p[0].topRows(100);
    const Eigen::RowVectorXd mean = states.colwise().mean();
    const Eigen::RowVectorXd scale =
        ((states.rowwise() - mean).colwise().squaredNorm() / 100.0).cwiseSqrt();
    absl::StatusOr<Checkpoint> checkpoint =
        aanet::testing::RandomCheckpoint(config, mean, scale, stddev, 11);
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
    const std::string path = TempPath(name + "/best.h5");
    EXPECT_TRUE(WriteCheckpoint(*checkpoint, path).ok());
    absl::StatusOr<Predictor> predictor = Predictor::Load(path);
    EXPECT_TRUE(predictor.ok()) << predictor.status();
    return *std::move(predictor);
  }

  static data_gen::Dataset* dataset_;
};

data_gen::Dataset* TrajectoriesTest::dataset_ = nullptr;

// A test window of 50 samples pictured over 80 jumps: rows 0..49 are the
// dataset's samples, the rest the system's truth from s0; one-shot rows are
// Predict(s0, j dt), rollout rows the recursion, actions the network's of
// the true states.
TEST_F(TrajectoriesTest, TruthPredictionsAndActionsRowByRow) {
  const Predictor predictor = Load(kActionAngle, 0.3, "aa");
  absl::StatusOr<PicturedArrays> got =
      ComputePicturedTrajectory(predictor, *dataset_, 50, 80);
  ASSERT_TRUE(got.ok()) << got.status();
  const PicturedTrajectory& s = got->summary;
  EXPECT_EQ(s.trajectory(), 0);
  EXPECT_FALSE(s.held_out());
  EXPECT_EQ(s.start_sample(), 950);
  EXPECT_EQ(s.num_jumps(), 80);
  EXPECT_EQ(s.num_recorded_rows(), 50);
  const double dt = dataset_->t[1] - dataset_->t[0];
  EXPECT_EQ(s.dt(), dt);
  ASSERT_EQ(got->t.size(), 81);
  ASSERT_EQ(got->truth.rows(), 81);
  ASSERT_EQ(got->truth.cols(), 4);
  for (int j = 0; j < 50; ++j) {
    EXPECT_EQ(got->truth(j, 1), dataset_->q[0](950 + j, 1));
    EXPECT_EQ(got->truth(j, 2), dataset_->p[0](950 + j, 0));
  }
  const Eigen::MatrixXd s0 = got->truth.topRows(1);
  for (int j : {50, 80}) {
    absl::StatusOr<Eigen::MatrixXd> truth = TrueStates(*dataset_, s0, j * dt);
    ASSERT_TRUE(truth.ok());
    EXPECT_EQ(got->truth.row(j), truth->row(0));
    EXPECT_EQ(got->t[j], j * dt);
  }
  // The recorded samples and the system's truth agree where both exist.
  absl::StatusOr<Eigen::MatrixXd> at49 = TrueStates(*dataset_, s0, 49 * dt);
  EXPECT_LT((got->truth.row(49) - at49->row(0)).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_EQ(got->one_shot.row(0), s0.row(0));
  EXPECT_EQ(got->rollout.row(0), s0.row(0));
  for (int j : {1, 37, 80}) {
    EXPECT_EQ(got->one_shot.row(j), predictor.Predict(s0, j * dt).row(0));
  }
  Eigen::MatrixXd state = s0;
  for (int j = 1; j <= 80; ++j) state = predictor.Predict(state, dt);
  EXPECT_EQ(got->rollout.row(80), state.row(0));
  EXPECT_EQ(s.num_non_finite_one_shot(), 0);
  EXPECT_EQ(s.num_non_finite_rollout(), 0);
  EXPECT_EQ(s.failure(), "");
  absl::StatusOr<ActionAngleState> inspected = predictor.Inspect(got->truth);
  absl::StatusOr<double> scale = PhysicalActionScale(predictor);
  ASSERT_TRUE(inspected.ok() && scale.ok());
  EXPECT_EQ(got->actions, PhysicalActions(inspected->actions, *scale));
  EXPECT_THAT(s.action_units(), HasSubstr("physical (C = "));
}

TEST_F(TrajectoriesTest, TheFirstHeldOutTrajectoryIsPictured) {
  std::string config = kActionAngle;
  config.replace(config.find("seed: 0"), 7,
                 "seed: 0 held_out_trajectories: [ 2, 1 ]");
  const Predictor predictor = Load(config, 0.3, "held");
  absl::StatusOr<PicturedArrays> got =
      ComputePicturedTrajectory(predictor, *dataset_, 500, 10);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->summary.trajectory(), 1);
  EXPECT_TRUE(got->summary.held_out());
  EXPECT_EQ(got->truth(3, 0), dataset_->q[1](503, 0));
}

// Failed predictions stay in the arrays and are counted; the rollout stays
// NaN after its first failure.
TEST_F(TrajectoriesTest, NonFinitePredictionsAreKeptAndCounted) {
  const Predictor predictor = Load(kFloat32NeuralOde, 30.0, "overflow");
  absl::StatusOr<PicturedArrays> got =
      ComputePicturedTrajectory(predictor, *dataset_, 500, 60);
  ASSERT_TRUE(got.ok()) << got.status();
  const PicturedTrajectory& s = got->summary;
  EXPECT_GT(s.num_non_finite_one_shot(), 0);
  EXPECT_GT(s.num_non_finite_rollout(), 0);
  EXPECT_THAT(s.failure(), HasSubstr("the latent ODE solve failed"));
  EXPECT_FALSE(got->one_shot.row(60).allFinite());
  EXPECT_FALSE(got->rollout.row(60).allFinite());
  EXPECT_EQ(got->rollout.rows(), 61);
  EXPECT_EQ(got->actions.size(), 0);  // not an Action-Angle Network
  EXPECT_EQ(s.action_units(), "");
}

TEST_F(TrajectoriesTest, FileRoundTripsAndIsWrittenAtomically) {
  const Predictor predictor = Load(kFloat32NeuralOde, 30.0, "file_ode");
  absl::StatusOr<PicturedArrays> got =
      ComputePicturedTrajectory(predictor, *dataset_, 500, 60);
  ASSERT_TRUE(got.ok()) << got.status();
  const std::string path = TempPath("out/trajectories.h5");
  ASSERT_TRUE(WritePicturedTrajectory(*got, path).ok());
  for (const auto& entry :
       fs::directory_iterator(fs::path(path).parent_path())) {
    EXPECT_EQ(entry.path().filename(), "trajectories.h5");
  }
  absl::StatusOr<PicturedArrays> read = ReadPicturedTrajectory(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->t.isApprox(got->t));
  EXPECT_EQ(read->truth, got->truth);
  // NaN != NaN: compare the non-finite pattern and the finite values.
  EXPECT_EQ(read->one_shot.array().isNaN().count(),
            got->one_shot.array().isNaN().count());
  EXPECT_EQ(read->rollout.topRows(1), got->rollout.topRows(1));
  EXPECT_EQ(read->summary.num_non_finite_rollout(),
            got->summary.num_non_finite_rollout());
  EXPECT_EQ(read->summary.failure(), got->summary.failure());
  EXPECT_EQ(read->model_kind, "neural_ode");
  EXPECT_EQ(read->config_text, kFloat32NeuralOde);
  EXPECT_EQ(read->actions.size(), 0);

  const Predictor aa = Load(kActionAngle, 0.3, "file_aa");
  absl::StatusOr<PicturedArrays> with_actions =
      ComputePicturedTrajectory(aa, *dataset_, 500, 20);
  ASSERT_TRUE(with_actions.ok());
  ASSERT_TRUE(WritePicturedTrajectory(*with_actions, path).ok());
  read = ReadPicturedTrajectory(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->actions, with_actions->actions);
  EXPECT_EQ(read->summary.num_jumps(), 20);

  absl::StatusOr<PicturedArrays> missing =
      ReadPicturedTrajectory(TempPath("none.h5"));
  EXPECT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("none.h5"));
}

// Through the evaluation: the report summarises the file, the action
// variation covers every trajectory and the pictured one, and the file is
// written beside evaluation.json under the name the report records.
TEST_F(TrajectoriesTest, EvaluationRecordsThePicturedTrajectory) {
  std::string config = kActionAngle;
  config.replace(config.find("seed: 0"), 7,
                 "seed: 0 held_out_trajectories: [ 2 ]");
  const Predictor predictor = Load(config, 0.3, "eval");
  EvaluationOptions options;
  options.jumps = {1};
  options.measure_timing = false;
  options.vpt_max_jump = 0;
  options.picture_jumps = 30;
  PicturedArrays pictured;
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(predictor, *dataset_, options, &pictured);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->has_pictured_trajectory());
  EXPECT_EQ(report->pictured_trajectory().trajectory(), 2);
  EXPECT_EQ(report->pictured_trajectory().num_jumps(), 30);
  EXPECT_EQ(report->pictured_trajectory().file(), "");
  const ActionConservation& c = report->action_conservation();
  EXPECT_EQ(c.num_latent_pairs(), 2);
  EXPECT_EQ(c.window_samples(), 500);
  ASSERT_EQ(c.trajectories_size(), 3);
  EXPECT_TRUE(c.trajectories(2).held_out());
  EXPECT_EQ(c.trained().num_trajectories(), 2);
  EXPECT_EQ(c.held_out().num_trajectories(), 1);
  ASSERT_EQ(c.held_out().median_size(), 2);
  // One held-out trajectory: its median and max are its own values.
  EXPECT_EQ(c.held_out().median(1), c.trajectories(2).relative_variation(1));
  EXPECT_EQ(c.held_out().max(0), c.trajectories(2).relative_variation(0));
  EXPECT_GE(c.trained().max(0), c.trained().median(0));
  ASSERT_EQ(c.pictured_size(), 2);
  EXPECT_GT(c.pictured(0), 0);

  const std::string json = TempPath("eval_out/evaluation.json");
  ASSERT_TRUE(WritePicturedBeside(json, pictured, &*report).ok());
  EXPECT_EQ(report->pictured_trajectory().file(), kTrajectoriesFile);
  EXPECT_TRUE(fs::exists(TempPath("eval_out/trajectories.h5")));

  // Not asked for: nothing computed, nothing recorded.
  options.picture_jumps = 0;
  report = EvaluateModel(predictor, *dataset_, options);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->has_pictured_trajectory());
  EXPECT_EQ(report->action_conservation().pictured_size(), 0);
}

}  // namespace
}  // namespace aanet::eval
