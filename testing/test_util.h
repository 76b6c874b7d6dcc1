// Helpers shared by the project's C++ tests: files under TEST_TMPDIR,
// bit-for-bit comparison of doubles and matchers for absl::Status(Or).
#ifndef AANET_TESTING_TEST_UTIL_H_
#define AANET_TESTING_TEST_UTIL_H_

#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace aanet::test_util {

// A fresh, empty directory under TEST_TMPDIR named after the running test
// ("<suite>.<test>"); whatever an earlier run left there is removed.
std::string TestDir();

// TEST_TMPDIR/name, removed if it exists (and not created).
std::string FreshDir(const std::string& name);

// TEST_TMPDIR/name; nothing is created or removed.
std::string TempPath(const std::string& name);

// The whole content of `path` ("" if it cannot be read).
std::string ReadAll(const std::string& path);

// Replaces the content of `path` by `text` (a plain, non-atomic write).
void WriteAll(const std::string& path, const std::string& text);

// The names of the entries of `dir`, in directory order.
std::vector<std::string> ListDir(const std::string& dir);

// Whether `size` doubles at `a` and `b` have the same bytes (-0.0 differs
// from 0.0; a NaN equals the same NaN).
inline bool SameBits(const double* a, const double* b, Eigen::Index size) {
  return size == 0 || std::memcmp(a, b, sizeof(double) * size) == 0;
}

// Whether two Eigen double matrices or vectors have the same shape and bytes.
template <typename M>
bool SameBits(const M& a, const M& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         SameBits(a.data(), b.data(), a.size());
}

namespace internal {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

}  // namespace internal

// Matches an OK absl::Status or absl::StatusOr<T>.
MATCHER(IsOk, negation ? "is not OK" : "is OK") {
  const absl::Status& status = internal::GetStatus(arg);
  if (!status.ok()) *result_listener << "whose status is " << status;
  return status.ok();
}

// Matches an absl::Status or absl::StatusOr<T> whose code is `code` and whose
// message (a std::string) matches `message_matcher`, e.g.
//   EXPECT_THAT(ReadDataset(path),
//               StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
MATCHER_P2(StatusIs, code, message_matcher,
           std::string(negation ? "is not" : "is") + " an error with code " +
               absl::StatusCodeToString(code) + " and a message that " +
               ::testing::DescribeMatcher<std::string>(message_matcher)) {
  const absl::Status& status = internal::GetStatus(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code &&
         ::testing::Matches(message_matcher)(std::string(status.message()));
}

}  // namespace aanet::test_util

#endif  // AANET_TESTING_TEST_UTIL_H_
