// The Dormand-Prince 5(4) explicit Runge-Kutta method (Dormand & Prince,
// 1980; the tableau of Hairer, Norsett & Wanner, "Solving ODEs I", Table
// II.5.2), with constant or adaptive steps, for y' = field(t, y).
//
// One implementation serves every state type: Solve is a template on the
// state, and everything it needs from a state goes through StateOps<State>:
// a linear combination (Combine) and read access to the plain values
// (Values). This package provides StateOps<Eigen::MatrixXd>; a
// differentiable model specialises StateOps for its tape variables, and then
// Solve records the integration on the tape. Every step-size decision (error
// norm, controller, initial step) reads Values() only, so for a
// differentiable state the step sizes are constants and gradients flow
// through the Runge-Kutta stages alone ("discretise then differentiate").
//
// Shapes: a state is a [B, d] matrix of B independent systems (rows) of d
// coordinates (columns), the project's batch-major convention. All rows share
// one step size; the adaptive error norm is the max over rows of each row's
// RMS, so every row meets the tolerance on its own.
//
// Method: 7 stages per step, first-same-as-last (FSAL): the 7th stage of an
// accepted step is f(t_{n+1}, y_{n+1}), which is reused as the 1st stage of
// the next step, so a step costs 6 new field evaluations after the first.
// The 5th-order solution is propagated (local extrapolation); the embedded
// 4th-order one only gives the error estimate err = h * sum_i e_i k_i with
// e = b5 - b4.
//
// Field evaluations, exactly:
//   kConstant:                 1 + 6 * accepted_steps (the last step's 7th
//                              stage is evaluated too, though unused);
//   kAdaptive, step > 0:       1 + 6 * (accepted_steps + rejected_steps);
//   kAdaptive, step <= 0:      2 + 6 * (accepted_steps + rejected_steps)
//                              (the starting-step algorithm evaluates the
//                              field once more).
// A rejected step keeps its 1st stage (same t and y), so it costs 6.
//
// Step-size controller (kAdaptive), with err the error norm of the attempted
// step (accepted iff err <= 1) and err_prev that of the previous accepted
// step (initially 1):
//   accepted: factor = 0.9 * err^-0.14 * max(err_prev, 1e-4)^0.08,
//             a PI controller with beta1 = 0.7/5, beta2 = 0.4/5, i.e.
//             Gustafsson's k_I = 0.3/k, k_P = 0.4/k (ACM TOMS 17, 1991) with
//             k = 5, the same as diffrax's PIDController(pcoeff=0.4,
//             icoeff=0.3); the 1e-4 floor is Hairer's (DOPRI5's FACOLD).
//             After a rejection the next accepted step may not grow
//             (factor <= 1).
//   rejected: factor = 0.9 * err^-0.2, the elementary controller, which
//             reacts fully to the observed error.
//   factor clamped to [0.2, 10]; err == 0 gives 10.
// The proposed step is then cut to land on t1 without overshooting; if it
// would leave less than 1% of itself before t1, it is stretched to t1
// instead (as DOPRI5 does) to avoid a sliver of a last step.
//
// Thread-safe: Solve keeps no state between calls; `field` is called from
// the calling thread only.
#ifndef AANET_ODE_DORMAND_PRINCE_H_
#define AANET_ODE_DORMAND_PRINCE_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <utility>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "status/status_macros.h"

namespace aanet::ode {

enum class StepMode { kConstant, kAdaptive };

struct SolverOptions {
  StepMode mode = StepMode::kConstant;
  // kConstant: the step h (> 0). The interval [t0, t1] is covered by
  // ceil((t1 - t0) / h) steps (with a relative slack of 1e-9 so that 1.0/0.1
  // gives 10 steps, not 11), all of size h except the last, which is
  // shortened to land exactly on t1 (or lengthened by at most the 1e-9
  // slack). Step i starts at t0 + i * h, computed without accumulation.
  // kAdaptive: the initial step; <= 0 picks one automatically (Hairer,
  // Norsett & Wanner, "Solving ODEs I", II.4 starting step algorithm).
  double step = 0.1;
  double rtol = 1e-6;      // kAdaptive only, > 0
  double atol = 1e-8;      // kAdaptive only, > 0
  int max_steps = 100000;  // accepted + rejected; exceeding it is an error
};

// OK, or InvalidArgument naming every offending field, separated by "; ",
// e.g. "rtol: must be > 0, got -1". Checks: mode is a StepMode; step finite,
// and > 0 in kConstant mode; in kAdaptive mode rtol and atol finite and > 0
// (they are ignored, so not checked, in kConstant mode); max_steps > 0.
absl::Status ValidateOptions(const SolverOptions& options);

// Work done by one Solve. On error, the work done up to the failure.
struct SolveStats {
  int accepted_steps = 0;
  int rejected_steps = 0;
  int field_evaluations = 0;
};

// What the solver needs from a state type. Specialise for other types; the
// primary template is deliberately left undefined.
template <typename State>
struct StateOps;

template <>
struct StateOps<Eigen::MatrixXd> {
  // y + h * sum_i coefficients[i] * k[i], skipping zero coefficients (y
  // itself if all are zero). coefficients and k have the same length; every
  // k[i] with a non-zero coefficient has y's shape.
  static Eigen::MatrixXd Combine(const Eigen::MatrixXd& y, double h,
                                 absl::Span<const double> coefficients,
                                 absl::Span<const Eigen::MatrixXd* const> k);
  // The plain values, read only for error control and for the shape and
  // finiteness checks.
  static const Eigen::MatrixXd& Values(const Eigen::MatrixXd& y) { return y; }
};

// Integrates y' = field(t, y) from t0 to t1 and returns y(t1).
//
// `Field` is callable through a const reference as
// State field(double t, const State& y) (any return type convertible to State
// will do) and must return a state of y's shape.
// t1 == t0 returns y0 with zero evaluations. If `stats` is not null it is
// reset and then filled, also on error.
//
// Errors:
//   InvalidArgument: invalid options (ValidateOptions), non-finite t0 or t1,
//     t1 < t0, non-finite values in y0, a field value of the wrong shape.
//   ResourceExhausted: more than options.max_steps steps (accepted +
//     rejected) would be needed; in kConstant mode this is known, and
//     reported, before any evaluation.
//   FailedPrecondition: a non-finite error estimate (kAdaptive) or new
//     state, i.e. the field returned NaN or Inf or the solution blew up; or
//     step size underflow (kAdaptive: the controller asks for a step below 16 *
//     machine epsilon * max(|t|, |t1|), or below the smallest normal double).
template <typename State, typename Field>
absl::StatusOr<State> Solve(const Field& field, const State& y0, double t0,
                            double t1, const SolverOptions& options,
                            SolveStats* stats = nullptr);

// ---------------------------------------------------------------------------
// Implementation details.

namespace internal {

// The Dormand-Prince 5(4) Butcher tableau. Stage i (0-based) is evaluated at
// t + kC[i] * h on y + h * sum_{j<i} kA[i][j] * k_j. Row 6 of kA is b5: the
// 7th stage is f(t + h, y_{n+1}) (FSAL).
inline constexpr int kNumStages = 7;
inline constexpr std::array<double, kNumStages> kC = {
    0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0};
inline constexpr double kA[kNumStages][kNumStages - 1] = {
    {0, 0, 0, 0, 0, 0},
    {1.0 / 5.0, 0, 0, 0, 0, 0},
    {3.0 / 40.0, 9.0 / 40.0, 0, 0, 0, 0},
    {44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0, 0, 0},
    {19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0, 0,
     0},
    {9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0,
     -5103.0 / 18656.0, 0},
    {35.0 / 384.0, 0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0,
     11.0 / 84.0},
};
// 5th-order weights (the propagated solution; equal to kA[6], b5_7 = 0).
inline constexpr std::array<double, kNumStages> kB5 = {
    35.0 / 384.0, 0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0,
    11.0 / 84.0,  0};
// Embedded 4th-order weights.
inline constexpr std::array<double, kNumStages> kB4 = {
    5179.0 / 57600.0,    0,
    7571.0 / 16695.0,    393.0 / 640.0,
    -92097.0 / 339200.0, 187.0 / 2100.0,
    1.0 / 40.0};
// Error weights e = b5 - b4, in exact fractions.
inline constexpr std::array<double, kNumStages> kE = {
    71.0 / 57600.0,      0,
    -71.0 / 16695.0,     71.0 / 1920.0,
    -17253.0 / 339200.0, 22.0 / 525.0,
    -1.0 / 40.0};

// InvalidArgument unless t0 and t1 are finite and t1 >= t0.
absl::Status ValidateInterval(double t0, double t1);

// The number of kConstant steps for [t0, t1] (t1 > t0, step > 0, see
// SolverOptions::step); ResourceExhausted if it exceeds max_steps.
absl::StatusOr<int> ConstantStepCount(double t0, double t1, double step,
                                      int max_steps);

// Max over rows of the RMS over columns of x / scale (elementwise); 0 for an
// empty matrix; NaN if any ratio is not finite; +Inf if the ratios are finite
// but their squares overflow.
double ScaledRmsNorm(const Eigen::MatrixXd& x, const Eigen::MatrixXd& scale);

// The error norm of a step from y to y_new with stages k (kNumStages
// values): ScaledRmsNorm(h * sum_i kE[i] k_i, atol + rtol * max(|y|,
// |y_new|)).
double ErrorNorm(double h, absl::Span<const Eigen::MatrixXd* const> k,
                 const Eigen::MatrixXd& y, const Eigen::MatrixXd& y_new,
                 double rtol, double atol);

// The starting step of Hairer, Norsett & Wanner II.4 from its measurements:
// d0 = ||y0||, d1 = ||f(t0, y0)|| (scaled norms), the trial step h0 (from
// TrialStep) and d2 = ||f(t0 + h0, y0 + h0 f0) - f(t0, y0)|| / h0.
double TrialStep(double d0, double d1);
double StartingStep(double h0, double d1, double d2);

// The PI step-size controller described at the top of this file.
class StepController {
 public:
  // The factor for the next step after an accepted step with error norm err
  // (finite, in [0, 1]).
  double Accept(double err);
  // The factor for the retry after a rejected step with error norm err
  // (finite, > 1).
  double Reject(double err);

 private:
  double previous_error_ = 1.0;
  bool last_rejected_ = false;
};

// The smallest step the adaptive solver accepts at time t when heading to
// t1; smaller requests are a step size underflow.
double MinStep(double t, double t1);

bool AllFinite(const Eigen::MatrixXd& values);

absl::Status NonFiniteInitialStateError();
absl::Status WrongShapeError(const Eigen::MatrixXd& field_value,
                             const Eigen::MatrixXd& state, double t);
absl::Status NonFiniteError(const char* what, double t, double h);
absl::Status UnderflowError(double t, double h);
absl::Status MaxStepsError(int max_steps, double t, double t1);

// Evaluates the field at (t, y) into *out, counting the evaluation and
// checking the shape of the result.
template <typename State, typename Field>
absl::Status Evaluate(const Field& field, double t, const State& y,
                      SolveStats& stats, std::optional<State>& out) {
  using Ops = StateOps<State>;
  ++stats.field_evaluations;
  out.emplace(field(t, y));
  const Eigen::MatrixXd& value = Ops::Values(*out);
  const Eigen::MatrixXd& state = Ops::Values(y);
  if (value.rows() != state.rows() || value.cols() != state.cols()) {
    return WrongShapeError(value, state, t);
  }
  return absl::OkStatus();
}

// One Dormand-Prince step of size h = t_next - t from y, with k[0] =
// f(t, y) given. Fills k[1..6] and returns y_new; k[6] = f(t_next, y_new).
template <typename State, typename Field>
absl::StatusOr<State> AttemptStep(
    const Field& field, const State& y, double t, double t_next,
    std::array<std::optional<State>, kNumStages>& k, SolveStats& stats) {
  using Ops = StateOps<State>;
  const double h = t_next - t;
  std::array<const State*, kNumStages> stages{};
  stages[0] = &*k[0];
  for (int i = 1; i < kNumStages - 1; ++i) {
    const State stage_y = Ops::Combine(y, h, absl::MakeConstSpan(kA[i], i),
                                       absl::MakeConstSpan(stages.data(), i));
    AANET_RETURN_IF_ERROR(Evaluate(field, t + kC[i] * h, stage_y, stats, k[i]));
    stages[i] = &*k[i];
  }
  // The 7th stage is evaluated at t_next exactly, so that the next step's
  // first stage (FSAL) is f at the time that step starts from.
  State y_new =
      Ops::Combine(y, h, absl::MakeConstSpan(kA[kNumStages - 1]),
                   absl::MakeConstSpan(stages.data(), kNumStages - 1));
  AANET_RETURN_IF_ERROR(Evaluate(field, t_next, y_new, stats, k[6]));
  return y_new;
}

// The pieces of Solve, which has validated the options, the interval and
// y0, and handled t1 == t0 (so t1 > t0 here). `s` counts the work.

// The kConstant path: ConstantStepCount steps, the last one landing on t1.
template <typename State, typename Field>
absl::StatusOr<State> SolveConstant(const Field& field, const State& y0,
                                    double t0, double t1,
                                    const SolverOptions& options,
                                    SolveStats& s) {
  using Ops = StateOps<State>;
  AANET_ASSIGN_OR_RETURN(
      const int num_steps,
      ConstantStepCount(t0, t1, options.step, options.max_steps));
  std::array<std::optional<State>, kNumStages> k;
  State y = y0;
  AANET_RETURN_IF_ERROR(Evaluate(field, t0, y, s, k[0]));
  for (int i = 0; i < num_steps; ++i) {
    const double t = t0 + i * options.step;
    const double t_next = i + 1 == num_steps ? t1 : t0 + (i + 1) * options.step;
    AANET_ASSIGN_OR_RETURN(State y_new, AttemptStep(field, y, t, t_next, k, s));
    ++s.accepted_steps;
    if (!AllFinite(Ops::Values(y_new))) {
      return NonFiniteError("state", t, t_next - t);
    }
    y = std::move(y_new);
    k[0] = std::move(k[6]);
  }
  return y;
}

// The kAdaptive starting step when none is given (Hairer, Norsett & Wanner
// II.4), from y0 and f0 = f(t0, y0): a trial explicit Euler step of size h0
// estimates the second derivative. Its state is built with Combine (its
// values are all that is used), so on a tape it is a dead branch.
template <typename State, typename Field>
absl::StatusOr<double> InitialAdaptiveStep(const Field& field, const State& y0,
                                           const State& f0, double t0,
                                           double t1, double rtol, double atol,
                                           SolveStats& s) {
  using Ops = StateOps<State>;
  const Eigen::MatrixXd& y0_values = Ops::Values(y0);
  const Eigen::MatrixXd& f0_values = Ops::Values(f0);
  const Eigen::MatrixXd scale =
      (atol + rtol * y0_values.array().abs()).matrix();
  const double d0 = ScaledRmsNorm(y0_values, scale);
  const double d1 = ScaledRmsNorm(f0_values, scale);
  if (!std::isfinite(d1)) return NonFiniteError("field value", t0, 0);
  const double h0 = std::min(TrialStep(d0, d1), t1 - t0);
  const double unit = 1.0;
  const State* f0_ptr = &f0;
  const State y1 = Ops::Combine(y0, h0, absl::MakeConstSpan(&unit, 1),
                                absl::MakeConstSpan(&f0_ptr, 1));
  std::optional<State> f1;
  AANET_RETURN_IF_ERROR(Evaluate(field, t0 + h0, y1, s, f1));
  const double d2 = ScaledRmsNorm(Ops::Values(*f1) - f0_values, scale) / h0;
  if (!std::isfinite(d2)) return NonFiniteError("field value", t0, h0);
  return StartingStep(h0, d1, d2);
}

// The kAdaptive path: steps chosen by the error estimate and StepController,
// the last one landing on t1.
template <typename State, typename Field>
absl::StatusOr<State> SolveAdaptive(const Field& field, const State& y0,
                                    double t0, double t1,
                                    const SolverOptions& options,
                                    SolveStats& s) {
  using Ops = StateOps<State>;
  const double rtol = options.rtol;
  const double atol = options.atol;
  std::array<std::optional<State>, kNumStages> k;
  State y = y0;
  double t = t0;
  AANET_RETURN_IF_ERROR(Evaluate(field, t0, y, s, k[0]));
  double h = options.step;
  if (h <= 0) {
    AANET_ASSIGN_OR_RETURN(
        h, InitialAdaptiveStep(field, y, *k[0], t0, t1, rtol, atol, s));
  }

  StepController controller;
  while (t < t1) {
    if (s.accepted_steps + s.rejected_steps >= options.max_steps) {
      return MaxStepsError(options.max_steps, t, t1);
    }
    if (!(h >= MinStep(t, t1))) return UnderflowError(t, h);
    // Land on t1: cut a step that would overshoot, and stretch one that
    // would leave less than 1% of itself.
    const bool last = t + 1.01 * h >= t1;
    const double t_next = last ? t1 : t + h;
    const double step = t_next - t;
    AANET_ASSIGN_OR_RETURN(State y_new, AttemptStep(field, y, t, t_next, k, s));
    std::array<const Eigen::MatrixXd*, kNumStages> k_values;
    for (int i = 0; i < kNumStages; ++i) k_values[i] = &Ops::Values(*k[i]);
    const double err = ErrorNorm(step, k_values, Ops::Values(y),
                                 Ops::Values(y_new), rtol, atol);
    // NaN: some stage or the error itself is not finite. +Inf (finite but
    // overflowing ratios) is just a very large error: reject and shrink.
    if (std::isnan(err)) return NonFiniteError("error estimate", t, step);
    if (err <= 1.0) {
      ++s.accepted_steps;
      if (!AllFinite(Ops::Values(y_new))) {
        return NonFiniteError("state", t, step);
      }
      t = t_next;
      y = std::move(y_new);
      k[0] = std::move(k[6]);
      h = step * controller.Accept(err);
    } else {
      ++s.rejected_steps;
      h = step * controller.Reject(err);
    }
  }
  return y;
}

}  // namespace internal

template <typename State, typename Field>
absl::StatusOr<State> Solve(const Field& field, const State& y0, double t0,
                            double t1, const SolverOptions& options,
                            SolveStats* stats) {
  SolveStats local_stats;
  SolveStats& s = stats != nullptr ? *stats : local_stats;
  s = SolveStats();
  AANET_RETURN_IF_ERROR(ValidateOptions(options));
  AANET_RETURN_IF_ERROR(internal::ValidateInterval(t0, t1));
  if (!internal::AllFinite(StateOps<State>::Values(y0))) {
    return internal::NonFiniteInitialStateError();
  }
  if (t1 == t0) return y0;
  if (options.mode == StepMode::kConstant) {
    return internal::SolveConstant(field, y0, t0, t1, options, s);
  }
  return internal::SolveAdaptive(field, y0, t0, t1, options, s);
}

}  // namespace aanet::ode

#endif  // AANET_ODE_DORMAND_PRINCE_H_
