// Section 2, data efficiency (the paper's Figure 2): the test prediction
// loss against the number of training samples, at the jumps every point was
// evaluated at (the sweep config's `evaluation.jumps`), one table per
// dataset and one log-log panel per (dataset, jump): a row of panels in the
// published unit (each point standardised by its own training split) and a
// row in the test split's unit (common to every training-set size), each
// with the trivial predictors' levels.
#ifndef AANET_REPORTS_SECTIONS_DATA_EFFICIENCY_H_
#define AANET_REPORTS_SECTIONS_DATA_EFFICIENCY_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reports/aggregate.h"
#include "reports/gnuplot.h"
#include "reports/section.h"
#include "reports/sections/training_curves.h"

namespace aanet::reports {

// The loss of every evaluated jump of one cell, over its seeds.
struct CellLosses {
  const Cell* cell = nullptr;
  std::vector<JumpStatistic> losses;  // the published unit
  // The same in the test split's units (prediction_loss_test_scaled), a
  // unit common to every training-set size; jumps of evaluations that lack
  // it are left out.
  std::vector<JumpStatistic> losses_test_scaled;
  // The trivial predictors' losses (reference levels) in both units.
  std::vector<JumpStatistic> train_mean;
  std::vector<JumpStatistic> train_mean_test_scaled;
  std::vector<JumpStatistic> random_phase;
  std::vector<JumpStatistic> random_phase_test_scaled;
  std::vector<FailedPredictions> failed;  // jumps with failed predictions
};

struct DataEfficiency {
  std::vector<CellLosses> cells;      // every cell, in the context's order
  std::vector<std::string> datasets;  // cells' Cell.dataset, sweep order
  // The jumps shown: the sweep config's `evaluation.jumps` (else the jumps
  // every cell was evaluated at) that some cell evaluated, ascending; if
  // none is, the smallest evaluated jump. Empty if nothing was evaluated.
  std::vector<int> jumps;
};

DataEfficiency ComputeDataEfficiency(const ReportContext& context);

// A cell whose seeds' losses at a jump differ by this factor or more shows
// every seed's value beside the mean.
inline constexpr double kSeedDisagreementFactor = 3.0;

// A model's cell whose mean loss at the first shown jump is this factor or
// more above the cell with the next smaller sample count is named in the
// section's text.
inline constexpr double kWorseWithMoreSamplesFactor = 2.0;

// "action_angle_flow on harmonic_k_pair_0.5: 500 samples 0.13 against 0.006
// with 100 at jump 1", per such pair of cells (kWorseWithMoreSamplesFactor).
std::vector<std::string> WorseWithMoreSamples(const DataEfficiency& data);

// Every cell and every evaluated jump (data_efficiency.csv).
Table DataEfficiencyCsv(const DataEfficiency& data);
// The cells of one dataset at the shown jumps; with `convergence`, a last
// column lists the cell's verdicts that are not "converged" (section 6).
Table DataEfficiencyTable(
    const DataEfficiency& data, const std::string& dataset,
    const std::vector<PointConvergence>* convergence = nullptr);
// Two rows of panels per dataset (published unit, then the test split's)
// with the trivial predictors' levels.
Figure DataEfficiencyFigure(const DataEfficiency& data,
                            const ReportContext& context);
// The note under the figure: cells it leaves out and failed predictions at
// the shown jumps; empty if there are none.
std::string DataEfficiencyFigureNote(const DataEfficiency& data);

absl::StatusOr<Section> DataEfficiencySection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_DATA_EFFICIENCY_H_
