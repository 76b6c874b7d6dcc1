#include "eval/frequencies.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace aanet::eval {

std::vector<FrequencyMatch> MatchFrequencies(
    const Eigen::MatrixXd& angular_velocities,
    const Eigen::VectorXd& true_frequencies) {
  const int n = static_cast<int>(angular_velocities.cols());
  const Eigen::ArrayXXd magnitude = angular_velocities.array().abs();
  const Eigen::ArrayXd mean = magnitude.colwise().mean().transpose();
  const Eigen::ArrayXd spread =
      ((magnitude.rowwise() - mean.transpose()).square().colwise().mean())
          .sqrt()
          .transpose();

  std::vector<int> learned_order(n), true_order(true_frequencies.size());
  std::iota(learned_order.begin(), learned_order.end(), 0);
  std::iota(true_order.begin(), true_order.end(), 0);
  std::sort(learned_order.begin(), learned_order.end(),
            [&](int a, int b) { return mean[a] < mean[b]; });
  std::sort(true_order.begin(), true_order.end(), [&](int a, int b) {
    return true_frequencies[a] < true_frequencies[b];
  });

  std::vector<FrequencyMatch> matches;
  const int count = std::min<int>(n, true_frequencies.size());
  for (int k = 0; k < count; ++k) {
    FrequencyMatch match;
    match.latent_index = learned_order[k];
    match.learned = mean[learned_order[k]];
    match.learned_std = spread[learned_order[k]];
    match.truth = true_frequencies[true_order[k]];
    match.relative_error = std::abs(match.learned - match.truth) / match.truth;
    matches.push_back(match);
  }
  return matches;
}

Eigen::VectorXd MeanTrueFrequencies(const Eigen::MatrixXd& true_frequencies) {
  const Eigen::Index rows = true_frequencies.rows();
  Eigen::MatrixXd sorted = true_frequencies;
  bool all_equal = true;
  for (Eigen::Index r = 0; r < rows; ++r) {
    std::sort(sorted.row(r).begin(), sorted.row(r).end());
    all_equal = all_equal && sorted.row(r) == sorted.row(0);
  }
  if (rows == 0) return Eigen::VectorXd();
  if (all_equal) return sorted.row(0).transpose();
  return sorted.colwise().mean().transpose();
}

std::vector<FrequencyMatch> MatchFrequencies(
    const Eigen::MatrixXd& angular_velocities,
    const Eigen::MatrixXd& true_frequencies) {
  return MatchFrequencies(angular_velocities,
                          MeanTrueFrequencies(true_frequencies));
}

}  // namespace aanet::eval
