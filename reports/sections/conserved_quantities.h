// Section 4b, conserved quantities along predictions (not in the paper): for
// every dataset whose system declares quantities the true dynamics conserve
// besides the energy (System::ConservedQuantityNames, recorded by the
// evaluations as JumpMetrics.conserved_quantities), each quantity's relative
// change |Q(predicted) - Q(input)| / |Q(input)| against Δt per model, and
// along the valid prediction time's long rollout
// (ValidPredictionTime.conserved_quantities). The true value is 0: any
// change is the model's error. Nothing appears for datasets whose
// evaluations record no such quantity.
//
// One cell per model and dataset: the cell the sweep marked is_reference
// if it is on that dataset, else the one whose training-set size is closest
// to the reference size (reports/aggregate.h ChooseReferencePoint).
#ifndef AANET_REPORTS_SECTIONS_CONSERVED_QUANTITIES_H_
#define AANET_REPORTS_SECTIONS_CONSERVED_QUANTITIES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reports/aggregate.h"
#include "reports/gnuplot.h"
#include "reports/section.h"

namespace aanet::reports {

// One quantity of one model's cell at one jump, over its seeds.
struct QuantityDriftRow {
  const Cell* cell = nullptr;
  std::string quantity;
  int jump = 0;
  double dt = 0;
  MeanStd relative;  // of mean_relative_change
  MeanStd absolute;  // of mean_abs_change
  // Failed predictions at this jump (not in the means); num_seeds 0 if none.
  FailedPredictions failed;
};

// One quantity of one model's cell along the VPT's rollout at one jump.
struct QuantityRolloutRow {
  const Cell* cell = nullptr;
  std::string quantity;
  int jump = 0;
  double dt = 0;
  MeanStd relative;
  MeanStd absolute;
  int num_failed = 0;  // start states left out, summed over seeds
};

// The quantities of one dataset.
struct QuantityDataset {
  std::string dataset;                  // DatasetInfo.label
  std::vector<std::string> quantities;  // in the order evaluations give them
  std::vector<QuantityDriftRow> rows;   // per quantity, model, ascending jump
  std::vector<QuantityRolloutRow> rollout;  // likewise
};

// The datasets (in the sweep's order) whose evaluations record conserved
// quantities; empty if none does.
std::vector<QuantityDataset> ComputeConservedQuantities(
    const ReportContext& context);

// Per-jump drift of one dataset: model, jump, Δt and, per quantity, its
// relative and absolute change.
Table ConservedQuantitiesMarkdown(const QuantityDataset& data);
// The rollout of one dataset; no rows if its evaluations have none.
Table QuantityRolloutMarkdown(const QuantityDataset& data);
// Both, one row per (dataset, quantity, model, jump), `kind` "pairs" or
// "rollout".
Table ConservedQuantitiesCsv(const std::vector<QuantityDataset>& data);
// One log-log panel per dataset and quantity: the relative change against
// Δt per model (mean ± std over seeds), the rollout dashed in its colour.
Figure ConservedQuantitiesFigure(const std::vector<QuantityDataset>& data,
                                 const ReportContext& context);
// The note under the figure: what it cannot draw (a change of exactly 0 is
// not on a log axis) and failed predictions; empty if none.
std::string ConservedQuantitiesFigureNote(
    const std::vector<QuantityDataset>& data);

// An empty section when no evaluation records a conserved quantity.
absl::StatusOr<Section> ConservedQuantitiesSection(
    const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_CONSERVED_QUANTITIES_H_
