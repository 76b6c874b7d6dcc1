#include "ode/checkpointed_solve.h"

#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "Eigen/Core"
#include "gtest/gtest.h"
#include "ode/dormand_prince.h"

namespace aanet::ode {
namespace {

// F(y) = tanh(y W) with its backward pass written by hand; W [d, d].
template <typename T>
struct TanhField {
  using Scalar = T;
  using State = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

  Eigen::MatrixXd w;
  Eigen::MatrixXd w_grad;
  // Steps below kept_steps keep their stages; the others share one slot.
  int kept_steps = 0;
  std::vector<std::array<State, internal::kNumStages>> inputs, outputs;
  int evaluations = 0;

  int Slot(int step) { return step < kept_steps ? step : kept_steps; }
  bool KeepsStep(int step) { return step < kept_steps; }

  void Evaluate(const State& y, State& f) {
    ++evaluations;
    f = (y * w.cast<T>()).array().tanh().matrix();
  }
  void EvaluateStage(int step, int stage, const State& y, State& f) {
    Evaluate(y, f);
    inputs.resize(kept_steps + 1);
    outputs.resize(kept_steps + 1);
    inputs[Slot(step)][stage] = y;
    outputs[Slot(step)][stage] = f;
  }
  void BackwardStage(int step, int stage, const State& f_bar, State& y_bar) {
    const State& out = outputs[Slot(step)][stage];
    const State g = (f_bar.array() * (1 - out.array().square())).matrix();
    w_grad +=
        (inputs[Slot(step)][stage].transpose() * g).template cast<double>();
    y_bar = g * w.cast<T>().transpose();
  }
};

Eigen::MatrixXd Random(int rows, int cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> normal(0, 0.6);
  Eigen::MatrixXd m(rows, cols);
  for (double& v : m.reshaped()) v = normal(gen);
  return m;
}

SolverOptions Constant(double step) {
  SolverOptions options;
  options.mode = StepMode::kConstant;
  options.step = step;
  return options;
}

TEST(CheckpointedSolveTest, SameStatesAsSolveBitForBit) {
  TanhField<double> field{Random(3, 3, 1), Eigen::MatrixXd::Zero(3, 3)};
  const Eigen::MatrixXd y0 = Random(4, 3, 2);
  for (double t1 : {0.0, 0.05, 0.35, 1.0, 2.3}) {
    std::vector<Eigen::MatrixXd> checkpoints;
    absl::StatusOr<Eigen::MatrixXd> ours =
        SolveConstantSteps(field, y0, t1, Constant(0.1), &checkpoints);
    ASSERT_TRUE(ours.ok()) << ours.status();
    absl::StatusOr<Eigen::MatrixXd> reference = Solve(
        [&](double, const Eigen::MatrixXd& y) {
          Eigen::MatrixXd f;
          field.Evaluate(y, f);
          return f;
        },
        y0, 0.0, t1, Constant(0.1));
    ASSERT_TRUE(reference.ok());
    EXPECT_EQ(*ours, *reference) << t1;
    EXPECT_EQ(static_cast<double>(checkpoints.size()),
              t1 == 0 ? 0 : std::ceil(t1 / 0.1 - 1e-9))
        << t1;
  }
}

// L = sum(C .* y(t1)): dL/dy0 and dL/dW against central differences.
TEST(CheckpointedSolveTest, GradientsMatchFiniteDifferences) {
  const Eigen::MatrixXd w = Random(3, 3, 3);
  const Eigen::MatrixXd y0 = Random(2, 3, 4);
  const Eigen::MatrixXd seed = Random(2, 3, 5);
  const double t1 = 0.75;  // 8 steps, the last shortened
  auto loss = [&](const Eigen::MatrixXd& weights, const Eigen::MatrixXd& y) {
    TanhField<double> f{weights, Eigen::MatrixXd::Zero(3, 3)};
    return SolveConstantSteps(f, y, t1, Constant(0.1))
        ->cwiseProduct(seed)
        .sum();
  };
  const double h = 1e-6;
  Eigen::MatrixXd y0_numeric(y0.rows(), y0.cols()), w_numeric(3, 3);
  for (int i = 0; i < y0.size(); ++i) {
    Eigen::MatrixXd plus = y0, minus = y0;
    plus(i) += h;
    minus(i) -= h;
    y0_numeric(i) = (loss(w, plus) - loss(w, minus)) / (2 * h);
  }
  for (int i = 0; i < w.size(); ++i) {
    Eigen::MatrixXd plus = w, minus = w;
    plus(i) += h;
    minus(i) -= h;
    w_numeric(i) = (loss(plus, y0) - loss(minus, y0)) / (2 * h);
  }
  // Whether the forward pass keeps no step, some steps or every step, the
  // gradients are the same, and only the steps not kept are recomputed.
  for (int kept : {0, 3, 8}) {
    TanhField<double> field{w, Eigen::MatrixXd::Zero(3, 3), kept};
    std::vector<Eigen::MatrixXd> checkpoints;
    ASSERT_TRUE(
        SolveConstantSteps(field, y0, t1, Constant(0.1), &checkpoints).ok());
    ASSERT_EQ(checkpoints.size(), 8u);
    EXPECT_EQ(field.evaluations, 8 * 6);  // no unused 7th stage at the end
    field.evaluations = 0;
    const Eigen::MatrixXd y0_bar =
        BackpropConstantSteps(field, checkpoints, t1, Constant(0.1), seed);
    EXPECT_EQ(field.evaluations, (8 - kept) * 6) << kept;
    for (int i = 0; i < y0.size(); ++i) {
      EXPECT_NEAR(y0_bar(i), y0_numeric(i),
                  1e-8 * (1 + std::abs(y0_numeric(i))))
          << "y0 " << i << " kept " << kept;
    }
    for (int i = 0; i < w.size(); ++i) {
      EXPECT_NEAR(field.w_grad(i), w_numeric(i),
                  1e-8 * (1 + std::abs(w_numeric(i))))
          << "W " << i << " kept " << kept;
    }
  }
}

TEST(CheckpointedSolveTest, FloatFieldTracksDouble) {
  const Eigen::MatrixXd w = Random(3, 3, 6);
  const Eigen::MatrixXd y0 = Random(5, 3, 7);
  TanhField<double> d{w, Eigen::MatrixXd::Zero(3, 3)};
  TanhField<float> f{w, Eigen::MatrixXd::Zero(3, 3)};
  const Eigen::MatrixXd yd = *SolveConstantSteps(d, y0, 5.0, Constant(0.1));
  const Eigen::MatrixXf yf = *SolveConstantSteps(
      f, Eigen::MatrixXf(y0.cast<float>()), 5.0, Constant(0.1));
  EXPECT_LT((yf.cast<double>() - yd).cwiseAbs().maxCoeff(), 1e-5);
  EXPECT_GT((yf.cast<double>() - yd).cwiseAbs().maxCoeff(), 0);  // float
}

TEST(CheckpointedSolveTest, Errors) {
  TanhField<double> field{Random(3, 3, 1), Eigen::MatrixXd::Zero(3, 3)};
  const Eigen::MatrixXd y0 = Random(2, 3, 2);
  SolverOptions adaptive;
  adaptive.mode = StepMode::kAdaptive;
  EXPECT_EQ(SolveConstantSteps(field, y0, 1.0, adaptive).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SolveConstantSteps(field, y0, -1.0, Constant(0.1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  SolverOptions few = Constant(0.1);
  few.max_steps = 5;
  EXPECT_EQ(SolveConstantSteps(field, y0, 1.0, few).status().code(),
            absl::StatusCode::kResourceExhausted);
  Eigen::MatrixXd bad = y0;
  bad(0, 0) = NAN;
  EXPECT_FALSE(SolveConstantSteps(field, bad, 1.0, Constant(0.1)).ok());
  field.w(0, 0) = NAN;  // the field returns NaN: a non-finite state
  EXPECT_EQ(SolveConstantSteps(field, y0, 1.0, Constant(0.1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace aanet::ode
