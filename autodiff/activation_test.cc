// The second-order use case of a Hamiltonian Neural Network: the input
// gradient dH/dz of a 2-layer MLP, written with ordinary ops and
// ActivationDerivative, inside a loss that is differentiated with respect to
// every parameter by first-order reverse mode.
//
//   H(z) = sigma(sigma(z W1 + b1) W2 + b2) w3          z [B,d], H [B,1]
//   dH/dz = ((sigma'(a2) .* w3^T) W2^T .* sigma'(a1)) W1^T        [B,d]
//   loss = sum(dH/dz .* C) + sum((dH/dz)^2)
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "autodiff/gradient_check.h"
#include "autodiff/init.h"
#include "autodiff/ops.h"
#include "autodiff/parameters.h"
#include "autodiff/tape.h"
#include "gtest/gtest.h"
#include "rng/random.h"

namespace aanet::ad {
namespace {

constexpr int kBatch = 4;
constexpr int kDim = 3;
constexpr int kHidden1 = 6;
constexpr int kHidden2 = 5;

struct Mlp {
  ParameterStore store;
  int w1, b1, w2, b2, w3;
};

void InitMlp(uint64_t seed, Mlp& mlp) {
  Random rng(seed);
  mlp.w1 = mlp.store.Add("w1", LecunNormal(kDim, kHidden1, rng));
  mlp.b1 = mlp.store.Add("b1", NormalInit(1, kHidden1, 0.5, rng));
  mlp.w2 = mlp.store.Add("w2", LecunNormal(kHidden1, kHidden2, rng));
  mlp.b2 = mlp.store.Add("b2", NormalInit(1, kHidden2, 0.5, rng));
  mlp.w3 = mlp.store.Add("w3", LecunNormal(kHidden2, 1, rng));
}

struct Forward {
  Var a1, a2, h;  // Pre-activations and H.
  Var dh_dz;
};

Forward Build(Tape& tape, Mlp& mlp, Activation act, Var z) {
  ParameterStore& s = mlp.store;
  const Var w1 = tape.Param(s, mlp.w1);
  const Var w2 = tape.Param(s, mlp.w2);
  const Var w3 = tape.Param(s, mlp.w3);
  Forward f;
  f.a1 = Add(MatMul(z, w1), tape.Param(s, mlp.b1));
  f.a2 = Add(MatMul(Activate(act, f.a1), w2), tape.Param(s, mlp.b2));
  f.h = MatMul(Activate(act, f.a2), w3);
  const Var delta2 = Mul(ActivationDerivative(act, f.a2), Transpose(w3));
  const Var delta1 =
      Mul(MatMulTransposeB(delta2, w2), ActivationDerivative(act, f.a1));
  f.dh_dz = MatMulTransposeB(delta1, w1);
  return f;
}

Matrix RandomMatrix(int rows, int cols, Random& rng) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.Uniform(-1, 1);
  return m;
}

// sigma' jumps at 0.
bool IsKinked(Activation act) {
  return act == Activation::kRelu || act == Activation::kLeakyRelu;
}

// sigma' or sigma'' jumps at 0 (elu's sigma'' does), so finite differences
// of the loss need the pre-activations away from 0.
bool NeedsMargin(Activation act) {
  return IsKinked(act) || act == Activation::kElu;
}

class SecondOrderTest : public ::testing::TestWithParam<Activation> {
 protected:
  // Draws parameters and data; for NeedsMargin activations, redraws until every
  // pre-activation is at least 0.05 from the kink, so finite differences
  // (steps ~1e-3) never cross it.
  void SetUp() override {
    const Activation act = GetParam();
    for (uint64_t seed = 1; seed < 200; ++seed) {
      mlp_ = std::make_unique<Mlp>();
      InitMlp(seed, *mlp_);
      Random rng(seed + 1000);
      z_ = RandomMatrix(kBatch, kDim, rng);
      c_ = RandomMatrix(kBatch, kDim, rng);
      if (!NeedsMargin(act)) return;
      Tape tape;
      const Forward f = Build(tape, *mlp_, act, tape.Constant(z_));
      const double margin = std::min(f.a1.value().cwiseAbs().minCoeff(),
                                     f.a2.value().cwiseAbs().minCoeff());
      const bool active = (f.a2.value().array() > 0).any();
      if (margin > 0.05 && active) return;
    }
    FAIL() << "no seed keeps the pre-activations away from the kink";
  }

  std::unique_ptr<Mlp> mlp_;
  Matrix z_, c_;
};

// The op-built dH/dz equals the tape's own input gradient of sum(H).
TEST_P(SecondOrderTest, InputGradientOpsMatchBackward) {
  Tape tape;
  const Var z = tape.Input(z_);
  const Forward f = Build(tape, *mlp_, GetParam(), z);
  tape.Backward(Sum(f.h));
  EXPECT_LT(MaxRelativeDifference(f.dh_dz.value(), z.grad(), 1e-12), 1e-12)
      << "ops:\n"
      << f.dh_dz.value() << "\nbackward:\n"
      << z.grad();
  EXPECT_GT(z.grad().norm(), 1e-3);
}

// d loss / d(parameters, z) by reverse mode equals finite differences.
TEST_P(SecondOrderTest, LossOfInputGradientMatchesFiniteDifferences) {
  const Activation act = GetParam();
  Mlp& mlp = *mlp_;
  const Matrix c = c_;
  const GradientCheckResult result = CheckGradients(
      [&](Tape& tape, absl::Span<const Var> in) {
        const Forward f = Build(tape, mlp, act, in[0]);
        return Add(Sum(Mul(f.dh_dz, tape.Constant(c))), Sum(Square(f.dh_dz)));
      },
      &mlp.store, {z_});
  EXPECT_EQ(result.num_checked,
            mlp.store.NumScalars() + static_cast<int64_t>(z_.size()));
  EXPECT_LT(result.max_relative_error, 1e-6) << result.worst;
  // The weights of the first layer get a non-trivial gradient.
  EXPECT_GT(mlp.store.grad(mlp.w1).norm(), 1e-3);
  if (!IsKinked(act)) {
    // Smooth activations: the biases reach the loss only through sigma''.
    EXPECT_GT(mlp.store.grad(mlp.b1).norm(), 1e-4);
  } else {
    // Piecewise-linear: dH/dz does not depend on the biases at all.
    EXPECT_EQ(mlp.store.grad(mlp.b1).norm(), 0.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Activations, SecondOrderTest,
                         ::testing::Values(Activation::kTanh,
                                           Activation::kSoftplus,
                                           Activation::kSigmoid,
                                           Activation::kElu, Activation::kSilu,
                                           Activation::kGelu, Activation::kRelu,
                                           Activation::kLeakyRelu),
                         [](const ::testing::TestParamInfo<Activation>& info) {
                           return std::string(ActivationName(info.param));
                         });

}  // namespace
}  // namespace aanet::ad
