#include "data_gen/splits.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace aanet::data_gen {

absl::StatusOr<TimeSplit> MakeTimeSplit(const Dataset& dataset, int num_train,
                                        int num_test) {
  const int num_samples = dataset.num_samples();
  if (num_train < 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "training split: needs at least 2 samples, got %d", num_train));
  }
  if (num_test < 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "test split: needs at least 2 samples, got %d", num_test));
  }
  if (num_train + num_test > num_samples) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d training + %d test samples exceed the dataset's %d samples per "
        "trajectory",
        num_train, num_test, num_samples));
  }
  TimeSplit split;
  split.train = {0, num_train};
  split.test = {num_samples - num_test, num_test};
  return split;
}

Eigen::MatrixXd TrajectoryStates(const Dataset& dataset, int trajectory) {
  const int n = dataset.num_particles();
  Eigen::MatrixXd states(dataset.num_samples(), 2 * n);
  states.leftCols(n) = dataset.q[trajectory];
  states.rightCols(n) = dataset.p[trajectory];
  return states;
}

Eigen::MatrixXd RangeStates(const Dataset& dataset, SampleRange range) {
  const int n = dataset.num_particles();
  Eigen::MatrixXd states(dataset.num_trajectories() * range.count, 2 * n);
  for (int k = 0; k < dataset.num_trajectories(); ++k) {
    states.middleRows(k * range.count, range.count).leftCols(n) =
        dataset.q[k].middleRows(range.begin, range.count);
    states.middleRows(k * range.count, range.count).rightCols(n) =
        dataset.p[k].middleRows(range.begin, range.count);
  }
  return states;
}

StatePairs MakePairs(const Dataset& dataset, SampleRange range, int jump) {
  const int n = dataset.num_particles();
  const int per_trajectory = std::max(0, range.count - jump);
  StatePairs pairs;
  pairs.inputs.resize(dataset.num_trajectories() * per_trajectory, 2 * n);
  pairs.targets.resize(dataset.num_trajectories() * per_trajectory, 2 * n);
  if (per_trajectory == 0) return pairs;
  for (int k = 0; k < dataset.num_trajectories(); ++k) {
    const int row = k * per_trajectory;
    pairs.inputs.middleRows(row, per_trajectory).leftCols(n) =
        dataset.q[k].middleRows(range.begin, per_trajectory);
    pairs.inputs.middleRows(row, per_trajectory).rightCols(n) =
        dataset.p[k].middleRows(range.begin, per_trajectory);
    pairs.targets.middleRows(row, per_trajectory).leftCols(n) =
        dataset.q[k].middleRows(range.begin + jump, per_trajectory);
    pairs.targets.middleRows(row, per_trajectory).rightCols(n) =
        dataset.p[k].middleRows(range.begin + jump, per_trajectory);
  }
  return pairs;
}

}  // namespace aanet::data_gen
