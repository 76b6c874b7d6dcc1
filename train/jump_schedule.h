// The time-jump curriculum: which jump (dt in units of the dataset's time
// step) a training step uses.
#ifndef AANET_TRAIN_JUMP_SCHEDULE_H_
#define AANET_TRAIN_JUMP_SCHEDULE_H_

#include "proto/experiment.pb.h"
#include "rng/random.h"

namespace aanet::train {

// Largest jump allowed at `step` (0-based) of `num_steps`. LINEAR:
// round(1 + (step / num_steps) * (max_jump - 1)) with numpy's round-half-to-
// even, as the published code; CONSTANT: max_jump.
int MaxJumpAt(JumpSchedule schedule, int step, int num_steps, int max_jump);

// A jump drawn uniformly from 1..MaxJumpAt(...).
int SampleJump(JumpSchedule schedule, int step, int num_steps, int max_jump,
               Random& random);

}  // namespace aanet::train

#endif  // AANET_TRAIN_JUMP_SCHEDULE_H_
