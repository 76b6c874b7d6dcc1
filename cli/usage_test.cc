#include "cli/usage.h"

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, usage_test_jobs, 3, "points trained in parallel");

namespace aanet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(UsageTest, HelpListsTheUsageAndOurFlagsOnly) {
  absl::SetProgramUsageMessage("Does things.\n  usage_test --jobs=N");
  const std::string text = HelpText();
  EXPECT_THAT(text, HasSubstr("Does things.\n  usage_test --jobs=N\n"));
  EXPECT_THAT(text, HasSubstr("  --usage_test_jobs (default: 3)\n      points "
                              "trained in parallel\n"));
  EXPECT_THAT(text, Not(HasSubstr("--flagfile")));  // Abseil's own
}

TEST(UsageTest, HelpFlagExitsZeroAfterPrinting) {
  char name[] = "usage_test";
  char other[] = "--usage_test_jobs=2";
  char help[] = "--help";
  char* argv[] = {name, other, help};
  EXPECT_EXIT(HandleHelpFlag(3, argv), ::testing::ExitedWithCode(0), "");
  char* no_help[] = {name, other};
  HandleHelpFlag(2, no_help);  // returns
}

}  // namespace
}  // namespace aanet
