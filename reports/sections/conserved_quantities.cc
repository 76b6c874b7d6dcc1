#include "reports/sections/conserved_quantities.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "proto/evaluation.pb.h"
#include "reports/format.h"

namespace aanet::reports {
namespace {

// The cell of `model` on `dataset` this section shows: the marked reference
// cell if it is on the dataset, else the training-set size closest to the
// reference one; nullptr if the model has no cell there.
const Cell* CellOn(const std::vector<Cell>& cells, const std::string& model,
                   const std::string& dataset) {
  std::vector<GridPoint> available;
  for (const Cell& cell : cells) {
    if (cell.model != model || cell.dataset != dataset) continue;
    if (cell.is_reference) return &cell;
    available.push_back({cell.dataset, cell.num_train_samples});
  }
  const std::optional<GridPoint> point =
      ChooseReferencePoint(available, dataset);
  return point.has_value() ? FindCell(cells, model, *point) : nullptr;
}

// The change of quantity `name` at a jump (relative or absolute), or
// nullopt where the evaluation does not record it.
JumpMetric QuantityMetric(const std::string& name, bool relative) {
  return [name, relative](const JumpMetrics& m) -> std::optional<double> {
    for (const ConservedQuantityChange& q : m.conserved_quantities()) {
      if (q.name() == name) {
        return relative ? q.mean_relative_change() : q.mean_abs_change();
      }
    }
    return std::nullopt;
  };
}

// The names the evaluations of `cell` record, in first-appearance order,
// appended to `names` if new.
void AddNames(const Cell& cell, std::vector<std::string>* names) {
  for (const StudyPoint* p : cell.points) {
    for (const JumpMetrics& m : p->evaluation->jumps()) {
      for (const ConservedQuantityChange& q : m.conserved_quantities()) {
        if (std::find(names->begin(), names->end(), q.name()) == names->end()) {
          names->push_back(q.name());
        }
      }
    }
  }
}

// The rollout of `name` over the seeds of `cell`, per jump.
void AddRolloutRows(const Cell& cell, const std::string& name,
                    std::vector<QuantityRolloutRow>* rows) {
  struct Values {
    double dt = 0;
    std::vector<double> relative, absolute;
    int num_failed = 0;
  };
  std::map<int, Values> by_jump;
  for (const StudyPoint* p : cell.points) {
    if (!p->evaluation->has_vpt()) continue;
    for (const ConservedQuantityRollout& r :
         p->evaluation->vpt().conserved_quantities()) {
      if (r.name() != name) continue;
      for (int i = 0; i < r.jumps_size(); ++i) {
        Values& v = by_jump[r.jumps(i)];
        if (i < r.dt_size()) v.dt = r.dt(i);
        if (i < r.mean_relative_change_size()) {
          v.relative.push_back(r.mean_relative_change(i));
        }
        if (i < r.mean_abs_change_size()) {
          v.absolute.push_back(r.mean_abs_change(i));
        }
        if (i < r.num_failed_size()) v.num_failed += r.num_failed(i);
      }
    }
  }
  for (const auto& [jump, v] : by_jump) {
    rows->push_back({&cell, name, jump, v.dt, ComputeMeanStd(v.relative),
                     ComputeMeanStd(v.absolute), v.num_failed});
  }
}

// "1.2e-05 ± 3e-06" with ‡ if some predictions failed.
std::string ChangeText(const MeanStd& value, bool failed) {
  return MeanPm(value) + (failed ? " ‡" : "");
}

}  // namespace

std::vector<QuantityDataset> ComputeConservedQuantities(
    const ReportContext& context) {
  std::vector<QuantityDataset> result;
  for (const DatasetInfo& info : DatasetsOf(context.study)) {
    QuantityDataset data;
    data.dataset = info.label;
    std::vector<const Cell*> cells;
    for (const std::string& model : context.models) {
      const Cell* cell = CellOn(context.cells, model, info.label);
      if (cell == nullptr) continue;
      cells.push_back(cell);
      AddNames(*cell, &data.quantities);
    }
    if (data.quantities.empty()) continue;
    for (const std::string& name : data.quantities) {
      for (const Cell* cell : cells) {
        const std::vector<JumpStatistic> relative =
            AggregateJumpMetric(*cell, QuantityMetric(name, true));
        const std::vector<JumpStatistic> absolute =
            AggregateJumpMetric(*cell, QuantityMetric(name, false));
        const std::vector<FailedPredictions> failed =
            CellFailedPredictions(*cell);
        for (const JumpStatistic& s : relative) {
          QuantityDriftRow row{cell, name, s.jump, s.dt, s.value, {}, {}};
          if (const JumpStatistic* a = FindJump(absolute, s.jump)) {
            row.absolute = a->value;
          }
          for (const FailedPredictions& f : failed) {
            if (f.jump == s.jump) row.failed = f;
          }
          data.rows.push_back(row);
        }
        AddRolloutRows(*cell, name, &data.rollout);
      }
    }
    result.push_back(std::move(data));
  }
  return result;
}

Table ConservedQuantitiesMarkdown(const QuantityDataset& data) {
  Table table{{"quantity", "model", "point", "jump", "Δt",
               "relative change |ΔQ|/|Q| (fraction)", "mean |ΔQ|", "seeds"},
              {}};
  for (const QuantityDriftRow& row : data.rows) {
    const bool failed = row.failed.num_seeds > 0;
    table.rows.push_back({row.quantity, row.cell->model, CellPoint(*row.cell),
                          absl::StrCat(row.jump), Short(row.dt),
                          ChangeText(row.relative, failed),
                          MeanPm(row.absolute),
                          absl::StrCat(row.relative.count)});
  }
  return table;
}

Table QuantityRolloutMarkdown(const QuantityDataset& data) {
  Table table{{"quantity", "model", "point", "jump", "Δt",
               "relative change |ΔQ|/|Q| (fraction)", "mean |ΔQ|",
               "failed start states", "seeds"},
              {}};
  for (const QuantityRolloutRow& row : data.rollout) {
    table.rows.push_back({row.quantity, row.cell->model, CellPoint(*row.cell),
                          absl::StrCat(row.jump), Short(row.dt),
                          MeanPm(row.relative), MeanPm(row.absolute),
                          absl::StrCat(row.num_failed),
                          absl::StrCat(row.relative.count)});
  }
  return table;
}

Table ConservedQuantitiesCsv(const std::vector<QuantityDataset>& data) {
  Table csv{{"dataset", "quantity", "model", "num_train_samples", "kind",
             "jump", "dt", "mean_relative_change", "std_relative_change",
             "mean_abs_change", "std_abs_change", "num_seeds", "num_failed"},
            {}};
  for (const QuantityDataset& d : data) {
    for (const QuantityDriftRow& row : d.rows) {
      csv.rows.push_back({d.dataset, row.quantity, row.cell->model,
                          absl::StrCat(row.cell->num_train_samples), "pairs",
                          absl::StrCat(row.jump), Num(row.dt),
                          Num(row.relative.mean), Num(row.relative.std),
                          Num(row.absolute.mean), Num(row.absolute.std),
                          absl::StrCat(row.relative.count),
                          absl::StrCat(row.failed.num_failed)});
    }
    for (const QuantityRolloutRow& row : d.rollout) {
      csv.rows.push_back(
          {d.dataset, row.quantity, row.cell->model,
           absl::StrCat(row.cell->num_train_samples), "rollout",
           absl::StrCat(row.jump), Num(row.dt), Num(row.relative.mean),
           Num(row.relative.std), Num(row.absolute.mean), Num(row.absolute.std),
           absl::StrCat(row.relative.count), absl::StrCat(row.num_failed)});
    }
  }
  return csv;
}

Figure ConservedQuantitiesFigure(const std::vector<QuantityDataset>& data,
                                 const ReportContext& context) {
  DataBlocks blocks;
  Figure figure;
  figure.name = "fig_conserved_quantities";
  figure.panel_width = 620;
  figure.panel_height = 440;
  for (const QuantityDataset& d : data) {
    for (const std::string& name : d.quantities) {
      PlotPanel panel{absl::StrCat(name, " on ", d.dataset), "Δt (time units)",
                      "relative change |ΔQ|/|Q|", true, true};
      for (const std::string& model : context.models) {
        std::vector<std::vector<double>> pairs, rollout;
        for (const QuantityDriftRow& row : d.rows) {
          if (row.quantity == name && row.cell->model == model &&
              Plottable(row.relative.mean) && Plottable(row.dt)) {
            pairs.push_back(ErrorBarRow(row.dt, row.relative));
          }
        }
        for (const QuantityRolloutRow& row : d.rollout) {
          if (row.quantity == name && row.cell->model == model &&
              Plottable(row.relative.mean) && Plottable(row.dt)) {
            rollout.push_back({row.dt, row.relative.mean});
          }
        }
        if (!pairs.empty()) {
          panel.series.push_back(
              {model,
               blocks.Add(absl::StrCat(model, ", ", name, " on ", d.dataset,
                                       ": dt, mean, mean - std, mean + std"),
                          pairs),
               "1:2:3:4", "yerrorlines", context.Color(model)});
        }
        if (!rollout.empty()) {
          panel.series.push_back(
              {absl::StrCat(model, ", rollout"),
               blocks.Add(absl::StrCat(model, ", ", name, " on ", d.dataset,
                                       ": rollout dt, mean"),
                          rollout),
               "1:2", "lines dashtype 2", context.Color(model)});
        }
      }
      panel.commands.push_back("set key outside right top vertical");
      if (!panel.series.empty()) figure.panels.push_back(std::move(panel));
    }
  }
  figure.columns = std::min<int>(2, figure.panels.size());
  figure.data = blocks.text();
  return figure;
}

std::string ConservedQuantitiesFigureNote(
    const std::vector<QuantityDataset>& data) {
  std::vector<std::string> left_out, failed;
  for (const QuantityDataset& d : data) {
    for (const QuantityDriftRow& row : d.rows) {
      if (!Plottable(row.relative.mean)) {
        left_out.push_back(absl::StrFormat(
            "%s, %s (%s), jump %d: %s", row.quantity, row.cell->model,
            CellPoint(*row.cell), row.jump, Num(row.relative.mean)));
      }
      if (row.failed.num_seeds > 0) {
        failed.push_back(FailedPredictionsText(*row.cell, row.failed));
      }
    }
    for (const QuantityRolloutRow& row : d.rollout) {
      if (!Plottable(row.relative.mean)) {
        left_out.push_back(absl::StrFormat(
            "%s, %s (%s), rollout jump %d: %s", row.quantity, row.cell->model,
            CellPoint(*row.cell), row.jump, Num(row.relative.mean)));
      }
    }
  }
  return FigureNote(left_out, failed,
                    "left out (no positive finite value: a change of exactly "
                    "0 is not on a log axis)");
}

absl::StatusOr<Section> ConservedQuantitiesSection(
    const ReportContext& context) {
  const std::vector<QuantityDataset> data = ComputeConservedQuantities(context);
  Section section;
  if (data.empty()) return section;
  section.csv_files.push_back(
      {"conserved_quantities.csv", ConservedQuantitiesCsv(data)});
  section.blocks.push_back(TextBlock(
      "## 4b. Conserved quantities along predictions\n\n"
      "*How to read:* besides the energy, these datasets' systems declare "
      "quantities that the true dynamics conserve exactly, so the true "
      "change is 0 and any change between a state and a model's prediction "
      "of it is the model's error. Per model (mean ± std over seeds at the "
      "point named), the mean over test pairs of |Q(predicted) − Q(input)| "
      "/ |Q(input)| at each evaluated jump (the pairs of section 4; ‡: some "
      "predictions failed, counted and not averaged), and along a long "
      "rollout: the valid prediction time's predictions of its start states "
      "at jumps past the test split (dashed in the figure).\n\n"));
  for (const QuantityDataset& d : data) {
    section.blocks.push_back(TextBlock(absl::StrCat(
        "### ", d.dataset, ": ", absl::StrJoin(d.quantities, ", "),
        "\n\nThe true dynamics conserve ", absl::StrJoin(d.quantities, " and "),
        " exactly (relative change 0).\n\n")));
    section.blocks.push_back(TableBlock(ConservedQuantitiesMarkdown(d)));
    const Table rollout = QuantityRolloutMarkdown(d);
    if (!rollout.rows.empty()) {
      section.blocks.push_back(
          TextBlock("Along the rollout of the valid prediction time's start "
                    "states:\n\n"));
      section.blocks.push_back(TableBlock(rollout));
    }
  }
  section.blocks.push_back(
      FigureBlock(ConservedQuantitiesFigure(data, context),
                  "Relative change of each conserved quantity vs dt"));
  const std::string note = ConservedQuantitiesFigureNote(data);
  if (!note.empty()) section.blocks.push_back(TextBlock(note));
  return section;
}

}  // namespace aanet::reports
