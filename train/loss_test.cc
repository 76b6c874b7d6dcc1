#include "train/loss.h"

#include <cmath>
#include <vector>

#include "autodiff/gradient_check.h"
#include "autodiff/ops.h"
#include "gtest/gtest.h"
#include "models/prediction_loss.h"
#include "rng/random.h"

namespace aanet::train {
namespace {

Eigen::MatrixXd RandomMatrix(int rows, int cols, Random& random) {
  Eigen::MatrixXd m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    m.data()[i] = random.Uniform(-3.0, 3.0);
  }
  return m;
}

struct Result {
  double total = 0, action_variance = 0;
  Eigen::MatrixXd prediction_grad, actions_grad;
};

// The loss on given predictions and actions, with its gradients; `old_form`
// computes the regulariser as before trajectories were told apart: the sum
// over dimensions of the batch variance over all rows.
Result Evaluate(const Eigen::MatrixXd& prediction,
                const Eigen::MatrixXd& actions, const Eigen::MatrixXd& targets,
                const std::vector<int>& trajectories, bool old_form) {
  ad::Tape tape;
  ForwardResult forward;
  forward.prediction = tape.Input(prediction);
  forward.actions = tape.Input(actions);
  const ad::Var y = tape.Constant(targets);
  ad::Var total, variance;
  if (old_form) {
    variance = ad::Sum(ad::BatchVariance(*forward.actions));
    total = ad::Add(PredictionLoss(forward.prediction, y),
                    ad::Scale(variance, 0.7));
  } else {
    const LossTerms terms = ComputeLoss(forward, y, trajectories, 0.7);
    total = terms.total;
    variance = terms.action_variance;
  }
  tape.Backward(total);
  return {total.scalar(), variance.scalar(), forward.prediction.grad(),
          forward.actions->grad()};
}

TEST(LossTest, OneTrajectoryIsTheBatchVarianceBitForBit) {
  Random random(11);
  const Eigen::MatrixXd prediction = RandomMatrix(40, 4, random);
  const Eigen::MatrixXd actions = RandomMatrix(40, 2, random);
  const Eigen::MatrixXd targets = RandomMatrix(40, 4, random);
  const Result old_form = Evaluate(prediction, actions, targets, {}, true);
  for (const std::vector<int>& trajectories :
       {std::vector<int>{}, std::vector<int>(40, 0), std::vector<int>(40, 5)}) {
    const Result result =
        Evaluate(prediction, actions, targets, trajectories, false);
    EXPECT_EQ(result.total, old_form.total);  // exact
    EXPECT_EQ(result.action_variance, old_form.action_variance);
    EXPECT_EQ(result.prediction_grad, old_form.prediction_grad);
    EXPECT_EQ(result.actions_grad, old_form.actions_grad);
  }
}

// Two trajectories of different energy, each with actions constant in time
// (as true actions are): nothing to penalise. The batch variance over both
// penalised the difference between them.
TEST(LossTest, ActionsConstantWithinEachTrajectoryCostNothing) {
  Random random(12);
  const Eigen::MatrixXd prediction = RandomMatrix(8, 4, random);
  const Eigen::MatrixXd targets = RandomMatrix(8, 4, random);
  Eigen::MatrixXd actions(8, 2);
  const std::vector<int> trajectories = {0, 1, 1, 0, 0, 1, 0, 1};
  for (int b = 0; b < 8; ++b) {
    if (trajectories[b] == 0) {
      actions.row(b) << 0.3, 1.1;  // low amplitude
    } else {
      actions.row(b) << 2.9, 4.7;  // high amplitude
    }
  }
  const Result result =
      Evaluate(prediction, actions, targets, trajectories, false);
  EXPECT_LT(std::abs(result.action_variance), 1e-28);
  EXPECT_LT(result.actions_grad.cwiseAbs().maxCoeff(), 1e-14);
  const Result old_form = Evaluate(prediction, actions, targets, {}, true);
  // Per dimension (a - b)^2 / 4 with equal halves: 1.69 + 3.24.
  EXPECT_NEAR(old_form.action_variance, 4.93, 1e-12);
  EXPECT_GT(old_form.actions_grad.cwiseAbs().maxCoeff(), 0.1);
}

// The definition on numbers worked by hand: trajectory 3 has actions {0, 2}
// (variance 1), trajectory 8 has {1, 1, 4} (variance 2), trajectory 5 one
// row (left out): (1 + 2) / 2.
TEST(LossTest, MeanOverTrajectoriesOfTheirVariances) {
  Eigen::MatrixXd actions(6, 1);
  actions << 0, 1, 7, 2, 1, 4;
  const std::vector<int> trajectories = {3, 8, 5, 3, 8, 8};
  const Eigen::MatrixXd zeros = Eigen::MatrixXd::Zero(6, 2);
  const Result result = Evaluate(zeros, actions, zeros, trajectories, false);
  EXPECT_DOUBLE_EQ(result.action_variance, 1.5);
  EXPECT_DOUBLE_EQ(result.total, 0.7 * 1.5);
  // The lone row gets no gradient.
  EXPECT_EQ(result.actions_grad(2, 0), 0.0);
}

TEST(LossTest, ModelsWithoutActionsHaveNoRegulariser) {
  ad::Tape tape;
  ForwardResult forward;
  forward.prediction = tape.Input(Eigen::MatrixXd::Ones(3, 2));
  const LossTerms terms = ComputeLoss(
      forward, tape.Constant(Eigen::MatrixXd::Zero(3, 2)), {0, 1, 1}, 1.0);
  EXPECT_FALSE(terms.action_variance.valid());
  EXPECT_EQ(terms.total.scalar(), 1.0);
}

// The multi-step objective: the mean of the J prediction losses plus the
// regulariser of the input states' actions once; its gradient checked
// against finite differences with respect to the predictions and actions.
TEST(LossTest, MultiStepLossIsTheMeanOfTheJLossesPlusOneRegulariser) {
  Random random(13);
  const std::vector<int> trajectories = {0, 1, 1, 0, 2, 2, 0, 1};
  std::vector<Eigen::MatrixXd> predictions, targets;
  for (int j = 0; j < 4; ++j) {
    predictions.push_back(RandomMatrix(8, 4, random));
    targets.push_back(RandomMatrix(8, 4, random));
  }
  const Eigen::MatrixXd actions = RandomMatrix(8, 2, random);
  auto build = [&](ad::Tape& tape, absl::Span<const ad::Var> inputs) {
    GridForwardResult grid;
    std::vector<ad::Var> y;
    for (int j = 0; j < 4; ++j) {
      grid.predictions.push_back(inputs[j]);
      y.push_back(tape.Constant(targets[j]));
    }
    grid.actions = inputs[4];
    return ComputeMultiStepLoss(grid, y, trajectories, 0.7);
  };
  std::vector<ad::Matrix> inputs(predictions.begin(), predictions.end());
  inputs.push_back(actions);
  ad::Tape tape;
  std::vector<ad::Var> vars;
  for (const ad::Matrix& input : inputs) vars.push_back(tape.Input(input));
  const LossTerms terms = build(tape, vars);
  double mean = 0;
  for (int j = 0; j < 4; ++j)
    mean += PredictionLoss(predictions[j], targets[j]);
  mean /= 4;
  EXPECT_NEAR(terms.prediction.scalar(), mean, 1e-15);
  ForwardResult single;
  single.prediction = tape.Input(predictions[0]);
  single.actions = tape.Input(actions);
  const LossTerms once =
      ComputeLoss(single, tape.Constant(targets[0]), trajectories, 0.7);
  EXPECT_EQ(terms.action_variance.scalar(), once.action_variance.scalar());
  EXPECT_EQ(terms.total.scalar(),
            terms.prediction.scalar() + 0.7 * once.action_variance.scalar());

  const ad::GradientCheckResult check = ad::CheckGradients(
      [&](ad::Tape& t, absl::Span<const ad::Var> in) {
        return build(t, in).total;
      },
      nullptr, inputs);
  EXPECT_LT(check.max_relative_error, 1e-6) << check.worst;
  EXPECT_GT(check.gradient_scale, 1e-3);
}

// J = 1: the single-step objective bit for bit, value and gradients.
TEST(LossTest, MultiStepLossAtOneJumpIsTheSingleStepLoss) {
  Random random(14);
  const Eigen::MatrixXd prediction = RandomMatrix(10, 4, random);
  const Eigen::MatrixXd actions = RandomMatrix(10, 2, random);
  const Eigen::MatrixXd targets = RandomMatrix(10, 4, random);
  const std::vector<int> trajectories = {0, 0, 1, 1, 1, 2, 2, 0, 1, 2};
  const Result single =
      Evaluate(prediction, actions, targets, trajectories, false);
  ad::Tape tape;
  GridForwardResult grid;
  grid.predictions.push_back(tape.Input(prediction));
  grid.actions = tape.Input(actions);
  const ad::Var y = tape.Constant(targets);
  const LossTerms terms = ComputeMultiStepLoss(grid, {y}, trajectories, 0.7);
  tape.Backward(terms.total);
  EXPECT_EQ(terms.total.scalar(), single.total);
  EXPECT_EQ(grid.predictions[0].grad(), single.prediction_grad);
  EXPECT_EQ(grid.actions->grad(), single.actions_grad);
}

}  // namespace
}  // namespace aanet::train
