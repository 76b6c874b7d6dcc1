// Section 5, recovered frequencies (the paper's Figure 4): for every
// Action-Angle Network (model_kind "action_angle"), the learned against the
// true frequency per mode on the reference dataset for every sample count,
// and a Gaussian kernel density of |angular velocity| per mode at the
// reference point (all seeds pooled) with the true frequencies marked.
#ifndef AANET_REPORTS_SECTIONS_FREQUENCIES_H_
#define AANET_REPORTS_SECTIONS_FREQUENCIES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reports/aggregate.h"
#include "reports/gnuplot.h"
#include "reports/section.h"

namespace aanet::reports {

// The kernel density of one mode at the reference point.
struct ModeDensity {
  int mode = 0;
  double true_frequency = 0;  // NaN if unknown
  Density density;
};

// One Action-Angle Network.
struct FrequencyModel {
  const Cell* reference = nullptr;
  // The cells of the model on the reference dataset and their modes.
  std::vector<std::pair<const Cell*, std::vector<ModeFrequency>>> cells;
  // True frequencies at the reference point, ascending.
  std::vector<double> truth;
  // Modes with a density (modes without finite values are left out).
  std::vector<ModeDensity> densities;
};

// Every model whose reference cell is an Action-Angle Network. An error
// (naming the sweep directory) if an evaluation's angular velocities do not
// fit its latent pairs.
absl::StatusOr<std::vector<FrequencyModel>> ComputeFrequencies(
    const ReportContext& context);

// Learned vs true frequency per sample count and mode of one model.
Table FrequencyTable(const FrequencyModel& model);
Table FrequenciesCsv(const std::vector<FrequencyModel>& models);
Table FrequencyDensityCsv(const std::vector<FrequencyModel>& models);
// One density panel per model with densities.
Figure FrequenciesFigure(const std::vector<FrequencyModel>& models);

absl::StatusOr<Section> FrequenciesSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_FREQUENCIES_H_
