// A short human-readable description of a dataset, printed by the data_gen
// binary and by the main job.
#ifndef AANET_DATA_GEN_SUMMARY_H_
#define AANET_DATA_GEN_SUMMARY_H_

#include <string>

#include "data_gen/dataset.h"

namespace aanet::data_gen {

// Largest relative deviation of the stored energy from each trajectory's
// initial energy, over all trajectories and samples.
double MaxRelativeEnergyDrift(const Dataset& dataset);

// Several lines: path, the system's one-line System::Describe (the harmonic
// system's masses and k_wall in particle order), shapes, time span, the true
// frequencies (where known) and the energy drift.
std::string SummarizeDataset(const Dataset& dataset, const std::string& path);

}  // namespace aanet::data_gen

#endif  // AANET_DATA_GEN_SUMMARY_H_
