#include "status/status_macros.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace aanet {
namespace {

absl::Status Fails(int* calls) {
  ++*calls;
  return absl::InvalidArgumentError("bad");
}
absl::StatusOr<std::unique_ptr<int>> MakeInt(int value, bool ok) {
  if (!ok) return absl::NotFoundError("no int");
  return std::make_unique<int>(value);
}

absl::Status PropagatesStatus(int* calls, int* after) {
  AANET_RETURN_IF_ERROR(Fails(calls));
  ++*after;
  return absl::OkStatus();
}

absl::StatusOr<int> PropagatesStatusOrIntoStatusOr(bool ok) {
  AANET_RETURN_IF_ERROR(MakeInt(1, ok));
  return 7;
}

absl::StatusOr<int> Assigns(bool ok) {
  // A move-only value, declared by the macro.
  AANET_ASSIGN_OR_RETURN(std::unique_ptr<int> value, MakeInt(5, ok));
  int existing = 0;
  AANET_ASSIGN_OR_RETURN(auto second, MakeInt(6, true));
  existing = *second;
  return *value + existing;
}

TEST(StatusMacrosTest, ReturnIfErrorReturnsTheErrorAndEvaluatesOnce) {
  int calls = 0, after = 0;
  const absl::Status status = PropagatesStatus(&calls, &after);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "bad");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(after, 0);
}

TEST(StatusMacrosTest, ReturnIfErrorAcceptsStatusOr) {
  EXPECT_EQ(*PropagatesStatusOrIntoStatusOr(true), 7);
  EXPECT_EQ(PropagatesStatusOrIntoStatusOr(false).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(StatusMacrosTest, AssignOrReturnMovesTheValueOrReturnsTheError) {
  EXPECT_EQ(*Assigns(true), 11);
  const absl::StatusOr<int> failed = Assigns(false);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(failed.status().message(), "no int");
}

}  // namespace
}  // namespace aanet
