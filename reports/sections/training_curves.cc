#include "reports/sections/training_curves.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "reports/format.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;

// "(1889, 1944.5] vs (1944.5, 2000]"
std::string WindowsText(const JudgingWindows& w) {
  return absl::StrCat("(", Num(w.earlier_begin), ", ", Num(w.later_begin),
                      "] vs (", Num(w.later_begin), ", ", Num(w.later_end),
                      "]");
}

// "jump 1: converged (-3.2 %)", "jump 10: too few evaluations (2, 5)"
std::string VerdictText(const ConvergenceVerdict& v) {
  std::string text =
      absl::StrCat("jump ", v.jump, ": ", VerdictName(v.verdict));
  switch (v.verdict) {
    case Verdict::kConverged:
    case Verdict::kImproving:
    case Verdict::kWorse:
      absl::StrAppend(&text, " (", Short(100 * v.improvement), " %)");
      break;
    case Verdict::kTooFewEvaluations:
      absl::StrAppend(&text, " (", v.earlier_count, ", ", v.later_count, ")");
      break;
    case Verdict::kDiverged:
      break;
  }
  return text;
}

// The reference points with a training log, per model.
std::map<std::string, std::vector<const PointConvergence*>> ReferenceCurves(
    const std::vector<PointConvergence>& points) {
  std::map<std::string, std::vector<const PointConvergence*>> curves;
  for (const PointConvergence& p : points) {
    if (p.curve.ok() && p.point->is_reference()) {
      curves[p.point->model()].push_back(&p);
    }
  }
  return curves;
}

// The panel of one test jump: a curve per seed.
PlotPanel JumpPanel(const std::string& model, int jump,
                    const std::vector<const PointConvergence*>& curves,
                    DataBlocks* data) {
  PlotPanel panel;
  panel.title = absl::StrCat(model, ": test loss at jump ", jump);
  panel.x_label = "training step";
  panel.y_label = "test prediction loss";
  panel.log_y = true;
  panel.commands = {"set key outside right top", "set xtics rotate by -30"};
  for (const PointConvergence* p : curves) {
    const TrainingCurve& curve = *p->curve;
    auto it = curve.test_losses.find(jump);
    if (it == curve.test_losses.end()) continue;
    std::vector<std::vector<double>> rows;
    for (size_t i = 0; i < curve.steps.size(); ++i) {
      if (Plottable(it->second[i])) {
        rows.push_back({static_cast<double>(curve.steps[i]), it->second[i]});
      }
    }
    if (rows.empty()) continue;
    panel.series.push_back(
        {absl::StrCat("seed ", p->point->seed()),
         data->Add(absl::StrCat(PointLabel(*p->point), ", jump ", jump), rows),
         "1:2", "lines", 0});
  }
  return panel;
}

}  // namespace

std::vector<PointConvergence> ComputeConvergence(const ReportContext& context) {
  std::vector<PointConvergence> points;
  for (const StudyPoint& p : context.study.points) {
    if (!p.evaluation.has_value()) continue;
    PointConvergence point{
        &p.point,
        ReadTrainingCurve((fs::path(context.study.sweep_dir) /
                           p.point.directory() / "metrics.jsonl")
                              .string()),
        {}};
    if (point.curve.ok()) {
      point.verdicts = JudgeConvergence(
          *point.curve,
          WindowsOfPoint(p.evaluation->config_text(), p.point.num_steps(),
                         p.point.num_train_samples()));
    }
    points.push_back(std::move(point));
  }
  return points;
}

std::vector<std::string> NotConvergedNotes(
    const std::vector<PointConvergence>& points, const Cell& cell) {
  std::vector<std::string> notes;
  for (const StudyPoint* member : cell.points) {
    for (const PointConvergence& p : points) {
      if (p.point != &member->point) continue;
      if (!p.curve.ok()) {
        notes.push_back(
            absl::StrCat("seed ", p.point->seed(), ": no training log"));
        continue;
      }
      for (const ConvergenceVerdict& v : p.verdicts) {
        if (v.verdict == Verdict::kConverged) continue;
        notes.push_back(absl::StrCat("seed ", p.point->seed(), ", jump ",
                                     v.jump, ": ", VerdictName(v.verdict)));
      }
    }
  }
  return notes;
}

Table ConvergenceTotals(const std::vector<PointConvergence>& points) {
  // model -> jump -> verdict -> points
  std::map<std::string, std::map<int, std::map<Verdict, int>>> summary;
  for (const PointConvergence& p : points) {
    for (const ConvergenceVerdict& v : p.verdicts) {
      ++summary[p.point->model()][v.jump][v.verdict];
    }
  }
  Table totals{{"model", "points per verdict and jump"}, {}};
  for (const auto& [model, jumps] : summary) {
    std::vector<std::string> cells;
    for (const auto& [jump, counts] : jumps) {
      std::vector<std::string> parts;
      for (const auto& [verdict, count] : counts) {
        parts.push_back(absl::StrCat(count, " ", VerdictName(verdict)));
      }
      cells.push_back(
          absl::StrCat("jump ", jump, ": ", absl::StrJoin(parts, ", ")));
    }
    totals.rows.push_back({model, absl::StrJoin(cells, "; ")});
  }
  return totals;
}

Table ConvergenceTable(const std::vector<PointConvergence>& points) {
  Table table{
      {"model", "point", "steps", "best step", "windows (steps)", "verdicts"},
      {}};
  for (const PointConvergence& p : points) {
    const SweepPoint& point = *p.point;
    if (!p.curve.ok()) {
      // A point without a readable log is reported, not fatal: the rest
      // of the report still stands.
      table.rows.push_back(
          {point.model(), PointLabel(point), absl::StrCat(point.num_steps()),
           "—", "—",
           absl::StrCat("no training log: ", p.curve.status().message())});
      continue;
    }
    std::vector<std::string> verdicts;
    for (const ConvergenceVerdict& v : p.verdicts) {
      verdicts.push_back(VerdictText(v));
    }
    table.rows.push_back(
        {point.model(), PointLabel(point), absl::StrCat(point.num_steps()),
         absl::StrCat(p.curve->best_step),
         p.verdicts.empty() ? "—" : WindowsText(p.verdicts.front().windows),
         absl::StrJoin(verdicts, "; ")});
  }
  return table;
}

Table ConvergenceCsv(const std::vector<PointConvergence>& points) {
  Table csv{
      {"model", "dataset", "num_train_samples", "seed", "num_steps",
       "best_step", "jump", "earlier_window_begin", "later_window_begin",
       "later_window_end", "earlier_evaluations", "later_evaluations",
       "earlier_median", "later_median", "relative_improvement", "verdict"},
      {}};
  for (const PointConvergence& p : points) {
    const SweepPoint& point = *p.point;
    for (const ConvergenceVerdict& v : p.verdicts) {
      csv.rows.push_back(
          {point.model(), point.dataset(),
           absl::StrCat(point.num_train_samples()), absl::StrCat(point.seed()),
           absl::StrCat(point.num_steps()), absl::StrCat(p.curve->best_step),
           absl::StrCat(v.jump), Num(v.windows.earlier_begin),
           Num(v.windows.later_begin), Num(v.windows.later_end),
           absl::StrCat(v.earlier_count), absl::StrCat(v.later_count),
           Num(v.earlier), Num(v.later), Num(v.improvement),
           VerdictName(v.verdict)});
    }
  }
  return csv;
}

std::vector<std::pair<std::string, Figure>> TrainingCurveFigures(
    const std::vector<PointConvergence>& points) {
  std::vector<std::pair<std::string, Figure>> figures;
  for (const auto& [model, curves] : ReferenceCurves(points)) {
    std::set<int> jumps;
    for (const PointConvergence* p : curves) {
      for (const auto& [jump, losses] : p->curve->test_losses) {
        jumps.insert(jump);
      }
    }
    DataBlocks data;
    Figure figure;
    figure.name = absl::StrCat("fig_training_", model);
    figure.columns = static_cast<int>(std::min<size_t>(jumps.size(), 3));
    for (int jump : jumps) {
      PlotPanel panel = JumpPanel(model, jump, curves, &data);
      if (!panel.series.empty()) figure.panels.push_back(std::move(panel));
    }
    figure.data = data.text();
    figures.emplace_back(model, std::move(figure));
  }
  return figures;
}

absl::StatusOr<Section> TrainingCurvesSection(const ReportContext& context) {
  const std::vector<PointConvergence> points = ComputeConvergence(context);
  Section section;
  section.csv_files.push_back({"convergence.csv", ConvergenceCsv(points)});
  section.blocks.push_back(TextBlock(absl::StrCat(
      "## 6. Training curves and convergence\n\n"
      "*How to read:* each model's test prediction loss at fixed jumps "
      "against the training step, for the reference points (every seed "
      "overlaid); the table judges every point by its test loss at those "
      "jumps, never by the training loss (the jump curriculum moves it), and "
      "only on evaluations after the curriculum's ramp has reached the "
      "largest jump, so that both windows saw the same curriculum. The later "
      "window is the last ",
      Short(100 * kWindowFraction),
      " % of the steps or, when the ramp ends later than that leaves room "
      "for, the later half of the steps after the ramp; the earlier window "
      "is as long and ends where the later begins (each point's windows are "
      "in the table). Comparing the median test loss of the later window "
      "with that of the earlier, a point is **converged** at a jump when it "
      "changed by less than ",
      Short(100 * kConvergenceThreshold),
      " % either way, **improving** when it fell by ",
      Short(100 * kConvergenceThreshold),
      " % or more (more steps would help), **worse** when it rose by as "
      "much, **diverged** when any test loss logged at that jump was not "
      "finite, and **too few evaluations** when a window holds fewer than ",
      kMinEvaluationsPerWindow,
      " evaluations (the numbers in brackets). `best step` is the state "
      "`best.h5` kept (train/README.md). `convergence.csv` has every "
      "verdict.\n\n")));
  section.blocks.push_back(TableBlock(ConvergenceTotals(points)));
  section.blocks.push_back(TableBlock(ConvergenceTable(points)));
  for (auto& [model, figure] : TrainingCurveFigures(points)) {
    section.blocks.push_back(FigureBlock(
        std::move(figure), absl::StrCat("training curves of ", model)));
  }
  return section;
}

}  // namespace aanet::reports
