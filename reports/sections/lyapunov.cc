#include "reports/sections/lyapunov.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "data_gen/dataset.h"
#include "data_gen/system.h"
#include "reports/format.h"

namespace aanet::reports {
namespace {

// The dataset file of a cell's first evaluation; a relative path is taken
// relative to the sweep directory, then as it is.
std::string DatasetPath(const Cell& cell, const std::string& sweep_dir) {
  for (const StudyPoint* point : cell.points) {
    if (!point->evaluation.has_value()) continue;
    const std::string& path = point->evaluation->dataset_path();
    if (path.empty()) continue;
    if (std::filesystem::path(path).is_relative()) {
      const std::string under = (std::filesystem::path(sweep_dir) / path);
      if (std::filesystem::exists(under)) return under;
    }
    return path;
  }
  return "";
}

// Whether the evaluations of `cell` recorded true frequencies: then the
// system is integrable and its dataset is not this section's, whatever its
// file holds now.
bool HasTrueFrequencies(const Cell& cell) {
  for (const StudyPoint* point : cell.points) {
    if (point->evaluation.has_value() &&
        point->evaluation->true_frequencies_size() > 0) {
      return true;
    }
  }
  return false;
}

int NumJumps(const Cell& cell) {
  return static_cast<int>(AggregateJumpMetric(cell, PredictionLoss).size());
}

void Estimate(const std::string& path, double horizon, DatasetChaos* out) {
  absl::StatusOr<data_gen::Dataset> dataset = data_gen::ReadDataset(path);
  if (!dataset.ok()) {
    out->error =
        absl::StrCat("cannot read ", path, ": ", dataset.status().message());
    return;
  }
  if (dataset->true_frequencies.size() > 0) {
    out->error = "has true frequencies";  // integrable: not this section's
    return;
  }
  absl::StatusOr<const data_gen::System*> system =
      data_gen::DatasetSystem(*dataset);
  if (!system.ok()) {
    out->error = std::string(system.status().message());
    return;
  }
  out->system = dataset->system;
  out->description = (*system)->Describe(dataset->parameters);
  data_gen::LyapunovOptions options;
  options.horizon = horizon;
  for (int k = 0; k < dataset->num_trajectories(); ++k) {
    const int n = dataset->num_degrees_of_freedom();
    Eigen::RowVectorXd state(2 * n);
    state << dataset->q[k].row(0), dataset->p[k].row(0);
    absl::StatusOr<data_gen::LyapunovEstimate> estimate =
        data_gen::EstimateLargestLyapunovExponent(**system, dataset->parameters,
                                                  state, options);
    if (!estimate.ok()) {
      out->error =
          absl::StrCat("trajectory ", k, ": ", estimate.status().message());
      out->trajectories.clear();
      return;
    }
    if (estimate->chaotic) {
      out->lyapunov_time =
          std::min(out->lyapunov_time.value_or(estimate->lyapunov_time),
                   estimate->lyapunov_time);
    }
    out->trajectories.push_back(std::move(*estimate));
  }
}

}  // namespace

std::vector<DatasetChaos> ComputeChaos(const ReportContext& context) {
  std::vector<DatasetChaos> out;
  for (const DatasetInfo& info : DatasetsOf(context.study)) {
    DatasetChaos chaos;
    chaos.dataset = info.label;
    for (const std::string& model : context.models) {
      const Cell* best = nullptr;
      for (const Cell& cell : context.cells) {
        if (cell.model != model || cell.dataset != info.label) continue;
        if (best == nullptr || NumJumps(cell) > NumJumps(*best) ||
            (NumJumps(cell) == NumJumps(*best) &&
             cell.num_train_samples > best->num_train_samples)) {
          best = &cell;
        }
      }
      if (best != nullptr) chaos.cells.push_back(best);
    }
    if (chaos.cells.empty() || HasTrueFrequencies(*chaos.cells.front())) {
      continue;
    }
    const std::string path =
        DatasetPath(*chaos.cells.front(), context.study.sweep_dir);
    if (path.empty()) continue;  // older records: nothing to read
    Estimate(path, context.options.lyapunov_horizon, &chaos);
    if (chaos.error == "has true frequencies") continue;
    out.push_back(std::move(chaos));
  }
  return out;
}

Table ChaosMarkdown(const std::vector<DatasetChaos>& data) {
  Table table{{"dataset", "trajectory", "λ(T)", "T", "slope of log λ",
               "verdict", "Lyapunov time"},
              {}};
  for (const DatasetChaos& d : data) {
    if (!d.error.empty()) {
      table.rows.push_back({d.dataset, "—", "—", "—", "—", d.error, "—"});
      continue;
    }
    for (size_t k = 0; k < d.trajectories.size(); ++k) {
      const data_gen::LyapunovEstimate& e = d.trajectories[k];
      table.rows.push_back({d.dataset, absl::StrCat(k), Short(e.exponent),
                            Short(e.t.empty() ? 0.0 : e.t.back()),
                            absl::StrFormat("%.2f", e.slope),
                            e.chaotic ? "chaotic" : "regular (λ ≈ 0)",
                            e.chaotic ? Short(e.lyapunov_time)
                                      : "none (no finite Lyapunov time)"});
    }
  }
  return table;
}

Table ChaosCsv(const std::vector<DatasetChaos>& data) {
  Table csv{{"dataset", "system", "trajectory", "horizon", "lambda", "slope",
             "chaotic", "lyapunov_time", "error"},
            {}};
  for (const DatasetChaos& d : data) {
    if (!d.error.empty()) {
      csv.rows.push_back(
          {d.dataset, d.system, "", "", "", "", "", "", d.error});
      continue;
    }
    for (size_t k = 0; k < d.trajectories.size(); ++k) {
      const data_gen::LyapunovEstimate& e = d.trajectories[k];
      csv.rows.push_back({d.dataset, d.system, absl::StrCat(k),
                          Num(e.t.empty() ? 0.0 : e.t.back()), Num(e.exponent),
                          Num(e.slope), e.chaotic ? "1" : "0",
                          e.chaotic ? Num(e.lyapunov_time) : "inf", ""});
    }
  }
  return csv;
}

Figure LambdaFigure(const DatasetChaos& data, int index) {
  DataBlocks blocks;
  PlotPanel panel{absl::StrCat("Running Lyapunov estimate, ", data.dataset),
                  "t (time units)", "λ(t)", true, true};
  for (size_t k = 0; k < data.trajectories.size(); ++k) {
    const data_gen::LyapunovEstimate& e = data.trajectories[k];
    std::vector<std::vector<double>> rows;
    for (size_t i = 0; i < e.t.size(); ++i) {
      // A log axis cannot show lambda <= 0 (early on, a regular orbit's
      // neighbour may come closer).
      if (Plottable(e.lambda[i])) rows.push_back({e.t[i], e.lambda[i]});
    }
    if (rows.empty()) continue;
    const std::string title =
        absl::StrCat("trajectory ", k, e.chaotic ? " (chaotic)" : " (regular)");
    panel.series.push_back(
        {title, blocks.Add(absl::StrCat(title, ": t, lambda"), rows), "1:2",
         "lines linewidth 2", static_cast<int>(k) + 1});
  }
  // The 1/t a regular orbit's estimate follows, for the eye, through the
  // first trajectory's value at the horizon T, over its last two decades.
  if (!data.trajectories.empty()) {
    const data_gen::LyapunovEstimate& e = data.trajectories.front();
    const double horizon = e.t.empty() ? 0.0 : e.t.back();
    const double at_end = e.lambda.empty() ? 0.0 : std::abs(e.lambda.back());
    if (at_end > 0 && horizon >= 100) {
      panel.series.push_back(
          {"∝ 1/t",
           blocks.Add("1/t through trajectory 0 at t = T",
                      {{horizon / 100, at_end * 100}, {horizon, at_end}}),
           "1:2", "lines dashtype 2 linecolor rgb '#555555'", 0});
    }
  }
  Figure figure;
  figure.name = absl::StrCat("fig_lyapunov_", index);
  figure.panel_width = 640;
  figure.panel_height = 420;
  if (!panel.series.empty()) figure.panels.push_back(std::move(panel));
  figure.data = blocks.text();
  return figure;
}

Figure ChaosErrorVsDtFigure(const DatasetChaos& data, int index,
                            const ReportContext& context) {
  DataBlocks blocks;
  PlotPanel panel{absl::StrCat("Prediction error vs Δt, ", data.dataset),
                  "Δt (time units)", "test prediction loss", true, true};
  for (const Cell* cell : data.cells) {
    std::vector<std::vector<double>> points;
    for (const JumpStatistic& s : AggregateJumpMetric(*cell, PredictionLoss)) {
      if (Plottable(s.value.mean) && Plottable(s.dt)) {
        points.push_back(ErrorBarRow(s.dt, s.value));
      }
    }
    if (points.empty()) continue;
    panel.series.push_back(
        {cell->model,
         blocks.Add(absl::StrCat(cell->model,
                                 ": dt, mean loss, mean - std, mean + std"),
                    points),
         "1:2:3:4", "yerrorlines", context.Color(cell->model)});
  }
  if (data.lyapunov_time.has_value()) {
    const std::string x = absl::StrFormat("%.9g", *data.lyapunov_time);
    panel.commands = {
        absl::StrCat("set arrow 1 from first ", x, ", graph 0 to first ", x,
                     ", graph 1 nohead dashtype 2 linewidth 2"),
        absl::StrFormat("set label 1 'Lyapunov time %s' at first %s, graph "
                        "0.95 left offset 0.5,0",
                        Short(*data.lyapunov_time), x),
        "set key outside right top vertical"};
  } else if (data.error.empty()) {
    panel.commands = {
        "set label 1 'regular: no finite Lyapunov time' at graph 0.02, graph "
        "0.95 left",
        "set key outside right top vertical"};
  }
  Figure figure;
  figure.name = absl::StrCat("fig_error_vs_dt_lyapunov_", index);
  figure.panel_width = 720;
  figure.panel_height = 480;
  if (!panel.series.empty()) figure.panels.push_back(std::move(panel));
  figure.data = blocks.text();
  return figure;
}

absl::StatusOr<Section> LyapunovSection(const ReportContext& context) {
  const std::vector<DatasetChaos> data = ComputeChaos(context);
  Section section;
  if (data.empty()) return section;  // no system without true frequencies
  section.csv_files.push_back({"lyapunov.csv", ChaosCsv(data)});
  section.blocks.push_back(TextBlock(absl::StrCat(
      "## 4c. Chaos: Lyapunov exponents and error vs Δt\n\n"
      "*How to read:* for each dataset of a system that is not integrable, "
      "the largest Lyapunov exponent of each trajectory's first state: two "
      "trajectories 1e-8 apart, renormalised every time unit over ",
      Short(context.options.lyapunov_horizon),
      " time units (data_gen/lyapunov.h). A regular orbit's running estimate "
      "λ(t) falls like 1/t (the dashed line) and never settles: λ ≈ 0, no "
      "finite Lyapunov time. A chaotic one settles on a plateau λ > 0; "
      "nearby states then separate e-fold every Lyapunov time 1/λ, beyond "
      "which no model can predict from a state known to finite precision. "
      "The verdict is the slope of log λ against log t over the last "
      "decade (of the estimate's upper envelope): above -0.5 chaotic. Then "
      "every model's test prediction loss against Δt on that dataset (its "
      "cell with the most evaluated jumps), the Lyapunov time as a dashed "
      "vertical line.\n\n")));
  section.blocks.push_back(TableBlock(ChaosMarkdown(data)));
  for (size_t i = 0; i < data.size(); ++i) {
    const DatasetChaos& d = data[i];
    std::string heading = absl::StrCat("### ", d.dataset, "\n\n");
    if (!d.description.empty()) absl::StrAppend(&heading, d.description, ". ");
    if (!d.error.empty()) {
      absl::StrAppend(&heading, "No estimate: ", d.error, ".\n\n");
    } else if (d.lyapunov_time.has_value()) {
      absl::StrAppend(&heading, "Chaotic: Lyapunov time ",
                      Short(*d.lyapunov_time), " time units.\n\n");
    } else {
      absl::StrAppend(&heading,
                      "Regular: no finite Lyapunov time (λ ≈ 0).\n\n");
    }
    section.blocks.push_back(TextBlock(heading));
    if (d.error.empty()) {
      section.blocks.push_back(
          FigureBlock(LambdaFigure(d, static_cast<int>(i)),
                      absl::StrCat("lambda(t) against t, ", d.dataset)));
    }
    section.blocks.push_back(
        FigureBlock(ChaosErrorVsDtFigure(d, static_cast<int>(i), context),
                    absl::StrCat("Prediction error vs dt, ", d.dataset)));
  }
  return section;
}

}  // namespace aanet::reports
