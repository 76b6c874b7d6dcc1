// Section 6, training curves and convergence: the convergence verdict of
// every trained point (reports/convergence.h), judged on its test loss at
// the logged test jumps, and per model the reference points' training
// curves (every seed overlaid).
#ifndef AANET_REPORTS_SECTIONS_TRAINING_CURVES_H_
#define AANET_REPORTS_SECTIONS_TRAINING_CURVES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "reports/aggregate.h"
#include "reports/convergence.h"
#include "reports/gnuplot.h"
#include "reports/section.h"

namespace aanet::reports {

// One evaluated point and its training log.
struct PointConvergence {
  const SweepPoint* point = nullptr;
  absl::StatusOr<TrainingCurve> curve;  // an error: no readable log
  std::vector<ConvergenceVerdict> verdicts;
};

// Every evaluated point, in the order of the study; reads each point's
// metrics.jsonl.
std::vector<PointConvergence> ComputeConvergence(const ReportContext& context);

// The verdicts of `cell`'s points that are not "converged", e.g.
// "seed 1, jump 10: improving"; empty if every one is converged. Points
// without a training log count as "no training log".
std::vector<std::string> NotConvergedNotes(
    const std::vector<PointConvergence>& points, const Cell& cell);

// Per model: points per verdict and jump.
Table ConvergenceTotals(const std::vector<PointConvergence>& points);
// Per point: steps, best step and the verdicts.
Table ConvergenceTable(const std::vector<PointConvergence>& points);
// Every verdict (convergence.csv).
Table ConvergenceCsv(const std::vector<PointConvergence>& points);
// Per model with reference points that have logs, a figure: a panel per
// test jump, a curve per seed.
std::vector<std::pair<std::string, Figure>> TrainingCurveFigures(
    const std::vector<PointConvergence>& points);

absl::StatusOr<Section> TrainingCurvesSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_TRAINING_CURVES_H_
