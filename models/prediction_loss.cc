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

double ScaledPredictionLoss(const StandardScaler& scaler,
                            const Eigen::MatrixXd& predictions,
                            const Eigen::MatrixXd& targets) {
  return PredictionLoss(scaler.Transform(predictions),
                        scaler.Transform(targets));
}

}  // namespace aanet
