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

#include "Eigen/Core"
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

}  // namespace aanet

#endif  // AANET_MODELS_PREDICTION_LOSS_H_
