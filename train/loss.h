// The training objective (paper Eq. 8-9, as the published code computes it).
//
//   total = prediction loss (models/prediction_loss.h)
//           + lambda * sum over action dimensions of the actions' batch
//             variance (models with actions only)
//
// Everything is in standardised units.
#ifndef AANET_TRAIN_LOSS_H_
#define AANET_TRAIN_LOSS_H_

#include "autodiff/tape.h"
#include "models/model.h"

namespace aanet::train {

struct LossTerms {
  ad::Var total;            // [1, 1]
  ad::Var prediction;       // [1, 1]
  ad::Var action_variance;  // [1, 1]; invalid for models without actions
};

LossTerms ComputeLoss(const ForwardResult& forward, ad::Var targets,
                      double action_variance_weight);

}  // namespace aanet::train

#endif  // AANET_TRAIN_LOSS_H_
