// Speed of one state through a float32 stack like the shipped flow's (n = 2,
// 20 layers, forward) at widths 16 to 128 (the shipped 100 among them), on
// every instruction set this CPU has: the kernel alone, without the
// Predictor around it. The time per layer grows by a fixed amount per 16
// hidden units from a floor that is the latency of one layer's chain.
//
//   bazel run -c opt //autodiff/internal:shear_stack_one_state_benchmark
#include <string>

#include "autodiff/internal/gemm.h"
#include "autodiff/internal/shear_stack_one_state.h"
#include "autodiff/matrix.h"
#include "benchmark/benchmark.h"

namespace aanet::ad::internal {
namespace {

void BM_ShearStackOneState(benchmark::State& state, Isa isa) {
  const int n = 2;
  const int width = static_cast<int>(state.range(0));
  const int num_layers = 20;
  SetActiveIsa(isa);
  PackedShearStack stack(n, width, num_layers, ShearGate::kAdditive);
  for (int l = 0; l < num_layers; ++l) {
    Matrix w(n, width), b(1, width), a(1, width), gate(1, n);
    for (int j = 0; j < width; ++j) {
      for (int k = 0; k < n; ++k) w(k, j) = ((j * 7 + k * 3 + l) % 11) / 11.0;
      b(0, j) = ((j * 5 + l) % 13) / 13.0 - 0.5;
      a(0, j) = ((j * 3 + l) % 7) / 70.0 - 0.05;
    }
    gate.setConstant(0.1);
    stack.SetLayer(l, w, b, a, gate);
  }
  float x[2 * n] = {0.3f, -0.2f, 0.5f, 0.1f};
  for (auto _ : state) {
    stack.Forward(x);
    benchmark::DoNotOptimize(x);
  }
  // Seconds per layer (printed with an SI prefix, e.g. 45n).
  state.counters["per_layer"] = benchmark::Counter(
      num_layers, benchmark::Counter::kIsIterationInvariantRate |
                      benchmark::Counter::kInvert);
  SetActiveIsa(DetectIsa());
}

void RegisterAll() {
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512}) {
    if (isa > DetectIsa()) continue;
    benchmark::RegisterBenchmark(
        (std::string("shear_stack_one_state/") + IsaName(isa)).c_str(),
        BM_ShearStackOneState, isa)
        ->Arg(16)
        ->Arg(32)
        ->Arg(48)
        ->Arg(64)
        ->Arg(80)
        ->Arg(96)
        ->Arg(100)
        ->Arg(112)
        ->Arg(128);
  }
}

}  // namespace
}  // namespace aanet::ad::internal

int main(int argc, char** argv) {
  aanet::ad::internal::RegisterAll();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
