// Valid prediction time (VPT): how long a model's predictions stay close to
// the truth, the metric of DeepMind's Hamiltonian dynamics suite (its
// threshold 0.025 and its rule), applied to states instead of pixels.
//
// Per start state x0 and jump j = 1..J (J = max_jump, the same for every
// point of a study), the normalised error is
//   e(j) = mean_c ((pred_c - true_c) / sigma_c)^2 / mean_c (true_c / sigma_c)^2
// over the 2n state coordinates c, pred = the model's prediction of x0 after
// j * dt, true = the system's closed form (eval/truth.h TrueStates), sigma_c
// the population standard deviation of coordinate c over the test split's
// states, so that neither the training window nor the scales of q and p
// decide it (coordinates are not centred, as the suite's pixels are not).
// The state's VPT is the last j * dt before e first exceeds the threshold
// (0 if it does at j = 1); J * dt, recorded as censored ("> J dt"), if it
// never does; and, where the prediction stops being finite (a failed
// solve), the last dt before it, recorded as failed. Integrating models
// predict the whole grid in one solve (Predictor::PredictGrid).
#ifndef AANET_EVAL_VPT_H_
#define AANET_EVAL_VPT_H_

#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "data_gen/dataset.h"
#include "models/predictor.h"
#include "proto/evaluation.pb.h"

namespace aanet::eval {

// The suite's threshold on the normalised error.
inline constexpr double kVptThreshold = 0.025;

// The default J: jumps of the dataset's time step up to max_jump * dt.
// 1,000 jumps are 1,000 time units of the default harmonic study (dt 1),
// about 130 periods of its fastest normal mode and eight of its slowest, and
// cost the Neural ODE one solve of 10,000 steps for 50 states
// (eval/README.md).
inline constexpr int kDefaultVptMaxJump = 1000;

// Start states: at most this many, evenly spaced through the given states.
inline constexpr int kMaxVptStartStates = 50;

// e(j) of every row of `predicted` against `truth` (both [B, 2n]) with the
// per-coordinate deviations `sigma` [2n]: [B]. NaN where a prediction is not
// finite.
Eigen::VectorXd NormalisedErrors(const Eigen::MatrixXd& predicted,
                                 const Eigen::MatrixXd& truth,
                                 const Eigen::RowVectorXd& sigma);

// The VPT of every start state from its errors `errors` [S, J] (column j - 1
// holds e(j); a non-finite entry is a failed prediction), the rule above:
// fills threshold, max_jump, max_time, times, censored, failed,
// median_time, fraction_censored, num_start_states and num_failed.
// median_time is the median over start states (censored ones at max_time,
// their lower bound: the median is censored too when it lies among them;
// an even count takes the mean of the middle two); NaN with no start state.
ValidPredictionTime VptFromErrors(const Eigen::MatrixXd& errors,
                                  double time_step, double threshold);

// Indices of at most kMaxVptStartStates rows out of `num_states`, evenly
// spaced (row i * num_states / count), ascending.
std::vector<int> VptStartRows(int num_states);

// The VPT of `predictor` from each row of `start_states` [S, 2n] (original
// units) on `dataset`'s system, sigma as above: one PredictGrid over every
// start state (a batch with a non-finite prediction is split in halves down
// to single rows, since one overflowing row ends a batched solve for all),
// the truth at every jump from TrueStates. `failure` records why the first
// failed state failed. Errors: those of TrueStates; max_jump < 1. If
// `predictions` is not null it receives the predictions themselves, [S, 2n]
// per jump (entry j - 1: jump j; a failed row non-finite), so that other
// quantities can be measured along them without a second solve.
absl::StatusOr<ValidPredictionTime> MeasureVpt(
    const Predictor& predictor, const data_gen::Dataset& dataset,
    const Eigen::MatrixXd& start_states, const Eigen::RowVectorXd& sigma,
    int max_jump, double threshold = kVptThreshold,
    std::vector<Eigen::MatrixXd>* predictions = nullptr);

}  // namespace aanet::eval

#endif  // AANET_EVAL_VPT_H_
