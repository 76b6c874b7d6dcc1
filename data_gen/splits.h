// Time splits of a dataset and the (state, state after a jump) pairs that
// models are trained and tested on.
//
// As in the published study, a trajectory is split on time: the training
// split is its first samples, the test split its last samples. A state is the
// row [q, p] (width 2n). Pairs are formed within one split of one trajectory
// and concatenated over trajectories. Everything here is in the dataset's
// original units; standardisation is the caller's.
#ifndef AANET_DATA_GEN_SPLITS_H_
#define AANET_DATA_GEN_SPLITS_H_

#include "Eigen/Core"
#include "absl/status/statusor.h"
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

// States [q, p] of trajectory k at every sample: [T, 2n].
Eigen::MatrixXd TrajectoryStates(const Dataset& dataset, int trajectory);

// States of `range` of every trajectory, stacked: [K * count, 2n].
Eigen::MatrixXd RangeStates(const Dataset& dataset, SampleRange range);

struct StatePairs {
  Eigen::MatrixXd inputs;   // [P, 2n], the state at sample t
  Eigen::MatrixXd targets;  // [P, 2n], the state at sample t + jump
};

// Every pair (t, t + jump) with both samples inside `range`, over all
// trajectories: P = K * max(0, count - jump). jump >= 1.
StatePairs MakePairs(const Dataset& dataset, SampleRange range, int jump);

}  // namespace aanet::data_gen

#endif  // AANET_DATA_GEN_SPLITS_H_
