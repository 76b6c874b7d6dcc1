#include "train/jump_schedule.h"

#include <vector>

#include "gtest/gtest.h"

namespace aanet::train {
namespace {

TEST(JumpScheduleTest, LinearGrowsFromOneToMax) {
  EXPECT_EQ(MaxJumpAt(LINEAR, 0, 1000, 10), 1);
  EXPECT_EQ(MaxJumpAt(LINEAR, 999, 1000, 10), 10);
  EXPECT_EQ(MaxJumpAt(LINEAR, 500, 1000, 10), 6);  // round(5.5) = 6 (even)
  // 1 + 0.25 * 9 = 3.25 -> 3; 1 + (1/18) * 9 = 1.5 -> 2 (half to even).
  EXPECT_EQ(MaxJumpAt(LINEAR, 250, 1000, 10), 3);
  EXPECT_EQ(MaxJumpAt(LINEAR, 100, 1800, 10), 2);
  // 1 + (1/6) * 9 = 2.5 -> 2 (half to even, as numpy).
  EXPECT_EQ(MaxJumpAt(LINEAR, 100, 600, 10), 2);
  int previous = 1;
  for (int step = 0; step < 1000; ++step) {
    const int bound = MaxJumpAt(LINEAR, step, 1000, 10);
    EXPECT_GE(bound, previous);
    previous = bound;
  }
}

TEST(JumpScheduleTest, LinearStaysAtMaxAfterTheRamp) {
  // An extended run: ramp over the first 1000 steps, max afterwards.
  EXPECT_EQ(MaxJumpAt(LINEAR, 999, 1000, 10), 10);
  EXPECT_EQ(MaxJumpAt(LINEAR, 1000, 1000, 10), 10);
  EXPECT_EQ(MaxJumpAt(LINEAR, 5000, 1000, 10), 10);
}

TEST(JumpScheduleTest, RampEndsAtTheFirstStepThatMayDrawMax) {
  // 1 + (s / 2000) * 9 >= 9.5 from s = 1889 on.
  EXPECT_EQ(RampEndStep(LINEAR, 2000, 10), 1889);
  EXPECT_EQ(MaxJumpAt(LINEAR, 1888, 2000, 10), 9);
  EXPECT_EQ(MaxJumpAt(LINEAR, 1889, 2000, 10), 10);
  EXPECT_EQ(RampEndStep(LINEAR, 50000, 10), 47223);
  EXPECT_EQ(MaxJumpAt(LINEAR, 47222, 50000, 10), 9);
  EXPECT_EQ(MaxJumpAt(LINEAR, 47223, 50000, 10), 10);
  EXPECT_EQ(RampEndStep(CONSTANT, 2000, 10), 0);
  EXPECT_EQ(RampEndStep(LINEAR, 2000, 1), 0);
}

TEST(JumpScheduleTest, ConstantIsMax) {
  EXPECT_EQ(MaxJumpAt(CONSTANT, 0, 1000, 7), 7);
  EXPECT_EQ(MaxJumpAt(CONSTANT, 999, 1000, 7), 7);
}

TEST(JumpScheduleTest, FixedIsAlwaysMaxAndDrawsNothing) {
  EXPECT_EQ(RampEndStep(FIXED, 5000, 5), 0);
  Random random(5), untouched(5);
  for (int step : {0, 1, 2500, 4999}) {
    EXPECT_EQ(SampleJump(FIXED, step, 5000, 5, random), 5);
  }
  EXPECT_EQ(random.UniformInt(1000), untouched.UniformInt(1000));
}

TEST(JumpScheduleTest, SamplesCoverOneToBoundUniformly) {
  Random random(5);
  std::vector<int> counts(11, 0);
  for (int i = 0; i < 50000; ++i) {
    ++counts[SampleJump(LINEAR, 999, 1000, 10, random)];
  }
  EXPECT_EQ(counts[0], 0);
  for (int j = 1; j <= 10; ++j) EXPECT_NEAR(counts[j], 5000, 300) << j;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(SampleJump(LINEAR, 0, 1000, 10, random), 1);
  }
}

}  // namespace
}  // namespace aanet::train
