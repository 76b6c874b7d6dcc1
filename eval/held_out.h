// Trajectories held out of training (TrainingConfig.held_out_trajectories),
// as evaluation sees them: the list checked against the dataset, and a
// dataset cut down to some of its trajectories, so that the usual
// evaluation runs on the trained ones and, apart, on the held-out ones.
#ifndef AANET_EVAL_HELD_OUT_H_
#define AANET_EVAL_HELD_OUT_H_

#include <vector>

#include "absl/status/statusor.h"
#include "data_gen/dataset.h"
#include "google/protobuf/repeated_field.h"

namespace aanet::eval {

struct TrajectorySplit {
  std::vector<int> trained;   // ascending
  std::vector<int> held_out;  // as listed
};

// The trained and held-out trajectories of a dataset of `num_trajectories`
// given the config's list. Errors name the entry, e.g.
// "training.held_out_trajectories[1]: 7 is not a trajectory of the dataset
// (0..3)", "... [2]: 1 is listed twice", "training.held_out_trajectories:
// holds out all 4 trajectories; at least one must be left for training".
absl::StatusOr<TrajectorySplit> SplitTrajectories(
    const google::protobuf::RepeatedField<int32_t>& held_out,
    int num_trajectories);

// `dataset` with only the given trajectories (q, p, energy, true actions and
// frequencies rows), in that order; t, the system, the parameter group and
// the config text as they are. An in-memory view for evaluation, not a
// dataset to write: a system's per-trajectory parameters (e.g. the initial
// states) still list every trajectory. Indices must be valid
// (SplitTrajectories).
data_gen::Dataset SelectTrajectories(const data_gen::Dataset& dataset,
                                     const std::vector<int>& trajectories);

}  // namespace aanet::eval

#endif  // AANET_EVAL_HELD_OUT_H_
