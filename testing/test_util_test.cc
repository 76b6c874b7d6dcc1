#include "testing/test_util.h"

#include <filesystem>
#include <limits>
#include <string>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aanet::test_util {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

TEST(TestDirTest, IsAFreshDirectoryNamedAfterTheTest) {
  const std::string dir = TestDir();
  EXPECT_EQ(fs::path(dir).filename(),
            "TestDirTest.IsAFreshDirectoryNamedAfterTheTest");
  WriteAll(dir + "/a", "x");
  EXPECT_THAT(ListDir(dir), UnorderedElementsAre("a"));
  EXPECT_EQ(TestDir(), dir);
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(FreshDirTest, RemovesButDoesNotCreate) {
  const std::string dir = FreshDir("fresh");
  fs::create_directories(dir);
  WriteAll(dir + "/a", "x");
  EXPECT_EQ(FreshDir("fresh"), dir);
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_EQ(dir, TempPath("fresh"));
}

TEST(FilesTest, WriteAllThenReadAllRoundTrips) {
  const std::string path = TempPath("round_trip.txt");
  WriteAll(path, std::string("a\nb\0c", 5));
  EXPECT_EQ(ReadAll(path), std::string("a\nb\0c", 5));
  EXPECT_EQ(ReadAll(TempPath("missing.txt")), "");
}

TEST(SameBitsTest, ComparesShapeAndBytes) {
  Eigen::MatrixXd a(2, 2);
  a << 1, 2, std::numeric_limits<double>::quiet_NaN(), 0.0;
  Eigen::MatrixXd b = a;
  EXPECT_TRUE(SameBits(a, b));  // NaN equals itself bit for bit
  b(1, 1) = -0.0;
  EXPECT_FALSE(SameBits(a, b));  // -0.0 == 0.0, but not bit for bit
  const Eigen::MatrixXd reshaped = a.reshaped(1, 4);
  EXPECT_FALSE(SameBits(a, reshaped));
  EXPECT_TRUE(SameBits(a.data(), reshaped.data(), 4));
  EXPECT_TRUE(SameBits(Eigen::VectorXd(), Eigen::VectorXd()));
}

TEST(StatusMatchersTest, IsOk) {
  EXPECT_THAT(absl::OkStatus(), IsOk());
  EXPECT_THAT(absl::StatusOr<int>(3), IsOk());
  EXPECT_THAT(absl::NotFoundError("x"), Not(IsOk()));
  EXPECT_THAT(absl::StatusOr<int>(absl::NotFoundError("x")), Not(IsOk()));
}

TEST(StatusMatchersTest, StatusIsChecksCodeAndMessage) {
  const absl::Status error = absl::NotFoundError("a.h5: no such file");
  EXPECT_THAT(error,
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no such file")));
  EXPECT_THAT(error, Not(StatusIs(absl::StatusCode::kInternal,
                                  HasSubstr("no such file"))));
  EXPECT_THAT(error,
              Not(StatusIs(absl::StatusCode::kNotFound, HasSubstr("other"))));
  EXPECT_THAT(absl::StatusOr<int>(error),
              StatusIs(absl::StatusCode::kNotFound, "a.h5: no such file"));
  EXPECT_THAT(absl::OkStatus(),
              Not(StatusIs(absl::StatusCode::kNotFound, ::testing::_)));
}

TEST(StatusMatchersTest, ExplainsTheStatusOnFailure) {
  const auto matcher = ::testing::SafeMatcherCast<const absl::Status&>(
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("x")));
  ::testing::StringMatchResultListener listener;
  EXPECT_FALSE(
      matcher.MatchAndExplain(absl::InternalError("disk full"), &listener));
  EXPECT_THAT(listener.str(), HasSubstr("disk full"));
}

}  // namespace
}  // namespace aanet::test_util
