#include "cli/main_skeleton.h"

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, main_skeleton_test_jobs, 1, "points trained in parallel");

namespace aanet {
namespace {

using ::testing::ExitedWithCode;

// Runs RunMain on `args` (after the program name) and exits with its status,
// for EXPECT_EXIT, which checks the exit status and stderr.
void ExitWithRunMain(std::vector<std::string> args, const MainOptions& options,
                     absl::FunctionRef<absl::Status()> run) {
  args.insert(args.begin(), "main_skeleton_test");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int status =
      RunMain(static_cast<int>(args.size()), argv.data(), "tool",
              "Does things.\n  tool --main_skeleton_test_jobs=N", run, options);
  std::cout.flush();
  std::exit(status);
}

MainOptions Options() { return MainOptions(); }

TEST(RunMainTest, RunsWithTheParsedFlagsAndReturnsZero) {
  EXPECT_EXIT(
      ExitWithRunMain({"--main_skeleton_test_jobs=4"}, Options(),
                      [] {
                        if (absl::GetFlag(FLAGS_main_skeleton_test_jobs) != 4) {
                          return absl::InternalError("flag not set");
                        }
                        std::cerr << "ran\n";
                        return absl::OkStatus();
                      }),
      ExitedWithCode(0), "^ran\n$");
}

TEST(RunMainTest, AnErrorIsOneLineNamingTheBinaryAndExitStatusOne) {
  EXPECT_EXIT(ExitWithRunMain(
                  {}, Options(),
                  [] { return absl::NotFoundError("a.pbtxt: no such file"); }),
              ExitedWithCode(1), "^tool: a.pbtxt: no such file\n$");
}

TEST(RunMainTest, APositionalArgumentIsRefusedBeforeRunning) {
  auto run = [] {
    std::cerr << "ran\n";
    return absl::OkStatus();
  };
  EXPECT_EXIT(ExitWithRunMain({"extra"}, Options(), run), ExitedWithCode(1),
              "^tool: unexpected argument 'extra'\n$");
  MainOptions hinted = Options();
  hinted.positional_hint = " (flags are --a and --b)";
  EXPECT_EXIT(ExitWithRunMain({"x", "y"}, hinted, run), ExitedWithCode(1),
              "^tool: unexpected argument 'x' \\(flags are --a and --b\\)\n$");
}

TEST(RunMainTest, HelpPrintsUsageAndExitsZeroWithoutRunning) {
  EXPECT_EXIT(ExitWithRunMain({"--help"}, Options(),
                              [] {
                                std::cerr << "ran\n";
                                return absl::OkStatus();
                              }),
              ExitedWithCode(0), "^$");
}

// The hook sees argv before Abseil does (as ExtractSetFlags does for --set).
void DropSecondArgument(int* argc, char** argv) {
  for (int i = 2; i < *argc; ++i) argv[i - 1] = argv[i];
  --*argc;
}

TEST(RunMainTest, ExtractArgsRunsBeforeParsing) {
  MainOptions options = Options();
  options.extract_args = DropSecondArgument;
  EXPECT_EXIT(
      ExitWithRunMain({"not-a-flag"}, options, [] { return absl::OkStatus(); }),
      ExitedWithCode(0), "^$");
}

// Issue 24: an unknown flag printed Abseil's "ERROR: Unknown command line
// flag 'datset'", naming neither the binary nor the flag meant.
TEST(RunMainTest, AnUnknownFlagNamesTheBinaryAndTheNearestFlag) {
  auto run = [] {
    std::cerr << "ran\n";
    return absl::OkStatus();
  };
  EXPECT_EXIT(ExitWithRunMain({"--main_skeleton_test_jbos=4"}, Options(), run),
              ExitedWithCode(1),
              "^tool: unknown flag --main_skeleton_test_jbos \\(did you mean "
              "--main_skeleton_test_jobs\\?\\)\n$");
  EXPECT_EXIT(ExitWithRunMain({"-main_skeleton_test_job"}, Options(), run),
              ExitedWithCode(1),
              "^tool: unknown flag --main_skeleton_test_job \\(did you mean "
              "--main_skeleton_test_jobs\\?\\)\n$");
  EXPECT_EXIT(ExitWithRunMain({"--nothing_like_any_flag"}, Options(), run),
              ExitedWithCode(1),
              "^tool: unknown flag --nothing_like_any_flag \\(--help lists "
              "the flags\\)\n$");
  // A value given as the next argument is not a flag, even if it starts
  // with '-'; nor is anything after "--".
  EXPECT_EXIT(ExitWithRunMain({"--main_skeleton_test_jobs", "-4"}, Options(),
                              [] { return absl::OkStatus(); }),
              ExitedWithCode(0), "^$");
  EXPECT_EXIT(ExitWithRunMain({"--", "--datset"}, Options(), run),
              ExitedWithCode(1), "^tool: unexpected argument '--datset'\n$");
}

}  // namespace
}  // namespace aanet
