#include "ode/dormand_prince.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aanet::ode {
namespace {

using ::testing::HasSubstr;

// ---- Problems with closed-form solutions ------------------------------------

// One 2x2 block [[-a, w], [-w, -a]] of x' = A x; its exponential is
// e^{-a t} [[cos wt, sin wt], [-sin wt, cos wt]].
struct Block {
  double a;
  double w;
};

// The block-diagonal A of `blocks`, [2n, 2n].
Eigen::MatrixXd BlockMatrix(const std::vector<Block>& blocks) {
  const int d = 2 * static_cast<int>(blocks.size());
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(d, d);
  for (size_t b = 0; b < blocks.size(); ++b) {
    const int i = 2 * static_cast<int>(b);
    a(i, i) = -blocks[b].a;
    a(i, i + 1) = blocks[b].w;
    a(i + 1, i) = -blocks[b].w;
    a(i + 1, i + 1) = -blocks[b].a;
  }
  return a;
}

// e^{A t} for the block-diagonal A of `blocks`, in closed form.
Eigen::MatrixXd BlockExponential(const std::vector<Block>& blocks, double t) {
  const int d = 2 * static_cast<int>(blocks.size());
  Eigen::MatrixXd e = Eigen::MatrixXd::Zero(d, d);
  for (size_t b = 0; b < blocks.size(); ++b) {
    const int i = 2 * static_cast<int>(b);
    const double decay = std::exp(-blocks[b].a * t);
    const double c = std::cos(blocks[b].w * t);
    const double s = std::sin(blocks[b].w * t);
    e(i, i) = decay * c;
    e(i, i + 1) = decay * s;
    e(i + 1, i) = -decay * s;
    e(i + 1, i + 1) = decay * c;
  }
  return e;
}

// x' = A x with states as rows: y' = y A^T.
struct LinearField {
  Eigen::MatrixXd a;
  Eigen::MatrixXd operator()(double /*t*/, const Eigen::MatrixXd& y) const {
    return y * a.transpose();
  }
};

// The exact y(t) of LinearField from y(0) = y0 (rows are states).
Eigen::MatrixXd ExactLinear(const std::vector<Block>& blocks,
                            const Eigen::MatrixXd& y0, double t) {
  return y0 * BlockExponential(blocks, t).transpose();
}

// max |y - exact| / max |exact| over one row.
double RowRelativeError(const Eigen::MatrixXd& y, const Eigen::MatrixXd& exact,
                        Eigen::Index row) {
  return (y.row(row) - exact.row(row)).cwiseAbs().maxCoeff() /
         exact.row(row).cwiseAbs().maxCoeff();
}

// A harmonic oscillator q' = p / m, p' = -k q; state rows [q, p].
struct Oscillator {
  double m = 2.0;
  double k = 3.0;

  double omega() const { return std::sqrt(k / m); }
  Eigen::MatrixXd operator()(double /*t*/, const Eigen::MatrixXd& y) const {
    Eigen::MatrixXd dy(y.rows(), 2);
    dy.col(0) = y.col(1) / m;
    dy.col(1) = -k * y.col(0);
    return dy;
  }
  Eigen::MatrixXd Exact(const Eigen::MatrixXd& y0, double t) const {
    const double c = std::cos(omega() * t);
    const double s = std::sin(omega() * t);
    Eigen::MatrixXd y(y0.rows(), 2);
    y.col(0) = y0.col(0) * c + y0.col(1) * (s / (m * omega()));
    y.col(1) = y0.col(1) * c - y0.col(0) * (m * omega() * s);
    return y;
  }
  double Energy(const Eigen::MatrixXd& y, Eigen::Index row = 0) const {
    return y(row, 1) * y(row, 1) / (2 * m) + k * y(row, 0) * y(row, 0) / 2;
  }
};

Eigen::MatrixXd Row(std::vector<double> values) {
  Eigen::MatrixXd row(1, values.size());
  for (size_t i = 0; i < values.size(); ++i) row(0, i) = values[i];
  return row;
}

SolverOptions Adaptive(double rtol, double atol, double step = 0.0) {
  SolverOptions options;
  options.mode = StepMode::kAdaptive;
  options.rtol = rtol;
  options.atol = atol;
  options.step = step;
  return options;
}

SolverOptions Constant(double step) {
  SolverOptions options;
  options.mode = StepMode::kConstant;
  options.step = step;
  return options;
}

// ---- The tableau
// --------------------------------------------------------------

TEST(TableauTest, IsConsistent) {
  using internal::kA;
  using internal::kB4;
  using internal::kB5;
  using internal::kC;
  using internal::kE;
  double sum_b5 = 0, sum_b4 = 0, sum_e = 0;
  for (int i = 0; i < internal::kNumStages; ++i) {
    sum_b5 += kB5[i];
    sum_b4 += kB4[i];
    sum_e += kE[i];
    EXPECT_NEAR(kE[i], kB5[i] - kB4[i], 1e-16) << i;
    double row_sum = 0;
    for (int j = 0; j < internal::kNumStages - 1; ++j) row_sum += kA[i][j];
    EXPECT_NEAR(row_sum, kC[i], 1e-15) << i;
    if (i < internal::kNumStages - 1) {
      EXPECT_EQ(kA[internal::kNumStages - 1][i], kB5[i]) << i;
    }
  }
  EXPECT_NEAR(sum_b5, 1.0, 1e-15);
  EXPECT_NEAR(sum_b4, 1.0, 1e-15);
  EXPECT_NEAR(sum_e, 0.0, 1e-16);
}

// ---- 1. Linear systems with known exponentials, adaptive --------------------

void CheckLinearAdaptive(const std::vector<Block>& blocks,
                         const Eigen::MatrixXd& y0) {
  const LinearField field{BlockMatrix(blocks)};
  const double t1 = 100.0;
  const Eigen::MatrixXd exact = ExactLinear(blocks, y0, t1);
  std::vector<double> errors;
  for (double rtol : {1e-6, 1e-9}) {
    SolveStats stats;
    absl::StatusOr<Eigen::MatrixXd> y =
        Solve(field, y0, 0.0, t1, Adaptive(rtol, 1e-3 * rtol), &stats);
    ASSERT_TRUE(y.ok()) << y.status();
    const double error = RowRelativeError(*y, exact, 0);
    EXPECT_LE(error, 10 * rtol) << "rtol " << rtol;
    EXPECT_GT(stats.accepted_steps, 10);
    errors.push_back(error);
  }
  // The error follows the tolerance: 1000x tighter, at least 100x smaller.
  EXPECT_LT(errors[1], errors[0] / 100);
}

TEST(LinearSystemTest, RotationWithDecay2x2MeetsTolerance) {
  CheckLinearAdaptive({{0.01, 1.0}}, Row({1.0, 0.5}));
}

TEST(LinearSystemTest, BlockDiagonal4x4MeetsTolerance) {
  CheckLinearAdaptive({{0.01, 1.0}, {0.02, 2.5}}, Row({1.0, 0.5, -0.3, 0.8}));
}

// ---- 2. Harmonic oscillator, adaptive
// -----------------------------------------

TEST(OscillatorTest, AdaptiveMeetsToleranceAndConservesEnergy) {
  const Oscillator oscillator;
  const Eigen::MatrixXd y0 = Row({1.0, 0.5});
  const double amplitude_q =
      std::sqrt(1.0 + std::pow(0.5 / (oscillator.m * oscillator.omega()), 2));
  const double amplitude_p = oscillator.m * oscillator.omega() * amplitude_q;
  const double energy0 = oscillator.Energy(y0);
  for (double rtol : {1e-6, 1e-9}) {
    const SolverOptions options = Adaptive(rtol, 1e-3 * rtol);
    // One solve over [0, 100] ...
    absl::StatusOr<Eigen::MatrixXd> y =
        Solve(oscillator, y0, 0.0, 100.0, options);
    ASSERT_TRUE(y.ok()) << y.status();
    const Eigen::MatrixXd exact = oscillator.Exact(y0, 100.0);
    EXPECT_LE(std::abs((*y)(0, 0) - exact(0, 0)) / amplitude_q, 10 * rtol);
    EXPECT_LE(std::abs((*y)(0, 1) - exact(0, 1)) / amplitude_p, 10 * rtol);
    // The energy is quadratic in the state: twice the state's relative error.
    EXPECT_LE(std::abs(oscillator.Energy(*y) - energy0) / energy0, 20 * rtol);
    // ... and ten chained solves of 10 time units: energy stays bounded at
    // every sample.
    Eigen::MatrixXd state = y0;
    for (int i = 0; i < 10; ++i) {
      absl::StatusOr<Eigen::MatrixXd> next =
          Solve(oscillator, state, 10.0 * i, 10.0 * (i + 1), options);
      ASSERT_TRUE(next.ok()) << next.status();
      state = *next;
      EXPECT_LE(std::abs(oscillator.Energy(state) - energy0) / energy0,
                20 * rtol)
          << "rtol " << rtol << ", t " << 10.0 * (i + 1);
    }
  }
}

// ---- 3. Constant-step convergence: fifth order
// --------------------------------

// Error ratios e(h) / e(h / 2) of consecutive steps; ~32 for fifth order.
std::vector<double> ErrorRatios(const std::vector<double>& errors) {
  std::vector<double> ratios;
  for (size_t i = 0; i + 1 < errors.size(); ++i) {
    ratios.push_back(errors[i] / errors[i + 1]);
  }
  return ratios;
}

TEST(ConstantStepTest, ConvergesAtFifthOrderOnTheOscillator) {
  const Oscillator oscillator;
  const Eigen::MatrixXd y0 = Row({1.0, 0.5});
  const Eigen::MatrixXd exact = oscillator.Exact(y0, 10.0);
  const double p_scale = oscillator.m * oscillator.omega();
  std::vector<double> errors;
  for (double h : {0.4, 0.2, 0.1}) {
    absl::StatusOr<Eigen::MatrixXd> y =
        Solve(oscillator, y0, 0.0, 10.0, Constant(h));
    ASSERT_TRUE(y.ok()) << y.status();
    // The Euclidean error in (q, p / (m omega)), where the flow is a
    // rotation: amplitude and phase errors count alike, so the ratio does not
    // depend on where the error vector happens to point at t = 10.
    errors.push_back(std::hypot((*y)(0, 0) - exact(0, 0),
                                ((*y)(0, 1) - exact(0, 1)) / p_scale));
  }
  for (double ratio : ErrorRatios(errors)) {
    EXPECT_GT(ratio, 20);
    EXPECT_LT(ratio, 45);
  }
}

TEST(ConstantStepTest, ConvergesAtFifthOrderOnANonAutonomousProblem) {
  // y' = cos(t) y, y = e^{sin t}: exercises the stage times c.
  const auto field = [](double t, const Eigen::MatrixXd& y) {
    return Eigen::MatrixXd(std::cos(t) * y);
  };
  const double exact = std::exp(std::sin(10.0));
  std::vector<double> errors;
  for (double h : {0.2, 0.1, 0.05}) {
    absl::StatusOr<Eigen::MatrixXd> y =
        Solve(field, Row({1.0}), 0.0, 10.0, Constant(h));
    ASSERT_TRUE(y.ok()) << y.status();
    errors.push_back(std::abs((*y)(0, 0) - exact));
  }
  for (double ratio : ErrorRatios(errors)) {
    EXPECT_GT(ratio, 20);
    EXPECT_LT(ratio, 45);
  }
}

// ---- 4. Constant-step count and landing on t1
// ---------------------------------

// The stability function of Dormand-Prince 5 (the 5th-order Taylor
// polynomial of e^z plus z^6 / 600): one step of size h maps y' = -y from y
// to R(-h) y, so the constant-step solution is a product of R's, one per step.
double StabilityFunction(double z) {
  return 1 + z * (1 + z * (1.0 / 2 +
                           z * (1.0 / 6 +
                                z * (1.0 / 24 + z * (1.0 / 120 + z / 600)))));
}

// y' = -y, recording every time the field is evaluated at.
struct DecayField {
  std::vector<double>* times;
  Eigen::MatrixXd operator()(double t, const Eigen::MatrixXd& y) const {
    times->push_back(t);
    return -y;
  }
};

TEST(ConstantStepTest, UnitIntervalTakesTenStepsAndSixtyOneEvaluations) {
  std::vector<double> times;
  SolveStats stats;
  absl::StatusOr<Eigen::MatrixXd> y =
      Solve(DecayField{&times}, Row({1.0}), 0.0, 1.0, Constant(0.1), &stats);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(stats.accepted_steps, 10);
  EXPECT_EQ(stats.rejected_steps, 0);
  EXPECT_EQ(stats.field_evaluations, 61);
  EXPECT_EQ(times.size(), 61u);
  EXPECT_EQ(times.back(), 1.0);
  EXPECT_NEAR((*y)(0, 0), std::pow(StabilityFunction(-0.1), 10), 1e-15);
  EXPECT_NEAR((*y)(0, 0), std::exp(-1.0), 1e-8);
}

TEST(ConstantStepTest, ShortensTheLastStepToLandOnT1) {
  std::vector<double> times;
  SolveStats stats;
  absl::StatusOr<Eigen::MatrixXd> y =
      Solve(DecayField{&times}, Row({1.0}), 0.0, 1.05, Constant(0.1), &stats);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(stats.accepted_steps, 11);
  EXPECT_EQ(stats.field_evaluations, 1 + 6 * 11);
  double max_time = 0;
  for (double t : times) max_time = std::max(max_time, t);
  EXPECT_EQ(max_time, 1.05);
  EXPECT_EQ(times.back(), 1.05);
  // Ten steps of 0.1 and one of 0.05, exactly.
  EXPECT_NEAR((*y)(0, 0),
              std::pow(StabilityFunction(-0.1), 10) * StabilityFunction(-0.05),
              1e-15);
  EXPECT_NEAR((*y)(0, 0), std::exp(-1.05), 1e-8);
}

TEST(ConstantStepTest, SlackAvoidsAnExtraStepFromRounding) {
  // (1.0 - 0.7) / 0.1 = 3.0000000000000004 in doubles: 3 steps, not 4.
  std::vector<double> times;
  SolveStats stats;
  absl::StatusOr<Eigen::MatrixXd> y =
      Solve(DecayField{&times}, Row({1.0}), 0.7, 1.0, Constant(0.1), &stats);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(stats.accepted_steps, 3);
  EXPECT_EQ(times.back(), 1.0);
  EXPECT_NEAR((*y)(0, 0), std::pow(StabilityFunction(-0.1), 3), 1e-15);
}

TEST(SolveTest, EmptyIntervalReturnsY0WithoutEvaluations) {
  for (const SolverOptions& options :
       {Constant(0.1), Adaptive(1e-6, 1e-8), Adaptive(1e-6, 1e-8, 0.5)}) {
    std::vector<double> times;
    SolveStats stats;
    stats.accepted_steps = 7;  // reset by Solve
    const Eigen::MatrixXd y0 = Row({1.0, -2.0});
    absl::StatusOr<Eigen::MatrixXd> y =
        Solve(DecayField{&times}, y0, 3.0, 3.0, options, &stats);
    ASSERT_TRUE(y.ok()) << y.status();
    EXPECT_EQ(*y, y0);
    EXPECT_EQ(stats.field_evaluations, 0);
    EXPECT_EQ(stats.accepted_steps, 0);
    EXPECT_TRUE(times.empty());
  }
}

TEST(AdaptiveTest, NeverOvershootsAndLandsOnT1) {
  for (double step : {0.0, 0.3, 50.0}) {
    std::vector<double> times;
    absl::StatusOr<Eigen::MatrixXd> y = Solve(
        DecayField{&times}, Row({1.0}), 0.5, 7.3, Adaptive(1e-8, 1e-12, step));
    ASSERT_TRUE(y.ok()) << y.status();
    for (double t : times) {
      EXPECT_GE(t, 0.5);
      EXPECT_LE(t, 7.3);
    }
    EXPECT_EQ(times.back(), 7.3);
    EXPECT_NEAR((*y)(0, 0), std::exp(-6.8), 1e-9 * std::exp(-6.8) * 10);
  }
}

// ---- 5. Batches
// -----------------------------------------------------------------

TEST(BatchTest, ConstantModeRowsEqualSeparateSolves) {
  const std::vector<Block> blocks = {{0.01, 1.0}, {0.02, 2.5}};
  const LinearField field{BlockMatrix(blocks)};
  Eigen::MatrixXd y0(3, 4);
  y0 << 1.0, 0.5, -0.3, 0.8,  //
      -2.0, 0.1, 0.7, 0.0,    //
      0.003, -0.004, 0.002, 0.001;
  absl::StatusOr<Eigen::MatrixXd> batch =
      Solve(field, y0, 0.0, 10.0, Constant(0.05));
  ASSERT_TRUE(batch.ok()) << batch.status();
  for (Eigen::Index r = 0; r < 3; ++r) {
    absl::StatusOr<Eigen::MatrixXd> single =
        Solve(field, Eigen::MatrixXd(y0.row(r)), 0.0, 10.0, Constant(0.05));
    ASSERT_TRUE(single.ok()) << single.status();
    const double scale = single->cwiseAbs().maxCoeff();
    EXPECT_LE((batch->row(r) - single->row(0)).cwiseAbs().maxCoeff(),
              1e-15 * scale)
        << "row " << r;
  }
}

TEST(BatchTest, AdaptiveModeEveryRowMeetsTolerance) {
  const std::vector<Block> blocks = {{0.01, 1.0}, {0.02, 2.5}};
  const LinearField field{BlockMatrix(blocks)};
  // Rows over six orders of magnitude: each must meet the relative tolerance.
  Eigen::MatrixXd y0(3, 4);
  y0 << 1.0, 0.5, -0.3, 0.8,  //
      -2000.0, 100.0, 700.0, 0.0, 0.003, -0.004, 0.002, 0.001;
  const double rtol = 1e-7;
  absl::StatusOr<Eigen::MatrixXd> y =
      Solve(field, y0, 0.0, 100.0, Adaptive(rtol, 1e-16));
  ASSERT_TRUE(y.ok()) << y.status();
  const Eigen::MatrixXd exact = ExactLinear(blocks, y0, 100.0);
  for (Eigen::Index r = 0; r < 3; ++r) {
    EXPECT_LE(RowRelativeError(*y, exact, r), 10 * rtol) << "row " << r;
  }
}

TEST(BatchTest, ErrorNormIsTheWorstRowNotAnAverage) {
  // One oscillating row among 63 at rest (zero error): the max-over-rows norm
  // sees exactly the single row's error, so the batch takes the very same
  // steps. A norm averaging over the batch would be 8x too lenient here.
  const Oscillator oscillator;
  Eigen::MatrixXd batch0 = Eigen::MatrixXd::Zero(64, 2);
  batch0.row(17) << 1.0, 0.5;
  const SolverOptions options = Adaptive(1e-6, 1e-10);
  SolveStats batch_stats, single_stats;
  absl::StatusOr<Eigen::MatrixXd> batch =
      Solve(oscillator, batch0, 0.0, 50.0, options, &batch_stats);
  absl::StatusOr<Eigen::MatrixXd> single =
      Solve(oscillator, Row({1.0, 0.5}), 0.0, 50.0, options, &single_stats);
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_EQ(batch_stats.accepted_steps, single_stats.accepted_steps);
  EXPECT_EQ(batch_stats.rejected_steps, single_stats.rejected_steps);
  EXPECT_LE((batch->row(17) - single->row(0)).cwiseAbs().maxCoeff(), 1e-14);
  EXPECT_EQ(batch->row(0).cwiseAbs().maxCoeff(), 0.0);
}

// ---- 6. FSAL accounting in adaptive mode
// ---------------------------------------

TEST(AdaptiveTest, FieldEvaluationsFollowFsal) {
  const Oscillator oscillator;
  // A first step of 5 (a whole period) is rejected, forcing retries.
  for (double step : {5.0, 0.0}) {
    SolveStats stats;
    absl::StatusOr<Eigen::MatrixXd> y =
        Solve(oscillator, Row({1.0, 0.5}), 0.0, 20.0,
              Adaptive(1e-6, 1e-9, step), &stats);
    ASSERT_TRUE(y.ok()) << y.status();
    const int attempts = stats.accepted_steps + stats.rejected_steps;
    // One first stage, 6 new stages per attempt, and one more evaluation for
    // the automatic starting step.
    EXPECT_EQ(stats.field_evaluations, 1 + 6 * attempts + (step > 0 ? 0 : 1))
        << "step " << step;
    if (step > 0) {
      EXPECT_GT(stats.rejected_steps, 0);
    }
  }
}

// ---- Step-size controller
// ------------------------------------------------------

TEST(StepControllerTest, UsesTheDocumentedConstants) {
  internal::StepController controller;
  // First step, err == 1: only the safety factor (err_prev starts at 1).
  EXPECT_DOUBLE_EQ(controller.Accept(1.0), 0.9);
  // err = 0.5 after err_prev = 1: 0.9 * 0.5^-0.14.
  EXPECT_DOUBLE_EQ(controller.Accept(0.5), 0.9 * std::pow(0.5, -0.14));
  // Now err_prev = 0.5: 0.9 * 0.25^-0.14 * 0.5^0.08.
  EXPECT_DOUBLE_EQ(controller.Accept(0.25),
                   0.9 * std::pow(0.25, -0.14) * std::pow(0.5, 0.08));
  // Rejection: 0.9 * err^-0.2, at least 0.2.
  EXPECT_DOUBLE_EQ(controller.Reject(32.0), 0.9 / 2.0);
  EXPECT_DOUBLE_EQ(controller.Reject(1e10), 0.2);
  // No growth right after a rejection, even with zero error...
  EXPECT_DOUBLE_EQ(controller.Accept(0.0), 1.0);
  // ... but then up to 10.
  EXPECT_DOUBLE_EQ(controller.Accept(0.0), 10.0);
}

// ---- A state type other than Eigen::MatrixXd
// ------------------------------------

// A forward-mode dual number over matrices: value and tangent (directional
// derivative). Not default-constructible, as tape variables need not be.
struct Dual {
  Dual(Eigen::MatrixXd v, Eigen::MatrixXd d)
      : value(std::move(v)), tangent(std::move(d)) {}
  Eigen::MatrixXd value;
  Eigen::MatrixXd tangent;
};

}  // namespace

template <>
struct StateOps<Dual> {
  static Dual Combine(const Dual& y, double h,
                      absl::Span<const double> coefficients,
                      absl::Span<const Dual* const> k) {
    std::vector<const Eigen::MatrixXd*> values, tangents;
    for (const Dual* d : k) {
      values.push_back(&d->value);
      tangents.push_back(&d->tangent);
    }
    using MatrixOps = StateOps<Eigen::MatrixXd>;
    return Dual(MatrixOps::Combine(y.value, h, coefficients, values),
                MatrixOps::Combine(y.tangent, h, coefficients, tangents));
  }
  static const Eigen::MatrixXd& Values(const Dual& y) { return y.value; }
};

namespace {

TEST(GenericStateTest, DualNumbersDifferentiateThroughTheSameSteps) {
  const std::vector<Block> blocks = {{0.01, 1.0}, {0.02, 2.5}};
  const Eigen::MatrixXd a = BlockMatrix(blocks);
  const auto dual_field = [&a](double /*t*/, const Dual& y) {
    return Dual(y.value * a.transpose(), y.tangent * a.transpose());
  };
  const Eigen::MatrixXd y0 = Row({1.0, 0.5, -0.3, 0.8});
  // A tangent of a wildly different scale: step sizes must ignore it.
  const Eigen::MatrixXd v = 1e8 * Row({0.2, -1.0, 0.4, 0.3});
  const SolverOptions options = Adaptive(1e-9, 1e-12);
  SolveStats dual_stats, plain_stats;
  absl::StatusOr<Dual> dual =
      Solve(dual_field, Dual(y0, v), 0.0, 50.0, options, &dual_stats);
  absl::StatusOr<Eigen::MatrixXd> plain =
      Solve(LinearField{a}, y0, 0.0, 50.0, options, &plain_stats);
  ASSERT_TRUE(dual.ok()) << dual.status();
  ASSERT_TRUE(plain.ok()) << plain.status();
  // The value path is the plain solve, step for step.
  EXPECT_EQ(dual_stats.accepted_steps, plain_stats.accepted_steps);
  EXPECT_EQ(dual_stats.rejected_steps, plain_stats.rejected_steps);
  EXPECT_EQ(dual_stats.field_evaluations, plain_stats.field_evaluations);
  EXPECT_LE((dual->value - *plain).cwiseAbs().maxCoeff(), 1e-15);
  // The tangent is d y(50) / d y0 . v = v e^{50 A^T}, to the tolerance.
  const Eigen::MatrixXd exact_tangent = ExactLinear(blocks, v, 50.0);
  EXPECT_LE(RowRelativeError(dual->tangent, exact_tangent, 0), 1e-8);
}

// ---- 7. Errors
// --------------------------------------------------------------------

TEST(ValidateOptionsTest, AcceptsDefaultsAndAutomaticStep) {
  EXPECT_TRUE(ValidateOptions(SolverOptions()).ok());
  EXPECT_TRUE(ValidateOptions(Adaptive(1e-6, 1e-8, 0.0)).ok());
  EXPECT_TRUE(ValidateOptions(Adaptive(1e-6, 1e-8, -1.0)).ok());
  // rtol and atol are unused, hence unchecked, in kConstant mode.
  SolverOptions constant = Constant(0.1);
  constant.rtol = -1;
  EXPECT_TRUE(ValidateOptions(constant).ok());
}

void ExpectInvalid(const SolverOptions& options, const std::string& message) {
  const absl::Status status = ValidateOptions(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << message;
  EXPECT_THAT(status.message(), HasSubstr(message));
  // Solve reports the same error before evaluating anything.
  SolveStats stats;
  absl::StatusOr<Eigen::MatrixXd> y =
      Solve(Oscillator(), Row({1.0, 0.0}), 0.0, 1.0, options, &stats);
  EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(y.status().message(), HasSubstr(message));
  EXPECT_EQ(stats.field_evaluations, 0);
}

TEST(ValidateOptionsTest, NamesTheBadField) {
  SolverOptions options;
  options.mode = static_cast<StepMode>(7);
  ExpectInvalid(options, "mode: must be kConstant or kAdaptive, got 7");

  ExpectInvalid(Constant(0.0), "step: must be > 0 in kConstant mode, got 0");
  ExpectInvalid(Constant(-0.1),
                "step: must be > 0 in kConstant mode, got -0.1");
  ExpectInvalid(Constant(NAN), "step: must be finite");
  ExpectInvalid(Adaptive(1e-6, 1e-8, INFINITY), "step: must be finite");

  ExpectInvalid(Adaptive(-1, 1e-8), "rtol: must be > 0 and finite, got -1");
  ExpectInvalid(Adaptive(0, 1e-8), "rtol: must be > 0 and finite, got 0");
  ExpectInvalid(Adaptive(NAN, 1e-8), "rtol: must be > 0 and finite, got nan");
  ExpectInvalid(Adaptive(1e-6, -2), "atol: must be > 0 and finite, got -2");
  ExpectInvalid(Adaptive(1e-6, INFINITY),
                "atol: must be > 0 and finite, got inf");

  options = Constant(0.1);
  options.max_steps = 0;
  ExpectInvalid(options, "max_steps: must be > 0, got 0");
}

TEST(ValidateOptionsTest, ReportsEveryProblem) {
  SolverOptions options = Adaptive(-1, -2);
  options.max_steps = -3;
  const absl::Status status = ValidateOptions(options);
  EXPECT_THAT(status.message(), HasSubstr("rtol: must be > 0"));
  EXPECT_THAT(status.message(), HasSubstr("; atol: must be > 0"));
  EXPECT_THAT(status.message(), HasSubstr("; max_steps: must be > 0, got -3"));
}

TEST(SolveErrorsTest, RejectsBackwardOrNonFiniteIntervals) {
  for (const SolverOptions& options : {Constant(0.1), Adaptive(1e-6, 1e-8)}) {
    absl::StatusOr<Eigen::MatrixXd> y =
        Solve(Oscillator(), Row({1.0, 0.0}), 1.0, 0.5, options);
    EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(y.status().message(),
                HasSubstr("t1: must be >= t0, got t0 = 1, t1 = 0.5"));
    y = Solve(Oscillator(), Row({1.0, 0.0}), 0.0, INFINITY, options);
    EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(y.status().message(), HasSubstr("must be finite"));
  }
}

TEST(SolveErrorsTest, RejectsNonFiniteInitialState) {
  absl::StatusOr<Eigen::MatrixXd> y =
      Solve(Oscillator(), Row({NAN, 0.0}), 0.0, 1.0, Adaptive(1e-6, 1e-8));
  EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(y.status().message(), HasSubstr("y0: must be finite"));
}

TEST(SolveErrorsTest, RejectsFieldOfTheWrongShape) {
  const auto field = [](double, const Eigen::MatrixXd& y) {
    return Eigen::MatrixXd(Eigen::MatrixXd::Zero(y.rows(), y.cols() + 1));
  };
  for (const SolverOptions& options : {Constant(0.1), Adaptive(1e-6, 1e-8)}) {
    SolveStats stats;
    absl::StatusOr<Eigen::MatrixXd> y =
        Solve(field, Row({1.0, 0.0}), 0.0, 1.0, options, &stats);
    EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(y.status().message(),
                HasSubstr("field: returned a [1, 3] value at t = 0 for a "
                          "[1, 2] state"));
    EXPECT_EQ(stats.field_evaluations, 1);
  }
}

TEST(SolveErrorsTest, MaxStepsExceededOnAStiffProblem) {
  // y' = -1e6 (y - cos t): explicit methods need |h| < ~3.3e-6 for stability.
  const auto stiff = [](double t, const Eigen::MatrixXd& y) {
    return Eigen::MatrixXd(-1e6 * (y.array() - std::cos(t)));
  };
  SolverOptions options = Adaptive(1e-6, 1e-8);
  options.max_steps = 50;
  SolveStats stats;
  absl::StatusOr<Eigen::MatrixXd> y =
      Solve(stiff, Row({0.0}), 0.0, 1.0, options, &stats);
  EXPECT_EQ(y.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(y.status().message(),
              HasSubstr("max_steps: used all 50 steps (accepted + rejected)"));
  EXPECT_EQ(stats.accepted_steps + stats.rejected_steps, 50);
}

TEST(SolveErrorsTest, MaxStepsInConstantModeFailsBeforeAnyWork) {
  SolverOptions options = Constant(0.1);
  options.max_steps = 9;
  SolveStats stats;
  absl::StatusOr<Eigen::MatrixXd> y =
      Solve(Oscillator(), Row({1.0, 0.0}), 0.0, 1.0, options, &stats);
  EXPECT_EQ(y.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(y.status().message(),
              HasSubstr("max_steps: kConstant needs 10 steps of 0.1 for "
                        "[0, 1], more than max_steps = 9"));
  EXPECT_EQ(stats.field_evaluations, 0);
  options.max_steps = 10;
  EXPECT_TRUE(
      Solve(Oscillator(), Row({1.0, 0.0}), 0.0, 1.0, options, &stats).ok());
  // A step so small that the count overflows an int is the same error.
  options.step = 1e-300;
  y = Solve(Oscillator(), Row({1.0, 0.0}), 0.0, 1.0, options, &stats);
  EXPECT_EQ(y.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(SolveErrorsTest, FieldReturningNanIsAnErrorNotAHang) {
  // NaN from t = 0.5 on.
  const auto field = [](double t, const Eigen::MatrixXd& y) {
    if (t > 0.5) {
      return Eigen::MatrixXd(
          Eigen::MatrixXd::Constant(y.rows(), y.cols(), NAN));
    }
    return Eigen::MatrixXd(-y);
  };
  for (const SolverOptions& options :
       {Constant(0.1), Adaptive(1e-6, 1e-8), Adaptive(1e-6, 1e-8, 0.01)}) {
    SolveStats stats;
    absl::StatusOr<Eigen::MatrixXd> y =
        Solve(field, Row({1.0, 2.0}), 0.0, 1.0, options, &stats);
    EXPECT_EQ(y.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(y.status().message(), HasSubstr("non-finite"));
    EXPECT_LT(stats.field_evaluations, 200);
  }
  // NaN everywhere: caught by the starting-step algorithm or the first step.
  const auto nan_field = [](double, const Eigen::MatrixXd& y) {
    return Eigen::MatrixXd(Eigen::MatrixXd::Constant(y.rows(), y.cols(), NAN));
  };
  for (const SolverOptions& options :
       {Constant(0.1), Adaptive(1e-6, 1e-8), Adaptive(1e-6, 1e-8, 0.01)}) {
    SolveStats stats;
    absl::StatusOr<Eigen::MatrixXd> y =
        Solve(nan_field, Row({1.0}), 0.0, 1.0, options, &stats);
    EXPECT_EQ(y.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(y.status().message(), HasSubstr("non-finite"));
    EXPECT_LE(stats.field_evaluations, 7);
  }
}

TEST(SolveErrorsTest, FiniteTimeBlowUpIsAnError) {
  // y' = y^2, y(0) = 1: y = 1 / (1 - t) blows up at t = 1.
  const auto field = [](double, const Eigen::MatrixXd& y) {
    return Eigen::MatrixXd(y.array().square());
  };
  SolveStats stats;
  absl::StatusOr<Eigen::MatrixXd> y =
      Solve(field, Row({1.0}), 0.0, 2.0, Adaptive(1e-6, 1e-8), &stats);
  EXPECT_EQ(y.status().code(), absl::StatusCode::kFailedPrecondition)
      << y.status();
  EXPECT_THAT(y.status().message(), HasSubstr("step size underflow at t = 1"));
  EXPECT_LT(stats.accepted_steps + stats.rejected_steps, 10000);
}

}  // namespace
}  // namespace aanet::ode
