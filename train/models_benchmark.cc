// Speed of every shipped model (configs/harmonic/*.pbtxt, n = 2): a training
// step at batch 100 with dt = 1 and dt = 10, and single-state inference at
// dt = 1, 10, 100, 1000.
//
//   bazel run -c opt //train:models_benchmark
//   bazel run -c opt //train:models_benchmark -- --benchmark_filter=neural_ode
//
// The Action-Angle Network's and the Euler Update Network's inference cost
// is flat in dt; the Neural ODE's and the HNN's grow linearly with it
// (constant Dormand-Prince steps of 0.1). Run it on an otherwise idle machine
// and compare figures from one run.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "data_gen/dataset.h"
#include "models/model.h"
#include "proto/text_config.h"
#include "train/trainer.h"

namespace aanet::train {
namespace {

constexpr const char* kModels[] = {
    "action_angle_flow", "action_angle_mlp", "euler_update_flow",
    "euler_update_mlp",  "neural_ode",       "hamiltonian_neural_network",
};

const data_gen::Dataset& SharedDataset() {
  static const data_gen::Dataset* dataset = [] {
    absl::StatusOr<ExperimentConfig> data =
        ReadExperimentConfig("configs/harmonic/default.pbtxt");
    if (!data.ok()) {
      std::cerr << data.status().message() << "\n";
      std::abort();
    }
    return new data_gen::Dataset(
        *data_gen::GenerateDataset(data->experiment, data->text));
  }();
  return *dataset;
}

std::unique_ptr<Trainer> MakeTrainer(const std::string& name) {
  absl::StatusOr<ExperimentConfig> config =
      ReadExperimentConfig("configs/harmonic/" + name + ".pbtxt");
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    std::abort();
  }
  absl::StatusOr<std::unique_ptr<Trainer>> trainer =
      Trainer::Create(config->experiment, config->text, SharedDataset(),
                      "(in memory)", "/tmp/unused");
  if (!trainer.ok()) {
    std::cerr << trainer.status().message() << "\n";
    std::abort();
  }
  return *std::move(trainer);
}

// One Adam step on a batch of 100 at `jump`.
void TrainingStep(benchmark::State& state, Trainer* trainer, int jump) {
  const data_gen::StatePairs& pairs = trainer->TrainPairs(jump);
  Eigen::MatrixXd inputs(100, pairs.inputs.cols());
  Eigen::MatrixXd targets(100, pairs.targets.cols());
  for (int i = 0; i < 100; ++i) {
    inputs.row(i) = pairs.inputs.row(i % pairs.inputs.rows());
    targets.row(i) = pairs.targets.row(i % pairs.targets.rows());
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(trainer->Step(inputs, targets, jump));
  }
  state.counters["steps/s"] =
      benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
}

// Prediction of one state at dt, on values.
void Inference(benchmark::State& state, Trainer* trainer, double dt) {
  const Eigen::MatrixXd x = trainer->TestPairs(1).inputs.topRows(1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(trainer->model().Predict(x, dt));
  }
}

void RegisterAll() {
  for (const char* name : kModels) {
    Trainer* trainer = MakeTrainer(name).release();  // lives until exit
    for (int jump : {1, 10}) {
      benchmark::RegisterBenchmark(
          (std::string(name) + "/train_step/dt:" + std::to_string(jump))
              .c_str(),
          TrainingStep, trainer, jump)
          ->Unit(benchmark::kMillisecond);
    }
    for (int dt : {1, 10, 100, 1000}) {
      benchmark::RegisterBenchmark(
          (std::string(name) + "/inference/dt:" + std::to_string(dt)).c_str(),
          Inference, trainer, static_cast<double>(dt))
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

}  // namespace
}  // namespace aanet::train

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  aanet::train::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
