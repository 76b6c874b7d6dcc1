// Section 2b, the budget: what the default budget's equal steps leave out.
// The equal-compute comparison (flow models trained for the CPU time of the
// Neural ODE's point: sweep models with protocol EQUAL_COMPUTE, never pooled
// with the equal-step ones) as a table and a figure, and the default
// budget's flow-model numbers beside those recorded at the published budget
// (reports/published_budget.h), labelled as not rerun.
#ifndef AANET_REPORTS_SECTIONS_BUDGET_H_
#define AANET_REPORTS_SECTIONS_BUDGET_H_

#include <vector>

#include "absl/status/statusor.h"
#include "reports/aggregate.h"
#include "reports/section.h"
#include "reports/sections/training_curves.h"

namespace aanet::reports {

// The jumps the budget section's tables show, of those evaluated.
inline constexpr int kBudgetJumps[] = {1, 10, 50};

// One row per cell at every (dataset, samples) that has an equal-compute
// cell: the equal-step cells there, then the equal-compute ones. Columns:
// dataset, samples, model, protocol, steps, seeds, wall s per point, the
// loss at kBudgetJumps, and the convergence notes ("converged" or the
// verdicts that are not).
Table EqualComputeTable(const ReportContext& context,
                        const std::vector<Cell>& equal_compute,
                        const std::vector<PointConvergence>& convergence);

// A panel per (dataset, samples) of EqualComputeTable: the test loss against
// the jump, a series per row.
Figure EqualComputeFigure(const ReportContext& context,
                          const std::vector<Cell>& equal_compute);

// The test jump of EqualComputeCurves.
inline constexpr int kBudgetCurveJump = 1;

// A panel per (dataset, samples) of EqualComputeTable: the test loss at
// kBudgetCurveJump against the training step, a curve per point.
Figure EqualComputeCurves(const ReportContext& context,
                          const std::vector<Cell>& equal_compute,
                          const std::vector<PointConvergence>& convergence);

// The flow models' equal-step cells on the default dataset
// (kPublishedBudgetDataset) beside the recorded published-budget cells, plus a
// row per model without a recorded grid.
Table PublishedBudgetTable(const ReportContext& context);

absl::StatusOr<Section> BudgetSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_BUDGET_H_
