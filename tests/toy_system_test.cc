// Issue 20's test of the System seam: a toy system added through the registry
// alone (data_gen/toy_system_for_tests.cc and its one `oneof` line in
// proto/experiment.proto, nothing else) generates, trains, evaluates and
// reports through the same libraries as the shipped systems. The production
// binaries do not link the toy, so data_gen refuses its config.
//
// This binary is also the sweep's worker (`<this test> --sweep_point=DIR`,
// see main below), so the sweep's points run with the toy linked.
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "data_gen/dataset.h"
#include "data_gen/system.h"
#include "eval/evaluation.h"
#include "gtest/gtest.h"
#include "proto/text_config.h"
#include "reports/report.h"
#include "reports/study.h"
#include "sweep/plan.h"
#include "sweep/point.h"
#include "sweep/runner.h"
#include "train/trainer.h"

namespace aanet {
namespace {

namespace fs = std::filesystem;

constexpr char kDatasetConfig[] = R"pb(
  name: "toy_unit"
  simulation {
    toy_oscillator_for_tests {}
    num_samples: 200
    time_step: 0.1
    num_trajectories: 2
    seed: 3
  }
)pb";

// A tiny Action-Angle Network: a few dozen steps train it measurably.
constexpr char kModelConfig[] = R"pb(
  name: "toy_action_angle"
  model {
    action_angle {
      encoder {
        flow {
          num_layers: 2
          hidden_width: 8
          activation: "sigmoid"
          conditioner: SYMPLECTIC_SKIP_GATE
          weight_init_stddev: 0.01
        }
      }
      angular_velocity_net { hidden_widths: 8 activation: "sigmoid" }
    }
  }
  training {
    num_steps: 60
    batch_size: 20
    learning_rate: 1e-2
    train_split_proportion: 0.5
    num_test_samples: 50
    max_jump: 2
    action_variance_weight: 1.0
    eval_every: 20
    test_jumps: [ 1 ]
    checkpoint_every: 60
    seed: 0
  }
)pb";

std::string TempDir() { return ::testing::TempDir(); }

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

class ToySystemTest : public ::testing::Test {
 protected:
  static Experiment Parse(const std::string& text) {
    Experiment experiment;
    absl::Status parsed = ParseTextProto(text, "config.pbtxt", &experiment);
    EXPECT_TRUE(parsed.ok()) << parsed;
    return experiment;
  }
};

TEST_F(ToySystemTest, GeneratesTrainsEvaluatesAndReportsThroughTheRegistry) {
  // 1. Generate from a config: SystemFor finds the toy by its oneof field.
  const Experiment data_config = Parse(kDatasetConfig);
  absl::StatusOr<const data_gen::System*> system =
      data_gen::SystemFor(data_config.simulation());
  ASSERT_TRUE(system.ok()) << system.status();
  EXPECT_EQ((*system)->name(), "toy_oscillator_for_tests");
  absl::StatusOr<data_gen::Dataset> generated =
      data_gen::GenerateDataset(data_config, kDatasetConfig);
  ASSERT_TRUE(generated.ok()) << generated.status();
  const std::string dataset_path = TempDir() + "/toy_unit.h5";
  ASSERT_TRUE(data_gen::WriteDataset(*generated, dataset_path).ok());
  absl::StatusOr<data_gen::Dataset> data = data_gen::ReadDataset(dataset_path);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->system, "toy_oscillator_for_tests");
  EXPECT_EQ(data->name, "toy_unit");
  EXPECT_EQ(data->num_degrees_of_freedom(), 1);
  ASSERT_EQ(data->num_trajectories(), 2);
  ASSERT_EQ(data->num_samples(), 200);
  EXPECT_EQ(data_gen::DatasetHash(*data), data_gen::DatasetHash(*generated));
  for (int k = 0; k < 2; ++k) {
    const double q0 = 1.0 + k;  // trajectory k starts at rest at q = 1 + k
    EXPECT_EQ(data->true_frequencies(k, 0), 1.0);
    EXPECT_NEAR(data->true_actions(k, 0), 0.5 * q0 * q0, 1e-15);
    for (int s = 0; s < 200; s += 37) {
      EXPECT_NEAR(data->q[k](s, 0), q0 * std::cos(data->t[s]), 1e-12);
      EXPECT_NEAR(data->energy(k, s), 0.5 * q0 * q0, 1e-12);
    }
  }

  // 2. Train a tiny Action-Angle Network through the train library.
  Experiment model_config = Parse(kModelConfig);
  const std::string run_dir = TempDir() + "/run";
  absl::StatusOr<std::unique_ptr<train::Trainer>> trainer =
      train::Trainer::Create(model_config, kModelConfig, *data, dataset_path,
                             run_dir);
  ASSERT_TRUE(trainer.ok()) << trainer.status();
  ASSERT_TRUE((*trainer)->Run(nullptr).ok());
  const std::vector<train::Evaluation>& curve = (*trainer)->evaluations();
  ASSERT_GE(curve.size(), 2u);
  for (const train::Evaluation& e : curve) {
    EXPECT_TRUE(std::isfinite(e.train_loss)) << "step " << e.step;
    EXPECT_TRUE(std::isfinite(e.test_losses.at(1))) << "step " << e.step;
  }
  EXPECT_LT(curve.back().train_loss, curve.front().train_loss);
  EXPECT_EQ(curve.back().step, 60);
  EXPECT_TRUE(fs::exists(run_dir + "/best.h5"));
  EXPECT_TRUE(
      absl::StrContains(ReadAll(run_dir + "/metrics.jsonl"), "\"step\": 60"));

  // 3. Evaluate through the eval library: the energy change comes from the
  // toy's System::Energy, the true frequency (1) from its
  // ActionsAndFrequencies, the learned one from the network.
  eval::EvaluationOptions options;
  options.jumps = {1, 5};
  options.measure_timing = false;
  options.vpt_max_jump = 10;
  absl::StatusOr<EvaluationReport> report =
      eval::EvaluateCheckpoint(run_dir + "/best.h5", dataset_path, options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->model_kind(), "action_angle");
  EXPECT_EQ(report->num_trajectories(), 2);
  ASSERT_EQ(report->true_frequencies_size(), 1);
  EXPECT_EQ(report->true_frequencies(0), 1.0);
  ASSERT_EQ(report->frequencies_size(), 1);
  EXPECT_EQ(report->frequencies(0).true_frequency(), 1.0);
  EXPECT_TRUE(std::isfinite(report->frequencies(0).learned_mean()));
  EXPECT_GT(report->frequencies(0).learned_mean(), 0.0);
  EXPECT_EQ(report->angular_velocities_size(), 2 * 50);
  ASSERT_EQ(report->jumps_size(), 2);
  for (const JumpMetrics& jump : report->jumps()) {
    EXPECT_TRUE(std::isfinite(jump.prediction_loss()));
    // Relative to the toy's energies, 0.5 and 2: finite and not absurd.
    EXPECT_TRUE(std::isfinite(jump.mean_abs_energy_change()));
    EXPECT_GE(jump.mean_abs_energy_change(), 0.0);
    EXPECT_LT(jump.mean_relative_energy_change(), 10.0);
  }
  EXPECT_TRUE(report->has_vpt());

  // 4. A one-point sweep with the local backend (workers are this binary),
  // then the report written from it.
  const fs::path workspace = fs::path(TempDir()) / "workspace";
  fs::create_directories(workspace);
  WriteFile(workspace / "toy_unit.pbtxt", kDatasetConfig);
  WriteFile(workspace / "toy_action_angle.pbtxt", kModelConfig);
  const std::string sweep_text = R"pb(
    name: "toy_sweep"
    models { config: "toy_action_angle.pbtxt" num_steps: 40 }
    datasets: "toy_unit.pbtxt"
    num_train_samples: [ 100 ]
    seeds: [ 0 ]
    evaluation {
      jumps: [ 1, 2 ]
      reference_jumps: [ 1, 2, 5 ]
      timing_repetitions: 1
      timing_budget_seconds: 0.01
      vpt_max_jump: 10
    }
  )pb";
  WriteFile(workspace / "toy_sweep.pbtxt", sweep_text);
  absl::StatusOr<sweep::SweepConfigFile> sweep_config =
      sweep::ReadSweepConfig((workspace / "toy_sweep.pbtxt").string());
  ASSERT_TRUE(sweep_config.ok()) << sweep_config.status();
  sweep::RunnerOptions runner;
  runner.workspace = workspace.string();
  runner.output_root = (workspace / "out").string();
  runner.parallelism = 1;
  runner.show_progress = false;
  absl::StatusOr<SweepResults> results = sweep::RunSweep(*sweep_config, runner);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->points_size(), 1);
  const SweepPoint& point = results->points(0);
  ASSERT_EQ(point.status(), SweepPoint::DONE) << point.DebugString();
  EXPECT_EQ(point.dataset(), "toy_unit");
  EXPECT_EQ(point.system(), "toy_oscillator_for_tests");
  EXPECT_FALSE(point.dataset_hash().empty());
  EXPECT_TRUE(fs::exists(workspace / "out/datasets/toy_unit.h5"));

  const std::string sweep_dir = (workspace / "out/sweeps/toy_sweep").string();
  absl::StatusOr<reports::StudyData> study = reports::LoadSweep(sweep_dir);
  ASSERT_TRUE(study.ok()) << study.status();
  ASSERT_EQ(study->points.size(), 1u);
  ASSERT_TRUE(study->points[0].evaluation.has_value());
  ASSERT_EQ(study->points[0].evaluation->frequencies_size(), 1);
  EXPECT_EQ(study->points[0].evaluation->frequencies(0).true_frequency(), 1.0);
  const std::string report_dir = TempDir() + "/report";
  reports::ReportOptions report_options;
  report_options.budget_description = "toy: 40 steps";
  absl::Status written =
      reports::WriteReport(*study, report_options, report_dir);
  ASSERT_TRUE(written.ok()) << written;
  const std::string markdown =
      ReadAll(fs::path(report_dir) / reports::kReportFile);
  EXPECT_TRUE(absl::StrContains(markdown, "toy_unit")) << markdown;
  EXPECT_TRUE(absl::StrContains(markdown, "toy_oscillator_for_tests"))
      << markdown;
  EXPECT_TRUE(absl::StrContains(markdown, "toy_action_angle")) << markdown;
  const std::string points_csv = ReadAll(fs::path(report_dir) / "points.csv");
  EXPECT_TRUE(absl::StrContains(points_csv, "toy_oscillator_for_tests"))
      << points_csv;
  EXPECT_TRUE(absl::StrContains(points_csv, "DONE")) << points_csv;
}

// The production data_gen binary does not link the toy: its config is
// refused with one line naming the system, and no file is written.
TEST_F(ToySystemTest, DataGenBinaryRefusesTheToyConfig) {
  const fs::path config = fs::path(TempDir()) / "toy_refused.pbtxt";
  const fs::path out = fs::path(TempDir()) / "toy_refused.h5";
  WriteFile(config, kDatasetConfig);
  const std::string command =
      absl::StrCat("data_gen/data_gen --config=", config.string(),
                   " --out=", out.string(), " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), 1) << output;
  const std::vector<std::string> lines =
      absl::StrSplit(output, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u) << output;
  EXPECT_TRUE(
      absl::StrContains(lines[0], "unknown system 'toy_oscillator_for_tests'"))
      << lines[0];
  EXPECT_TRUE(absl::StrContains(lines[0], config.string())) << lines[0];
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace aanet

int main(int argc, char** argv) {
  // The sweep starts its workers as `<this binary> --sweep_point=DIR`.
  if (std::optional<int> worker =
          aanet::sweep::RunWorkerIfRequested(argc, argv)) {
    return *worker;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
