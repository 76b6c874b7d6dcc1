#include "train/noise.h"

#include "absl/strings/str_format.h"

namespace aanet::train {
namespace {

// Streams under the noise seed; trainer.cc's initialisation and batch
// streams are 0 and 1 of training.seed, which the noise seed defaults to.
constexpr uint64_t kInputNoiseStream = 2;
constexpr uint64_t kObservationNoiseStream = 3;

bool Active(const TrainingOptions& options, NoiseConfig::Model model) {
  return options.noise_model == model && options.noise_std > 0;
}

}  // namespace

bool HasInputNoise(const TrainingOptions& options) {
  return Active(options, NoiseConfig::PUBLISHED_INPUT_NOISE);
}

bool HasObservationNoise(const TrainingOptions& options) {
  return Active(options, NoiseConfig::OBSERVATION);
}

std::string DescribeNoise(const TrainingOptions& options) {
  if (!HasInputNoise(options) && !HasObservationNoise(options)) return "";
  return absl::StrFormat(
      "noise: %s, %s, std %g (standardised units), seed %d",
      HasInputNoise(options)
          ? "published input noise (inputs only, fresh every step)"
          : "observation noise (the training series, drawn once)",
      options.noise_type == NoiseConfig::RANDOM_WALK ? "random walk"
                                                     : "uncorrelated",
      options.noise_std, options.noise_seed);
}

Eigen::MatrixXd DrawNoise(NoiseConfig::Type type, double std, Eigen::Index rows,
                          Eigen::Index cols, absl::Span<const int> series,
                          Random& random) {
  Eigen::MatrixXd noise(rows, cols);
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < cols; ++c) noise(r, c) = std * random.Normal();
  }
  if (type == NoiseConfig::RANDOM_WALK) {
    for (Eigen::Index r = 1; r < rows; ++r) {
      const bool same_series =
          series.empty() ||
          series[static_cast<size_t>(r)] == series[static_cast<size_t>(r - 1)];
      if (same_series) noise.row(r) += noise.row(r - 1);
    }
  }
  return noise;
}

Eigen::MatrixXd InputNoise(const TrainingOptions& options,
                           const data_gen::StatePairs& pairs, int64_t step) {
  Random random(Random::DeriveSeed(
      Random::DeriveSeed(options.noise_seed, kInputNoiseStream),
      static_cast<uint64_t>(step)));
  return DrawNoise(options.noise_type, options.noise_std, pairs.inputs.rows(),
                   pairs.inputs.cols(), pairs.trajectories, random);
}

data_gen::Dataset AddObservationNoise(const TrainingOptions& options,
                                      const data_gen::Dataset& dataset,
                                      data_gen::SampleRange range,
                                      absl::Span<const int> trajectories,
                                      const Eigen::RowVectorXd& clean_scale) {
  data_gen::Dataset noisy = dataset;
  const Eigen::Index n = dataset.num_degrees_of_freedom();
  const uint64_t root =
      Random::DeriveSeed(options.noise_seed, kObservationNoiseStream);
  for (int k : trajectories) {
    // A stream per trajectory: holding out another trajectory leaves this
    // one's noise as it was.
    Random random(Random::DeriveSeed(root, static_cast<uint64_t>(k)));
    Eigen::MatrixXd noise = DrawNoise(options.noise_type, options.noise_std,
                                      range.count, 2 * n, {}, random);
    noise.array().rowwise() *= clean_scale.array();
    noisy.q[k].middleRows(range.begin, range.count) += noise.leftCols(n);
    noisy.p[k].middleRows(range.begin, range.count) += noise.rightCols(n);
  }
  return noisy;
}

}  // namespace aanet::train
