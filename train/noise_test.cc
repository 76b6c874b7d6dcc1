#include "train/noise.h"

#include <cmath>
#include <vector>

#include "Eigen/Core"
#include "data_gen/dataset.h"
#include "data_gen/splits.h"
#include "gtest/gtest.h"
#include "rng/random.h"

namespace aanet::train {
namespace {

TrainingOptions NoiseOptions(NoiseConfig::Model model, NoiseConfig::Type type,
                             double std) {
  TrainingOptions options;
  options.noise_model = model;
  options.noise_type = type;
  options.noise_std = std;
  options.noise_seed = 11;
  return options;
}

// A large uncorrelated draw: mean 0 and variance std^2 per column, within
// 5 standard errors (the variance's standard error is std^2 sqrt(2 / N)).
TEST(NoiseTest, UncorrelatedNoiseHasTheConfiguredMeanAndVariance) {
  constexpr double kStd = 0.3;
  constexpr int kRows = 200000;
  Random random(5);
  const Eigen::MatrixXd noise =
      DrawNoise(NoiseConfig::UNCORRELATED, kStd, kRows, 3, {}, random);
  for (int c = 0; c < 3; ++c) {
    const double mean = noise.col(c).mean();
    const double variance =
        (noise.col(c).array() - mean).square().sum() / (kRows - 1);
    EXPECT_NEAR(mean, 0, 5 * kStd / std::sqrt(kRows)) << c;
    EXPECT_NEAR(variance, kStd * kStd, 5 * kStd * kStd * std::sqrt(2.0 / kRows))
        << c;
  }
  // Neighbouring samples are independent: their correlation is ~0.
  const double lag1 = (noise.col(0).head(kRows - 1).array() *
                       noise.col(0).tail(kRows - 1).array())
                          .mean() /
                      (kStd * kStd);
  EXPECT_NEAR(lag1, 0, 5 / std::sqrt(kRows));
}

// The random walk of T samples, over many series: the variance at sample i
// is (i + 1) std^2, so the fitted slope against i is std^2; each series
// restarts at its first row.
TEST(NoiseTest, RandomWalkVarianceGrowsLinearlyWithTheSampleIndex) {
  constexpr double kStd = 0.2;
  constexpr int kLength = 50;
  constexpr int kSeries = 20000;
  std::vector<int> series;
  for (int s = 0; s < kSeries; ++s) series.insert(series.end(), kLength, s);
  Random random(9);
  const Eigen::MatrixXd noise = DrawNoise(NoiseConfig::RANDOM_WALK, kStd,
                                          kSeries * kLength, 1, series, random);
  std::vector<double> variance(kLength, 0.0);
  for (int s = 0; s < kSeries; ++s) {
    for (int i = 0; i < kLength; ++i) {
      const double x = noise(s * kLength + i, 0);
      variance[i] += x * x / kSeries;
    }
  }
  // Least squares of variance[i] on i.
  double mean_i = (kLength - 1) / 2.0, mean_v = 0;
  for (double v : variance) mean_v += v / kLength;
  double sxy = 0, sxx = 0;
  for (int i = 0; i < kLength; ++i) {
    sxy += (i - mean_i) * (variance[i] - mean_v);
    sxx += (i - mean_i) * (i - mean_i);
  }
  const double slope = sxy / sxx;
  const double s2 = kStd * kStd;
  // Relative standard error of each variance estimate: sqrt(2 / kSeries),
  // 1%; the slope's is about the same, so 5% is 5 standard errors.
  EXPECT_NEAR(slope, s2, 0.05 * s2);
  // The first sample of every series is one step: variance std^2.
  EXPECT_NEAR(variance[0], s2, 5 * s2 * std::sqrt(2.0 / kSeries));
  EXPECT_NEAR(variance[kLength - 1], kLength * s2,
              5 * kLength * s2 * std::sqrt(2.0 / kSeries));
  // The increments are the uncorrelated draw.
  Random again(9);
  const Eigen::MatrixXd steps = DrawNoise(NoiseConfig::UNCORRELATED, kStd,
                                          kSeries * kLength, 1, {}, again);
  EXPECT_EQ(noise(kLength, 0), steps(kLength, 0));  // a new series
  EXPECT_DOUBLE_EQ(noise(1, 0), steps(0, 0) + steps(1, 0));
}

data_gen::StatePairs Pairs(int per_trajectory) {
  data_gen::StatePairs pairs;
  pairs.inputs = Eigen::MatrixXd::Zero(2 * per_trajectory, 4);
  pairs.targets = pairs.inputs;
  pairs.trajectories.assign(per_trajectory, 0);
  pairs.trajectories.insert(pairs.trajectories.end(), per_trajectory, 5);
  return pairs;
}

// Keyed on (seed, step): the same step draws the same noise (a resumed run
// repeats it), other steps and seeds draw other noise.
TEST(NoiseTest, InputNoiseIsKeyedOnTheSeedAndTheStep) {
  const TrainingOptions options = NoiseOptions(
      NoiseConfig::PUBLISHED_INPUT_NOISE, NoiseConfig::RANDOM_WALK, 0.1);
  const data_gen::StatePairs pairs = Pairs(30);
  const Eigen::MatrixXd a = InputNoise(options, pairs, 17);
  EXPECT_EQ(a, InputNoise(options, pairs, 17));
  EXPECT_NE(a, InputNoise(options, pairs, 18));
  TrainingOptions other = options;
  other.noise_seed = 12;
  EXPECT_NE(a, InputNoise(other, pairs, 17));
  // The walk restarts at the second trajectory's first pair.
  Random random(Random::DeriveSeed(Random::DeriveSeed(11, 2), 17));
  const Eigen::MatrixXd steps =
      DrawNoise(NoiseConfig::UNCORRELATED, 0.1, 60, 4, {}, random);
  EXPECT_EQ(a.row(30), steps.row(30));
  EXPECT_EQ(a.row(0), steps.row(0));
  EXPECT_TRUE(a.row(1).isApprox(steps.row(0) + steps.row(1)));
}

TEST(NoiseTest, ActiveOnlyForItsModelWithAPositiveStd) {
  EXPECT_FALSE(HasInputNoise(
      NoiseOptions(NoiseConfig::NO_NOISE, NoiseConfig::UNCORRELATED, 0)));
  EXPECT_FALSE(HasInputNoise(NoiseOptions(NoiseConfig::PUBLISHED_INPUT_NOISE,
                                          NoiseConfig::UNCORRELATED, 0)));
  EXPECT_TRUE(HasInputNoise(NoiseOptions(NoiseConfig::PUBLISHED_INPUT_NOISE,
                                         NoiseConfig::UNCORRELATED, 0.1)));
  EXPECT_FALSE(HasObservationNoise(NoiseOptions(
      NoiseConfig::PUBLISHED_INPUT_NOISE, NoiseConfig::UNCORRELATED, 0.1)));
  EXPECT_TRUE(HasObservationNoise(
      NoiseOptions(NoiseConfig::OBSERVATION, NoiseConfig::RANDOM_WALK, 0.1)));
}

// Observation noise touches the given range of the given trajectories
// only, in units of each coordinate's clean scale.
TEST(NoiseTest, ObservationNoiseScalesPerCoordinateAndStaysInItsRange) {
  data_gen::Dataset dataset;
  constexpr int kSamples = 4000;
  dataset.t = Eigen::VectorXd::LinSpaced(kSamples, 0, kSamples - 1);
  for (int k = 0; k < 3; ++k) {
    dataset.q.push_back(Eigen::MatrixXd::Constant(kSamples, 1, k));
    dataset.p.push_back(Eigen::MatrixXd::Constant(kSamples, 1, -k));
  }
  const TrainingOptions options =
      NoiseOptions(NoiseConfig::OBSERVATION, NoiseConfig::UNCORRELATED, 0.5);
  Eigen::RowVectorXd scale(2);
  scale << 2.0, 0.01;
  const data_gen::SampleRange range{0, 3000};
  const std::vector<int> trajectories = {0, 2};
  const data_gen::Dataset noisy =
      AddObservationNoise(options, dataset, range, trajectories, scale);
  // Trajectory 1 (held out) and the samples after the range are untouched.
  EXPECT_EQ(noisy.q[1], dataset.q[1]);
  EXPECT_EQ(noisy.p[1], dataset.p[1]);
  for (int k : trajectories) {
    EXPECT_EQ(noisy.q[k].bottomRows(1000), dataset.q[k].bottomRows(1000));
    const Eigen::ArrayXd dq =
        (noisy.q[k] - dataset.q[k]).topRows(3000).col(0).array();
    const Eigen::ArrayXd dp =
        (noisy.p[k] - dataset.p[k]).topRows(3000).col(0).array();
    const double sq = std::sqrt(dq.square().mean());
    const double sp = std::sqrt(dp.square().mean());
    // Standard error of a standard deviation: sigma / sqrt(2 N), ~1.3%.
    EXPECT_NEAR(sq, 0.5 * 2.0, 0.07 * 1.0) << k;
    EXPECT_NEAR(sp, 0.5 * 0.01, 0.07 * 0.005) << k;
  }
  // Each trajectory's noise comes from a stream of its own: holding out
  // trajectory 0 leaves trajectory 2's noise as it was.
  const std::vector<int> only_two = {2};
  EXPECT_EQ(AddObservationNoise(options, dataset, range, only_two, scale).q[2],
            noisy.q[2]);
  EXPECT_EQ(
      AddObservationNoise(options, dataset, range, trajectories, scale).q[0],
      noisy.q[0]);
}

TEST(NoiseTest, DescribesItselfForTheBanner) {
  EXPECT_EQ(DescribeNoise(NoiseOptions(NoiseConfig::PUBLISHED_INPUT_NOISE,
                                       NoiseConfig::UNCORRELATED, 0)),
            "");
  EXPECT_EQ(DescribeNoise(NoiseOptions(NoiseConfig::PUBLISHED_INPUT_NOISE,
                                       NoiseConfig::UNCORRELATED, 0.01)),
            "noise: published input noise (inputs only, fresh every step), "
            "uncorrelated, std 0.01 (standardised units), seed 11");
  EXPECT_EQ(DescribeNoise(NoiseOptions(NoiseConfig::OBSERVATION,
                                       NoiseConfig::RANDOM_WALK, 0.5)),
            "noise: observation noise (the training series, drawn once), "
            "random walk, std 0.5 (standardised units), seed 11");
}

}  // namespace
}  // namespace aanet::train
