// Shared definitions of the autodiff core: the matrix type every value and
// gradient uses, and a fatal check for programming errors.
//
// Shapes are batch-major: a [B, d] matrix holds B states (rows) of d features
// (columns). A scalar is a [1, 1] matrix.
//
// Shape mismatches and misuse of the tape are programming errors, not data
// errors, so they are not reported through absl::Status: AANET_AD_CHECK prints
// the failed condition with a message naming the operation and the shapes,
// then aborts. The checks stay on in optimised builds (they cost a few integer
// comparisons per operation).
#ifndef AANET_AUTODIFF_MATRIX_H_
#define AANET_AUTODIFF_MATRIX_H_

#include <string>

#include "Eigen/Core"
#include "absl/base/optimization.h"

namespace aanet::ad {

// Column-major dynamic double matrix; shape [rows, cols].
using Matrix = Eigen::MatrixXd;

// "[rows,cols]", for error messages.
std::string ShapeString(Eigen::Index rows, Eigen::Index cols);
std::string ShapeString(const Matrix& m);

namespace internal {

// Prints "file:line: Check failed: condition: message" to stderr and aborts.
[[noreturn]] void CheckFailure(const char* file, int line,
                               const char* condition,
                               const std::string& message);

}  // namespace internal
}  // namespace aanet::ad

// Aborts with `message` (any expression convertible to std::string, evaluated
// only on failure) unless `condition` holds.
#define AANET_AD_CHECK(condition, message)                                \
  do {                                                                    \
    if (ABSL_PREDICT_FALSE(!(condition))) {                               \
      ::aanet::ad::internal::CheckFailure(__FILE__, __LINE__, #condition, \
                                          (message));                     \
    }                                                                     \
  } while (false)

#endif  // AANET_AUTODIFF_MATRIX_H_
