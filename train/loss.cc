#include "train/loss.h"

#include <optional>

#include "autodiff/ops.h"
#include "models/prediction_loss.h"

namespace aanet::train {

namespace {

// Adds lambda * the action variance of `actions` (if any) to `terms`.
void AddActionVariance(const std::optional<ad::Var>& actions,
                       absl::Span<const int> trajectories,
                       double action_variance_weight, LossTerms& terms) {
  terms.total = terms.prediction;
  if (actions.has_value()) {
    // The mean over trajectories of the per-dimension variances, summed:
    // the same as the mean over trajectories of their sums.
    terms.action_variance = ad::Sum(
        trajectories.empty() ? ad::BatchVariance(*actions)
                             : ad::GroupedVariance(*actions, trajectories));
    if (action_variance_weight != 0.0) {
      terms.total = ad::Add(terms.total, ad::Scale(terms.action_variance,
                                                   action_variance_weight));
    }
  }
}

}  // namespace

LossTerms ComputeLoss(const ForwardResult& forward, ad::Var targets,
                      absl::Span<const int> trajectories,
                      double action_variance_weight) {
  LossTerms terms;
  terms.prediction = PredictionLoss(forward.prediction, targets);
  AddActionVariance(forward.actions, trajectories, action_variance_weight,
                    terms);
  return terms;
}

LossTerms ComputeMultiStepLoss(const GridForwardResult& forward,
                               absl::Span<const ad::Var> targets,
                               absl::Span<const int> trajectories,
                               double action_variance_weight) {
  LossTerms terms;
  terms.prediction = MultiStepPredictionLoss(forward.predictions, targets);
  AddActionVariance(forward.actions, trajectories, action_variance_weight,
                    terms);
  return terms;
}

}  // namespace aanet::train
