#include "autodiff/matrix.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace aanet::ad {

std::string ShapeString(Eigen::Index rows, Eigen::Index cols) {
  return absl::StrCat("[", rows, ",", cols, "]");
}

std::string ShapeString(const Matrix& m) {
  return ShapeString(m.rows(), m.cols());
}

namespace internal {

void CheckFailure(const char* file, int line, const char* condition,
                  const std::string& message) {
  std::fprintf(stderr, "%s:%d: Check failed: %s: %s\n", file, line, condition,
               message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace internal
}  // namespace aanet::ad
