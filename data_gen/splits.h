// Time splits of a dataset and the (state, state after a jump) pairs that
// models are trained and tested on.
//
// As in the published study, a trajectory is split on time: the training
// split is its first samples, the test split its last samples. A state is the
// row [q, p] (width 2n). Pairs are formed within one split of one trajectory
// and concatenated over trajectories. Everything here is in the dataset's
// original units; standardisation is the caller's.
//
// A dataset of many trajectories is also split by trajectory
// (TrainingConfig.held_out_trajectories): held-out trajectories give no
// training pair and no scaler statistic; their test window (the same last
// samples) is evaluated apart, so that a model is judged at actions it never
// saw. Training uses the time split of the training trajectories only.
#ifndef AANET_DATA_GEN_SPLITS_H_
#define AANET_DATA_GEN_SPLITS_H_

#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "data_gen/dataset.h"

namespace aanet::data_gen {

// A contiguous range of sample indices [begin, begin + count) of every
// trajectory.
struct SampleRange {
  int begin = 0;
  int count = 0;
};

struct TimeSplit {
  SampleRange train;  // the first samples
  SampleRange test;   // the last samples
};

// The first `num_train` and last `num_test` samples of each trajectory. Both
// must be >= 2 and must not overlap (num_train + num_test <= T); errors name
// the numbers.
absl::StatusOr<TimeSplit> MakeTimeSplit(const Dataset& dataset, int num_train,
                                        int num_test);

// The trajectories trained on and those held out; both ascending, together
// exactly 0..K-1.
struct TrajectorySplit {
  std::vector<int> train;
  std::vector<int> held_out;
};

// Holds out the trajectories `held_out` (TrainingConfig.held_out_trajectories,
// in any order) of a dataset of `num_trajectories` K. Each must be in
// 0..K-1, none repeated, and at least one trajectory must be left for
// training; errors are InvalidArgument naming the field and the value, e.g.
// "training.held_out_trajectories: 16 is not a trajectory of the dataset
// (it has 16, numbered 0..15)". Empty `held_out`: train = 0..K-1.
absl::StatusOr<TrajectorySplit> MakeTrajectorySplit(
    int num_trajectories, absl::Span<const int> held_out);

// States [q, p] of trajectory k at every sample: [T, 2n].
Eigen::MatrixXd TrajectoryStates(const Dataset& dataset, int trajectory);

// States of `range` of every trajectory, stacked: [K * count, 2n].
Eigen::MatrixXd RangeStates(const Dataset& dataset, SampleRange range);
// The same over `trajectories` only (dataset indices, stacked in the order
// given): [trajectories.size() * count, 2n].
Eigen::MatrixXd RangeStates(const Dataset& dataset, SampleRange range,
                            absl::Span<const int> trajectories);

struct StatePairs {
  Eigen::MatrixXd inputs;   // [P, 2n], the state at sample t
  Eigen::MatrixXd targets;  // [P, 2n], the state at sample t + jump
  // [P], the dataset index of each pair's trajectory: the training loss's
  // action variance is taken within each trajectory (train/loss.h).
  std::vector<int> trajectories;
};

// Every pair (t, t + jump) with both samples inside `range`, over all
// trajectories: P = K * max(0, count - jump), trajectory by trajectory, each
// in time order. jump >= 1.
StatePairs MakePairs(const Dataset& dataset, SampleRange range, int jump);
// The same over `trajectories` only (dataset indices, in the order given):
// P = trajectories.size() * max(0, count - jump). E.g. the held-out
// trajectories' test pairs at jump j:
//   MakePairs(dataset, time_split.test, j, trajectory_split.held_out).
StatePairs MakePairs(const Dataset& dataset, SampleRange range, int jump,
                     absl::Span<const int> trajectories);

}  // namespace aanet::data_gen

#endif  // AANET_DATA_GEN_SPLITS_H_
