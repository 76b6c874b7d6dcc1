// Per-step cost of the autodiff core: forward + backward of small networks at
// the project's sizes, against hand-written Eigen, and a chain of tiny ops
// that exposes the fixed cost per op.
//
//   bazel run -c opt //autodiff:autodiff_benchmark
#include <vector>

#include "Eigen/Core"
#include "autodiff/adam.h"
#include "autodiff/init.h"
#include "autodiff/ops.h"
#include "autodiff/parameters.h"
#include "autodiff/tape.h"
#include "benchmark/benchmark.h"
#include "rng/random.h"

namespace aanet::ad {
namespace {

constexpr int kBatch = 100;

Matrix RandomBatch(int rows, int cols, Random& rng) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.Normal();
  return m;
}

// ---- MLP 4 -> 100 -> 100 -> 4, sigmoid, batch 100 ---------------------------

struct Mlp {
  ParameterStore store;
  std::vector<int> weights, biases;
  explicit Mlp(const std::vector<int>& widths) {
    Random rng(1);
    for (size_t l = 0; l + 1 < widths.size(); ++l) {
      weights.push_back(store.Add("w" + std::to_string(l),
                                  LecunNormal(widths[l], widths[l + 1], rng)));
      biases.push_back(
          store.Add("b" + std::to_string(l), ZerosInit(1, widths[l + 1])));
    }
  }
};

void MlpStep(Tape& tape, Mlp& mlp, const Matrix& x, const Matrix& y) {
  tape.Clear();
  mlp.store.ZeroGrad();
  Var h = tape.Constant(x);
  for (size_t l = 0; l < mlp.weights.size(); ++l) {
    h = Add(MatMul(h, tape.Param(mlp.store, mlp.weights[l])),
            tape.Param(mlp.store, mlp.biases[l]));
    if (l + 1 < mlp.weights.size()) h = Sigmoid(h);
  }
  tape.Backward(Mean(Square(Sub(h, tape.Constant(y)))));
}

void BM_MlpForwardBackward(benchmark::State& state) {
  Mlp mlp({4, 100, 100, 4});
  Random rng(2);
  const Matrix x = RandomBatch(kBatch, 4, rng);
  const Matrix y = RandomBatch(kBatch, 4, rng);
  Tape tape;
  for (auto _ : state) {
    MlpStep(tape, mlp, x, y);
    benchmark::DoNotOptimize(mlp.store.grad(0).data());
  }
  state.counters["steps/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["nodes"] = tape.size();
}
BENCHMARK(BM_MlpForwardBackward);

void BM_MlpForwardBackwardAdam(benchmark::State& state) {
  Mlp mlp({4, 100, 100, 4});
  Random rng(2);
  const Matrix x = RandomBatch(kBatch, 4, rng);
  const Matrix y = RandomBatch(kBatch, 4, rng);
  Tape tape;
  Adam adam;
  for (auto _ : state) {
    MlpStep(tape, mlp, x, y);
    adam.Step(mlp.store);
  }
  state.counters["steps/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MlpForwardBackwardAdam);

// The same network and loss written directly in Eigen: the floor the tape's
// overhead is measured against.
void BM_MlpHandWrittenEigen(benchmark::State& state) {
  Mlp mlp({4, 100, 100, 4});
  Random rng(2);
  const Matrix x = RandomBatch(kBatch, 4, rng);
  const Matrix y = RandomBatch(kBatch, 4, rng);
  const int layers = static_cast<int>(mlp.weights.size());
  std::vector<Matrix> acts(layers + 1), grads(layers);
  Matrix delta, out;
  for (auto _ : state) {
    acts[0] = x;
    for (int l = 0; l < layers; ++l) {
      out.noalias() = acts[l] * mlp.store.value(mlp.weights[l]);
      out.rowwise() += mlp.store.value(mlp.biases[l]).row(0);
      if (l + 1 < layers) {
        acts[l + 1].array() = out.array().logistic();
      } else {
        acts[l + 1] = out;
      }
    }
    delta = (2.0 / static_cast<double>(y.size())) * (acts[layers] - y);
    for (int l = layers - 1; l >= 0; --l) {
      if (l + 1 < layers) {
        delta.array() *= acts[l + 1].array() * (1.0 - acts[l + 1].array());
      }
      mlp.store.grad(mlp.weights[l]).noalias() = acts[l].transpose() * delta;
      mlp.store.grad(mlp.biases[l]) = delta.colwise().sum();
      if (l > 0) {
        out.noalias() = delta * mlp.store.value(mlp.weights[l]).transpose();
        delta = out;
      }
    }
    benchmark::DoNotOptimize(mlp.store.grad(0).data());
  }
  state.counters["steps/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MlpHandWrittenEigen);

// ---- 40 tiny ops: the fixed cost per op -------------------------------------

void BM_SmallOpChain40_PerOp(benchmark::State& state) {
  ParameterStore store;
  const int w = store.Add("w", Matrix::Constant(1, 4, 0.5));
  Tape tape;
  const Matrix c = Matrix::Constant(1, 4, 0.1);
  for (auto _ : state) {
    tape.Clear();
    Var h = tape.Param(store, w);
    const Var k = tape.Constant(c);
    for (int i = 0; i < 10; ++i) {  // 4 ops per iteration.
      h = Sigmoid(Scale(Add(Mul(h, k), h), 0.9));
    }
    tape.Backward(Sum(h));
    benchmark::DoNotOptimize(store.grad(w).data());
  }
  // 41 ops (40 + Sum) per iteration, forward and backward.
  state.counters["ops/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 41,
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SmallOpChain40_PerOp);

// ---- Unfused symplectic shear flow (the Action-Angle Network's encoder)
// ------
//
// Each layer updates one half of z = [q, p] (n = 2 each) from the other:
//   out = (sigmoid(x W + b) * a) W^T + x;  out *= gate;  half += out
// with W [2,100], b, a [1,100], gate [1,2]. 8 ops per layer. Arg: layers
// (20 = encoder only, 40 = encoder + decoder as in one training step).

void BM_ShearFlowUnfused(benchmark::State& state) {
  const int layers = static_cast<int>(state.range(0));
  ParameterStore store;
  Random rng(3);
  std::vector<int> ws, bs, as, gates;
  for (int l = 0; l < layers; ++l) {
    ws.push_back(
        store.Add("W" + std::to_string(l), NormalInit(2, 100, 0.01, rng)));
    bs.push_back(
        store.Add("b" + std::to_string(l), NormalInit(1, 100, 0.01, rng)));
    as.push_back(
        store.Add("a" + std::to_string(l), NormalInit(1, 100, 0.1, rng)));
    gates.push_back(
        store.Add("g" + std::to_string(l), ConstantInit(1, 2, 0.5)));
  }
  const Matrix q0 = RandomBatch(kBatch, 2, rng);
  const Matrix p0 = RandomBatch(kBatch, 2, rng);
  Tape tape;
  Adam adam;
  for (auto _ : state) {
    tape.Clear();
    store.ZeroGrad();
    Var q = tape.Constant(q0);
    Var p = tape.Constant(p0);
    for (int l = 0; l < layers; ++l) {
      const Var w = tape.Param(store, ws[l]);
      Var& fixed = l % 2 == 0 ? q : p;
      Var& updated = l % 2 == 0 ? p : q;
      const Var hidden =
          Mul(Sigmoid(Add(MatMul(fixed, w), tape.Param(store, bs[l]))),
              tape.Param(store, as[l]));
      const Var out = Mul(Add(MatMulTransposeB(hidden, w), fixed),
                          tape.Param(store, gates[l]));
      updated = Add(updated, out);
    }
    tape.Backward(Add(Mean(Square(q)), Mean(Square(p))));
    adam.Step(store);
  }
  state.counters["steps/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["nodes"] = tape.size();
}
BENCHMARK(BM_ShearFlowUnfused)->Arg(20)->Arg(40);

}  // namespace
}  // namespace aanet::ad
