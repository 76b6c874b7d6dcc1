#include "models/prediction_loss.h"

#include "autodiff/ops.h"

namespace aanet {

ad::Var PredictionLoss(ad::Var predictions, ad::Var targets) {
  return ad::Mean(ad::Square(ad::Sub(predictions, targets)));
}

double PredictionLoss(const Eigen::MatrixXd& predictions,
                      const Eigen::MatrixXd& targets) {
  return (predictions - targets).squaredNorm() /
         static_cast<double>(predictions.size());
}

ad::Var MultiStepPredictionLoss(absl::Span<const ad::Var> predictions,
                                absl::Span<const ad::Var> targets) {
  ad::Var sum = PredictionLoss(predictions[0], targets[0]);
  for (size_t j = 1; j < predictions.size(); ++j) {
    sum = ad::Add(sum, PredictionLoss(predictions[j], targets[j]));
  }
  return ad::Scale(sum, 1.0 / static_cast<double>(predictions.size()));
}

double MultiStepPredictionLoss(absl::Span<const Eigen::MatrixXd> predictions,
                               absl::Span<const Eigen::MatrixXd> targets) {
  double sum = PredictionLoss(predictions[0], targets[0]);
  for (size_t j = 1; j < predictions.size(); ++j) {
    sum += PredictionLoss(predictions[j], targets[j]);
  }
  return sum * (1.0 / static_cast<double>(predictions.size()));
}

double ScaledPredictionLoss(const StandardScaler& scaler,
                            const Eigen::MatrixXd& predictions,
                            const Eigen::MatrixXd& targets) {
  return PredictionLoss(scaler.Transform(predictions),
                        scaler.Transform(targets));
}

}  // namespace aanet
