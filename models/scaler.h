// Per-coordinate standardisation of states, fitted on training samples.
//
// Models see standardised states z = (x - mean) / scale; predictions are
// mapped back with x = z * scale + mean. As scikit-learn's StandardScaler
// (which the published code used): population standard deviation, and a
// coordinate whose deviation is zero gets scale 1.
#ifndef AANET_MODELS_SCALER_H_
#define AANET_MODELS_SCALER_H_

#include <Eigen/Dense>

#include "absl/status/statusor.h"

namespace aanet {

class StandardScaler {
 public:
  StandardScaler() = default;
  StandardScaler(Eigen::RowVectorXd mean, Eigen::RowVectorXd scale);

  // Fits on `samples` [N, d], N >= 1.
  static absl::StatusOr<StandardScaler> Fit(const Eigen::MatrixXd& samples);

  // Both map [B, d] to [B, d].
  Eigen::MatrixXd Transform(const Eigen::MatrixXd& states) const;
  Eigen::MatrixXd InverseTransform(const Eigen::MatrixXd& standardized) const;

  const Eigen::RowVectorXd& mean() const { return mean_; }
  const Eigen::RowVectorXd& scale() const { return scale_; }
  int dim() const { return static_cast<int>(mean_.size()); }

 private:
  Eigen::RowVectorXd mean_;
  Eigen::RowVectorXd scale_;
};

}  // namespace aanet

#endif  // AANET_MODELS_SCALER_H_
