// Speed of the Action-Angle Network with the shipped config (n = 2):
// training steps at batch 100 and single-state inference at several dt.
//
//   bazel run -c opt //train:train_benchmark -- --benchmark_repetitions=5
//
// Run it on an otherwise idle machine; compare figures from one run.
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "data_gen/dataset.h"
#include "models/model.h"
#include "proto/text_config.h"
#include "train/trainer.h"

namespace aanet::train {
namespace {

constexpr char kModelConfig[] = "configs/harmonic/action_angle_flow.pbtxt";
constexpr char kDataConfig[] = "configs/harmonic/default.pbtxt";

struct Fixture {
  data_gen::Dataset dataset;
  std::unique_ptr<Trainer> trainer;
};

Fixture& SharedFixture() {
  static Fixture* fixture = [] {
    auto* f = new Fixture;
    absl::StatusOr<ExperimentConfig> data = ReadExperimentConfig(kDataConfig);
    absl::StatusOr<ExperimentConfig> model = ReadExperimentConfig(kModelConfig);
    if (!data.ok() || !model.ok()) std::abort();
    f->dataset = *data_gen::GenerateDataset(data->experiment, data->text);
    f->trainer = *Trainer::Create(model->experiment, model->text, f->dataset,
                                  "(in memory)", "/tmp/unused");
    return f;
  }();
  return *fixture;
}

// One Adam step on a batch of 100 at jump `state.range(0)`.
void BM_TrainingStep(benchmark::State& state) {
  Trainer& trainer = *SharedFixture().trainer;
  const int jump = static_cast<int>(state.range(0));
  const data_gen::StatePairs& pairs = trainer.TrainPairs(jump);
  // A batch of 100, cycling through the pairs (fewer than 100 at jump 10).
  Eigen::MatrixXd inputs(100, pairs.inputs.cols());
  Eigen::MatrixXd targets(100, pairs.targets.cols());
  for (int i = 0; i < 100; ++i) {
    inputs.row(i) = pairs.inputs.row(i % pairs.inputs.rows());
    targets.row(i) = pairs.targets.row(i % pairs.targets.rows());
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(trainer.Step(inputs, targets, jump));
  }
  state.counters["steps/s"] =
      benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TrainingStep)->Arg(1)->Arg(10)->Unit(benchmark::kMicrosecond);

// Prediction of one state at dt = state.range(0), values only.
void BM_InferenceSingleState(benchmark::State& state) {
  const Model& model = SharedFixture().trainer->model();
  const Eigen::MatrixXd x =
      SharedFixture().trainer->TestPairs(1).inputs.topRows(1);
  const double dt = static_cast<double>(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.Predict(x, dt));
  }
}
BENCHMARK(BM_InferenceSingleState)
    ->Arg(1)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);

// Prediction of the 500 test states at once.
void BM_InferenceBatch500(benchmark::State& state) {
  const Model& model = SharedFixture().trainer->model();
  const Eigen::MatrixXd x = SharedFixture().trainer->TestPairs(1).inputs;
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.Predict(x, 10.0));
  }
}
BENCHMARK(BM_InferenceBatch500)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace aanet::train

BENCHMARK_MAIN();
