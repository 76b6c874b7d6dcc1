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

std::string Row(const Eigen::MatrixXd& m, int row) {
  std::vector<std::string> printed;
  for (int i = 0; i < m.cols(); ++i) {
    printed.push_back(absl::StrFormat("%.6f", m(row, i)));
  }
  return absl::StrJoin(printed, ", ");
}

// The true frequencies: one line for all trajectories when they share them
// (the harmonic system's normal modes), else the first trajectory's.
std::string FrequencyLine(const Dataset& dataset) {
  const Eigen::MatrixXd& f = dataset.true_frequencies;
  if (f.size() == 0) return "  true frequencies: not known for this system\n";
  bool shared = true;
  for (int k = 1; k < f.rows(); ++k) shared = shared && f.row(k) == f.row(0);
  if (shared) {
    return absl::StrFormat("  true frequencies (rad/time): %s\n", Row(f, 0));
  }
  return absl::StrFormat(
      "  true frequencies (rad/time), trajectory 0: %s (each trajectory's in "
      "/true_frequencies)\n",
      Row(f, 0));
}

}  // namespace

std::string SummarizeDataset(const Dataset& dataset, const std::string& path) {
  absl::StatusOr<const System*> system = DatasetHamiltonian(dataset);
  std::string description = system.ok()
                                ? (*system)->Describe(dataset.parameters)
                                : std::string(system.status().message());
  std::string drift = absl::StrFormat("  max relative energy drift: %.3g\n",
                                      MaxRelativeEnergyDrift(dataset));
  std::string frequencies = FrequencyLine(dataset);
  if (dataset.imported()) {
    description =
        system.ok()
            ? absl::StrCat("imported (", ImportedSource(dataset),
                           "); energy under the Hamiltonian of ", description)
            : absl::StrCat("imported (", ImportedSource(dataset),
                           "); no Hamiltonian named: energy unknown");
    if (!system.ok()) drift.clear();
    frequencies = "  true frequencies: not known for imported trajectories\n";
  }
  const int num_samples = dataset.num_samples();
  return absl::StrFormat(
      "%s\n"
      "  %s\n"
      "  %d trajectory(ies) x %d samples, t in [%g, %g]\n"
      "%s%s",
      path, description, dataset.num_trajectories(), num_samples, dataset.t[0],
      dataset.t[num_samples - 1], frequencies, drift);
}

}  // namespace aanet::data_gen
