#include "autodiff/gradient_check.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

namespace aanet::ad {
namespace {

struct Entry {
  std::string where;
  double analytic;
  double numerical;
};

// Evaluates fn at the given input values.
double Evaluate(const ScalarFunction& fn, const std::vector<Matrix>& inputs,
                Tape& tape) {
  tape.Clear();
  std::vector<Var> vars;
  vars.reserve(inputs.size());
  for (const Matrix& m : inputs) vars.push_back(tape.Input(m));
  const Var loss = fn(tape, vars);
  return loss.scalar();
}

// Numerical derivative of `eval` along the scalar *x (restored afterwards).
template <typename Eval>
double NumericalDerivative(double* x, const GradientCheckOptions& options,
                           Eval eval) {
  const double x0 = *x;
  // Rounding x0 + h to a representable number makes the step exact.
  volatile double xh = x0 + options.step * std::max(1.0, std::abs(x0));
  const double h = xh - x0;
  auto f = [&](double value) {
    *x = value;
    return eval();
  };
  double derivative;
  if (options.five_point) {
    const double fp1 = f(x0 + h);
    const double fm1 = f(x0 - h);
    const double fp2 = f(x0 + 2 * h);
    const double fm2 = f(x0 - 2 * h);
    derivative = (fm2 - 8.0 * fm1 + 8.0 * fp1 - fp2) / (12.0 * h);
  } else {
    derivative = (f(x0 + h) - f(x0 - h)) / (2.0 * h);
  }
  *x = x0;
  return derivative;
}

}  // namespace

GradientCheckResult CheckGradients(const ScalarFunction& fn,
                                   ParameterStore* store,
                                   const std::vector<Matrix>& inputs,
                                   const GradientCheckOptions& options) {
  Tape tape;
  // Analytic gradients.
  if (store != nullptr) store->ZeroGrad();
  tape.Clear();
  std::vector<Var> vars;
  for (const Matrix& m : inputs) vars.push_back(tape.Input(m));
  const Var loss = fn(tape, vars);
  AANET_AD_CHECK(loss.rows() == 1 && loss.cols() == 1,
                 "CheckGradients: the function must return a [1,1] loss, got " +
                     ShapeString(loss.value()));
  const double value = loss.scalar();
  tape.Backward(loss);
  std::vector<Matrix> input_grads;
  for (const Var& v : vars) input_grads.push_back(v.grad());

  std::vector<Entry> entries;
  std::vector<Matrix> perturbed = inputs;
  auto eval = [&] { return Evaluate(fn, perturbed, tape); };

  if (options.check_params && store != nullptr) {
    for (int id = 0; id < store->size(); ++id) {
      Matrix& value = store->value(id);
      for (Eigen::Index j = 0; j < value.cols(); ++j) {
        for (Eigen::Index i = 0; i < value.rows(); ++i) {
          const double numerical =
              NumericalDerivative(&value(i, j), options, eval);
          entries.push_back(
              {absl::StrCat("param '", store->name(id), "' (", i, ",", j, ")"),
               store->grad(id)(i, j), numerical});
        }
      }
    }
  }
  if (options.check_inputs) {
    for (size_t k = 0; k < perturbed.size(); ++k) {
      for (Eigen::Index j = 0; j < perturbed[k].cols(); ++j) {
        for (Eigen::Index i = 0; i < perturbed[k].rows(); ++i) {
          const double numerical =
              NumericalDerivative(&perturbed[k](i, j), options, eval);
          entries.push_back({absl::StrCat("input ", k, " (", i, ",", j, ")"),
                             input_grads[k](i, j), numerical});
        }
      }
    }
  }

  GradientCheckResult result;
  result.num_checked = static_cast<int64_t>(entries.size());
  result.value = value;
  for (const Entry& e : entries) {
    result.gradient_scale =
        std::max(result.gradient_scale,
                 std::max(std::abs(e.analytic), std::abs(e.numerical)));
  }
  const double floor =
      std::max(options.absolute_floor * std::max(1.0, std::abs(value)),
               options.relative_floor * result.gradient_scale);
  for (const Entry& e : entries) {
    const double diff = std::abs(e.analytic - e.numerical);
    const double denominator =
        std::max({std::abs(e.analytic), std::abs(e.numerical), floor});
    const double error = diff / denominator;
    result.max_absolute_error = std::max(result.max_absolute_error, diff);
    // NaN never compares greater: report it explicitly.
    if (error > result.max_relative_error || std::isnan(error)) {
      result.max_relative_error =
          std::isnan(error) ? std::numeric_limits<double>::infinity() : error;
      result.worst = absl::StrCat(e.where, ": analytic ", e.analytic,
                                  ", numerical ", e.numerical);
    }
  }
  return result;
}

double MaxRelativeDifference(const Matrix& a, const Matrix& b, double floor) {
  AANET_AD_CHECK(a.rows() == b.rows() && a.cols() == b.cols(),
                 "MaxRelativeDifference: shapes " + ShapeString(a) + " and " +
                     ShapeString(b));
  double worst = 0.0;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    const double x = a.data()[i];
    const double y = b.data()[i];
    const double d =
        std::abs(x - y) / std::max({std::abs(x), std::abs(y), floor});
    if (std::isnan(d)) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, d);
  }
  return worst;
}

}  // namespace aanet::ad
