#include "autodiff/internal/shear_stack.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>
#include <vector>

#include "autodiff/internal/gemm.h"
#include "gtest/gtest.h"
#include "rng/random.h"

namespace aanet::ad::internal {
namespace {

// A stack's parameters and a batch, in double; the float runs use the same
// values rounded to float (see RoundedToFloat), so that float32 against
// float64 compares arithmetic only.
struct Problem {
  int n = 2;
  int width = 7;
  int num_layers = 4;
  bool published_gate = false;
  bool relu = false;  // else the sigmoid
  int batch = 5;
  std::vector<double> params;  // [L][width][n + 2]
  std::vector<double> gates;   // [L][n]
  std::vector<double> states;  // [2n][batch] (unpadded)
  std::vector<double> seed;    // dL/d(output) [2n][batch]
};

Problem MakeProblem(int n, int width, int num_layers, bool published_gate,
                    int batch, uint64_t seed_value) {
  Random random(seed_value);
  Problem p;
  p.n = n;
  p.width = width;
  p.num_layers = num_layers;
  p.published_gate = published_gate;
  p.batch = batch;
  // Weights large enough that every layer bends the state (a and gate
  // nonzero); gates well below 1 so that the published gate's (u + x) * gate
  // does not grow the state geometrically over the layers.
  for (int i = 0; i < num_layers * width * (n + 2); ++i) {
    p.params.push_back(0.7 * random.Normal());
  }
  for (int i = 0; i < num_layers * n; ++i) {
    p.gates.push_back(0.3 * random.Normal());
  }
  for (int i = 0; i < 2 * n * batch; ++i) {
    p.states.push_back(random.Normal());
    p.seed.push_back(random.Normal());
  }
  return p;
}

Problem RoundedToFloat(Problem p) {
  for (auto* v : {&p.params, &p.gates, &p.states, &p.seed}) {
    for (double& x : *v) x = static_cast<float>(x);
  }
  return p;
}

template <typename T>
struct Result {
  std::vector<T> out;          // [2n][batch]
  std::vector<T> grad_state;   // [2n][batch]
  std::vector<T> grad_params;  // as params
  std::vector<T> grad_gates;   // as gates
  std::vector<T> unit_sums;    // [L][width][2n + 1]
};

// Runs the stack forward (sign) and, with the problem's seed, backward.
// save_s: the forward pass saves s for the backward pass (the flow's
// choice), else the backward pass recomputes it.
template <typename T>
Result<T> RunStack(const Problem& p, T sign, bool backward = true,
                   bool save_s = true) {
  const int ld = ShearStackLd(p.batch);
  std::vector<T> params(p.params.begin(), p.params.end());
  std::vector<T> gates(p.gates.begin(), p.gates.end());
  std::vector<T> forward_params(p.num_layers * p.width *
                                ShearStackForwardParametersPerUnit(p.n));
  DeriveShearStackForwardParameters(params.data(), p.n, p.width, p.num_layers,
                                    forward_params.data());
  // Lanes past the batch hold garbage: the kernels must not read them.
  std::vector<T> state(2 * p.n * ld, T(1e30));
  std::vector<T> grad_state(2 * p.n * ld, T(1e30));
  for (int c = 0; c < 2 * p.n; ++c) {
    for (int b = 0; b < p.batch; ++b) {
      state[c * ld + b] = static_cast<T>(p.states[c * p.batch + b]);
      grad_state[c * ld + b] = static_cast<T>(p.seed[c * p.batch + b]);
    }
  }
  std::vector<T> saved(p.num_layers * p.n * ld, T(1e30));
  std::vector<T> saved_s(p.num_layers * p.width * ld, T(1e30));
  Result<T> r;
  r.grad_params.assign(params.size(), T(-1));
  r.grad_gates.assign(gates.size(), T(-1));
  r.unit_sums.assign(p.num_layers * p.width * (2 * p.n + 1), T(-1));
  ShearStackArgs<T> args;
  args.n = p.n;
  args.width = p.width;
  args.num_layers = p.num_layers;
  args.published_gate = p.published_gate;
  args.activation = p.relu ? ShearActivation::kRelu : ShearActivation::kSigmoid;
  args.batch = p.batch;
  args.ld = ld;
  args.sign = sign;
  args.params = params.data();
  args.forward_params = forward_params.data();
  args.gates = gates.data();
  args.state = state.data();
  args.saved_x = saved.data();
  if (save_s) args.saved_s = saved_s.data();
  args.grad_state = grad_state.data();
  args.grad_params = r.grad_params.data();
  args.grad_gates = r.grad_gates.data();
  args.unit_sums = r.unit_sums.data();
  ShearStackForward(args);
  if (backward) ShearStackBackward(args);
  for (int c = 0; c < 2 * p.n; ++c) {
    for (int b = 0; b < p.batch; ++b) {
      r.out.push_back(state[c * ld + b]);
      r.grad_state.push_back(grad_state[c * ld + b]);
    }
  }
  return r;
}

// The loss sum(seed * output) in double.
double Loss(const Problem& p, double sign) {
  const Result<double> r = RunStack<double>(p, sign, /*backward=*/false);
  double loss = 0.0;
  for (size_t i = 0; i < r.out.size(); ++i) loss += p.seed[i] * r.out[i];
  return loss;
}

// |a - b| <= tolerance * max(|b|, floor).
void ExpectClose(const std::vector<double>& a, const std::vector<double>& b,
                 double tolerance, double floor, const char* what) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_LE(std::abs(a[i] - b[i]),
              tolerance * std::max(std::abs(b[i]), floor))
        << what << "[" << i << "]: " << a[i] << " vs " << b[i];
  }
}

template <typename T>
std::vector<double> ToDouble(const std::vector<T>& v) {
  return std::vector<double>(v.begin(), v.end());
}

// (n, published gate, sign, relu)
class ShearStackTest
    : public ::testing::TestWithParam<std::tuple<int, bool, double, bool>> {};

TEST_P(ShearStackTest, DoubleGradientsMatchFiniteDifferences) {
  const auto [n, published, sign, relu] = GetParam();
  Problem p = MakeProblem(n, /*width=*/7, /*num_layers=*/5, published,
                          /*batch=*/19, 11);
  p.relu = relu;
  const Result<double> r = RunStack<double>(p, sign);
  // Central differences in double, for every input and parameter.
  auto fd = [&](std::vector<double>& values) {
    std::vector<double> grad(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      const double keep = values[i];
      const double h = 1e-6 * std::max(1.0, std::abs(keep));
      values[i] = keep + h;
      const double plus = Loss(p, sign);
      values[i] = keep - h;
      const double minus = Loss(p, sign);
      values[i] = keep;
      grad[i] = (plus - minus) / (2 * h);
    }
    return grad;
  };
  // Central differences at h = 1e-6 are accurate to ~1e-8 of the loss's
  // scale here; 1e-5 relative (floor 1e-2 for components near zero) leaves
  // margin and still catches any wrong term.
  ExpectClose(r.grad_params, fd(p.params), 1e-5, 1e-2, "params");
  ExpectClose(r.grad_gates, fd(p.gates), 1e-5, 1e-2, "gates");
  ExpectClose(r.grad_state, fd(p.states), 1e-5, 1e-2, "states");
}

TEST_P(ShearStackTest, FloatAgreesWithDouble) {
  const auto [n, published, sign, relu] = GetParam();
  // The shipped shape: 20 layers of width 100, batch 100.
  const Problem p = RoundedToFloat(
      MakeProblem(n, /*width=*/100, /*num_layers=*/20, published, 100, 5));
  // Keep the 100-wide layers' ridge terms of order one.
  Problem q = p;
  q.relu = relu;
  for (double& v : q.params) v = static_cast<float>(v * 0.3);
  const Result<float> f = RunStack<float>(q, static_cast<float>(sign));
  const Result<double> d = RunStack<double>(q, sign);
  // float32's unit roundoff is 6e-8; through 20 layers of 100-term sums and
  // a sigmoid of < 3 ulp, the values and input gradients stay within 1e-5
  // relative and the batch-summed parameter gradients within 1e-4 of their
  // largest entry (measured: a few 1e-6 and 1e-5).
  auto scale = [](const std::vector<double>& v) {
    double m = 0.0;
    for (double x : v) m = std::max(m, std::abs(x));
    return m;
  };
  ExpectClose(ToDouble(f.out), d.out, 1e-5, 1.0, "out");
  ExpectClose(ToDouble(f.grad_state), d.grad_state, 1e-5, 1.0, "grad_state");
  ExpectClose(ToDouble(f.grad_params), d.grad_params, 1e-4,
              scale(d.grad_params), "grad_params");
  ExpectClose(ToDouble(f.grad_gates), d.grad_gates, 1e-4, scale(d.grad_gates),
              "grad_gates");
}

TEST_P(ShearStackTest, FloatIsBitIdenticalOnEveryInstructionSet) {
  const auto [n, published, sign, relu] = GetParam();
  Problem p = MakeProblem(n, 100, 6, published, 37, 9);
  p.relu = relu;
  const Isa widest = DetectIsa();
  SetActiveIsa(Isa::kGeneric);
  const Result<float> reference = RunStack<float>(p, static_cast<float>(sign));
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    if (isa > widest) continue;  // this CPU lacks it
    SetActiveIsa(isa);
    const Result<float> r = RunStack<float>(p, static_cast<float>(sign));
    auto same = [](const std::vector<float>& a, const std::vector<float>& b) {
      return a.size() == b.size() &&
             std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
    };
    EXPECT_TRUE(same(r.out, reference.out)) << IsaName(isa);
    EXPECT_TRUE(same(r.grad_state, reference.grad_state)) << IsaName(isa);
    EXPECT_TRUE(same(r.grad_params, reference.grad_params)) << IsaName(isa);
    EXPECT_TRUE(same(r.grad_gates, reference.grad_gates)) << IsaName(isa);
    EXPECT_TRUE(same(r.unit_sums, reference.unit_sums)) << IsaName(isa);
  }
  SetActiveIsa(widest);
}

// Each unit's sums X_i, S_i, D are those the parameter gradients come from:
// dL/dW[i] = X_i + a S_i, dL/db = D, dL/da = sum_i W[i] S_i, in the
// kernel's own order (callers with another parametrisation read the sums).
TEST_P(ShearStackTest, UnitSumsGiveTheParameterGradients) {
  const auto [n, published, sign, relu] = GetParam();
  Problem p = MakeProblem(n, 21, 3, published, 19, 17);
  p.relu = relu;
  const Result<double> r = RunStack<double>(p, sign);
  const int k = n + 2;
  const int ka = 2 * n + 1;
  for (int unit = 0; unit < p.num_layers * p.width; ++unit) {
    const double* w = p.params.data() + unit * k;
    const double* sums = r.unit_sums.data() + unit * ka;
    const double* g = r.grad_params.data() + unit * k;
    // Each product rounded on its own, as the kernel (built with
    // -ffp-contract=off) rounds it: volatile keeps this file's compiler from
    // fusing it into the addition.
    auto product = [](double a, double b) {
      volatile double x = a * b;
      return static_cast<double>(x);
    };
    double grad_a = product(w[0], sums[n]);
    for (int i = 1; i < n; ++i) grad_a = grad_a + product(w[i], sums[n + i]);
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(g[i], sums[i] + product(w[n + 1], sums[n + i]))
          << unit << " " << i;
    }
    EXPECT_EQ(g[n], sums[2 * n]) << unit;
    EXPECT_EQ(g[n + 1], grad_a) << unit;
  }
}

TEST_P(ShearStackTest, SavedAndRecomputedActivationsGiveTheSameBits) {
  const auto [n, published, sign, relu] = GetParam();
  Problem p = MakeProblem(n, 30, 6, published, 37, 13);
  p.relu = relu;
  const float s = static_cast<float>(sign);
  const Result<float> saved = RunStack<float>(p, s, true, true);
  const Result<float> recomputed = RunStack<float>(p, s, true, false);
  EXPECT_EQ(saved.out, recomputed.out);
  EXPECT_EQ(saved.grad_state, recomputed.grad_state);
  EXPECT_EQ(saved.grad_params, recomputed.grad_params);
  EXPECT_EQ(saved.grad_gates, recomputed.grad_gates);
}

TEST_P(ShearStackTest, FloatInverseUndoesForward) {
  const auto [n, published, sign, relu] = GetParam();
  Problem p = MakeProblem(n, 100, 20, published, 100, 3);
  p.relu = relu;
  for (double& v : p.params) v *= 0.3;
  const Result<float> there =
      RunStack<float>(p, static_cast<float>(sign), false);
  Problem back = p;
  back.states.assign(there.out.begin(), there.out.end());
  const Result<float> again =
      RunStack<float>(back, static_cast<float>(-sign), false);
  double moved = 0.0;
  for (size_t i = 0; i < p.states.size(); ++i) {
    moved = std::max(moved, std::abs(there.out[i] - p.states[i]));
    // Each layer subtracts the very f it added (x is unchanged), so only
    // the roundings of y + f and of the float input remain: a few ulps of
    // the state's size per layer.
    EXPECT_LE(std::abs(again.out[i] - static_cast<float>(p.states[i])),
              2e-5 * std::max(1.0, std::abs(p.states[i])))
        << i;
  }
  EXPECT_GT(moved, 0.1);  // the stack is not the identity
}

INSTANTIATE_TEST_SUITE_P(All, ShearStackTest,
                         ::testing::Combine(::testing::Values(1, 2, 3, 4),
                                            ::testing::Bool(),
                                            ::testing::Values(1.0, -1.0),
                                            ::testing::Bool()));

class ShearStackTailTest : public ::testing::TestWithParam<bool> {};  // relu

TEST_P(ShearStackTailTest, EveryStateIsComputedAloneAndPaddingAddsNothing) {
  for (int batch : {1, 15, 16, 17, 100}) {
    SCOPED_TRACE(batch);
    Problem full = MakeProblem(2, 100, 6, false, 112, 21);
    full.relu = GetParam();
    // The first `batch` states of `full`.
    Problem p = full;
    p.batch = batch;
    p.states.clear();
    p.seed.clear();
    for (int c = 0; c < 4; ++c) {
      for (int b = 0; b < batch; ++b) {
        p.states.push_back(full.states[c * 112 + b]);
        p.seed.push_back(full.seed[c * 112 + b]);
      }
    }
    const Result<float> r = RunStack<float>(p, 1.0f);
    // The same states in a padded batch of 112 whose extra states carry no
    // gradient: their lanes add exactly zero, so every gradient is the same
    // to the bit (the per-lane sums see the same terms in the same lanes).
    Problem padded = full;
    for (int c = 0; c < 4; ++c) {
      for (int b = batch; b < 112; ++b) padded.seed[c * 112 + b] = 0.0;
    }
    const Result<float> rp = RunStack<float>(padded, 1.0f);
    EXPECT_EQ(r.grad_params, rp.grad_params);
    EXPECT_EQ(r.grad_gates, rp.grad_gates);
    for (int c = 0; c < 4; ++c) {
      for (int b = 0; b < batch; ++b) {
        EXPECT_EQ(r.out[c * batch + b], rp.out[c * 112 + b]);
        EXPECT_EQ(r.grad_state[c * batch + b], rp.grad_state[c * 112 + b]);
      }
    }
  }
}

TEST_P(ShearStackTailTest, NanStaysInItsState) {
  Problem p = MakeProblem(2, 100, 6, false, 17, 4);
  p.relu = GetParam();
  const Result<float> clean = RunStack<float>(p, 1.0f, false);
  p.states[0] = std::numeric_limits<double>::quiet_NaN();  // q_0 of state 0
  const Result<float> r = RunStack<float>(p, 1.0f);
  for (int c = 0; c < 4; ++c) {
    EXPECT_TRUE(std::isnan(r.out[c * 17])) << c;
    for (int b = 1; b < 17; ++b) {
      EXPECT_EQ(r.out[c * 17 + b], clean.out[c * 17 + b]);
    }
  }
  EXPECT_TRUE(std::isnan(r.grad_params[0]));
}

INSTANTIATE_TEST_SUITE_P(SigmoidAndRelu, ShearStackTailTest, ::testing::Bool());

}  // namespace
}  // namespace aanet::ad::internal
