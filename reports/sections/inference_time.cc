#include "reports/sections/inference_time.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "reports/format.h"

namespace aanet::reports {
namespace {

// The batch size of the first batch timing of the cell's first seed.
int BatchSize(const Cell& cell) {
  for (const JumpMetrics& m : cell.points.front()->evaluation->jumps()) {
    if (m.has_batch() && m.batch().batch_size() > 0) {
      return m.batch().batch_size();
    }
  }
  return 0;
}

// The number of seeds whose timing failed at `jump`, from a statistic of
// SingleStateFailed or BatchFailed (mean * count).
int FailedSeeds(const std::vector<JumpStatistic>& failed, int jump) {
  const JumpStatistic* s = FindJump(failed, jump);
  if (s == nullptr) return 0;
  return static_cast<int>(std::lround(s->value.mean * s->value.count));
}

// The reason of the first failed timing of `cell` at `jump`.
std::string TimingFailure(const Cell& cell, int jump) {
  for (const StudyPoint* point : cell.points) {
    for (const JumpMetrics& m : point->evaluation->jumps()) {
      if (m.jump() != jump) continue;
      if (m.single_state().failed()) return m.single_state().failure();
      if (m.batch().failed()) return m.batch().failure();
    }
  }
  return "";
}

// The rows of one reference cell.
void AddCellRows(const Cell& cell, std::vector<InferenceTimeRow>* rows) {
  const std::vector<JumpStatistic> singles =
      AggregateJumpMetric(cell, SingleStateMedianSeconds);
  const std::vector<JumpStatistic> batches =
      AggregateJumpMetric(cell, BatchMedianSeconds);
  const std::vector<JumpStatistic> singles_failed =
      AggregateJumpMetric(cell, SingleStateFailed);
  const std::vector<JumpStatistic> batches_failed =
      AggregateJumpMetric(cell, BatchFailed);
  std::set<int> jumps;
  std::map<int, double> dts;
  for (const auto* list :
       {&singles, &batches, &singles_failed, &batches_failed}) {
    for (const JumpStatistic& s : *list) {
      jumps.insert(s.jump);
      dts[s.jump] = s.dt;
    }
  }
  const int batch_size = BatchSize(cell);
  for (int jump : jumps) {
    const JumpStatistic* s = FindJump(singles, jump);
    const JumpStatistic* b = FindJump(batches, jump);
    InferenceTimeRow row{&cell,
                         jump,
                         dts[jump],
                         s == nullptr ? MeanStd() : s->value,
                         b == nullptr ? MeanStd() : b->value,
                         batch_size};
    row.single_state_failed = FailedSeeds(singles_failed, jump);
    row.batch_failed = FailedSeeds(batches_failed, jump);
    if (row.single_state_failed + row.batch_failed > 0) {
      row.failure = TimingFailure(cell, jump);
    }
    rows->push_back(row);
  }
}

// A timing cell: the mean ± std of the seeds that have a time, with the
// failed ones named.
std::string TimeCell(const MeanStd& value, int failed, double scale) {
  if (failed == 0) return MeanPmScaled(value, scale);
  if (value.count == 0) {
    return failed == 1 ? "solve failed"
                       : absl::StrCat("solve failed (", failed, " seeds)");
  }
  return absl::StrCat(MeanPmScaled(value, scale), " (solve failed in ", failed,
                      " of ", failed + value.count, " seeds)");
}

// The (dt, value * scale) rows of one model whose value is plottable.
std::vector<std::vector<double>> TimingRows(
    const std::vector<InferenceTimeRow>& rows, const std::string& model,
    MeanStd InferenceTimeRow::*value, double scale) {
  std::vector<std::vector<double>> data;
  for (const InferenceTimeRow& row : rows) {
    const double mean = (row.*value).mean;
    if (row.cell->model == model && Plottable(mean) && Plottable(row.dt)) {
      data.push_back({row.dt, mean * scale});
    }
  }
  return data;
}

}  // namespace

int InferenceTimeRow::NumSeeds() const {
  return std::max(single_state.count + single_state_failed,
                  batch.count + batch_failed);
}

std::vector<InferenceTimeRow> ComputeInferenceTime(
    const ReportContext& context) {
  std::vector<InferenceTimeRow> rows;
  for (const std::string& model : context.models) {
    const Cell* cell = ReferenceCell(context.cells, model);
    if (cell != nullptr) AddCellRows(*cell, &rows);
  }
  return rows;
}

Table InferenceTimeMarkdown(const std::vector<InferenceTimeRow>& rows) {
  Table table{{"model", "reference point", "jump", "Δt", "single state (µs)",
               "batch (ms)", "batch size", "seeds"},
              {}};
  for (const InferenceTimeRow& row : rows) {
    table.rows.push_back(
        {row.cell->model, CellPoint(*row.cell), absl::StrCat(row.jump),
         Short(row.dt),
         TimeCell(row.single_state, row.single_state_failed, 1e6),
         TimeCell(row.batch, row.batch_failed, 1e3),
         absl::StrCat(row.batch_size), absl::StrCat(row.NumSeeds())});
  }
  return table;
}

Table InferenceTimeCsv(const std::vector<InferenceTimeRow>& rows) {
  Table csv{{"model", "dataset", "num_train_samples", "jump", "dt",
             "single_state_median_us_mean", "single_state_median_us_std",
             "batch_size", "batch_median_ms_mean", "batch_median_ms_std",
             "num_seeds", "single_state_failed_seeds", "batch_failed_seeds"},
            {}};
  for (const InferenceTimeRow& row : rows) {
    csv.rows.push_back(
        {row.cell->model, row.cell->dataset,
         absl::StrCat(row.cell->num_train_samples), absl::StrCat(row.jump),
         Num(row.dt), Num(row.single_state.mean * 1e6),
         Num(row.single_state.std * 1e6), absl::StrCat(row.batch_size),
         Num(row.batch.mean * 1e3), Num(row.batch.std * 1e3),
         absl::StrCat(row.NumSeeds()), absl::StrCat(row.single_state_failed),
         absl::StrCat(row.batch_failed)});
  }
  return csv;
}

Figure InferenceTimeFigure(const std::vector<InferenceTimeRow>& rows,
                           const ReportContext& context) {
  DataBlocks data;
  PlotPanel single{"Single state", "Δt (time units)",
                   "median time per call (µs)", true, true};
  PlotPanel batch{"Batch", "Δt (time units)", "median time per call (ms)", true,
                  true};
  for (const std::string& model : context.models) {
    const auto single_rows =
        TimingRows(rows, model, &InferenceTimeRow::single_state, 1e6);
    const auto batch_rows =
        TimingRows(rows, model, &InferenceTimeRow::batch, 1e3);
    if (!single_rows.empty()) {
      single.series.push_back(
          {model,
           data.Add(absl::StrCat(model, ", single state: dt, median us"),
                    single_rows),
           "1:2", "linespoints", context.Color(model)});
    }
    if (!batch_rows.empty()) {
      // Every row of a model has its cell's batch size.
      int batch_size = 0;
      for (const InferenceTimeRow& row : rows) {
        if (row.cell->model == model) batch_size = row.batch_size;
      }
      batch.series.push_back(
          {model,
           data.Add(absl::StrCat(model, ", batch of ", batch_size,
                                 ": dt, median ms"),
                    batch_rows),
           "1:2", "linespoints", context.Color(model)});
      batch.title = absl::StrCat("Batch of ", batch_size, " states");
    }
  }
  Figure figure;
  figure.name = "fig_inference_time";
  figure.columns = 2;
  if (!single.series.empty()) figure.panels.push_back(single);
  if (!batch.series.empty()) figure.panels.push_back(batch);
  figure.data = data.text();
  return figure;
}

std::string InferenceTimeFigureNote(const std::vector<InferenceTimeRow>& rows) {
  std::vector<std::string> left_out;
  for (const InferenceTimeRow& row : rows) {
    for (const auto& [what, failed, timed] :
         {std::tuple("single state", row.single_state_failed,
                     row.single_state.count),
          std::tuple("batch", row.batch_failed, row.batch.count)}) {
      if (failed == 0) continue;
      left_out.push_back(absl::StrFormat(
          "%s (%s), jump %d, %s: solve failed in %d of %d seeds (%s)",
          row.cell->model, CellPoint(*row.cell), row.jump, what, failed,
          failed + timed, row.failure));
    }
  }
  return FigureNote(left_out, {},
                    "failed timings (no time; a point drawn there is the "
                    "mean of the other seeds)");
}

absl::StatusOr<Section> InferenceTimeSection(const ReportContext& context) {
  const std::vector<InferenceTimeRow> rows = ComputeInferenceTime(context);
  Section section;
  section.csv_files.push_back({"inference_time.csv", InferenceTimeCsv(rows)});
  section.blocks.push_back(TextBlock(
      "## 3. Inference time vs Δt (Figure 3a)\n\n"
      "*How to read:* wall time of one prediction call at each jump, at "
      "each model's reference point (mean ± std over seeds of the per-seed "
      "medians); a flat line is Δt-independent inference, a rising one an "
      "integrator taking more steps. A call that predicts a non-finite "
      "state ends its timing (a failed solve stops early and would look "
      "fast): the table says *solve failed* there.\n\n"));
  if (rows.empty()) {
    section.blocks.push_back(
        TextBlock("*No timing was measured in this sweep (evaluations "
                  "without single_state or batch timing).*\n\n"));
    return section;
  }
  section.blocks.push_back(TableBlock(InferenceTimeMarkdown(rows)));
  section.blocks.push_back(
      FigureBlock(InferenceTimeFigure(rows, context), "Inference time vs dt"));
  const std::string note = InferenceTimeFigureNote(rows);
  if (!note.empty()) section.blocks.push_back(TextBlock(note));
  return section;
}

}  // namespace aanet::reports
