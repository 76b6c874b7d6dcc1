// The prediction loss of the study (paper Eq. 8, as the published code
// computes it), the one definition training and evaluation share:
//
//   prediction loss = mean over [B, n] of 0.5 (q_pred - q)^2
//                     + mean over [B, n] of 0.5 (p_pred - p)^2
//                   = mean over all [B, 2n] entries of (x_pred - x)^2,
//                     since both halves have B n entries
//
// in standardised units (models/scaler.h). The paper's Eq. 8 also weights
// each pair by 1/(1 + Δt); the published code (ameya98/ActionAngleNetworks,
// `train.py`, `compute_loss`) drops that weight, and so does this loss: every
// pair counts equally whatever its jump. Training differentiates the tape
// form; the trainer's test and selection losses and `//eval` use the value
// forms, which give the same number as the tape form.
#ifndef AANET_MODELS_PREDICTION_LOSS_H_
#define AANET_MODELS_PREDICTION_LOSS_H_

#include <vector>

#include "Eigen/Core"
#include "absl/types/span.h"
#include "autodiff/tape.h"
#include "models/scaler.h"

namespace aanet {

// On a tape: predictions and targets [B, 2n] in standardised units -> [1, 1].
ad::Var PredictionLoss(ad::Var predictions, ad::Var targets);

// On values: predictions and targets [B, 2n] in standardised units.
double PredictionLoss(const Eigen::MatrixXd& predictions,
                      const Eigen::MatrixXd& targets);

// On values in original units: both are standardised by `scaler` first.
double ScaledPredictionLoss(const StandardScaler& scaler,
                            const Eigen::MatrixXd& predictions,
                            const Eigen::MatrixXd& targets);

// The multi-step prediction loss (TrainingConfig.EVERY_STEP_TO_JUMP, issue
// 22): for a drawn jump J, the same input states [B, 2n] are predicted at
// every Δt = j * (time step), j = 1..J, and
//
//   multi-step prediction loss = (1 / J) sum_{j=1..J} PredictionLoss(
//                                    prediction at j, state j samples later)
//
// the mean of the J usual losses, each pair counting equally (as the
// single-step loss weights no jump). Only input states whose J targets all
// lie inside the training split take part: the inputs of the pairs at jump
// J. With J = 1 it is the single-step loss. `predictions` and `targets` hold
// J entries in the order j = 1..J; the sum runs in that order, then is
// multiplied by 1 / J, in both forms.
ad::Var MultiStepPredictionLoss(absl::Span<const ad::Var> predictions,
                                absl::Span<const ad::Var> targets);
double MultiStepPredictionLoss(absl::Span<const Eigen::MatrixXd> predictions,
                               absl::Span<const Eigen::MatrixXd> targets);

}  // namespace aanet

#endif  // AANET_MODELS_PREDICTION_LOSS_H_
