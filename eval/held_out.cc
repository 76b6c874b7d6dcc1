#include "eval/held_out.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_format.h"

namespace aanet::eval {

absl::StatusOr<TrajectorySplit> SplitTrajectories(
    const google::protobuf::RepeatedField<int32_t>& held_out,
    int num_trajectories) {
  TrajectorySplit split;
  std::set<int> seen;
  for (int i = 0; i < held_out.size(); ++i) {
    const int k = held_out.Get(i);
    if (k < 0 || k >= num_trajectories) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "training.held_out_trajectories[%d]: %d is not a trajectory of the "
          "dataset (0..%d)",
          i, k, num_trajectories - 1));
    }
    if (!seen.insert(k).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "training.held_out_trajectories[%d]: %d is listed twice", i, k));
    }
    split.held_out.push_back(k);
  }
  for (int k = 0; k < num_trajectories; ++k) {
    if (seen.count(k) == 0) split.trained.push_back(k);
  }
  if (split.trained.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "training.held_out_trajectories: holds out all %d trajectories; at "
        "least one must be left for training",
        num_trajectories));
  }
  return split;
}

data_gen::Dataset SelectTrajectories(const data_gen::Dataset& dataset,
                                     const std::vector<int>& trajectories) {
  data_gen::Dataset selected = dataset;
  selected.q.clear();
  selected.p.clear();
  selected.energy.resize(static_cast<Eigen::Index>(trajectories.size()),
                         dataset.energy.cols());
  for (size_t i = 0; i < trajectories.size(); ++i) {
    const int k = trajectories[i];
    selected.q.push_back(dataset.q[k]);
    selected.p.push_back(dataset.p[k]);
    selected.energy.row(static_cast<Eigen::Index>(i)) = dataset.energy.row(k);
  }
  // The true actions and frequencies are per trajectory; the parameter group
  // stays the whole dataset's (the system's energy and dynamics read only
  // its physical constants).
  auto rows_of = [&](const Eigen::MatrixXd& m) {
    if (m.size() == 0) return m;
    Eigen::MatrixXd out(static_cast<Eigen::Index>(trajectories.size()),
                        m.cols());
    for (size_t i = 0; i < trajectories.size(); ++i) {
      out.row(static_cast<Eigen::Index>(i)) = m.row(trajectories[i]);
    }
    return out;
  };
  selected.true_actions = rows_of(dataset.true_actions);
  selected.true_frequencies = rows_of(dataset.true_frequencies);
  return selected;
}

}  // namespace aanet::eval
