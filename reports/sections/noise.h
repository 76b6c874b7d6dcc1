// Section 7, noise (issue 22): the test prediction loss at jumps 1 and 10
// against the noise level of training.noise, per model and noise setting
// (noise model and type, and any other axis of the sweep), mean ± sample
// standard deviation over seeds; failed points are counted beside, never
// averaged. Only when the sweep's points vary the noise: an axis on
// training.noise.*, or points whose configs have noise.
//
// Every number is read from each point's resolved config: the evaluation's
// config_text, or for a point that failed before it was evaluated its
// point.pbtxt (the PointSpec the sweep wrote); never from a model name.
// The loss is prediction_loss_test_scaled, the test split's unit: under
// observation noise the training scaler is fitted on noisy data, so the
// published unit would change with the level.
#ifndef AANET_REPORTS_SECTIONS_NOISE_H_
#define AANET_REPORTS_SECTIONS_NOISE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/experiment.pb.h"
#include "reports/aggregate.h"
#include "reports/gnuplot.h"
#include "reports/section.h"

namespace aanet::reports {

// The jumps the section shows.
inline constexpr int kNoiseJumps[] = {1, 10};

// One noise level of one curve: the seeds of one setting at one std.
struct NoiseLevel {
  double std = 0;  // 0 for NO_NOISE
  int evaluated = 0;
  int failed = 0;  // FAILED points (no evaluation), not in the statistics
  // Per kNoiseJumps entry: the loss over the evaluated seeds that have it.
  std::vector<MeanStd> losses;
  // Per kNoiseJumps entry: the training-mean predictor's level (test
  // split's unit), the loss of a model that learned nothing.
  std::vector<MeanStd> train_mean;
};

// One curve: a model (its config's name) on a dataset with one noise model,
// type and setting of the other axes, over its levels (ascending).
struct NoiseCurve {
  std::string model;    // Experiment.name of the points' configs
  std::string dataset;  // SweepPoint.dataset
  int num_train_samples = 0;
  NoiseConfig::Model noise_model = NoiseConfig::NO_NOISE;
  NoiseConfig::Type noise_type = NoiseConfig::UNCORRELATED;
  std::string other_axes;  // the point's axis values not on training.noise
  std::vector<NoiseLevel> levels;
};

struct NoiseStudy {
  std::vector<NoiseCurve> curves;  // in the sweep's order of first points
  std::vector<int> steps;          // the points' num_steps, ascending
  int max_seeds = 0;               // most evaluated seeds at one level
  int unreadable = 0;  // failed points whose config could not be read
};

// "none", "published input, uncorrelated", "observation, random walk".
std::string NoiseLabel(NoiseConfig::Model model, NoiseConfig::Type type);

// Empty (no curves) when the sweep does not vary the noise.
NoiseStudy ComputeNoiseStudy(const ReportContext& context);

// One row per (curve, level): model, dataset, noise, std, seeds, failed,
// the loss at each jump (mean ± std), the training-mean level at jump 1.
Table NoiseTable(const NoiseStudy& study);
// The same numbers, one value per column (noise.csv).
Table NoiseCsv(const NoiseStudy& study);
// One log-log panel per jump: loss against std, a curve per NoiseCurve;
// std 0 is drawn at a tenth of the smallest positive level, labelled "0".
Figure NoiseFigure(const NoiseStudy& study);

absl::StatusOr<Section> NoiseSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_NOISE_H_
