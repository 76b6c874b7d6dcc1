// The training objective (paper Eq. 8-9, as the published code computes it).
//
//   prediction loss = mean over [B, n] of 0.5 (q_pred - q)^2
//                     + mean over [B, n] of 0.5 (p_pred - p)^2
//                   = mean over all [B, 2n] entries of (x_pred - x)^2,
//                     since both halves have B n entries
//   total = prediction loss + lambda * sum over action dimensions of the
//           actions' batch variance (models with actions only)
//
// Everything is in standardised units.
#ifndef AANET_TRAIN_LOSS_H_
#define AANET_TRAIN_LOSS_H_

#include "Eigen/Core"
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

// The prediction loss on values: predictions and targets [B, 2n].
double PredictionLoss(const Eigen::MatrixXd& predictions,
                      const Eigen::MatrixXd& targets);

}  // namespace aanet::train

#endif  // AANET_TRAIN_LOSS_H_
