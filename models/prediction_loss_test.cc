#include "models/prediction_loss.h"

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

}  // namespace
}  // namespace aanet
