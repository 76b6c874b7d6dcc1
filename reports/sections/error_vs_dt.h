// Section 4, prediction error vs Δt (the paper's Figure 3b): the test loss
// (in the published unit and in the test split's) and mean |ΔH| at every
// evaluated jump, at each model's reference point, with the trivial
// predictors' levels.
// Jumps beyond the model's trained range (its config's training.max_jump,
// reports/aggregate.h TrainedMaxJump) are marked † and the trained range
// is shaded.
#ifndef AANET_REPORTS_SECTIONS_ERROR_VS_DT_H_
#define AANET_REPORTS_SECTIONS_ERROR_VS_DT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reports/aggregate.h"
#include "reports/gnuplot.h"
#include "reports/section.h"

namespace aanet::reports {

// One jump of one model's reference cell.
struct ErrorVsDtRow {
  const Cell* cell = nullptr;
  int jump = 0;
  double dt = 0;
  MeanStd loss;
  MeanStd energy_change;  // count 0 if not evaluated
  bool beyond_trained_range = false;
  // The loss in the test split's units; count 0 if not evaluated.
  MeanStd loss_test_scaled;
  // The trivial predictors' losses (reference levels) in the published unit
  // of this cell and in the test split's; count 0 if not evaluated.
  MeanStd train_mean;
  MeanStd random_phase;
  MeanStd train_mean_test_scaled;
  MeanStd random_phase_test_scaled;
  // Failed predictions at this jump; num_seeds 0 if none.
  FailedPredictions failed;
};

// One model's reference cell and its trained range.
struct TrainedRange {
  std::string model;
  std::optional<int> max_jump;  // nullopt: its configs do not say
};

struct ErrorVsDt {
  std::vector<ErrorVsDtRow> rows;     // per model, ascending jump
  std::vector<TrainedRange> trained;  // per model with a reference cell
  // The shaded range: the smallest known max_jump and its dt (from the
  // first model's jumps); unset if no model's range is known.
  std::optional<int> shaded_jump;
  std::optional<double> shaded_dt;
};

ErrorVsDt ComputeErrorVsDt(const ReportContext& context);

Table ErrorVsDtMarkdown(const ErrorVsDt& data);
Table ErrorVsDtCsv(const ErrorVsDt& data);
// The losses with the trivial predictors' levels of each reference point.
Figure ErrorVsDtFigure(const ErrorVsDt& data, const ReportContext& context);
// The note under the figure: rows it leaves out and failed predictions;
// empty if there are none.
std::string ErrorVsDtFigureNote(const ErrorVsDt& data);

absl::StatusOr<Section> ErrorVsDtSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_ERROR_VS_DT_H_
