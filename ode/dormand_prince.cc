#include "ode/dormand_prince.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace aanet::ode {
namespace {

// Step-size controller constants; see the top of dormand_prince.h.
constexpr double kSafety = 0.9;
constexpr double kMinFactor = 0.2;
constexpr double kMaxFactor = 10.0;
// The error estimate is O(h^5) (the embedded method has order 4), so the
// controller exponents are fractions of 1/5.
constexpr double kBeta1 = 0.7 / 5.0;     // integral gain on err_n
constexpr double kBeta2 = 0.4 / 5.0;     // proportional gain on err_{n-1}
constexpr double kRejectExponent = 0.2;  // 1 / 5
constexpr double kMinPreviousError = 1e-4;

// kConstant: relative slack on (t1 - t0) / h before rounding up.
constexpr double kStepCountSlack = 1e-9;

std::string ShapeString(const Eigen::MatrixXd& m) {
  return absl::StrCat("[", m.rows(), ", ", m.cols(), "]");
}

}  // namespace

absl::Status ValidateOptions(const SolverOptions& options) {
  std::vector<std::string> problems;
  const bool constant = options.mode == StepMode::kConstant;
  const bool adaptive = options.mode == StepMode::kAdaptive;
  if (!constant && !adaptive) {
    problems.push_back(
        absl::StrCat("mode: must be kConstant or kAdaptive, got ",
                     static_cast<int>(options.mode)));
  }
  if (!std::isfinite(options.step)) {
    problems.push_back(
        absl::StrCat("step: must be finite, got ", options.step));
  } else if (constant && !(options.step > 0)) {
    problems.push_back(absl::StrCat("step: must be > 0 in kConstant mode, got ",
                                    options.step));
  }
  if (adaptive) {
    if (!std::isfinite(options.rtol) || !(options.rtol > 0)) {
      problems.push_back(
          absl::StrCat("rtol: must be > 0 and finite, got ", options.rtol));
    }
    if (!std::isfinite(options.atol) || !(options.atol > 0)) {
      problems.push_back(
          absl::StrCat("atol: must be > 0 and finite, got ", options.atol));
    }
  }
  if (options.max_steps <= 0) {
    problems.push_back(
        absl::StrCat("max_steps: must be > 0, got ", options.max_steps));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

Eigen::MatrixXd StateOps<Eigen::MatrixXd>::Combine(
    const Eigen::MatrixXd& y, double h, absl::Span<const double> coefficients,
    absl::Span<const Eigen::MatrixXd* const> k) {
  const size_t n = std::min(coefficients.size(), k.size());
  Eigen::MatrixXd sum;
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    const double c = coefficients[i];
    if (c == 0.0) continue;
    if (any) {
      sum.noalias() += c * *k[i];
    } else {
      sum = c * *k[i];
      any = true;
    }
  }
  if (!any) return y;
  sum = y + h * sum;
  return sum;
}

namespace internal {

absl::Status ValidateInterval(double t0, double t1) {
  if (!std::isfinite(t0) || !std::isfinite(t1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("t0, t1: must be finite, got t0 = ", t0, ", t1 = ", t1));
  }
  if (t1 < t0) {
    return absl::InvalidArgumentError(
        absl::StrCat("t1: must be >= t0, got t0 = ", t0, ", t1 = ", t1));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ConstantStepCount(double t0, double t1, double step,
                                      int max_steps) {
  const double ratio = (t1 - t0) / step;
  const double count =
      std::max(1.0, std::ceil(ratio * (1.0 - kStepCountSlack)));
  if (!(count <= max_steps)) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "max_steps: kConstant needs ", count, " steps of ", step, " for [", t0,
        ", ", t1, "], more than max_steps = ", max_steps));
  }
  return static_cast<int>(count);
}

double ScaledRmsNorm(const Eigen::MatrixXd& x, const Eigen::MatrixXd& scale) {
  if (x.size() == 0) return 0.0;
  const Eigen::ArrayXXd ratio = x.array() / scale.array();
  if (!ratio.allFinite()) return NAN;
  const double inv_cols = 1.0 / static_cast<double>(x.cols());
  double norm = 0.0;
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    norm = std::max(norm, std::sqrt(ratio.row(r).square().sum() * inv_cols));
  }
  return norm;
}

double ErrorNorm(double h, absl::Span<const Eigen::MatrixXd* const> k,
                 const Eigen::MatrixXd& y, const Eigen::MatrixXd& y_new,
                 double rtol, double atol) {
  Eigen::MatrixXd err = kE[0] * *k[0];
  for (int i = 1; i < kNumStages; ++i) {
    if (kE[i] != 0.0) err.noalias() += kE[i] * *k[i];
  }
  err *= h;
  const Eigen::MatrixXd scale =
      (atol + rtol * y.array().abs().max(y_new.array().abs())).matrix();
  return ScaledRmsNorm(err, scale);
}

double TrialStep(double d0, double d1) {
  if (d0 < 1e-5 || d1 < 1e-5) return 1e-6;
  return 0.01 * d0 / d1;
}

double StartingStep(double h0, double d1, double d2) {
  const double d = std::max(d1, d2);
  const double h1 = d <= 1e-15 ? std::max(1e-6, h0 * 1e-3)
                               : std::pow(0.01 / d, kRejectExponent);
  return std::min(100.0 * h0, h1);
}

double StepController::Accept(double err) {
  double factor = kMaxFactor;
  if (err > 0.0) {
    factor =
        kSafety * std::pow(err, -kBeta1) * std::pow(previous_error_, kBeta2);
  }
  factor = std::clamp(factor, kMinFactor, kMaxFactor);
  if (last_rejected_) factor = std::min(factor, 1.0);
  previous_error_ = std::max(err, kMinPreviousError);
  last_rejected_ = false;
  return factor;
}

double StepController::Reject(double err) {
  last_rejected_ = true;
  const double factor = kSafety * std::pow(err, -kRejectExponent);
  return std::clamp(factor, kMinFactor, 1.0);
}

double MinStep(double t, double t1) {
  return std::max(16.0 * DBL_EPSILON * std::max(std::abs(t), std::abs(t1)),
                  DBL_MIN);
}

bool AllFinite(const Eigen::MatrixXd& values) { return values.allFinite(); }

absl::Status NonFiniteInitialStateError() {
  return absl::InvalidArgumentError("y0: must be finite, got NaN or Inf");
}

absl::Status WrongShapeError(const Eigen::MatrixXd& field_value,
                             const Eigen::MatrixXd& state, double t) {
  return absl::InvalidArgumentError(
      absl::StrCat("field: returned a ", ShapeString(field_value),
                   " value at t = ", t, " for a ", ShapeString(state),
                   " state; it must return the state's shape"));
}

absl::Status NonFiniteError(const char* what, double t, double h) {
  return absl::FailedPreconditionError(absl::StrCat(
      "non-finite ", what, " in the step from t = ", t, " with h = ", h,
      ": the field returned NaN or Inf, or the solution blew up"));
}

absl::Status UnderflowError(double t, double h) {
  return absl::FailedPreconditionError(absl::StrCat(
      "step size underflow at t = ", t, ": the controller asked for h = ", h,
      "; the problem may be stiff or singular there"));
}

absl::Status MaxStepsError(int max_steps, double t, double t1) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "max_steps: used all ", max_steps,
      " steps (accepted + rejected) at t = ", t, ", before t1 = ", t1,
      "; the problem may be stiff or the tolerances too tight"));
}

}  // namespace internal
}  // namespace aanet::ode
