#include "eval/held_out.h"

#include <vector>

namespace aanet::eval {

data_gen::Dataset SelectTrajectories(const data_gen::Dataset& dataset,
                                     const std::vector<int>& trajectories) {
  data_gen::Dataset selected = dataset;
  selected.q.clear();
  selected.p.clear();
  for (size_t i = 0; i < trajectories.size(); ++i) {
    const int k = trajectories[i];
    selected.q.push_back(dataset.q[k]);
    selected.p.push_back(dataset.p[k]);
  }
  // The energy, true actions and frequencies are per trajectory (each empty
  // where unknown: imported trajectories); the parameter group stays the
  // whole dataset's (the system's energy and dynamics read only its
  // physical constants).
  auto rows_of = [&](const Eigen::MatrixXd& m) {
    if (m.size() == 0) return m;
    Eigen::MatrixXd out(static_cast<Eigen::Index>(trajectories.size()),
                        m.cols());
    for (size_t i = 0; i < trajectories.size(); ++i) {
      out.row(static_cast<Eigen::Index>(i)) = m.row(trajectories[i]);
    }
    return out;
  };
  selected.energy = rows_of(dataset.energy);
  selected.true_actions = rows_of(dataset.true_actions);
  selected.true_frequencies = rows_of(dataset.true_frequencies);
  return selected;
}

}  // namespace aanet::eval
