#include "models/prediction_loss.h"

#include <vector>

#include "Eigen/Core"
#include "autodiff/tape.h"
#include "gtest/gtest.h"
#include "models/scaler.h"

namespace aanet {
namespace {

// One trajectory pair of states [B = 2, 2n = 4].
Eigen::MatrixXd Predictions() {
  Eigen::MatrixXd m(2, 4);
  m << 1.0, 2.0, -1.0, 0.5,  //
      3.0, -2.0, 0.25, 4.0;
  return m;
}

Eigen::MatrixXd Targets() {
  Eigen::MatrixXd m(2, 4);
  m << 0.0, 2.5, -1.0, 1.5,  //
      1.0, -2.0, 0.75, 2.0;
  return m;
}

TEST(PredictionLossTest, IsTheMeanSquaredErrorOverAllEntries) {
  // Differences 1, -0.5, 0, -1, 2, 0, -0.5, 2: squares sum to 10.5.
  EXPECT_DOUBLE_EQ(PredictionLoss(Predictions(), Targets()), 10.5 / 8);
  EXPECT_EQ(PredictionLoss(Targets(), Targets()), 0.0);
}

TEST(PredictionLossTest, IsHalfTheSumOfThePositionAndMomentumMeans) {
  // The published form: 0.5 mean (q_pred - q)^2 + 0.5 mean (p_pred - p)^2.
  const Eigen::MatrixXd d = Predictions() - Targets();
  const double published = 0.5 * d.leftCols(2).array().square().mean() +
                           0.5 * d.rightCols(2).array().square().mean();
  EXPECT_DOUBLE_EQ(PredictionLoss(Predictions(), Targets()), published);
}

TEST(PredictionLossTest, TapeAndValueFormsAgree) {
  ad::Tape tape;
  const ad::Var loss =
      PredictionLoss(tape.Constant(Predictions()), tape.Constant(Targets()));
  ASSERT_EQ(loss.rows(), 1);
  ASSERT_EQ(loss.cols(), 1);
  EXPECT_DOUBLE_EQ(loss.scalar(), PredictionLoss(Predictions(), Targets()));
}

TEST(PredictionLossTest, ScaledFormStandardisesBothSides) {
  Eigen::RowVectorXd mean(4), scale(4);
  mean << 1.0, -1.0, 0.0, 2.0;
  scale << 2.0, 0.5, 1.0, 4.0;
  const StandardScaler scaler(mean, scale);
  const Eigen::MatrixXd d = Predictions() - Targets();
  double sum = 0;
  for (int i = 0; i < d.rows(); ++i) {
    for (int c = 0; c < d.cols(); ++c) {
      sum += (d(i, c) / scale[c]) * (d(i, c) / scale[c]);
    }
  }
  EXPECT_DOUBLE_EQ(ScaledPredictionLoss(scaler, Predictions(), Targets()),
                   sum / 8);
  // The same as standardising first (what evaluation used to do by hand).
  EXPECT_EQ(ScaledPredictionLoss(scaler, Predictions(), Targets()),
            PredictionLoss(scaler.Transform(Predictions()),
                           scaler.Transform(Targets())));
}

// The multi-step loss on numbers worked by hand: jump 1 costs 10.5 / 8
// (above), jump 2 (predictions off by 1 everywhere) 1, jump 3 nothing:
// (10.5 / 8 + 1 + 0) / 3. The tape form gives the same number and the
// gradient 2 (x_pred - x) / (B 2n J) per entry.
TEST(PredictionLossTest, MultiStepIsTheMeanOverTheJumps) {
  const std::vector<Eigen::MatrixXd> predictions = {
      Predictions(), Targets().array() + 1.0, Targets()};
  const std::vector<Eigen::MatrixXd> targets = {Targets(), Targets(),
                                                Targets()};
  EXPECT_DOUBLE_EQ(MultiStepPredictionLoss(predictions, targets),
                   (10.5 / 8 + 1.0) / 3);
  ad::Tape tape;
  std::vector<ad::Var> p, t;
  for (int j = 0; j < 3; ++j) {
    p.push_back(tape.Input(predictions[j]));
    t.push_back(tape.Constant(targets[j]));
  }
  const ad::Var loss = MultiStepPredictionLoss(p, t);
  EXPECT_EQ(loss.scalar(), MultiStepPredictionLoss(predictions, targets));
  tape.Backward(loss);
  for (int j = 0; j < 3; ++j) {
    const Eigen::MatrixXd expected =
        2.0 * (predictions[j] - targets[j]) / (8.0 * 3.0);
    EXPECT_LE((p[j].grad() - expected).cwiseAbs().maxCoeff(), 1e-15) << j;
  }
  // One jump: the single-step loss, bit for bit.
  EXPECT_EQ(MultiStepPredictionLoss({Predictions()}, {Targets()}),
            PredictionLoss(Predictions(), Targets()));
}

}  // namespace
}  // namespace aanet
