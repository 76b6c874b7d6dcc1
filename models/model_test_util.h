// Helpers for the models' tests.
#ifndef AANET_MODELS_MODEL_TEST_UTIL_H_
#define AANET_MODELS_MODEL_TEST_UTIL_H_

#include <algorithm>
#include <vector>

#include "Eigen/Core"
#include "autodiff/gradient_check.h"
#include "autodiff/ops.h"
#include "autodiff/parameters.h"
#include "autodiff/tape.h"
#include "models/model.h"
#include "models/prediction_loss.h"
#include "rng/random.h"

namespace aanet::testing {

// Overwrites every parameter with N(0, stddev^2) draws, so that tests
// exercise a generic (non-identity) network rather than its initial state.
inline void RandomizeParameters(ad::ParameterStore& store, double stddev,
                                Random& random) {
  for (int id = 0; id < store.size(); ++id) {
    ad::Matrix& m = store.value(id);
    for (Eigen::Index i = 0; i < m.size(); ++i) {
      m.data()[i] = stddev * random.Normal();
    }
  }
}

inline Eigen::MatrixXd RandomMatrix(int rows, int cols, double stddev,
                                    Random& random) {
  Eigen::MatrixXd m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    m.data()[i] = stddev * random.Normal();
  }
  return m;
}

// The Jacobian [d, d] of a map R^d -> R^d at one state [1, d], built row by
// row with reverse mode (exact up to rounding).
template <typename Map>
Eigen::MatrixXd ReverseModeJacobian(const Map& map,
                                    const Eigen::MatrixXd& state) {
  const Eigen::Index d = state.cols();
  Eigen::MatrixXd jacobian(d, d);
  for (Eigen::Index i = 0; i < d; ++i) {
    ad::Tape tape;
    ad::Var x = tape.Input(state);
    ad::Var y = map(tape, x);
    ad::Matrix seed = ad::Matrix::Zero(1, d);
    seed(0, i) = 1.0;
    tape.Backward(y, seed);
    jacobian.row(i) = x.grad().row(0);
  }
  return jacobian;
}

// The canonical symplectic form for states [q, p] with q, p in R^n.
inline Eigen::MatrixXd SymplecticForm(int n) {
  Eigen::MatrixXd omega = Eigen::MatrixXd::Zero(2 * n, 2 * n);
  omega.topRightCorner(n, n) = Eigen::MatrixXd::Identity(n, n);
  omega.bottomLeftCorner(n, n) = -Eigen::MatrixXd::Identity(n, n);
  return omega;
}

// Checks the gradient of the paper's prediction loss (mean squared error of
// model.Forward against `targets`, plus the actions' batch variance for
// models with actions) with respect to every parameter and every input
// scalar against finite differences.
inline ad::GradientCheckResult CheckLossGradient(
    Model& model, const Eigen::MatrixXd& states, const Eigen::MatrixXd& targets,
    double dt, const ad::GradientCheckOptions& options = {}) {
  return ad::CheckGradients(
      [&](ad::Tape& tape, absl::Span<const ad::Var> inputs) {
        ForwardResult forward = model.Forward(tape, inputs[0], dt);
        ad::Var loss = ad::Mean(
            ad::Square(ad::Sub(forward.prediction, tape.Constant(targets))));
        if (forward.actions.has_value()) {
          loss = ad::Add(loss, ad::Sum(ad::BatchVariance(*forward.actions)));
        }
        return loss;
      },
      &model.parameters(), {states}, options);
}

// The same for the multi-step loss (TrainingConfig.EVERY_STEP_TO_JUMP):
// MultiStepPredictionLoss of model.ForwardGrid(states, dt, J) against
// `targets` (J entries, j = 1..J), plus the input states' action variance,
// once, for models with actions.
inline ad::GradientCheckResult CheckMultiStepLossGradient(
    Model& model, const Eigen::MatrixXd& states,
    const std::vector<Eigen::MatrixXd>& targets, double dt,
    const ad::GradientCheckOptions& options = {}) {
  return ad::CheckGradients(
      [&](ad::Tape& tape, absl::Span<const ad::Var> inputs) {
        GridForwardResult grid = model.ForwardGrid(
            tape, inputs[0], dt, static_cast<int>(targets.size()));
        std::vector<ad::Var> constants;
        for (const Eigen::MatrixXd& target : targets) {
          constants.push_back(tape.Constant(target));
        }
        ad::Var loss = MultiStepPredictionLoss(grid.predictions, constants);
        if (grid.actions.has_value()) {
          loss = ad::Add(loss, ad::Sum(ad::BatchVariance(*grid.actions)));
        }
        return loss;
      },
      &model.parameters(), {states}, options);
}

// The largest |ForwardGrid's j-th prediction - Forward at j dt| over
// j = 1..num_jumps, relative to max(1, |Forward's|); also checks that the
// grid's actions are Forward's (exactly) and that it has num_jumps entries.
inline double MaxGridDeviationFromForward(const Model& model,
                                          const Eigen::MatrixXd& states,
                                          double dt, int num_jumps) {
  ad::Tape tape;
  const GridForwardResult grid =
      model.ForwardGrid(tape, tape.Constant(states), dt, num_jumps);
  if (static_cast<int>(grid.predictions.size()) != num_jumps) return 1e300;
  double worst = 0;
  for (int j = 1; j <= num_jumps; ++j) {
    ad::Tape single_tape;
    const ForwardResult single =
        model.Forward(single_tape, single_tape.Constant(states), j * dt);
    if (single.actions.has_value() != grid.actions.has_value()) return 1e300;
    if (single.actions.has_value() &&
        single.actions->value() != grid.actions->value()) {
      return 1e300;
    }
    const Eigen::MatrixXd& expected = single.prediction.value();
    worst = std::max(
        worst,
        (grid.predictions[j - 1].value() - expected).cwiseAbs().maxCoeff() /
            std::max(1.0, expected.cwiseAbs().maxCoeff()));
  }
  return worst;
}

}  // namespace aanet::testing

#endif  // AANET_MODELS_MODEL_TEST_UTIL_H_
