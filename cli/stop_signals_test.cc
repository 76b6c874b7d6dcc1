#include "cli/stop_signals.h"

#include <signal.h>

#include "gtest/gtest.h"

namespace aanet {
namespace {

TEST(StopSignalsTest, FinishStepRecordsTheFirstSignalAndExitsOnTheSecond) {
  EXPECT_EXIT(
      {
        StopSignals signals(StopSignals::kFinishStep, "t: again by {signal}");
        raise(SIGTERM);
        if (!StopSignals::Requested() || StopSignals::Signal() != SIGTERM) {
          _exit(3);
        }
        raise(SIGINT);
        _exit(4);  // not reached
      },
      ::testing::ExitedWithCode(128 + SIGINT), "^t: again by SIGINT\n$");
}

TEST(StopSignalsTest, ExitNowWaitsForACommitInProgress) {
  EXPECT_EXIT(
      {
        StopSignals signals(StopSignals::kExitNow, "t: {signal}; nothing");
        {
          CommitSection commit;
          raise(SIGTERM);
          // Still here: the commit completes first.
          StopSignals::SetExitMessage("t: {signal} after the commit");
        }
        _exit(4);  // not reached
      },
      ::testing::ExitedWithCode(128 + SIGTERM),
      "^t: SIGTERM after the commit\n$");
}

TEST(StopSignalsTest, ChangingToExitNowExitsForARecordedSignal) {
  EXPECT_EXIT(
      {
        StopSignals signals(StopSignals::kFinishStep, "t: {signal} recorded");
        raise(SIGTERM);
        if (!StopSignals::Requested()) _exit(3);
        StopSignals::SetMode(StopSignals::kExitNow);
        _exit(4);  // not reached
      },
      ::testing::ExitedWithCode(128 + SIGTERM), "^t: SIGTERM recorded\n$");
}

TEST(StopSignalsTest, HandlersAreRestored) {
  { StopSignals signals(StopSignals::kFinishStep, "x"); }
  struct sigaction current = {};
  sigaction(SIGINT, nullptr, &current);
  EXPECT_EQ(current.sa_handler, SIG_DFL);
}

}  // namespace
}  // namespace aanet
