// Recovered frequencies: the Action-Angle Network's angular velocities on a
// set of states against a dataset's true frequencies (the harmonic system's
// normal modes: the paper's Figure 4).
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

// Per state: true_frequencies [B, n] holds row r's own true frequencies (a
// system whose frequency depends on its action gives every trajectory its
// own). Each row is sorted; the k-th slowest learned pair meets the k-th
// slowest true frequency averaged over the states (MeanTrueFrequencies),
// so that learned mean and truth are over the same states. Where every row
// is the same (the harmonic system's normal modes) this is the [n] form.
std::vector<FrequencyMatch> MatchFrequencies(
    const Eigen::MatrixXd& angular_velocities,
    const Eigen::MatrixXd& true_frequencies);

// The mean over rows of each row's sorted true frequencies, [n]; exactly the
// row when all rows are equal (a sum of equal values would round).
Eigen::VectorXd MeanTrueFrequencies(const Eigen::MatrixXd& true_frequencies);

}  // namespace aanet::eval

#endif  // AANET_EVAL_FREQUENCIES_H_
