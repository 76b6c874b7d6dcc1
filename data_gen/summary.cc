#include "data_gen/summary.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace aanet::data_gen {

double MaxRelativeEnergyDrift(const Dataset& dataset) {
  double drift = 0.0;
  for (int k = 0; k < dataset.energy.rows(); ++k) {
    const double e0 = dataset.energy(k, 0);
    const double scale = std::max(std::abs(e0), 1e-300);
    drift = std::max(
        drift, (dataset.energy.row(k).array() - e0).abs().maxCoeff() / scale);
  }
  return drift;
}

namespace {

// Per-particle values in particle order, so a user can check the system is
// the one meant; beyond a screenful they are only in the file.
std::string ParticleValues(const Eigen::VectorXd& values) {
  constexpr int kMaxPrinted = 10;
  if (values.size() > kMaxPrinted) {
    return absl::StrFormat("(%d values)", values.size());
  }
  std::vector<std::string> printed;
  for (int i = 0; i < values.size(); ++i) {
    printed.push_back(absl::StrFormat("%g", values[i]));
  }
  return absl::StrJoin(printed, ", ");
}

}  // namespace

std::string SummarizeDataset(const Dataset& dataset, const std::string& path) {
  std::vector<std::string> frequencies;
  for (int i = 0; i < dataset.normal_modes.frequencies.size(); ++i) {
    frequencies.push_back(
        absl::StrFormat("%.6f", dataset.normal_modes.frequencies[i]));
  }
  const int num_samples = dataset.num_samples();
  return absl::StrFormat(
      "%s\n"
      "  system %s, %d particle(s), k_pair %g\n"
      "  masses %s; k_wall %s (per particle, in order)\n"
      "  %d trajectory(ies) x %d samples, t in [%g, %g]\n"
      "  normal-mode frequencies (rad/time): %s\n"
      "  max relative energy drift: %.3g\n",
      path, dataset.system, dataset.num_particles(), dataset.parameters.k_pair,
      ParticleValues(dataset.parameters.masses),
      ParticleValues(dataset.parameters.k_wall), dataset.num_trajectories(),
      num_samples, dataset.t[0], dataset.t[num_samples - 1],
      absl::StrJoin(frequencies, ", "), MaxRelativeEnergyDrift(dataset));
}

}  // namespace aanet::data_gen
