#include "sweep/command.h"

#include "gtest/gtest.h"

namespace aanet::sweep {
namespace {

TEST(RunCommandTest, CapturesOutputAndExitCode) {
  absl::StatusOr<CommandResult> result =
      RunCommand({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->out, "out\n");
  EXPECT_EQ(result->err, "err\n");
}

TEST(RunCommandTest, PassesArgumentsWithoutAShell) {
  absl::StatusOr<CommandResult> result =
      RunCommand({"printf", "%s|", "a b", "$HOME", ";"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->out, "a b|$HOME|;|");
}

TEST(RunCommandTest, LargeOutputDoesNotDeadlock) {
  absl::StatusOr<CommandResult> result = RunCommand(
      {"sh", "-c", "head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->out.size(), 300000u);
  EXPECT_EQ(result->err.size(), 300000u);
}

TEST(RunCommandTest, MissingProgramIsNotFound) {
  absl::StatusOr<CommandResult> result = RunCommand({"no-such-program-aanet"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(result.status().message().find("no-such-program-aanet"),
            std::string::npos);
}

TEST(RunCommandTest, TimesOut) {
  absl::StatusOr<CommandResult> result = RunCommand({"sleep", "10"}, 0.2);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(RunCommandTest, KilledCommandReportsTheSignal) {
  absl::StatusOr<CommandResult> result = RunCommand({"sh", "-c", "kill -9 $$"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 128 + 9);
}

}  // namespace
}  // namespace aanet::sweep
