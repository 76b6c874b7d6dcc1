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

// "jump 1: converged (3.2 %)", "jump 10: not judged"
std::string VerdictText(const ConvergenceVerdict& v) {
  return absl::StrCat(
      "jump ", v.jump, ": ",
      v.judged ? absl::StrCat(v.converged ? "converged" : "improving", " (",
                              Short(100 * v.improvement), " %)")
               : "not judged");
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
      point.verdicts = JudgeConvergence(*point.curve, p.point.num_steps());
    }
    points.push_back(std::move(point));
  }
  return points;
}

Table ConvergenceTotals(const std::vector<PointConvergence>& points) {
  // model -> jump -> (converged, judged)
  std::map<std::string, std::map<int, std::pair<int, int>>> summary;
  for (const PointConvergence& p : points) {
    for (const ConvergenceVerdict& v : p.verdicts) {
      auto& [converged, judged] = summary[p.point->model()][v.jump];
      judged += v.judged;
      converged += v.converged;
    }
  }
  Table totals{{"model", "converged points per jump"}, {}};
  for (const auto& [model, jumps] : summary) {
    std::vector<std::string> cells;
    for (const auto& [jump, counts] : jumps) {
      cells.push_back(absl::StrCat("jump ", jump, ": ", counts.first, " of ",
                                   counts.second));
    }
    totals.rows.push_back({model, absl::StrJoin(cells, "; ")});
  }
  return totals;
}

Table ConvergenceTable(const std::vector<PointConvergence>& points) {
  Table table{{"model", "point", "steps", "best step", "verdicts"}, {}};
  for (const PointConvergence& p : points) {
    const SweepPoint& point = *p.point;
    if (!p.curve.ok()) {
      // A point without a readable log is reported, not fatal: the rest
      // of the report still stands.
      table.rows.push_back(
          {point.model(), PointLabel(point), absl::StrCat(point.num_steps()),
           "—", absl::StrCat("no training log: ", p.curve.status().message())});
      continue;
    }
    std::vector<std::string> verdicts;
    for (const ConvergenceVerdict& v : p.verdicts) {
      verdicts.push_back(VerdictText(v));
    }
    table.rows.push_back(
        {point.model(), PointLabel(point), absl::StrCat(point.num_steps()),
         absl::StrCat(p.curve->best_step), absl::StrJoin(verdicts, "; ")});
  }
  return table;
}

Table ConvergenceCsv(const std::vector<PointConvergence>& points) {
  Table csv{{"model", "dataset", "num_train_samples", "seed", "num_steps",
             "best_step", "jump", "earlier_median", "later_median",
             "relative_improvement", "converged"},
            {}};
  for (const PointConvergence& p : points) {
    const SweepPoint& point = *p.point;
    for (const ConvergenceVerdict& v : p.verdicts) {
      csv.rows.push_back(
          {point.model(), point.dataset(),
           absl::StrCat(point.num_train_samples()), absl::StrCat(point.seed()),
           absl::StrCat(point.num_steps()), absl::StrCat(p.curve->best_step),
           absl::StrCat(v.jump), Num(v.earlier), Num(v.later),
           Num(v.improvement), v.judged ? (v.converged ? "yes" : "no") : ""});
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
      "jumps, never by the training loss (the jump curriculum moves it): a "
      "point **converged** at a jump when the median test loss over the "
      "last fifth of training improved on the median over the fifth "
      "before by less than ",
      Short(100 * kConvergenceThreshold),
      " % (a loss that got worse counts as converged). `best step` is the "
      "state `best.h5` kept (train/README.md). `convergence.csv` has every "
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
