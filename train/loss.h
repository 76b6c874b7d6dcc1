// The training objective (paper Eq. 8-9).
//
//   total = prediction loss (models/prediction_loss.h)
//           + lambda * action variance (models with actions only)
//
// The action variance is taken within each trajectory: for each trajectory
// with >= 2 rows in the batch, the population variance of its rows' encoded
// actions per action dimension, summed over dimensions; then the mean over
// those trajectories (a trajectory with one row contributes nothing; a batch
// with none gives 0). A trajectory's true actions are constant in time, but
// differ between trajectories (amplitudes), so a variance across
// trajectories would penalise the very dependence of the frequency on the
// action that the network is meant to learn. The published code stacked its
// trajectories as coordinates, so its batch variance was over time only;
// with one trajectory this is exactly it (the sum over dimensions of
// jnp.var over the batch), bit for bit.
//
// Everything is in standardised units.
#ifndef AANET_TRAIN_LOSS_H_
#define AANET_TRAIN_LOSS_H_

#include "absl/types/span.h"
#include "autodiff/tape.h"
#include "models/model.h"

namespace aanet::train {

struct LossTerms {
  ad::Var total;            // [1, 1]
  ad::Var prediction;       // [1, 1]
  ad::Var action_variance;  // [1, 1]; invalid for models without actions
};

// `trajectories` holds the trajectory of each batch row
// (data_gen::StatePairs::trajectories), or is empty when all rows come from
// one trajectory.
LossTerms ComputeLoss(const ForwardResult& forward, ad::Var targets,
                      absl::Span<const int> trajectories,
                      double action_variance_weight);

// The multi-step objective (TrainingConfig.EVERY_STEP_TO_JUMP):
//
//   total = multi-step prediction loss (models/prediction_loss.h: the mean
//           over j = 1..J of the prediction loss at j)
//           + lambda * action variance
//
// with the action variance as above, on the encoded actions of the B input
// states, taken once (not once per j: the input states are the same for
// every j, and the evolved actions of the Action-Angle Network are the
// encoded ones by construction). `targets` holds one [B, 2n] entry per
// prediction of `forward`, j = 1..J.
LossTerms ComputeMultiStepLoss(const GridForwardResult& forward,
                               absl::Span<const ad::Var> targets,
                               absl::Span<const int> trajectories,
                               double action_variance_weight);

}  // namespace aanet::train

#endif  // AANET_TRAIN_LOSS_H_
