#include "train/loss.h"

#include "autodiff/ops.h"

namespace aanet::train {

LossTerms ComputeLoss(const ForwardResult& forward, ad::Var targets,
                      double action_variance_weight) {
  LossTerms terms;
  terms.prediction = ad::Mean(ad::Square(ad::Sub(forward.prediction, targets)));
  terms.total = terms.prediction;
  if (forward.actions.has_value()) {
    terms.action_variance = ad::Sum(ad::BatchVariance(*forward.actions));
    if (action_variance_weight != 0.0) {
      terms.total = ad::Add(terms.total, ad::Scale(terms.action_variance,
                                                   action_variance_weight));
    }
  }
  return terms;
}

double PredictionLoss(const Eigen::MatrixXd& predictions,
                      const Eigen::MatrixXd& targets) {
  return (predictions - targets).squaredNorm() /
         static_cast<double>(predictions.size());
}

}  // namespace aanet::train
