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
  counts.eta.parallel = 2;
  counts.eta.running = {{"neural_ode", 60, 0, 0}, {"neural_ode", 60, 0, 0}};
  counts.eta.pending = {"neural_ode", "neural_ode"};
  return counts;
}

TEST(ProgressTextTest, NoEtaBeforeAnythingIsKnown) {
  EXPECT_EQ(ProgressText("s", TwoOfSixDone(), 65),
            "sweep s: 2/6 done, 2 running, 2 pending, 0 failed, elapsed 1:05, "
            "ETA ?");
}

TEST(ProgressTextTest, EtaFromTheCompletedPointsOfTheModel) {
  SweepCounts counts = TwoOfSixDone();
  counts.finished_this_run = 2;
  counts.eta.completed_seconds = {{"neural_ode", {100, 100}}};
  // 40 s left on each running point, then one pending point each: 2:20.
  EXPECT_NE(ProgressText("s", counts, 130).find("ETA 2:20"), std::string::npos)
      << ProgressText("s", counts, 130);
}

TEST(ProgressTextTest, EtaMovesWithTheRunningPoints) {
  SweepCounts counts = TwoOfSixDone();
  counts.eta.running = {{"neural_ode", 60, 0, 0.5}, {"neural_ode", 60, 0, 0.5}};
  // 120 s a point: 60 s left, then 120 s: 3:00.
  EXPECT_NE(ProgressText("s", counts, 65).find("ETA 3:00"), std::string::npos)
      << ProgressText("s", counts, 65);
}

}  // namespace
}  // namespace aanet::sweep
