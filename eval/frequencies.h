// Recovered frequencies: the Action-Angle Network's angular velocities on a
// set of states against a dataset's true normal-mode frequencies (the
// paper's Figure 4).
#ifndef AANET_EVAL_FREQUENCIES_H_
#define AANET_EVAL_FREQUENCIES_H_

#include <vector>

#include "Eigen/Core"

namespace aanet::eval {

struct FrequencyMatch {
  int latent_index = 0;       // which action-angle pair
  double learned = 0;         // mean |angular velocity| over the states
  double learned_std = 0;     // its standard deviation over the states
  double truth = 0;           // the matched true frequency
  double relative_error = 0;  // |learned - truth| / truth
};

// angular_velocities [B, n] (radians per time unit) and true frequencies [n].
// A pair's frequency is the mean of |omega| (the sign only says which way the
// latent point turns). Pairs are matched to true frequencies in sorted
// order, so the slowest learned pair meets the slowest mode. Result is in
// ascending order of the true frequency.
std::vector<FrequencyMatch> MatchFrequencies(
    const Eigen::MatrixXd& angular_velocities,
    const Eigen::VectorXd& true_frequencies);

}  // namespace aanet::eval

#endif  // AANET_EVAL_FREQUENCIES_H_
