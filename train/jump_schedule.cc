#include "train/jump_schedule.h"

#include <algorithm>
#include <cmath>

namespace aanet::train {

int MaxJumpAt(JumpSchedule schedule, int step, int ramp_steps, int max_jump) {
  if (schedule == CONSTANT || schedule == FIXED || ramp_steps <= 0) {
    return max_jump;
  }
  const double fraction = static_cast<double>(step) / ramp_steps;
  // std::nearbyint rounds half to even in the default rounding mode.
  const int bound =
      static_cast<int>(std::nearbyint(1.0 + fraction * (max_jump - 1)));
  return std::clamp(bound, 1, max_jump);
}

int RampEndStep(JumpSchedule schedule, int ramp_steps, int max_jump) {
  if (MaxJumpAt(schedule, 0, ramp_steps, max_jump) >= max_jump) return 0;
  // MaxJumpAt is non-decreasing in the step and max_jump at ramp_steps.
  int low = 0, high = ramp_steps;  // MaxJumpAt(low) < max, (high) == max
  while (high - low > 1) {
    const int middle = low + (high - low) / 2;
    if (MaxJumpAt(schedule, middle, ramp_steps, max_jump) >= max_jump) {
      high = middle;
    } else {
      low = middle;
    }
  }
  return high;
}

int SampleJump(JumpSchedule schedule, int step, int ramp_steps, int max_jump,
               Random& random) {
  if (schedule == FIXED) return max_jump;
  const int bound = MaxJumpAt(schedule, step, ramp_steps, max_jump);
  return 1 + static_cast<int>(random.UniformInt(bound));
}

}  // namespace aanet::train
