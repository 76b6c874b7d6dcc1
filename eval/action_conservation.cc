#include "eval/action_conservation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace aanet::eval {

Eigen::VectorXd RelativeVariation(const Eigen::MatrixXd& actions) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Eigen::VectorXd result(actions.cols());
  for (Eigen::Index c = 0; c < actions.cols(); ++c) {
    const Eigen::VectorXd column = actions.col(c);
    if (column.size() == 0 || !column.allFinite()) {
      result[c] = nan;
      continue;
    }
    const double mean = column.mean();
    const double std = std::sqrt((column.array() - mean).square().mean());
    if (mean == 0) {
      result[c] = std == 0 ? 0.0 : std::numeric_limits<double>::infinity();
    } else {
      result[c] = std / std::abs(mean);
    }
  }
  return result;
}

Eigen::MatrixXd LatentActions(const Eigen::MatrixXd& latent_radii) {
  return latent_radii.array().square() / 2;
}

VariationSummary SummarizeVariation(
    const std::vector<Eigen::VectorXd>& variations, int num_pairs) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  VariationSummary summary;
  summary.num_trajectories = static_cast<int>(variations.size());
  summary.median = Eigen::VectorXd::Constant(num_pairs, nan);
  summary.max = Eigen::VectorXd::Constant(num_pairs, nan);
  std::vector<const Eigen::VectorXd*> kept;
  for (const Eigen::VectorXd& v : variations) {
    // An infinite variation (a mean of 0) is a value, not a failure.
    bool finite = v.size() == num_pairs;
    for (Eigen::Index i = 0; finite && i < v.size(); ++i) {
      finite = !std::isnan(v[i]);
    }
    if (finite) {
      kept.push_back(&v);
    } else {
      ++summary.num_non_finite;
    }
  }
  if (kept.empty()) return summary;
  for (int i = 0; i < num_pairs; ++i) {
    std::vector<double> values;
    for (const Eigen::VectorXd* v : kept) values.push_back((*v)[i]);
    std::sort(values.begin(), values.end());
    const size_t m = values.size();
    summary.median[i] =
        m % 2 == 1 ? values[m / 2] : (values[m / 2 - 1] + values[m / 2]) / 2;
    summary.max[i] = values.back();
  }
  return summary;
}

}  // namespace aanet::eval
