#include "reports/sections/budget.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "reports/format.h"
#include "reports/published_budget.h"

namespace aanet::reports {
namespace {

std::string ProtocolName(Protocol protocol) {
  return protocol == EQUAL_COMPUTE ? "equal compute" : "equal steps";
}

// The (dataset, samples) points of `cells`, in the sweep's order of
// datasets, then ascending samples.
std::vector<GridPoint> GridPointsOf(const std::vector<Cell>& cells) {
  std::set<std::pair<int, int>> seen;
  std::vector<std::pair<std::pair<int, int>, GridPoint>> ranked;
  for (const Cell& c : cells) {
    if (seen.insert({c.dataset_rank, c.num_train_samples}).second) {
      ranked.push_back({{c.dataset_rank, c.num_train_samples},
                        {c.dataset, c.num_train_samples}});
    }
  }
  std::sort(ranked.begin(), ranked.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<GridPoint> points;
  for (const auto& [rank, point] : ranked) points.push_back(point);
  return points;
}

// The cells shown at `at`: the equal-step ones, then the equal-compute ones.
std::vector<std::pair<const Cell*, Protocol>> CellsAt(
    const ReportContext& context, const std::vector<Cell>& equal_compute,
    const GridPoint& at) {
  std::vector<std::pair<const Cell*, Protocol>> shown;
  for (const auto* cells : {&context.cells, &equal_compute}) {
    for (const Cell& c : *cells) {
      if (c.dataset == at.dataset &&
          c.num_train_samples == at.num_train_samples) {
        shown.emplace_back(
            &c, cells == &equal_compute ? EQUAL_COMPUTE : EQUAL_STEPS);
      }
    }
  }
  return shown;
}

MeanStd WallSecondsPerPoint(const Cell& cell) {
  std::vector<double> seconds;
  for (const StudyPoint* p : cell.points) {
    seconds.push_back(p->point.wall_seconds());
  }
  return ComputeMeanStd(seconds);
}

std::string LossAt(const Cell& cell, int jump) {
  const std::vector<JumpStatistic> losses =
      AggregateJumpMetric(cell, PredictionLoss);
  const JumpStatistic* s = FindJump(losses, jump);
  return s == nullptr ? "—" : MeanPm(s->value);
}

std::string ConvergenceNotes(const std::vector<PointConvergence>& convergence,
                             const Cell& cell) {
  const std::vector<std::string> notes = NotConvergedNotes(convergence, cell);
  return notes.empty() ? "converged" : absl::StrJoin(notes, "; ");
}

// "neural_ode 52 ms, action_angle_flow 1.9 ms": per model, the wall time
// of its equal-step points (training and evaluation) over their steps.
std::string WallPerStep(const ReportContext& context) {
  std::map<std::string, std::pair<double, double>> totals;  // seconds, steps
  for (const Cell& c : context.cells) {
    for (const StudyPoint* p : c.points) {
      totals[c.model].first += p->point.wall_seconds();
      totals[c.model].second += p->point.num_steps();
    }
  }
  std::vector<std::string> parts;
  for (const auto& [model, t] : totals) {
    if (t.first <= 0 || t.second <= 0) continue;
    parts.push_back(
        absl::StrCat(model, " ", Short(1000 * t.first / t.second), " ms"));
  }
  return absl::StrJoin(parts, ", ");
}

// Whether any cell of `context` has a recorded published-budget cell.
bool AnyRecorded(const ReportContext& context) {
  for (const RecordedCell& r : RecordedPublishedBudgetCells()) {
    if (FindCell(context.cells, r.model, {r.dataset, r.num_train_samples})) {
      return true;
    }
  }
  return false;
}

}  // namespace

Table EqualComputeTable(const ReportContext& context,
                        const std::vector<Cell>& equal_compute,
                        const std::vector<PointConvergence>& convergence) {
  Table table{{"dataset", "samples", "model", "protocol", "steps", "seeds",
               "wall s per point (this run)"},
              {}};
  for (int jump : kBudgetJumps) {
    table.header.push_back(absl::StrCat("loss, jump ", jump));
  }
  table.header.push_back("convergence");
  for (const GridPoint& at : GridPointsOf(equal_compute)) {
    for (const auto& [cell, protocol] : CellsAt(context, equal_compute, at)) {
      std::vector<std::string> row = {
          at.dataset,
          absl::StrCat(at.num_train_samples),
          cell->model,
          ProtocolName(protocol),
          absl::StrCat(cell->points.front()->point.num_steps()),
          absl::StrCat(cell->points.size()),
          MeanPm(WallSecondsPerPoint(*cell))};
      for (int jump : kBudgetJumps) row.push_back(LossAt(*cell, jump));
      row.push_back(ConvergenceNotes(convergence, *cell));
      table.rows.push_back(std::move(row));
    }
  }
  return table;
}

namespace {

// A figure of one wide panel a row: its legends, outside, need the width.
Figure WidePanelsFigure(const std::string& name) {
  Figure figure;
  figure.name = name;
  figure.columns = 1;
  figure.panel_width = 1000;
  figure.panel_height = 400;
  return figure;
}

}  // namespace

Figure EqualComputeFigure(const ReportContext& context,
                          const std::vector<Cell>& equal_compute) {
  DataBlocks blocks;
  Figure figure = WidePanelsFigure("fig_equal_compute");
  const std::vector<GridPoint> grid = GridPointsOf(equal_compute);
  for (const GridPoint& at : grid) {
    PlotPanel panel;
    panel.title =
        absl::StrFormat("%s, %d samples", at.dataset, at.num_train_samples);
    panel.x_label = "jump (dt in time steps)";
    panel.y_label = "test prediction loss";
    panel.log_x = panel.log_y = true;
    panel.commands.push_back("set key outside right top");
    for (const auto& [cell, protocol] : CellsAt(context, equal_compute, at)) {
      std::vector<std::vector<double>> rows;
      for (const JumpStatistic& s :
           AggregateJumpMetric(*cell, PredictionLoss)) {
        if (Plottable(s.value.mean))
          rows.push_back(ErrorBarRow(s.jump, s.value));
      }
      if (rows.empty()) continue;
      const int steps = cell->points.front()->point.num_steps();
      const std::string title = absl::StrFormat(
          "%s, %d steps (%s)", cell->model, steps, ProtocolName(protocol));
      const int index =
          blocks.Add(absl::StrCat(title, ", ", panel.title,
                                  ": jump, mean loss, mean - std, mean + std"),
                     rows);
      // An equal-compute model takes the colour of the config it shares a
      // name with, dashed.
      const std::string base = cell->model.substr(0, cell->model.find('@'));
      panel.series.push_back({title, index, "1:2:3:4",
                              protocol == EQUAL_COMPUTE
                                  ? "yerrorlines dashtype 2 linewidth 2"
                                  : "yerrorlines",
                              context.Color(base)});
    }
    if (!panel.series.empty()) figure.panels.push_back(std::move(panel));
  }
  figure.data = blocks.text();
  return figure;
}

Figure EqualComputeCurves(const ReportContext& context,
                          const std::vector<Cell>& equal_compute,
                          const std::vector<PointConvergence>& convergence) {
  DataBlocks blocks;
  Figure figure = WidePanelsFigure("fig_equal_compute_curves");
  const std::vector<GridPoint> grid = GridPointsOf(equal_compute);
  for (const GridPoint& at : grid) {
    PlotPanel panel;
    panel.title =
        absl::StrFormat("%s, %d samples: test loss at jump %d", at.dataset,
                        at.num_train_samples, kBudgetCurveJump);
    panel.x_label = "training step";
    panel.y_label = "test prediction loss";
    panel.log_x = panel.log_y = true;
    panel.commands.push_back("set key outside right top");
    for (const auto& [cell, protocol] : CellsAt(context, equal_compute, at)) {
      for (const StudyPoint* member : cell->points) {
        for (const PointConvergence& p : convergence) {
          if (p.point != &member->point || !p.curve.ok()) continue;
          auto it = p.curve->test_losses.find(kBudgetCurveJump);
          if (it == p.curve->test_losses.end()) continue;
          std::vector<std::vector<double>> rows;
          for (size_t i = 0; i < p.curve->steps.size(); ++i) {
            if (Plottable(it->second[i])) {
              rows.push_back(
                  {static_cast<double>(p.curve->steps[i]), it->second[i]});
            }
          }
          if (rows.empty()) continue;
          const std::string title =
              absl::StrFormat("%s, %d steps, seed %d", cell->model,
                              p.point->num_steps(), p.point->seed());
          const std::string base = cell->model.substr(0, cell->model.find('@'));
          panel.series.push_back(
              {title, blocks.Add(absl::StrCat(title, ": step, loss"), rows),
               "1:2",
               protocol == EQUAL_COMPUTE ? "lines dashtype 2 linewidth 2"
                                         : "lines",
               context.Color(base)});
        }
      }
    }
    if (!panel.series.empty()) figure.panels.push_back(std::move(panel));
  }
  figure.data = blocks.text();
  return figure;
}

Table PublishedBudgetTable(const ReportContext& context) {
  Table table{
      {"model", "dataset", "samples", "budget", "steps", "seeds", "source"},
      {}};
  for (int jump : kRecordedJumps) {
    table.header.push_back(absl::StrCat("loss, jump ", jump));
  }
  for (const RecordedCell& r : RecordedPublishedBudgetCells()) {
    const Cell* cell =
        FindCell(context.cells, r.model, {r.dataset, r.num_train_samples});
    if (cell == nullptr) continue;
    std::vector<std::string> ours = {
        r.model,
        r.dataset,
        absl::StrCat(r.num_train_samples),
        "this run",
        absl::StrCat(cell->points.front()->point.num_steps()),
        absl::StrCat(cell->points.size()),
        "computed by this job"};
    for (int jump : kRecordedJumps) ours.push_back(LossAt(*cell, jump));
    table.rows.push_back(std::move(ours));
    table.rows.push_back({r.model, r.dataset, absl::StrCat(r.num_train_samples),
                          "published", absl::StrCat(kPublishedBudgetSteps),
                          absl::StrCat(kPublishedBudgetSeeds),
                          "recorded, not rerun by this job", r.loss_jump_1,
                          r.loss_jump_10, r.loss_jump_50});
  }
  for (const UnrecordedModel& m : UnrecordedPublishedBudgetModels()) {
    if (std::find(context.models.begin(), context.models.end(), m.model) ==
        context.models.end()) {
      continue;
    }
    std::vector<std::string> row = {
        m.model, "—",  "—", "published", absl::StrCat(kPublishedBudgetSteps),
        "—",     m.why};
    for (size_t i = 0; i < std::size(kRecordedJumps); ++i) row.push_back("—");
    table.rows.push_back(std::move(row));
  }
  return table;
}

absl::StatusOr<Section> BudgetSection(const ReportContext& context) {
  const std::vector<Cell> equal_compute =
      GroupIntoCells(context.study, EQUAL_COMPUTE);
  const bool recorded = AnyRecorded(context);
  Section section;
  if (equal_compute.empty() && !recorded) return section;
  const std::vector<PointConvergence> convergence = ComputeConvergence(context);
  section.blocks.push_back(TextBlock(absl::StrCat(
      "## 2b. Equal steps, equal compute and the published budget\n\n"
      "The paper compares the models at equal steps, and so do the other "
      "sections of this report. But a step of an integrating model (Neural "
      "ODE, HNN) costs many times one of the flow models', so equal steps "
      "is not equal compute, and a short budget leaves the flow models "
      "short of converging. This section shows both protocols; its cells "
      "are never pooled into the other sections. Wall time per training "
      "step in this run (training and evaluation, over all equal-step "
      "points of each model; it depends on the machine's load): ",
      WallPerStep(context), ".\n\n")));
  if (!equal_compute.empty()) {
    const Table table = EqualComputeTable(context, equal_compute, convergence);
    section.csv_files.push_back({"equal_compute.csv", table});
    section.blocks.push_back(TextBlock(
        "### Equal compute\n\n"
        "*How to read:* each model marked *equal compute* trained for about "
        "the CPU time of the Neural ODE's point at equal steps, capped at "
        "the published 50,000 steps, on the same datasets and seeds; its "
        "step count is fixed in the sweep config (which says how it was "
        "measured), so a run never depends on the machine's load. The "
        "equal-step cells of the same grid point are beside it. Test "
        "prediction loss in scaled units, mean ± sample std over seeds; `wall "
        "s per point` is this run's training and evaluation time (it "
        "depends on the machine's load). `convergence` lists every verdict "
        "of section 6 that is not *converged*. `equal_compute.csv` has the "
        "table.\n\n"));
    section.blocks.push_back(TableBlock(table));
    section.blocks.push_back(
        FigureBlock(EqualComputeFigure(context, equal_compute),
                    "Equal compute: test loss against the jump"));
    section.blocks.push_back(TextBlock(absl::StrCat(
        "The same cells' test loss at jump ", kBudgetCurveJump,
        " during training, every seed (equal compute dashed); a long flat "
        "stretch is a plateau the model has not left yet.\n\n")));
    section.blocks.push_back(
        FigureBlock(EqualComputeCurves(context, equal_compute, convergence),
                    "Equal compute: training curves"));
  }
  if (recorded) {
    section.blocks.push_back(TextBlock(absl::StrCat(
        "### This run beside the published budget\n\n"
        "*How to read:* the flow models' cells of this run beside the "
        "results this project recorded at the published budget (",
        kPublishedBudgetSteps, " steps, ", kPublishedBudgetSeeds,
        " seeds; mean ± sample std). The published-budget rows are **not "
        "rerun by this job**: they were measured in ",
        kPublishedBudgetDate, " with `", kPublishedBudgetCommand,
        "` and recorded in `", kPublishedBudgetDocument, "` at commit ",
        kPublishedBudgetCommit,
        ", which has the whole grid and its cost.\n\n")));
    section.blocks.push_back(TableBlock(PublishedBudgetTable(context)));
  }
  return section;
}

}  // namespace aanet::reports
