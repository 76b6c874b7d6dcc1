#include "sweep/prepare.h"

#include <string>

#include "gtest/gtest.h"

namespace aanet::sweep {
namespace {

SweepCounts TwoOfSixDone() {
  SweepCounts counts;
  counts.total = 6;
  counts.done = 2;
  counts.running = 2;
  counts.pending = 2;
  counts.parallel = 2;
  return counts;
}

TEST(ProgressTextTest, NoEtaBeforeAPointCompletes) {
  EXPECT_EQ(ProgressText("s", TwoOfSixDone(), 65),
            "sweep s: 2/6 done, 2 running, 2 pending, 0 failed, elapsed 1:05, "
            "ETA ?");
}

TEST(ProgressTextTest, EtaIsMeanCompletedTimeTimesRoundsLeft) {
  SweepCounts counts = TwoOfSixDone();
  counts.finished_this_run = 2;
  counts.completed_this_run = 2;
  counts.completed_seconds = 2 * 60;
  // 4 points left, 2 at a time, 60 s each: 2 minutes.
  EXPECT_NE(ProgressText("s", counts, 130).find("ETA 2:00"), std::string::npos)
      << ProgressText("s", counts, 130);
}

TEST(ProgressTextTest, FailedPointsDoNotSetTheEta) {
  // A task killed after an hour (or a config error after a second) says
  // nothing about how long a point with results takes.
  SweepCounts counts = TwoOfSixDone();
  counts.failed = 1;
  counts.finished_this_run = 1;
  EXPECT_NE(ProgressText("s", counts, 3600).find("ETA ?"), std::string::npos);
  counts.finished_this_run = 2;
  counts.completed_this_run = 1;
  counts.completed_seconds = 30;
  EXPECT_NE(ProgressText("s", counts, 3600).find("ETA 1:00"), std::string::npos)
      << ProgressText("s", counts, 3600);
}

}  // namespace
}  // namespace aanet::sweep
