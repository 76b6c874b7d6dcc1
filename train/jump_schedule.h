// The time-jump curriculum: which jump (dt in units of the dataset's time
// step) a training step uses.
#ifndef AANET_TRAIN_JUMP_SCHEDULE_H_
#define AANET_TRAIN_JUMP_SCHEDULE_H_

#include "proto/experiment.pb.h"
#include "rng/random.h"

namespace aanet::train {

// Largest jump allowed at `step` (0-based) of a ramp of `ramp_steps` steps
// (training.jump_ramp_steps, by default num_steps). LINEAR:
// min(max_jump, round(1 + (step / ramp_steps) * (max_jump - 1))) with
// numpy's round-half-to-even, as the published code (which ramps over all
// num_steps); CONSTANT and FIXED: max_jump.
int MaxJumpAt(JumpSchedule schedule, int step, int ramp_steps, int max_jump);

// How many steps pass before the first step that may draw max_jump: the
// 0-based index of the first step whose MaxJumpAt is max_jump (0 for
// CONSTANT). Test losses logged after this many steps are all under the
// same, full curriculum, so convergence is judged only on those
// (reports/convergence.h). Max 10 over 2,000 steps: 1,889.
int RampEndStep(JumpSchedule schedule, int ramp_steps, int max_jump);

// A jump drawn uniformly from 1..MaxJumpAt(...); FIXED: max_jump, drawing
// nothing.
int SampleJump(JumpSchedule schedule, int step, int ramp_steps, int max_jump,
               Random& random);

}  // namespace aanet::train

#endif  // AANET_TRAIN_JUMP_SCHEDULE_H_
