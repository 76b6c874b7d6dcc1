// Status propagation in the Abseil style (as in Abseil's internal
// status_macros and Ceres/Drake's equivalents): early-return on an error
// instead of writing `if (!x.ok()) return x.status();` by hand.
//
//   AANET_RETURN_IF_ERROR(WriteDataset(dataset, path));
//   AANET_ASSIGN_OR_RETURN(Dataset dataset, ReadDataset(path));
//
// Both work in functions returning absl::Status or any absl::StatusOr<T>.
#ifndef AANET_STATUS_STATUS_MACROS_H_
#define AANET_STATUS_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace aanet::status_internal {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

}  // namespace aanet::status_internal

// Evaluates `expr` (an absl::Status or absl::StatusOr<T>) once and returns its
// status from the enclosing function if it is not OK.
#define AANET_RETURN_IF_ERROR(expr)                                         \
  do {                                                                      \
    const auto& aanet_status_macro_value = (expr);                          \
    if (!aanet_status_macro_value.ok()) {                                   \
      return ::aanet::status_internal::GetStatus(aanet_status_macro_value); \
    }                                                                       \
  } while (false)

#define AANET_STATUS_MACROS_CONCAT_INNER(a, b) a##b
#define AANET_STATUS_MACROS_CONCAT(a, b) AANET_STATUS_MACROS_CONCAT_INNER(a, b)

// Evaluates `expr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs`, which may be
// a declaration (`Dataset d`, `auto d`) or an existing variable.
#define AANET_ASSIGN_OR_RETURN(lhs, expr) \
  AANET_ASSIGN_OR_RETURN_IMPL(            \
      AANET_STATUS_MACROS_CONCAT(aanet_status_or_value_, __LINE__), lhs, expr)

#define AANET_ASSIGN_OR_RETURN_IMPL(status_or, lhs, expr)    \
  auto status_or = (expr);                                   \
  if (!status_or.ok()) return std::move(status_or).status(); \
  lhs = *std::move(status_or)

#endif  // AANET_STATUS_STATUS_MACROS_H_
