// Finite-difference checks of reverse-mode gradients, for tests (here and in
// other packages): compares the tape's gradient of a scalar function with
// numerical derivatives with respect to every parameter scalar and every
// input scalar.
//
// Numerical derivative of f at x along one scalar, step h:
//   5-point (default): (f(x-2h) - 8 f(x-h) + 8 f(x+h) - f(x+2h)) / (12 h),
//     error O(h^4); with h = 1e-3 both truncation (~h^4 f^(5) / 30) and
//     rounding (~eps |f| / h ~ 1e-13 |f|) stay near 1e-12 for smooth
//     functions of moderate size.
//   3-point: (f(x+h) - f(x-h)) / (2h), error O(h^2); use h ~ 1e-6.
// h is scaled by max(1, |x|) and rounded so that x + h is exact.
// Keep every input at least 2h away from kinks (relu at 0, abs at 0, the
// jumps of WrapAngle), or the check is meaningless there.
//
// Error measure, per scalar with analytic a and numerical n:
//   |a - n| / max(|a|, |n|, floor),
//   floor = max(absolute_floor * max(1, |f|),
//               relative_floor * max over all checked scalars of max(|a|, |n|))
// with f the function's value at the unperturbed point. So components
// comparable to the largest one are compared relatively, and components that
// are (nearly) zero are compared in absolute terms: with the defaults
// (1e-6, 1e-4) and a 1e-6 threshold, a discrepancy below
// max(1e-12 max(1, |f|), 1e-10 max|gradient|) is tolerated. That is just
// above the finite-difference noise (~1e-13 |f|): a pure relative error with a
// tiny floor would report that noise on zero gradients (e.g. the bias
// gradients of a relu network's input gradient) as failures.
#ifndef AANET_AUTODIFF_GRADIENT_CHECK_H_
#define AANET_AUTODIFF_GRADIENT_CHECK_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "autodiff/matrix.h"
#include "autodiff/parameters.h"
#include "autodiff/tape.h"

namespace aanet::ad {

struct GradientCheckOptions {
  // Step before scaling by max(1, |x|).
  double step = 1e-3;
  // 5-point stencil if true, else 3-point central difference.
  bool five_point = true;
  double relative_floor = 1e-4;
  double absolute_floor = 1e-6;
  bool check_params = true;
  bool check_inputs = true;
};

struct GradientCheckResult {
  // Largest per-scalar error (see above) and absolute difference.
  double max_relative_error = 0.0;
  double max_absolute_error = 0.0;
  // Largest max(|a|, |n|) over the checked scalars.
  double gradient_scale = 0.0;
  // The function's value at the unperturbed point.
  double value = 0.0;
  int64_t num_checked = 0;
  // Where the largest error occurred, e.g.
  // "param 'w1' (2,0): analytic 0.25, numerical 0.2500001"; empty if none.
  std::string worst;
};

// Builds the scalar ([1,1]) loss on `tape`. `inputs` are Input leaves made
// from the `inputs` matrices given to CheckGradients; parameters are read
// through tape.Param(store, id) on the store the caller captured.
using ScalarFunction =
    std::function<Var(Tape& tape, absl::Span<const Var> inputs)>;

// Checks d fn / d(every scalar of every parameter of `store`) and
// d fn / d(every scalar of `inputs`). `store` may be null (inputs only); its
// values are restored exactly afterwards, and its grad() buffers are left
// holding the analytic gradient.
GradientCheckResult CheckGradients(const ScalarFunction& fn,
                                   ParameterStore* store,
                                   const std::vector<Matrix>& inputs,
                                   const GradientCheckOptions& options = {});

// max_ij |a_ij - b_ij| / max(|a_ij|, |b_ij|, floor); aborts on shape mismatch.
double MaxRelativeDifference(const Matrix& a, const Matrix& b, double floor);

}  // namespace aanet::ad

#endif  // AANET_AUTODIFF_GRADIENT_CHECK_H_
