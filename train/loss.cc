#include "train/loss.h"

#include "autodiff/ops.h"
#include "models/prediction_loss.h"

namespace aanet::train {

LossTerms ComputeLoss(const ForwardResult& forward, ad::Var targets,
                      double action_variance_weight) {
  LossTerms terms;
  terms.prediction = PredictionLoss(forward.prediction, targets);
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

}  // namespace aanet::train
