#include "train/loss.h"

#include "autodiff/ops.h"
#include "models/prediction_loss.h"

namespace aanet::train {

LossTerms ComputeLoss(const ForwardResult& forward, ad::Var targets,
                      absl::Span<const int> trajectories,
                      double action_variance_weight) {
  LossTerms terms;
  terms.prediction = PredictionLoss(forward.prediction, targets);
  terms.total = terms.prediction;
  if (forward.actions.has_value()) {
    // The mean over trajectories of the per-dimension variances, summed:
    // the same as the mean over trajectories of their sums.
    terms.action_variance =
        ad::Sum(trajectories.empty()
                    ? ad::BatchVariance(*forward.actions)
                    : ad::GroupedVariance(*forward.actions, trajectories));
    if (action_variance_weight != 0.0) {
      terms.total = ad::Add(terms.total, ad::Scale(terms.action_variance,
                                                   action_variance_weight));
    }
  }
  return terms;
}

}  // namespace aanet::train
