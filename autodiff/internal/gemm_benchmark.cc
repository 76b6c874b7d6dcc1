// Speed of the dispatched product kernels at the study's shapes, on every
// instruction set this CPU has, beside Eigen's product built with the
// default flags (AVX2 + FMA); and of the tape's float64 ProductInto
// (kernels.h), which takes Eigen's product on the portable instruction set
// and GemmProduct on the others.
//
//   bazel run -c opt //autodiff/internal:gemm_benchmark
//   bazel run -c opt //autodiff/internal:gemm_benchmark -- \
//       --benchmark_filter=gemm_f32_shape
//   bazel run -c opt //autodiff/internal:gemm_benchmark -- \
//       --benchmark_filter=product_into
#include <string>

#include "Eigen/Core"
#include "autodiff/internal/gemm.h"
#include "autodiff/internal/kernels.h"
#include "benchmark/benchmark.h"

namespace aanet::ad::internal {
namespace {

// Gemm<T> of A [m x k] (stored [k x m] when transpose_a) times B [k x n],
// timed with its GFLOP/s.
template <typename T>
void TimeGemm(benchmark::State& state, Isa isa, int m, int n, int k,
              bool transpose_a) {
  SetActiveIsa(isa);
  PaddedMatrix<T> a(transpose_a ? k : m, transpose_a ? m : k), b(k, n), c(m, n);
  for (int i = 0; i < a.rows(); ++i) {
    for (int j = 0; j < a.cols(); ++j) {
      a(i, j) = static_cast<T>((i * 7 + j * 3) % 11) / 11;
    }
  }
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j < n; ++j) b(i, j) = static_cast<T>((i * 5 + j) % 13) / 13;
  }
  for (auto _ : state) {
    Gemm<T>({.m = m,
             .n = n,
             .k = k,
             .a = a.data(),
             .lda = a.ld(),
             .transpose_a = transpose_a,
             .b = b.data(),
             .ldb = b.ld(),
             .c = c.data(),
             .ldc = c.ld()});
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * m * n * k * state.iterations() * 1e-9, benchmark::Counter::kIsRate);
  SetActiveIsa(DetectIsa());
}

template <typename T>
void BM_Gemm(benchmark::State& state, Isa isa, bool transpose_a) {
  const int n = static_cast<int>(state.range(0));
  TimeGemm<T>(state, isa, n, n, n, transpose_a);
}

// A latent field's thin products at batch 100: [100 x 100] x [100 x 4] (its
// last layer; transposed, its weight gradient) and the width-100 products'
// last 4 columns, which AVX-512 float runs in thin column blocks.
void BM_GemmShape(benchmark::State& state, Isa isa, bool transpose_a) {
  TimeGemm<float>(state, isa, static_cast<int>(state.range(0)),
                  static_cast<int>(state.range(1)),
                  static_cast<int>(state.range(2)), transpose_a);
}

template <typename T>
void BM_Eigen(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  using M = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  M a = M::Random(n, n), b = M::Random(n, n), c(n, n);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * n * n * n * state.iterations() * 1e-9, benchmark::Counter::kIsRate);
}

// ProductInto of [n, k] x [k, m] in float64 as a dense layer's forward pass
// (form 0: x W), and its backward passes (1: dL/dy W^T, 2: x^T dL/dy).
void BM_ProductInto(benchmark::State& state, Isa isa) {
  SetActiveIsa(isa);
  const int n = static_cast<int>(state.range(0));
  const int k = static_cast<int>(state.range(1));
  const int m = static_cast<int>(state.range(2));
  const int form = static_cast<int>(state.range(3));
  const Matrix x = Matrix::Random(n, k), w = Matrix::Random(k, m),
               g = Matrix::Random(n, m);
  Matrix out;
  for (auto _ : state) {
    if (form == 0) {
      ProductInto(x, w, /*add=*/false, out);
    } else if (form == 1) {
      ProductInto(g, w.transpose(), /*add=*/false, out);
    } else {
      ProductInto(x.transpose(), g, /*add=*/false, out);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * n * k * m * state.iterations() * 1e-9, benchmark::Counter::kIsRate);
  SetActiveIsa(DetectIsa());
}

void RegisterAll() {
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512}) {
    if (isa > DetectIsa()) continue;
    for (bool t : {false, true}) {
      const std::string suffix =
          std::string(IsaName(isa)) + (t ? "/transpose_a" : "");
      benchmark::RegisterBenchmark(("gemm_f32/" + suffix).c_str(),
                                   BM_Gemm<float>, isa, t)
          ->Arg(100);
      benchmark::RegisterBenchmark(("gemm_f64/" + suffix).c_str(),
                                   BM_Gemm<double>, isa, t)
          ->Arg(100);
    }
  }
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    if (isa > DetectIsa()) continue;
    for (bool t : {false, true}) {
      const std::string name = std::string("gemm_f32_shape/") + IsaName(isa) +
                               (t ? "/transpose_a" : "");
      benchmark::RegisterBenchmark(name.c_str(), BM_GemmShape, isa, t)
          ->Args({100, 4, 100})
          ->Args({100, 100, 100})
          ->Args({100, 96, 100});
    }
  }
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512}) {
    if (isa > DetectIsa()) continue;
    const std::string name = std::string("product_into_f64/") +
                             (isa == Isa::kGeneric ? "eigen" : IsaName(isa));
    benchmark::RegisterBenchmark(name.c_str(), BM_ProductInto, isa)
        ->ArgNames({"n", "k", "m", "form"})
        ->Args({100, 100, 100, 0})
        ->Args({100, 100, 100, 1})
        ->Args({100, 100, 100, 2})
        ->Args({100, 200, 100, 0})
        ->Args({100, 200, 100, 1})
        ->Args({100, 200, 100, 2});
  }
  benchmark::RegisterBenchmark("eigen_f32/default_flags", BM_Eigen<float>)
      ->Arg(100);
  benchmark::RegisterBenchmark("eigen_f64/default_flags", BM_Eigen<double>)
      ->Arg(100);
}

}  // namespace
}  // namespace aanet::ad::internal

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  aanet::ad::internal::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
