// Helpers for the models' tests.
#ifndef AANET_MODELS_MODEL_TEST_UTIL_H_
#define AANET_MODELS_MODEL_TEST_UTIL_H_

#include "Eigen/Core"
#include "autodiff/gradient_check.h"
#include "autodiff/ops.h"
#include "autodiff/parameters.h"
#include "autodiff/tape.h"
#include "models/model.h"
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

}  // namespace aanet::testing

#endif  // AANET_MODELS_MODEL_TEST_UTIL_H_
