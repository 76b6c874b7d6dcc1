// Section 3, inference time vs Δt (the paper's Figure 3a): the median
// single-state and batch prediction times at every evaluated jump, at each
// model's reference point; log-log. A timing whose solve failed has no time:
// the table says "solve failed" and the figure's note names it.
#ifndef AANET_REPORTS_SECTIONS_INFERENCE_TIME_H_
#define AANET_REPORTS_SECTIONS_INFERENCE_TIME_H_

#include <vector>

#include "absl/status/statusor.h"
#include "reports/aggregate.h"
#include "reports/gnuplot.h"
#include "reports/section.h"

namespace aanet::reports {

// One jump of one model's reference cell.
struct InferenceTimeRow {
  const Cell* cell = nullptr;
  int jump = 0;
  double dt = 0;
  MeanStd single_state;  // seconds; count 0 if not measured
  MeanStd batch;         // seconds; count 0 if not measured
  int batch_size = 0;    // of the cell's first seed; 0 if none
  // Seeds whose timing failed (a non-finite prediction; Timing.failed):
  // they have no time, and the means above are over the others.
  int single_state_failed = 0;
  int batch_failed = 0;
  std::string failure;   // the first failed timing's reason
  int NumSeeds() const;  // seeds timed either way, failed ones included
};

// Per model with a reference cell, every jump timed either way, ascending.
std::vector<InferenceTimeRow> ComputeInferenceTime(
    const ReportContext& context);

Table InferenceTimeMarkdown(const std::vector<InferenceTimeRow>& rows);
Table InferenceTimeCsv(const std::vector<InferenceTimeRow>& rows);
// Two panels: single state (µs) and batch (ms) against dt.
Figure InferenceTimeFigure(const std::vector<InferenceTimeRow>& rows,
                           const ReportContext& context);
// The note under the figure: failed timings, which it cannot show; empty
// if there are none.
std::string InferenceTimeFigureNote(const std::vector<InferenceTimeRow>& rows);

absl::StatusOr<Section> InferenceTimeSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_INFERENCE_TIME_H_
