// Cost of one Solve of a harmonic oscillator (q' = p / m, p' = -k q, one
// [1, 2] state, omega = 1.22) over dt in {1, 10, 100}, in both step modes:
//   constant: h = 0.1;
//   adaptive: rtol = 1e-6, atol = 1e-8, automatic starting step.
// Counters: steps and field evaluations per solve.
//
//   bazel run -c opt //ode:dormand_prince_benchmark
#include <string>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "ode/dormand_prince.h"

namespace aanet::ode {
namespace {

struct Oscillator {
  double m = 2.0;
  double k = 3.0;
  Eigen::MatrixXd operator()(double /*t*/, const Eigen::MatrixXd& y) const {
    Eigen::MatrixXd dy(y.rows(), 2);
    dy.col(0) = y.col(1) / m;
    dy.col(1) = -k * y.col(0);
    return dy;
  }
};

void Run(benchmark::State& state, const SolverOptions& options) {
  const double dt = static_cast<double>(state.range(0));
  Eigen::MatrixXd y0(1, 2);
  y0 << 1.0, 0.5;
  const Oscillator oscillator;
  SolveStats stats;
  for (auto _ : state) {
    absl::StatusOr<Eigen::MatrixXd> y =
        Solve(oscillator, y0, 0.0, dt, options, &stats);
    if (!y.ok()) {
      state.SkipWithError(std::string(y.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(*y);
  }
  state.counters["steps"] = stats.accepted_steps + stats.rejected_steps;
  state.counters["evals"] = stats.field_evaluations;
}

void BM_Constant(benchmark::State& state) {
  SolverOptions options;
  options.mode = StepMode::kConstant;
  options.step = 0.1;
  Run(state, options);
}
BENCHMARK(BM_Constant)->Arg(1)->Arg(10)->Arg(100);

void BM_Adaptive(benchmark::State& state) {
  SolverOptions options;
  options.mode = StepMode::kAdaptive;
  options.step = 0.0;
  options.rtol = 1e-6;
  options.atol = 1e-8;
  Run(state, options);
}
BENCHMARK(BM_Adaptive)->Arg(1)->Arg(10)->Arg(100);

}  // namespace
}  // namespace aanet::ode
