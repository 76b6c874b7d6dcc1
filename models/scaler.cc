#include "models/scaler.h"

#include <utility>

#include "absl/status/status.h"

namespace aanet {

StandardScaler::StandardScaler(Eigen::RowVectorXd mean,
                               Eigen::RowVectorXd scale)
    : mean_(std::move(mean)), scale_(std::move(scale)) {}

absl::StatusOr<StandardScaler> StandardScaler::Fit(
    const Eigen::MatrixXd& samples) {
  if (samples.rows() < 1 || samples.cols() < 1) {
    return absl::InvalidArgumentError(
        "StandardScaler::Fit: needs at least one sample and one coordinate");
  }
  if (!samples.allFinite()) {
    return absl::InvalidArgumentError(
        "StandardScaler::Fit: samples contain NaN or infinity");
  }
  Eigen::RowVectorXd mean = samples.colwise().mean();
  Eigen::RowVectorXd scale =
      ((samples.rowwise() - mean).array().square().colwise().mean())
          .sqrt()
          .matrix();
  for (int j = 0; j < scale.size(); ++j) {
    if (scale[j] == 0.0) scale[j] = 1.0;
  }
  return StandardScaler(std::move(mean), std::move(scale));
}

Eigen::MatrixXd StandardScaler::Transform(const Eigen::MatrixXd& states) const {
  return (states.rowwise() - mean_).array().rowwise() / scale_.array();
}

Eigen::MatrixXd StandardScaler::InverseTransform(
    const Eigen::MatrixXd& standardized) const {
  return (standardized.array().rowwise() * scale_.array()).matrix().rowwise() +
         mean_;
}

}  // namespace aanet
