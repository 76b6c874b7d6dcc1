#include "reports/sections/error_vs_dt.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "reports/format.h"

namespace aanet::reports {
namespace {

// The rows of one reference cell.
void AddCellRows(const Cell& cell, std::optional<int> max_jump,
                 std::vector<ErrorVsDtRow>* rows) {
  const std::vector<JumpStatistic> losses =
      AggregateJumpMetric(cell, PredictionLoss);
  const std::vector<JumpStatistic> energies =
      AggregateJumpMetric(cell, EnergyChange);
  const std::vector<JumpStatistic> test_scaled =
      AggregateJumpMetric(cell, TestScaledPredictionLoss);
  const std::vector<JumpStatistic> levels[] = {
      AggregateJumpMetric(cell, TrainMeanLoss),
      AggregateJumpMetric(cell, RandomPhaseLoss),
      AggregateJumpMetric(cell, TrainMeanLossTestScaled),
      AggregateJumpMetric(cell, RandomPhaseLossTestScaled)};
  const std::vector<FailedPredictions> failed = CellFailedPredictions(cell);
  auto value = [](const std::vector<JumpStatistic>& in, int jump) {
    const JumpStatistic* s = FindJump(in, jump);
    return s == nullptr ? MeanStd() : s->value;
  };
  for (const JumpStatistic& s : losses) {
    ErrorVsDtRow row{&cell,
                     s.jump,
                     s.dt,
                     s.value,
                     value(energies, s.jump),
                     max_jump.has_value() && s.jump > *max_jump,
                     value(test_scaled, s.jump),
                     value(levels[0], s.jump),
                     value(levels[1], s.jump),
                     value(levels[2], s.jump),
                     value(levels[3], s.jump)};
    for (const FailedPredictions& f : failed) {
      if (f.jump == s.jump) row.failed = f;
    }
    rows->push_back(row);
  }
}

// The trivial predictors' levels drawn in the figure.
struct Level {
  const char* title;
  const char* style;
  MeanStd ErrorVsDtRow::*value;
};
constexpr Level kLevels[] = {
    {"training mean", "lines dashtype 2 linewidth 1.5 linecolor rgb '#555555'",
     &ErrorVsDtRow::train_mean},
    {"true orbit, random phase",
     "lines dashtype 3 linewidth 1.5 linecolor rgb '#555555'",
     &ErrorVsDtRow::random_phase}};

// The dt of `jump`, from the first row with a positive jump and dt.
std::optional<double> DtOfJump(const std::vector<ErrorVsDtRow>& rows,
                               const Cell* cell, int jump) {
  for (const ErrorVsDtRow& row : rows) {
    if (row.cell == cell && row.jump > 0 && row.dt > 0) {
      return row.dt / row.jump * jump;
    }
  }
  return std::nullopt;
}

// What the reader is told about the trained range.
std::string TrainedRangeText(const ErrorVsDt& data) {
  std::set<int> known;
  size_t num_known = 0;
  std::vector<std::string> per_model;
  for (const TrainedRange& t : data.trained) {
    if (t.max_jump.has_value()) {
      known.insert(*t.max_jump);
      ++num_known;
    }
    per_model.push_back(absl::StrCat(
        t.model, ": ",
        t.max_jump.has_value() ? absl::StrCat(*t.max_jump) : "unknown"));
  }
  if (known.empty()) {
    return "the evaluated configs do not record training.max_jump, so no "
           "jump is marked as extrapolation";
  }
  if (known.size() == 1 && num_known == data.trained.size()) {
    return absl::StrFormat(
        "training saw jumps 1 to %d (shaded in the plot), jumps marked † are "
        "extrapolation",
        *known.begin());
  }
  return absl::StrFormat(
      "training saw jumps 1 to each model's training.max_jump (%s; the "
      "shaded range is the smallest), jumps marked † are extrapolation",
      absl::StrJoin(per_model, ", "));
}

// gnuplot commands shading jumps up to `jump` (at `dt`).
std::vector<std::string> ShadeCommands(int jump, double dt) {
  const std::string x = absl::StrFormat("%.9g", dt);
  return {
      absl::StrCat("set object 1 rectangle from graph 0, graph 0 to first ", x,
                   ", graph 1 behind fillcolor rgb '#e4e4e4' fillstyle "
                   "solid 1.0 noborder"),
      absl::StrCat("set arrow 1 from first ", x, ", graph 0 to first ", x,
                   ", graph 1 nohead dashtype 2"),
      // From the shaded range's left edge: right-aligned at its right edge,
      // the text ran over the y axis when the range was narrow.
      absl::StrFormat("set label 1 'trained range (jump <= %d)' at graph 0, "
                      "graph 0.97 left offset 0.5,0",
                      jump),
      "set key outside right top vertical"};
}

}  // namespace

ErrorVsDt ComputeErrorVsDt(const ReportContext& context) {
  ErrorVsDt data;
  for (const std::string& model : context.models) {
    const Cell* cell = ReferenceCell(context.cells, model);
    if (cell == nullptr) continue;
    const std::optional<int> max_jump = TrainedMaxJump(*cell);
    data.trained.push_back({model, max_jump});
    if (max_jump.has_value()) {
      data.shaded_jump =
          std::min(data.shaded_jump.value_or(*max_jump), *max_jump);
    }
    AddCellRows(*cell, max_jump, &data.rows);
  }
  if (data.shaded_jump.has_value()) {
    // The dt of the first model with a positive jump and dt.
    for (const TrainedRange& t : data.trained) {
      data.shaded_dt = DtOfJump(
          data.rows, ReferenceCell(context.cells, t.model), *data.shaded_jump);
      if (data.shaded_dt.has_value()) break;
    }
  }
  return data;
}

Table ErrorVsDtMarkdown(const ErrorVsDt& data) {
  Table table{{"model", "reference point", "jump", "Δt", "prediction loss",
               "test-σ loss", "mean |ΔH|", "seeds"},
              {}};
  for (const ErrorVsDtRow& row : data.rows) {
    const std::string failed = row.failed.num_seeds > 0 ? " ‡" : "";
    table.rows.push_back(
        {row.cell->model, CellPoint(*row.cell),
         absl::StrCat(row.jump, row.beyond_trained_range ? " †" : ""),
         Short(row.dt), MeanPm(row.loss) + failed,
         MeanPm(row.loss_test_scaled) + failed, MeanPm(row.energy_change),
         absl::StrCat(row.loss.count)});
  }
  return table;
}

// "" for a level the evaluations lack.
std::string LevelNum(const MeanStd& level) {
  return level.count == 0 ? std::string() : Num(level.mean);
}

Table ErrorVsDtCsv(const ErrorVsDt& data) {
  Table csv{{"model", "dataset", "num_train_samples", "jump", "dt",
             "beyond_trained_range", "mean_loss", "std_loss",
             "mean_energy_change", "std_energy_change", "num_seeds",
             "mean_loss_test_scaled", "std_loss_test_scaled", "train_mean_loss",
             "random_phase_loss", "train_mean_loss_test_scaled",
             "random_phase_loss_test_scaled", "num_failed_pairs"},
            {}};
  for (const ErrorVsDtRow& row : data.rows) {
    csv.rows.push_back(
        {row.cell->model, row.cell->dataset,
         absl::StrCat(row.cell->num_train_samples), absl::StrCat(row.jump),
         Num(row.dt), row.beyond_trained_range ? "1" : "0", Num(row.loss.mean),
         Num(row.loss.std), Num(row.energy_change.mean),
         Num(row.energy_change.std), absl::StrCat(row.loss.count),
         LevelNum(row.loss_test_scaled),
         row.loss_test_scaled.count == 0 ? "" : Num(row.loss_test_scaled.std),
         LevelNum(row.train_mean), LevelNum(row.random_phase),
         LevelNum(row.train_mean_test_scaled),
         LevelNum(row.random_phase_test_scaled),
         absl::StrCat(row.failed.num_failed)});
  }
  return csv;
}

Figure ErrorVsDtFigure(const ErrorVsDt& data, const ReportContext& context) {
  DataBlocks blocks;
  PlotPanel panel{"Prediction error vs Δt", "Δt (time units)",
                  "test prediction loss", true, true};
  for (const TrainedRange& t : data.trained) {
    std::vector<std::vector<double>> points;
    for (const ErrorVsDtRow& row : data.rows) {
      if (row.cell->model == t.model && Plottable(row.loss.mean) &&
          Plottable(row.dt)) {
        points.push_back(ErrorBarRow(row.dt, row.loss));
      }
    }
    if (points.empty()) continue;
    panel.series.push_back(
        {t.model,
         blocks.Add(
             absl::StrCat(t.model, ": dt, mean loss, mean - std, mean + std"),
             points),
         "1:2:3:4", "yerrorlines", context.Color(t.model)});
  }
  // The levels of each distinct reference point (its units).
  std::vector<const Cell*> points;
  for (const ErrorVsDtRow& row : data.rows) {
    bool seen = false;
    for (const Cell* c : points) {
      seen = seen || (c->dataset == row.cell->dataset &&
                      c->num_train_samples == row.cell->num_train_samples);
    }
    if (!seen) points.push_back(row.cell);
  }
  for (const Cell* point : points) {
    for (const Level& level : kLevels) {
      std::vector<std::vector<double>> rows;
      std::set<int> jumps;
      for (const ErrorVsDtRow& row : data.rows) {
        const MeanStd& value = row.*level.value;
        if (row.cell->dataset == point->dataset &&
            row.cell->num_train_samples == point->num_train_samples &&
            Plottable(value.mean) && Plottable(row.dt) &&
            jumps.insert(row.jump).second) {
          rows.push_back({row.dt, value.mean});
        }
      }
      if (rows.empty()) continue;
      std::sort(rows.begin(), rows.end());
      const std::string title =
          points.size() == 1
              ? std::string(level.title)
              : absl::StrCat(level.title, " (", CellPoint(*point), ")");
      panel.series.push_back(
          {title,
           blocks.Add(absl::StrCat("level '", title, "': dt, loss"), rows),
           "1:2", level.style, 0});
    }
  }
  if (data.shaded_jump.has_value() && data.shaded_dt.has_value()) {
    panel.commands = ShadeCommands(*data.shaded_jump, *data.shaded_dt);
  }
  Figure figure;
  figure.name = "fig_error_vs_dt";
  figure.panel_width = 720;
  figure.panel_height = 480;
  if (!panel.series.empty()) figure.panels.push_back(std::move(panel));
  figure.data = blocks.text();
  return figure;
}

std::string ErrorVsDtFigureNote(const ErrorVsDt& data) {
  std::vector<std::string> left_out, failed;
  for (const ErrorVsDtRow& row : data.rows) {
    if (!Plottable(row.loss.mean)) {
      left_out.push_back(absl::StrFormat("%s (%s), jump %d: mean loss %s",
                                         row.cell->model, CellPoint(*row.cell),
                                         row.jump, Num(row.loss.mean)));
    }
    if (row.failed.num_seeds > 0) {
      failed.push_back(FailedPredictionsText(*row.cell, row.failed));
    }
  }
  return FigureNote(left_out, failed);
}

absl::StatusOr<Section> ErrorVsDtSection(const ReportContext& context) {
  const ErrorVsDt data = ComputeErrorVsDt(context);
  Section section;
  section.csv_files.push_back({"error_vs_dt.csv", ErrorVsDtCsv(data)});
  section.blocks.push_back(TextBlock(absl::StrCat(
      "## 4. Prediction error vs Δt (Figure 3b)\n\n"
      "*How to read:* test prediction loss (mean ± std over seeds) at each "
      "jump, at each model's reference point; ",
      TrainedRangeText(data),
      ". A flat curve past the shaded range means the model generalises to "
      "longer jumps. The grey lines are the reference levels of section 2 "
      "at the reference point, in the same unit: predicting the training "
      "mean, and the true orbit at a random phase (a curve above them "
      "predicts worse than these trivial guesses). The table also gives "
      "the loss in the test split's unit (test-σ, section 2); ‡: some "
      "predictions failed (listed under the figure).\n\n")));
  if (data.rows.empty()) {
    section.blocks.push_back(
        TextBlock("*No evaluated point in this sweep.*\n\n"));
    return section;
  }
  section.blocks.push_back(TableBlock(ErrorVsDtMarkdown(data)));
  section.blocks.push_back(
      FigureBlock(ErrorVsDtFigure(data, context), "Prediction error vs dt"));
  const std::string note = ErrorVsDtFigureNote(data);
  if (!note.empty()) section.blocks.push_back(TextBlock(note));
  // A system without true frequencies (not integrable) has a Lyapunov time
  // instead; section 4c draws this figure per dataset with it marked.
  bool without_truth = false;
  for (const ErrorVsDtRow& row : data.rows) {
    for (const StudyPoint* point : row.cell->points) {
      without_truth =
          without_truth || (point->evaluation.has_value() &&
                            point->evaluation->true_frequencies().empty());
    }
  }
  if (without_truth) {
    section.blocks.push_back(TextBlock(
        "The reference dataset's system has no true frequencies: section 4c "
        "gives its Lyapunov time and draws this figure for every dataset "
        "with the Lyapunov time marked.\n\n"));
  }
  return section;
}

}  // namespace aanet::reports
