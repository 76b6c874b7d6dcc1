#include "data_gen/splits.h"

#include <algorithm>
#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace aanet::data_gen {
namespace {

// n, from the arrays alone (a system's parameters need not name it).
int DegreesOfFreedom(const Dataset& dataset) {
  return dataset.q.empty() ? 0 : static_cast<int>(dataset.q[0].cols());
}

std::vector<int> AllTrajectories(const Dataset& dataset) {
  std::vector<int> all(dataset.num_trajectories());
  std::iota(all.begin(), all.end(), 0);
  return all;
}

}  // namespace

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

absl::StatusOr<TrajectorySplit> MakeTrajectorySplit(
    int num_trajectories, absl::Span<const int> held_out) {
  std::vector<bool> is_held_out(std::max(num_trajectories, 0), false);
  for (int k : held_out) {
    if (k < 0 || k >= num_trajectories) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "training.held_out_trajectories: %d is not a trajectory of the "
          "dataset (it has %d, numbered 0..%d)",
          k, num_trajectories, num_trajectories - 1));
    }
    if (is_held_out[k]) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "training.held_out_trajectories: %d is listed more than once", k));
    }
    is_held_out[k] = true;
  }
  TrajectorySplit split;
  for (int k = 0; k < num_trajectories; ++k) {
    (is_held_out[k] ? split.held_out : split.train).push_back(k);
  }
  if (split.train.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "training.held_out_trajectories: holds out all %d of the dataset's "
        "trajectories; at least one must be left for training",
        num_trajectories));
  }
  return split;
}

Eigen::MatrixXd TrajectoryStates(const Dataset& dataset, int trajectory) {
  const int n = DegreesOfFreedom(dataset);
  Eigen::MatrixXd states(dataset.num_samples(), 2 * n);
  states.leftCols(n) = dataset.q[trajectory];
  states.rightCols(n) = dataset.p[trajectory];
  return states;
}

Eigen::MatrixXd RangeStates(const Dataset& dataset, SampleRange range) {
  return RangeStates(dataset, range, AllTrajectories(dataset));
}

Eigen::MatrixXd RangeStates(const Dataset& dataset, SampleRange range,
                            absl::Span<const int> trajectories) {
  const int n = DegreesOfFreedom(dataset);
  Eigen::MatrixXd states(trajectories.size() * range.count, 2 * n);
  for (size_t i = 0; i < trajectories.size(); ++i) {
    const int k = trajectories[i];
    states.middleRows(i * range.count, range.count).leftCols(n) =
        dataset.q[k].middleRows(range.begin, range.count);
    states.middleRows(i * range.count, range.count).rightCols(n) =
        dataset.p[k].middleRows(range.begin, range.count);
  }
  return states;
}

StatePairs MakePairs(const Dataset& dataset, SampleRange range, int jump) {
  return MakePairs(dataset, range, jump, AllTrajectories(dataset));
}

StatePairs MakePairs(const Dataset& dataset, SampleRange range, int jump,
                     absl::Span<const int> trajectories) {
  const int n = DegreesOfFreedom(dataset);
  const int per_trajectory = std::max(0, range.count - jump);
  const Eigen::Index rows =
      static_cast<Eigen::Index>(trajectories.size()) * per_trajectory;
  StatePairs pairs;
  pairs.inputs.resize(rows, 2 * n);
  pairs.targets.resize(rows, 2 * n);
  pairs.trajectories.reserve(rows);
  if (per_trajectory == 0) return pairs;
  for (size_t i = 0; i < trajectories.size(); ++i) {
    const int k = trajectories[i];
    const Eigen::Index row = static_cast<Eigen::Index>(i) * per_trajectory;
    pairs.inputs.middleRows(row, per_trajectory).leftCols(n) =
        dataset.q[k].middleRows(range.begin, per_trajectory);
    pairs.inputs.middleRows(row, per_trajectory).rightCols(n) =
        dataset.p[k].middleRows(range.begin, per_trajectory);
    pairs.targets.middleRows(row, per_trajectory).leftCols(n) =
        dataset.q[k].middleRows(range.begin + jump, per_trajectory);
    pairs.targets.middleRows(row, per_trajectory).rightCols(n) =
        dataset.p[k].middleRows(range.begin + jump, per_trajectory);
    pairs.trajectories.insert(pairs.trajectories.end(), per_trajectory, k);
  }
  return pairs;
}

}  // namespace aanet::data_gen
