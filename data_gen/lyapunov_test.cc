// The Lyapunov estimator on a linear system (regular, nothing shears), the
// pendulum (regular, its frequency shears neighbours apart linearly) and the
// chaotic double pendulum (a plateau), with the verdict rule of lyapunov.h.
#include "data_gen/lyapunov.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data_gen/system.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "proto/experiment.pb.h"
#include "proto/text_config.h"

namespace aanet::data_gen {
namespace {

using ::testing::HasSubstr;

SimulationConfig Parse(const std::string& text) {
  SimulationConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config));
  return config;
}

LyapunovEstimate Estimate(const SimulationConfig& config, double horizon) {
  absl::StatusOr<LyapunovInput> input = LyapunovInputFor(config, 0);
  EXPECT_TRUE(input.ok()) << input.status();
  if (!input.ok()) return {};
  LyapunovOptions options;
  options.horizon = horizon;
  absl::StatusOr<LyapunovEstimate> estimate = EstimateLargestLyapunovExponent(
      *input->system, input->parameters, input->state, options);
  EXPECT_TRUE(estimate.ok()) << estimate.status();
  if (!estimate.ok()) return {};
  std::printf("%s: %s\n", input->system->name().data(),
              estimate->Verdict().c_str());
  return *estimate;
}

TEST(LogLogSlopeTest, PowerLawsAndTooFewPoints) {
  std::vector<double> x, inverse, flat;
  for (int i = 1; i <= 100; ++i) {
    x.push_back(i);
    inverse.push_back(3.0 / i);
    flat.push_back(0.7);
  }
  EXPECT_NEAR(LogLogSlope(x, inverse, 10), -1, 1e-12);
  EXPECT_NEAR(LogLogSlope(x, flat, 10), 0, 1e-12);
  EXPECT_TRUE(std::isnan(LogLogSlope(x, flat, 100)));
}

TEST(LyapunovTest, CoupledHarmonicOscillatorsAreRegularWithSlopeMinusOne) {
  const LyapunovEstimate estimate =
      Estimate(ReadExperimentConfig("configs/harmonic/default.pbtxt")
                   ->experiment.simulation(),
               1000);
  ASSERT_EQ(estimate.t.size(), 1000u);
  EXPECT_EQ(estimate.t.back(), 1000);
  EXPECT_FALSE(estimate.chaotic);
  // Linear dynamics: the separation stays bounded, lambda(t) ~ c / t.
  EXPECT_NEAR(estimate.slope, -1, 0.1);
  EXPECT_TRUE(std::isinf(estimate.lyapunov_time));
  EXPECT_THAT(estimate.Verdict(), HasSubstr("no finite Lyapunov time"));
}

TEST(LyapunovTest, ThePendulumIsRegular) {
  const LyapunovEstimate estimate = Estimate(
      Parse("pendulum { initial_angle { values: 2.0 } } num_samples: 2 "
            "time_step: 0.1 num_trajectories: 1"),
      1000);
  EXPECT_FALSE(estimate.chaotic);
  // Shear: the separation grows like t, lambda(t) ~ ln(t) / t.
  EXPECT_LT(estimate.slope, -0.7);
  EXPECT_GT(estimate.slope, -1.1);
  EXPECT_GT(estimate.exponent, 0);
  EXPECT_LT(estimate.exponent, 0.05);
}

TEST(LyapunovTest, TheChaoticDoublePendulumHasAPlateau) {
  const SimulationConfig config =
      ReadExperimentConfig("configs/double_pendulum/chaotic.pbtxt")
          ->experiment.simulation();
  const LyapunovEstimate estimate = Estimate(config, 300);
  EXPECT_TRUE(estimate.chaotic);
  EXPECT_GT(estimate.slope, -0.3);
  EXPECT_GT(estimate.exponent, 0.5);
  EXPECT_NEAR(estimate.lyapunov_time, 1 / estimate.exponent, 0);
  EXPECT_THAT(estimate.Verdict(), HasSubstr("chaotic: lambda"));
  // Deterministic, bit for bit.
  const LyapunovEstimate again = Estimate(config, 300);
  EXPECT_EQ(again.lambda, estimate.lambda);
}

TEST(LyapunovTest, BadOptionsAndTrajectoriesAreNamed) {
  const SimulationConfig config = Parse(
      "pendulum { initial_angle { values: 1.0 } } num_samples: 2 "
      "time_step: 0.1 num_trajectories: 1");
  absl::StatusOr<LyapunovInput> input = LyapunovInputFor(config, 0);
  ASSERT_TRUE(input.ok());
  LyapunovOptions options;
  options.horizon = 5;
  options.initial_separation = -1;
  absl::StatusOr<LyapunovEstimate> estimate = EstimateLargestLyapunovExponent(
      *input->system, input->parameters, input->state, options);
  EXPECT_THAT(std::string(estimate.status().message()),
              HasSubstr("renormalisation_interval: must be in (0, horizon / "
                        "10]"));
  EXPECT_THAT(std::string(estimate.status().message()),
              HasSubstr("initial_separation: must be > 0, got -1"));
  EXPECT_THAT(std::string(LyapunovInputFor(config, 1).status().message()),
              HasSubstr("trajectory: must be in [0, 1), got 1"));
}

TEST(LyapunovTest, CsvHasOneRowPerTime) {
  LyapunovEstimate estimate;
  estimate.t = {1, 2};
  estimate.lambda = {0.5, 0.25};
  EXPECT_EQ(LyapunovCsv(estimate), "t,lambda\n1,0.5\n2,0.25\n");
}

}  // namespace
}  // namespace aanet::data_gen
