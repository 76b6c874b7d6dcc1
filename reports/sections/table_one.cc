#include "reports/sections/table_one.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "reports/format.h"

namespace aanet::reports {
namespace {

// Model names longer than this stand vertically below their tic.
constexpr size_t kLongestSlantedName = 20;

// One (x = row, y) data row per row whose `value` is plottable.
template <typename Value>
std::vector<std::vector<double>> PerModelRows(
    const std::vector<TableOneRow>& rows, Value value) {
  std::vector<std::vector<double>> data;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::optional<double> y = value(rows[i]);
    if (y.has_value() && Plottable(*y)) {
      data.push_back({static_cast<double>(i), *y});
    }
  }
  return data;
}

// The x axis of every panel: one tic per model. Long model names (e.g. a
// grid axis's "model@field=value") would run past the panel when slanted:
// they stand vertically below their tic.
std::vector<std::string> ModelAxis(const std::vector<TableOneRow>& rows,
                                   size_t longest) {
  std::vector<std::string> tics;
  for (size_t i = 0; i < rows.size(); ++i) {
    tics.push_back(absl::StrCat(GnuplotQuote(rows[i].cell->model), " ", i));
  }
  const bool vertical = longest > kLongestSlantedName;
  return {absl::StrFormat("set xrange [-0.6:%f]", rows.size() - 0.4),
          absl::StrCat("set xtics (", absl::StrJoin(tics, ", "), ")",
                       vertical ? " rotate by 90 right" : " rotate by -20"),
          // Points, not bars: a bar's length on a log axis depends on where
          // the axis starts and means nothing. Room at the top keeps the
          // legend off the points.
          "set offsets 0, 0, graph 0.3, graph 0.08", "set key top left"};
}

PlotSeries Points(const std::string& title, int index,
                  const std::string& using_columns, int point_type, int color) {
  return {title, index, using_columns,
          absl::StrFormat("points pointtype %d pointsize 1.6", point_type),
          color};
}

// The parameter count per model; no series if none is plottable.
PlotPanel ParametersPanel(const std::vector<TableOneRow>& rows,
                          const std::vector<std::string>& axis,
                          DataBlocks* data) {
  PlotPanel panel{"Parameter count", "", "parameters", false, true, axis};
  const auto points =
      PerModelRows(rows, [](const TableOneRow& r) { return r.num_parameters; });
  if (!points.empty()) {
    panel.series.push_back(
        Points("", data->Add("parameter count per model (x = model)", points),
               "1:2", 7, 1));
  }
  return panel;
}

// The inference-time growth per model, with a dashed line at 1.
PlotPanel GrowthPanel(const std::vector<TableOneRow>& rows,
                      const std::vector<std::string>& axis, DataBlocks* data) {
  PlotPanel panel{"Inference-time growth (single state)",
                  "",
                  "time at large jump / time at jump 1",
                  false,
                  true,
                  axis};
  panel.commands.push_back(
      "set arrow from graph 0, first 1 to graph 1, first 1 nohead "
      "dashtype 2");
  const auto points = PerModelRows(rows, [](const TableOneRow& r) {
    return r.timing.has_value() ? std::optional<double>(r.Growth())
                                : std::nullopt;
  });
  if (!points.empty()) {
    panel.series.push_back(Points(
        "", data->Add("inference-time growth per model", points), "1:2", 7, 2));
  }
  return panel;
}

// The mean |dH| at the small and at the large jump per model, side by side.
PlotPanel EnergyPanel(const std::vector<TableOneRow>& rows,
                      const std::vector<std::string>& axis, DataBlocks* data) {
  PlotPanel panel{"Mean |ΔH| at the small and large jump",
                  "",
                  "mean |ΔH| (original units)",
                  false,
                  true,
                  axis};
  const auto small = PerModelRows(rows, [](const TableOneRow& r) {
    return r.energy.has_value()
               ? std::optional<double>(r.energy->small.value.mean)
               : std::nullopt;
  });
  const auto large = PerModelRows(rows, [](const TableOneRow& r) {
    return r.energy.has_value()
               ? std::optional<double>(r.energy->large.value.mean)
               : std::nullopt;
  });
  if (!small.empty()) {
    panel.series.push_back(
        Points("small jump", data->Add("mean |dH| at the small jump", small),
               "($1-0.12):2", 7, 3));
  }
  if (!large.empty()) {
    panel.series.push_back(
        Points("large jump", data->Add("mean |dH| at the large jump", large),
               "($1+0.12):2", 5, 4));
  }
  return panel;
}

std::string WithJump(const std::string& text, int jump) {
  return absl::StrCat(text, " (jump ", jump, ")");
}

}  // namespace

std::optional<double> RelativeEnergyChange(const JumpMetrics& metrics) {
  if (!metrics.has_mean_relative_energy_change()) return std::nullopt;
  if (metrics.mean_relative_energy_change() == 0 &&
      metrics.mean_abs_energy_change() != 0) {
    return std::nullopt;
  }
  return metrics.mean_relative_energy_change();
}

std::optional<SmallAndLarge> SmallAndLargeJump(
    const std::vector<JumpStatistic>& statistics, size_t min_jumps) {
  if (statistics.empty() || statistics.size() < min_jumps) return std::nullopt;
  return SmallAndLarge{statistics.front(), statistics.back()};
}

double TableOneRow::Growth() const {
  if (!timing.has_value() || !timing_failure.empty()) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return timing->large.value.mean / timing->small.value.mean;
}

std::vector<TableOneRow> ComputeTableOne(const ReportContext& context) {
  std::vector<TableOneRow> rows;
  for (const std::string& model : context.models) {
    const Cell* cell = ReferenceCell(context.cells, model);
    if (cell == nullptr) continue;
    TableOneRow row;
    row.cell = cell;
    std::vector<double> counts;
    for (const StudyPoint* p : cell->points) {
      counts.push_back(static_cast<double>(p->evaluation->num_parameters()));
    }
    row.num_parameters = ComputeMeanStd(counts).mean;
    // The timed jumps, failed ones included: a jump whose every seed failed
    // must not let a smaller one stand in for it. A failed seed has no
    // time; the means are over the others (NaN if none).
    const std::vector<JumpStatistic> singles =
        AggregateJumpMetric(*cell, SingleStateMedianSeconds);
    const std::vector<JumpStatistic> failed =
        AggregateJumpMetric(*cell, SingleStateFailed);
    row.timing = SmallAndLargeJump(failed, 2);
    if (row.timing.has_value()) {
      for (JumpStatistic* s : {&row.timing->small, &row.timing->large}) {
        const int seeds =
            static_cast<int>(std::lround(s->value.mean * s->value.count));
        if (seeds > 0 && row.timing_failure.empty()) {
          row.timing_failure =
              absl::StrFormat("solve failed at jump %d in %d of %d seeds",
                              s->jump, seeds, s->value.count);
        }
        const JumpStatistic* measured = FindJump(singles, s->jump);
        s->value = measured == nullptr ? MeanStd() : measured->value;
      }
    }
    row.energy = SmallAndLargeJump(AggregateJumpMetric(*cell, EnergyChange), 1);
    row.relative_energy =
        SmallAndLargeJump(AggregateJumpMetric(*cell, RelativeEnergyChange), 1);
    std::vector<double> medians, censored;
    for (const StudyPoint* p : cell->points) {
      if (!p->evaluation->has_vpt()) continue;
      const ValidPredictionTime& vpt = p->evaluation->vpt();
      medians.push_back(vpt.median_time());
      censored.push_back(vpt.fraction_censored());
      row.vpt_failed += vpt.num_failed();
      row.vpt_start_states += vpt.num_start_states();
      row.vpt_max_time = std::max(row.vpt_max_time, vpt.max_time());
    }
    row.vpt_seeds = static_cast<int>(medians.size());
    row.vpt_median = ComputeMeanStd(medians);
    row.vpt_censored = ComputeMeanStd(censored);
    rows.push_back(std::move(row));
  }
  return rows;
}

Table TableOneMarkdown(const std::vector<TableOneRow>& rows) {
  Table table{{"model", "kind", "reference point", "seeds", "parameters",
               "inference-time growth", "mean |ΔH|/|H|, small jump",
               "mean |ΔH|/|H|, large jump", "mean |ΔH|, small jump",
               "mean |ΔH|, large jump"},
              {}};
  for (const TableOneRow& row : rows) {
    const Cell& cell = *row.cell;
    std::string growth = "not measured";
    if (!row.timing_failure.empty()) {
      growth = row.timing_failure;
    } else if (row.timing.has_value()) {
      growth = absl::StrFormat("%s (jump %d / jump %d)", Short(row.Growth()),
                               row.timing->large.jump, row.timing->small.jump);
    }
    // No energy at all (imported trajectories without a Hamiltonian): said
    // in words, not a dash that could read as "not measured".
    const bool unknown = !row.energy.has_value() &&
                         !row.relative_energy.has_value() &&
                         cell.points.front()->point.system() == "imported";
    const std::string missing = unknown ? "not known (imported)" : "—";
    std::string small = missing, large = missing;
    if (row.energy.has_value()) {
      small = WithJump(MeanPm(row.energy->small.value), row.energy->small.jump);
      large = WithJump(MeanPm(row.energy->large.value), row.energy->large.jump);
    }
    std::string relative_small = missing, relative_large = missing;
    if (row.relative_energy.has_value()) {
      const SmallAndLarge& r = *row.relative_energy;
      relative_small = WithJump(MeanPm(r.small.value), r.small.jump);
      relative_large = WithJump(MeanPm(r.large.value), r.large.jump);
    }
    table.rows.push_back({cell.model, cell.model_kind, CellPoint(cell),
                          absl::StrCat(cell.points.size()),
                          absl::StrFormat("%.0f", row.num_parameters), growth,
                          relative_small, relative_large, small, large});
  }
  return table;
}

Table VptMarkdown(const std::vector<TableOneRow>& rows) {
  Table table{{"model", "reference point", "seeds", "median VPT",
               "censored fraction", "failed solves", "J·Δt"},
              {}};
  for (const TableOneRow& row : rows) {
    if (row.vpt_seeds == 0) continue;
    // A median at J dt is censored: the model stayed valid to the end.
    const std::string median = row.vpt_median.mean >= row.vpt_max_time
                                   ? absl::StrCat("> ", Num(row.vpt_max_time))
                                   : MeanPm(row.vpt_median);
    table.rows.push_back(
        {row.cell->model, CellPoint(*row.cell), absl::StrCat(row.vpt_seeds),
         median, absl::StrFormat("%.2f", row.vpt_censored.mean),
         absl::StrFormat("%d of %d", row.vpt_failed, row.vpt_start_states),
         Num(row.vpt_max_time)});
  }
  return table;
}

Table VptCsv(const std::vector<TableOneRow>& rows) {
  Table csv{{"model", "model_kind", "num_train_samples", "num_seeds",
             "vpt_median_mean", "vpt_median_std", "fraction_censored_mean",
             "num_failed", "num_start_states", "max_time"},
            {}};
  for (const TableOneRow& row : rows) {
    if (row.vpt_seeds == 0) continue;
    csv.rows.push_back(
        {row.cell->model, row.cell->model_kind,
         absl::StrCat(row.cell->num_train_samples), absl::StrCat(row.vpt_seeds),
         Num(row.vpt_median.mean), Num(row.vpt_median.std),
         Num(row.vpt_censored.mean), absl::StrCat(row.vpt_failed),
         absl::StrCat(row.vpt_start_states), Num(row.vpt_max_time)});
  }
  return csv;
}

Table TableOneCsv(const std::vector<TableOneRow>& rows) {
  Table csv{{"model",
             "model_kind",
             "dataset",
             "num_train_samples",
             "num_seeds",
             "num_parameters",
             "timing_small_jump",
             "timing_large_jump",
             "single_state_median_us_small",
             "single_state_median_us_large",
             "inference_time_growth",
             "energy_small_jump",
             "energy_change_small_mean",
             "energy_change_small_std",
             "energy_large_jump",
             "energy_change_large_mean",
             "energy_change_large_std",
             "relative_energy_change_small_mean",
             "relative_energy_change_small_std",
             "relative_energy_change_large_mean",
             "relative_energy_change_large_std",
             "timing_failure"},
            {}};
  for (const TableOneRow& row : rows) {
    const Cell& cell = *row.cell;
    std::vector<std::string> fields = {cell.model,
                                       cell.model_kind,
                                       cell.dataset,
                                       absl::StrCat(cell.num_train_samples),
                                       absl::StrCat(cell.points.size()),
                                       Num(row.num_parameters)};
    std::vector<std::string> timing(5, ""), energy(6, ""), relative(4, "");
    if (row.timing.has_value()) {
      const SmallAndLarge& t = *row.timing;
      timing = {absl::StrCat(t.small.jump), absl::StrCat(t.large.jump),
                Num(t.small.value.mean * 1e6), Num(t.large.value.mean * 1e6),
                Num(row.Growth())};
    }
    if (row.energy.has_value()) {
      const SmallAndLarge& e = *row.energy;
      energy = {absl::StrCat(e.small.jump), Num(e.small.value.mean),
                Num(e.small.value.std),     absl::StrCat(e.large.jump),
                Num(e.large.value.mean),    Num(e.large.value.std)};
    }
    // At the same jumps as the absolute change: both come from every
    // evaluated jump of the same evaluations.
    if (row.relative_energy.has_value()) {
      const SmallAndLarge& r = *row.relative_energy;
      relative = {Num(r.small.value.mean), Num(r.small.value.std),
                  Num(r.large.value.mean), Num(r.large.value.std)};
    }
    fields.insert(fields.end(), timing.begin(), timing.end());
    fields.insert(fields.end(), energy.begin(), energy.end());
    fields.insert(fields.end(), relative.begin(), relative.end());
    fields.push_back(row.timing_failure);
    csv.rows.push_back(std::move(fields));
  }
  return csv;
}

Figure TableOneFigure(const std::vector<TableOneRow>& rows) {
  size_t longest = 0;
  for (const TableOneRow& row : rows) {
    longest = std::max(longest, row.cell->model.size());
  }
  const std::vector<std::string> axis = ModelAxis(rows, longest);
  Figure figure;
  figure.name = "fig_table1";
  figure.columns = 3;
  figure.panel_width = std::max(360, 110 * static_cast<int>(rows.size()));
  if (longest > kLongestSlantedName) {
    figure.panel_height =
        380 + 7 * static_cast<int>(longest - kLongestSlantedName);
  }
  DataBlocks data;
  // In this order: the blocks of the data file follow it (a braced list
  // is evaluated left to right).
  PlotPanel panels[] = {ParametersPanel(rows, axis, &data),
                        GrowthPanel(rows, axis, &data),
                        EnergyPanel(rows, axis, &data)};
  for (PlotPanel& panel : panels) {
    if (!panel.series.empty()) figure.panels.push_back(std::move(panel));
  }
  figure.data = data.text();
  return figure;
}

std::string TableOneFigureNote(const std::vector<TableOneRow>& rows) {
  std::vector<std::string> left_out, failed;
  for (const TableOneRow& row : rows) {
    const std::string& model = row.cell->model;
    if (!row.timing_failure.empty()) {
      left_out.push_back(
          absl::StrCat(model, ", inference-time growth: ", row.timing_failure));
    } else if (row.timing.has_value() && !Plottable(row.Growth())) {
      left_out.push_back(
          absl::StrCat(model, ", inference-time growth: ", Num(row.Growth())));
    }
    if (row.energy.has_value()) {
      for (const JumpStatistic* s : {&row.energy->small, &row.energy->large}) {
        if (!Plottable(s->value.mean)) {
          left_out.push_back(absl::StrFormat("%s, mean |ΔH| at jump %d: %s",
                                             model, s->jump,
                                             Num(s->value.mean)));
        }
      }
      // The |ΔH| of failed predictions is not in the means.
      for (const FailedPredictions& f : CellFailedPredictions(*row.cell)) {
        if (f.jump == row.energy->small.jump ||
            f.jump == row.energy->large.jump) {
          failed.push_back(FailedPredictionsText(*row.cell, f));
        }
      }
    }
  }
  return FigureNote(left_out, failed);
}

absl::StatusOr<Section> TableOneSection(const ReportContext& context) {
  const std::vector<TableOneRow> rows = ComputeTableOne(context);
  Section section;
  section.csv_files.push_back({"table1.csv", TableOneCsv(rows)});
  section.blocks.push_back(TextBlock(
      "## 1. Table 1, measured\n\n"
      "*How to read:* per model at its reference point (mean over seeds): "
      "an inference-time growth near 1 means the cost of a prediction does "
      "not depend on Δt (the paper's O(1)); an integrator's grows with the "
      "jump. Smaller energy changes mean better energy conservation: "
      "|ΔH|/|H| is the mean over the test pairs of |H(predicted) − H(input)| "
      "/ |H(input)|, H the system's true Hamiltonian, a fraction of the "
      "conserved energy (0.01 = 1%); |ΔH| is the same change in the "
      "dataset's energy units, as the published code logs it.\n\n"));
  if (rows.empty()) {
    section.blocks.push_back(
        TextBlock("*No evaluated point in this sweep.*\n\n"));
    return section;
  }
  section.blocks.push_back(TableBlock(TableOneMarkdown(rows)));
  section.blocks.push_back(
      FigureBlock(TableOneFigure(rows), "Table 1, measured"));
  const std::string note = TableOneFigureNote(rows);
  if (!note.empty()) section.blocks.push_back(TextBlock(note));
  const Table vpt = VptMarkdown(rows);
  if (!vpt.rows.empty()) {
    section.csv_files.push_back({"vpt.csv", VptCsv(rows)});
    section.blocks.push_back(TextBlock(
        "**Valid prediction time** (VPT, DeepMind's Hamiltonian dynamics "
        "suite's rule on states; eval/README.md): per test start state, the "
        "last Δt before the normalised error mean((prediction − truth)²) / "
        "mean(truth²), each coordinate in units of its test-split σ, first "
        "exceeds 0.025, the truth from the system (its closed form, or its "
        "integrator at tight tolerance); the median over start "
        "states, mean ± std over seeds. Censored fraction: start states still "
        "valid at J·Δt (a median of \"> J·Δt\" is censored too). Longer is "
        "better.\n\n"));
    section.blocks.push_back(TableBlock(vpt));
  }
  return section;
}

}  // namespace aanet::reports
