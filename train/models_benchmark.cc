// Speed of every shipped model (configs/harmonic/*.pbtxt, n = 2): a training
// step at batch 100 and single-state inference, at several jumps; and for the
// Action-Angle Network, prediction through the public Predictor API
// (models/predictor.h) of one state at dt 1 to 1000 and of a batch of 500.
//
//   bazel run -c opt //train:models_benchmark
//   bazel run -c opt //train:models_benchmark -- --benchmark_filter=neural_ode
//
// Training steps at jumps 1 and 10 for every model, and also 50 and 400 for
// the Neural ODE and the HNN, whose cost grows linearly with the jump
// (constant Dormand-Prince steps of 0.1); a multi-step training step
// (training.prediction_targets: EVERY_STEP_TO_JUMP, the 10 predictions at
// jumps 1..10) at jump 10 for every model; inference at dt 1 to 1000.
//
// For the Neural ODE and the HNN a training step also reports
//   GFLOP/s   model FLOPs per CPU second: 3 x the forward FLOPs of the
//             solve's field evaluations (forward + backward, the usual
//             convention; recomputation is not counted), with 6 evaluations
//             per Dormand-Prince step of batch x 2 x (field multiply-adds);
//             the HNN's field is the Hamiltonian net's forward and gradient
//             passes, twice the net's multiply-adds.
//   yardstick  that rate as a fraction of the yardstick: Eigen's float32
//             [100 x 100] x [100 x 100] product on one core, built with the
//             flags of the kernels this CPU runs (AVX-512 or AVX2 + FMA),
//             measured by this run (gemm_yardstick.cc) and printed first.
//   peak_MB   the process's peak resident memory so far; filter to one
//             benchmark to read that benchmark's peak.
// Rates are per CPU second, so that other load on a shared machine moves
// them less; run on an otherwise idle machine and compare figures from one
// run.
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "autodiff/internal/gemm.h"
#include "benchmark/benchmark.h"
#include "data_gen/dataset.h"
#include "models/checkpoint.h"
#include "models/latent_ode.h"
#include "models/model.h"
#include "models/named_parameters.h"
#include "models/predictor.h"
#include "proto/text_config.h"
#include "train/trainer.h"

namespace aanet::train {
namespace {

constexpr const char* kModels[] = {
    "action_angle_flow", "action_angle_mlp", "euler_update_flow",
    "euler_update_mlp",  "neural_ode",       "hamiltonian_neural_network",
};
constexpr int kBatch = 100;

const data_gen::Dataset& SharedDataset() {
  static const data_gen::Dataset* dataset = [] {
    absl::StatusOr<ExperimentConfig> data =
        ReadExperimentConfig("configs/harmonic/default.pbtxt");
    if (!data.ok()) {
      std::cerr << data.status().message() << "\n";
      std::exit(1);
    }
    return new data_gen::Dataset(
        *data_gen::GenerateDataset(data->experiment, data->text));
  }();
  return *dataset;
}

ExperimentConfig ReadModelConfig(const std::string& name) {
  absl::StatusOr<ExperimentConfig> config =
      ReadExperimentConfig("configs/harmonic/" + name + ".pbtxt");
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    std::exit(1);
  }
  return *config;
}

std::unique_ptr<Trainer> MakeTrainer(const ExperimentConfig& config) {
  absl::StatusOr<std::unique_ptr<Trainer>> trainer =
      Trainer::Create(config.experiment, config.text, SharedDataset(),
                      "(in memory)", "/tmp/unused");
  if (!trainer.ok()) {
    std::cerr << trainer.status().message() << "\n";
    std::exit(1);
  }
  return *std::move(trainer);
}

// Multiply-adds of one evaluation of the latent field for one state; 0 for
// models without a latent ODE.
double FieldMultiplyAdds(const ModelConfig& model, int latent_size) {
  const MlpConfig* net = nullptr;
  int output = latent_size;
  double passes = 1;
  if (model.has_neural_ode()) {
    net = &model.neural_ode().derivative_net();
  } else if (model.has_hamiltonian()) {
    net = &model.hamiltonian().hamiltonian_net();
    output = 1;
    passes = 2;  // the forward pass and the gradient pass
  } else {
    return 0;
  }
  std::vector<int> widths = {latent_size};
  widths.insert(widths.end(), net->hidden_widths().begin(),
                net->hidden_widths().end());
  widths.push_back(output);
  double total = 0;
  for (size_t l = 0; l + 1 < widths.size(); ++l) {
    total += static_cast<double>(widths[l]) * widths[l + 1];
  }
  return passes * total;
}

double PeakResidentMegabytes() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // KiB on Linux
}

// The yardstick's GFLOP/s (0 if it could not be run).
double& YardstickGflops() {
  static double gflops = 0;
  return gflops;
}

void MeasureYardstick(const char* argv0) {
  const std::string isa =
      ad::internal::ActiveIsa() == ad::internal::Isa::kAvx512 ? "avx512"
                                                              : "avx2";
  std::string dir = argv0;
  dir = dir.substr(0, dir.find_last_of('/') + 1);
  for (const std::string& candidate :
       {dir + "gemm_yardstick_" + isa, "train/gemm_yardstick_" + isa}) {
    FILE* pipe = popen((candidate + " 2>/dev/null").c_str(), "r");
    if (pipe == nullptr) continue;
    double gflops = 0;
    char name[32] = {0};
    const int read = std::fscanf(pipe, "%lf %31s", &gflops, name);
    if (pclose(pipe) == 0 && read == 2) {
      YardstickGflops() = gflops;
      std::printf(
          "yardstick: Eigen float32 [100x100]x[100x100], one core, %s build: "
          "%.1f GFLOP/s\n",
          name, gflops);
      return;
    }
  }
  std::printf("yardstick: not found next to %s; no yardstick fractions\n",
              argv0);
}

// An untrained latent field can grow its states exponentially; over a long
// solve they overflow (float32 sooner than float64) and the solve stops
// early, which would time less work than the jump asks for. So the field's
// weights are halved until a prediction at the longest dt measured stays
// finite: the cost of a step does not depend on the weights' size.
void DampLatentField(Trainer* trainer, double longest_dt) {
  Model& model = trainer->mutable_model();
  const Eigen::MatrixXd x = trainer->TestPairs(1).inputs.topRows(8);
  for (int halvings = 0; halvings < 30; ++halvings) {
    if (model.Predict(x, longest_dt).allFinite()) return;
    ad::ParameterStore& store = model.parameters();
    for (int id = 0; id < store.size(); ++id) {
      const std::string& name = store.name(id);
      if (name.rfind("derivative_net/", 0) == 0 ||
          name.rfind("hamiltonian_net/", 0) == 0) {
        store.value(id) *= 0.5;
      }
    }
  }
  std::cerr << "could not damp the latent field to a finite solve\n";
  std::exit(1);
}

// One Adam step on a batch of 100 at `jump`, from the training pairs (the
// test pairs for jumps the 100 training samples cannot span).
void TrainingStep(benchmark::State& state, Trainer* trainer, int jump,
                  double field_multiply_adds) {
  const data_gen::StatePairs& pairs =
      trainer->TrainPairs(jump).inputs.rows() > 0 ? trainer->TrainPairs(jump)
                                                  : trainer->TestPairs(jump);
  Eigen::MatrixXd inputs(kBatch, pairs.inputs.cols());
  Eigen::MatrixXd targets(kBatch, pairs.targets.cols());
  for (int i = 0; i < kBatch; ++i) {
    inputs.row(i) = pairs.inputs.row(i % pairs.inputs.rows());
    targets.row(i) = pairs.targets.row(i % pairs.targets.rows());
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(trainer->Step(inputs, targets, jump));
  }
  state.counters["steps/s"] =
      benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
  if (field_multiply_adds > 0) {
    // Solver steps of 0.1 per unit of time (the shipped configs).
    const double solver_steps = 10.0 * jump;
    const double flops =
        3 * 6 * solver_steps * kBatch * 2 * field_multiply_adds;
    state.counters["GFLOP/s"] = benchmark::Counter(
        flops * 1e-9 * state.iterations(), benchmark::Counter::kIsRate);
    if (YardstickGflops() > 0) {
      state.counters["yardstick"] = benchmark::Counter(
          flops * 1e-9 * state.iterations() / YardstickGflops(),
          benchmark::Counter::kIsRate);
    }
    state.counters["peak_MB"] = PeakResidentMegabytes();
  }
}

// One multi-step Adam step on a batch of 100 at `jump`: the predictions at
// 1..jump of the same inputs (Trainer::MultiStep), against TrainingStep at
// the same jump.
void MultiStepTrainingStep(benchmark::State& state, Trainer* trainer,
                           int jump) {
  const data_gen::StatePairs& pairs = trainer->TrainPairs(jump);
  const std::vector<Eigen::MatrixXd> all = trainer->MultiStepTargets(jump);
  Eigen::MatrixXd inputs(kBatch, pairs.inputs.cols());
  std::vector<Eigen::MatrixXd> targets(
      jump, Eigen::MatrixXd(kBatch, pairs.targets.cols()));
  for (int i = 0; i < kBatch; ++i) {
    const Eigen::Index row = i % pairs.inputs.rows();
    inputs.row(i) = pairs.inputs.row(row);
    for (int j = 0; j < jump; ++j) targets[j].row(i) = all[j].row(row);
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(trainer->MultiStep(inputs, targets, {}));
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

// The same prediction through the float64 reference path that Predict used
// before the fused float32 solve: Eigen products and ode::Solve
// (LatentOdeModel::SolveLatent), for before/after figures in one run.
void ReferenceInference(benchmark::State& state, Trainer* trainer, double dt) {
  const auto& model = dynamic_cast<const LatentOdeModel&>(trainer->model());
  const Eigen::MatrixXd x = trainer->TestPairs(1).inputs.topRows(1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.encoder().DecodeValues(
        *model.SolveLatent(model.encoder().EncodeValues(x), dt)));
  }
}

// The trainer's model as a checkpoint, loaded back through the public
// Predictor API (the path users and the Python module take).
Predictor* MakePredictor(const ExperimentConfig& config, Trainer* trainer) {
  Checkpoint checkpoint;
  checkpoint.model_kind = trainer->model().kind();
  checkpoint.config_text = config.text;
  checkpoint.num_degrees_of_freedom = trainer->model().num_degrees_of_freedom();
  checkpoint.parameters = ToNamed(trainer->model().parameters(),
                                  trainer->model().parameters().Flatten());
  checkpoint.scaler_mean = trainer->scaler().mean();
  checkpoint.scaler_scale = trainer->scaler().scale();
  const std::string path = "/tmp/models_benchmark_" + config.experiment.name() +
                           "_" + std::to_string(getpid()) + ".h5";
  absl::Status written = WriteCheckpoint(checkpoint, path);
  absl::StatusOr<Predictor> predictor =
      written.ok() ? Predictor::Load(path) : absl::StatusOr<Predictor>(written);
  std::remove(path.c_str());
  if (!predictor.ok()) {
    std::cerr << predictor.status().message() << "\n";
    std::exit(1);
  }
  return new Predictor(*std::move(predictor));  // lives until exit
}

// Predictor::Predict of `batch` test states (in the dataset's units) at dt.
void PredictorInference(benchmark::State& state, const Predictor* predictor,
                        Trainer* trainer, int batch, double dt) {
  const Eigen::MatrixXd& pool = trainer->TestPairs(1).inputs;
  Eigen::MatrixXd x(batch, pool.cols());
  for (int i = 0; i < batch; ++i) x.row(i) = pool.row(i % pool.rows());
  x = trainer->scaler().InverseTransform(x);
  for (auto _ : state) {
    benchmark::DoNotOptimize(predictor->Predict(x, dt));
  }
  state.counters["states/s"] =
      benchmark::Counter(static_cast<double>(batch) * state.iterations(),
                         benchmark::Counter::kIsRate);
}

void RegisterAll() {
  for (const char* name : kModels) {
    const ExperimentConfig config = ReadModelConfig(name);
    Trainer* trainer = MakeTrainer(config).release();  // lives until exit
    const double field_multiply_adds =
        FieldMultiplyAdds(config.experiment.model(),
                          2 * trainer->model().num_degrees_of_freedom());
    std::vector<int> jumps = {1, 10};
    if (field_multiply_adds > 0) {
      jumps.insert(jumps.end(), {50, 400});
      DampLatentField(trainer, 1000.0);
    }
    for (int jump : jumps) {
      benchmark::RegisterBenchmark(
          absl::StrCat(name, "/train_step/dt:", jump).c_str(), TrainingStep,
          trainer, jump, field_multiply_adds)
          ->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark(
        absl::StrCat(name, "/multi_step_train_step/dt:10").c_str(),
        MultiStepTrainingStep, trainer, 10)
        ->Unit(benchmark::kMillisecond);
    for (int dt : {1, 10, 100, 400, 1000}) {
      benchmark::RegisterBenchmark(
          absl::StrCat(name, "/inference/dt:", dt).c_str(), Inference, trainer,
          static_cast<double>(dt))
          ->Unit(benchmark::kMicrosecond);
    }
    if (config.experiment.model().has_action_angle()) {
      const Predictor* predictor = MakePredictor(config, trainer);
      for (int dt : {1, 10, 100, 400, 1000}) {
        benchmark::RegisterBenchmark(
            absl::StrCat(name, "/predictor_one_state/dt:", dt).c_str(),
            PredictorInference, predictor, trainer, 1, static_cast<double>(dt))
            ->Unit(benchmark::kMicrosecond);
      }
      benchmark::RegisterBenchmark(
          absl::StrCat(name, "/predictor_batch_500/dt:100").c_str(),
          PredictorInference, predictor, trainer, 500, 100.0)
          ->Unit(benchmark::kMillisecond);
    }
    if (field_multiply_adds > 0) {
      for (int dt : {1, 10, 100, 400}) {
        benchmark::RegisterBenchmark(
            absl::StrCat(name, "/inference_float64_reference/dt:", dt).c_str(),
            ReferenceInference, trainer, static_cast<double>(dt))
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
}

}  // namespace
}  // namespace aanet::train

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::printf("kernels: %s\n",
              aanet::ad::internal::IsaName(aanet::ad::internal::ActiveIsa()));
  aanet::train::MeasureYardstick(argv[0]);
  aanet::train::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
