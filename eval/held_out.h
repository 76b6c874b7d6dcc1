// Trajectories held out of training (TrainingConfig.held_out_trajectories),
// as evaluation sees them: a dataset cut down to some of its trajectories, so
// that the usual evaluation runs on the trained ones and, apart, on the
// held-out ones. The list is checked and split by data_gen's
// MakeTrajectorySplit (data_gen/splits.h), as the trainer does.
#ifndef AANET_EVAL_HELD_OUT_H_
#define AANET_EVAL_HELD_OUT_H_

#include <vector>

#include "data_gen/dataset.h"

namespace aanet::eval {

// `dataset` with only the given trajectories (q, p, energy, true actions and
// frequencies rows), in that order; t, the system, the parameter group and
// the config text as they are. An in-memory view for evaluation, not a
// dataset to write: a system's per-trajectory parameters (e.g. the initial
// states) still list every trajectory. Indices must be valid
// (data_gen::MakeTrajectorySplit).
data_gen::Dataset SelectTrajectories(const data_gen::Dataset& dataset,
                                     const std::vector<int>& trajectories);

}  // namespace aanet::eval

#endif  // AANET_EVAL_HELD_OUT_H_
