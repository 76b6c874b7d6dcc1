#include "reports/sections/data_efficiency.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <optional>
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

// The jumps of every cell's losses.
std::set<int> JumpsOfEveryCell(const std::vector<CellLosses>& cells) {
  std::set<int> common;
  for (size_t i = 0; i < cells.size(); ++i) {
    std::set<int> jumps;
    for (const JumpStatistic& s : cells[i].losses) jumps.insert(s.jump);
    if (i == 0) {
      common = std::move(jumps);
    } else {
      std::set<int> both;
      std::set_intersection(common.begin(), common.end(), jumps.begin(),
                            jumps.end(), std::inserter(both, both.begin()));
      common = std::move(both);
    }
  }
  return common;
}

std::vector<int> ShownJumps(const ReportContext& context,
                            const std::vector<CellLosses>& cells) {
  std::set<int> evaluated;
  for (const CellLosses& c : cells) {
    for (const JumpStatistic& s : c.losses) evaluated.insert(s.jump);
  }
  std::set<int> wanted;
  if (context.sweep_config.has_value()) {
    const auto& configured = context.sweep_config->evaluation().jumps();
    wanted.insert(configured.begin(), configured.end());
  }
  if (wanted.empty()) wanted = JumpsOfEveryCell(cells);
  std::vector<int> jumps;
  for (int jump : wanted) {
    if (evaluated.count(jump) > 0) jumps.push_back(jump);
  }
  if (jumps.empty() && !evaluated.empty()) jumps.push_back(*evaluated.begin());
  return jumps;
}

// "0.07 ± 0.09 (seed 0: 0.006, seed 1: 0.13)" when the seeds disagree by
// kSeedDisagreementFactor or more, else the mean ± std.
std::string LossText(const Cell& cell, const JumpStatistic& s) {
  std::vector<std::string> seeds;
  double low = 0, high = 0;
  for (const StudyPoint* p : cell.points) {
    for (const JumpMetrics& m : p->evaluation->jumps()) {
      if (m.jump() != s.jump) continue;
      const std::optional<double> loss = PredictionLoss(m);
      if (!loss.has_value()) continue;
      if (seeds.empty() || *loss < low) low = *loss;
      if (seeds.empty() || *loss > high) high = *loss;
      seeds.push_back(
          absl::StrCat("seed ", p->point.seed(), ": ", Short(*loss)));
    }
  }
  std::string text = MeanPm(s.value);
  if (seeds.size() >= 2 &&
      (!(high < kSeedDisagreementFactor * low) || !std::isfinite(high))) {
    absl::StrAppend(&text, " (", absl::StrJoin(seeds, ", "), ")");
  }
  return text;
}

// The two units of the loss: the published one and the test split's.
enum class Unit { kPublished, kTestScaled };

const std::vector<JumpStatistic>& Losses(const CellLosses& c, Unit unit) {
  return unit == Unit::kPublished ? c.losses : c.losses_test_scaled;
}

std::string UnitName(Unit unit) {
  return unit == Unit::kPublished ? "published unit" : "test-split unit";
}

// The panel of one (dataset, jump) in one unit.
PlotPanel LossPanel(const std::string& dataset, int jump, Unit unit) {
  PlotPanel panel;
  panel.title =
      absl::StrFormat("%s, jump %d, %s", dataset, jump, UnitName(unit));
  panel.x_label = "training samples";
  panel.y_label = unit == Unit::kPublished
                      ? "loss (training-split σ, published)"
                      : "loss (test-split σ)";
  panel.log_x = panel.log_y = true;
  // Losses fall with more samples: the top right is the emptiest. Four
  // entries (two with the levels) at the default size covered the curves.
  panel.commands.push_back("set key top right font ',8' samplen 2 spacing 0.9");
  return panel;
}

// The trivial predictors' levels of one (dataset, jump, unit) against the
// training samples: each sample count's level from the first cell that has
// it (the levels depend on the data and the split, not on the model).
struct Level {
  const char* title;
  const char* style;
  std::vector<JumpStatistic> CellLosses::*published;
  std::vector<JumpStatistic> CellLosses::*test_scaled;
};
constexpr Level kLevels[] = {
    {"training mean", "lines dashtype 2 linewidth 1.5 linecolor rgb '#555555'",
     &CellLosses::train_mean, &CellLosses::train_mean_test_scaled},
    {"true orbit, random phase",
     "lines dashtype 3 linewidth 1.5 linecolor rgb '#555555'",
     &CellLosses::random_phase, &CellLosses::random_phase_test_scaled}};

std::vector<std::vector<double>> LevelRows(const DataEfficiency& data,
                                           const std::string& dataset, int jump,
                                           Unit unit, const Level& level) {
  std::map<int, double> by_samples;
  for (const CellLosses& c : data.cells) {
    if (c.cell->dataset != dataset) continue;
    const JumpStatistic* s = FindJump(
        c.*(unit == Unit::kPublished ? level.published : level.test_scaled),
        jump);
    if (s != nullptr && Plottable(s->value.mean)) {
      by_samples.try_emplace(c.cell->num_train_samples, s->value.mean);
    }
  }
  std::vector<std::vector<double>> rows;
  for (const auto& [samples, value] : by_samples) {
    rows.push_back({static_cast<double>(samples), value});
  }
  return rows;
}

// The panels of one dataset in one unit, one series per model and one per
// level, in the order of `jumps`.
void AddDatasetPanels(const DataEfficiency& data, const ReportContext& context,
                      const std::string& dataset, Unit unit, DataBlocks* blocks,
                      Figure* figure) {
  std::map<int, PlotPanel> panels;
  for (const std::string& model : context.models) {
    std::map<int, std::vector<std::vector<double>>> rows;
    for (const CellLosses& c : data.cells) {
      if (c.cell->model != model || c.cell->dataset != dataset) continue;
      for (int jump : data.jumps) {
        const JumpStatistic* s = FindJump(Losses(c, unit), jump);
        if (s != nullptr && Plottable(s->value.mean)) {
          rows[jump].push_back(
              ErrorBarRow(c.cell->num_train_samples, s->value));
        }
      }
    }
    for (const auto& [jump, points] : rows) {
      const int index = blocks->Add(
          absl::StrFormat("%s, %s, jump %d, %s: samples, mean loss, "
                          "mean - std, mean + std",
                          model, dataset, jump, UnitName(unit)),
          points);
      panels[jump].series.push_back(
          {model, index, "1:2:3:4", "yerrorlines", context.Color(model)});
    }
  }
  for (int jump : data.jumps) {
    auto it = panels.find(jump);
    if (it == panels.end()) continue;
    PlotPanel panel = LossPanel(dataset, jump, unit);
    panel.series = std::move(it->second.series);
    for (const Level& level : kLevels) {
      const auto rows = LevelRows(data, dataset, jump, unit, level);
      if (rows.empty()) continue;
      panel.series.push_back(
          {level.title,
           blocks->Add(
               absl::StrFormat("level '%s', %s, jump %d, %s: "
                               "samples, loss",
                               level.title, dataset, jump, UnitName(unit)),
               rows),
           "1:2", level.style, 0});
    }
    figure->panels.push_back(std::move(panel));
  }
}

// Whether any cell has the test split's unit (evaluations written before it
// was measured do not).
bool HasTestScaled(const DataEfficiency& data) {
  for (const CellLosses& c : data.cells) {
    if (!c.losses_test_scaled.empty()) return true;
  }
  return false;
}

// Sum over seeds of the pairs of every jump of `cell`.
std::optional<double> NumPairs(const JumpMetrics& metrics) {
  return metrics.num_pairs();
}

const FailedPredictions* FindFailed(const std::vector<FailedPredictions>& all,
                                    int jump) {
  for (const FailedPredictions& f : all) {
    if (f.jump == jump) return &f;
  }
  return nullptr;
}

// The cell's mean ± std, "‡" marking failed predictions at that jump.
std::string LossCell(const CellLosses& c, const std::vector<JumpStatistic>& in,
                     int jump) {
  const JumpStatistic* s = FindJump(in, jump);
  if (s == nullptr) return "—";
  return absl::StrCat(MeanPm(s->value),
                      FindFailed(c.failed, jump) != nullptr ? " ‡" : "");
}

}  // namespace

std::vector<std::string> WorseWithMoreSamples(const DataEfficiency& data) {
  std::vector<std::string> notes;
  if (data.jumps.empty()) return notes;
  const int jump = data.jumps.front();
  // Cells are sorted by model, dataset and samples: compare neighbours.
  for (size_t i = 1; i < data.cells.size(); ++i) {
    const Cell& fewer = *data.cells[i - 1].cell;
    const Cell& more = *data.cells[i].cell;
    if (fewer.model != more.model || fewer.dataset != more.dataset) continue;
    const JumpStatistic* a = FindJump(data.cells[i - 1].losses, jump);
    const JumpStatistic* b = FindJump(data.cells[i].losses, jump);
    if (a == nullptr || b == nullptr) continue;
    if (b->value.mean >= kWorseWithMoreSamplesFactor * a->value.mean) {
      notes.push_back(absl::StrFormat(
          "%s on %s: %d samples %s against %s with %d at jump %d", more.model,
          more.dataset, more.num_train_samples, Short(b->value.mean),
          Short(a->value.mean), fewer.num_train_samples, jump));
    }
  }
  return notes;
}

DataEfficiency ComputeDataEfficiency(const ReportContext& context) {
  DataEfficiency data;
  for (const Cell& cell : context.cells) {
    data.cells.push_back({&cell, AggregateJumpMetric(cell, PredictionLoss),
                          AggregateJumpMetric(cell, TestScaledPredictionLoss),
                          AggregateJumpMetric(cell, TrainMeanLoss),
                          AggregateJumpMetric(cell, TrainMeanLossTestScaled),
                          AggregateJumpMetric(cell, RandomPhaseLoss),
                          AggregateJumpMetric(cell, RandomPhaseLossTestScaled),
                          CellFailedPredictions(cell)});
  }
  // Every cell's dataset once, in the sweep's order (Cell.dataset_rank).
  std::map<int, std::string> by_rank;
  for (const Cell& cell : context.cells) {
    by_rank.emplace(cell.dataset_rank, cell.dataset);
  }
  for (const auto& [rank, dataset] : by_rank) data.datasets.push_back(dataset);
  data.jumps = ShownJumps(context, data.cells);
  return data;
}

Table DataEfficiencyCsv(const DataEfficiency& data) {
  Table csv{
      {"model", "dataset", "num_train_samples", "jump", "mean_loss", "std_loss",
       "num_seeds", "mean_loss_test_scaled", "std_loss_test_scaled",
       "train_mean_loss", "random_phase_loss", "train_mean_loss_test_scaled",
       "random_phase_loss_test_scaled", "num_failed_pairs", "num_pairs"},
      {}};
  // A level or a loss the evaluations lack: empty.
  auto mean = [](const std::vector<JumpStatistic>& in, int jump) {
    const JumpStatistic* s = FindJump(in, jump);
    return s == nullptr ? std::string() : Num(s->value.mean);
  };
  for (const CellLosses& c : data.cells) {
    const std::vector<JumpStatistic> pairs =
        AggregateJumpMetric(*c.cell, NumPairs);
    for (const JumpStatistic& s : c.losses) {
      const JumpStatistic* test = FindJump(c.losses_test_scaled, s.jump);
      const FailedPredictions* failed = FindFailed(c.failed, s.jump);
      const JumpStatistic* p = FindJump(pairs, s.jump);
      csv.rows.push_back(
          {c.cell->model, c.cell->dataset,
           absl::StrCat(c.cell->num_train_samples), absl::StrCat(s.jump),
           Num(s.value.mean), Num(s.value.std), absl::StrCat(s.value.count),
           test == nullptr ? "" : Num(test->value.mean),
           test == nullptr ? "" : Num(test->value.std),
           mean(c.train_mean, s.jump), mean(c.random_phase, s.jump),
           mean(c.train_mean_test_scaled, s.jump),
           mean(c.random_phase_test_scaled, s.jump),
           absl::StrCat(failed == nullptr ? 0 : failed->num_failed),
           p == nullptr
               ? ""
               : absl::StrFormat("%.0f", p->value.mean * p->value.count)});
    }
  }
  return csv;
}

Table DataEfficiencyTable(const DataEfficiency& data,
                          const std::string& dataset,
                          const std::vector<PointConvergence>* convergence) {
  Table table{{"model", "samples", "seeds"}, {}};
  for (int jump : data.jumps) {
    table.header.push_back(absl::StrCat("loss, jump ", jump));
  }
  const bool test_scaled = HasTestScaled(data);
  if (test_scaled) {
    for (int jump : data.jumps) {
      table.header.push_back(absl::StrCat("test-σ loss, jump ", jump));
    }
  }
  if (convergence != nullptr) table.header.push_back("not converged");
  // Cells are sorted by model, then dataset and samples.
  for (const CellLosses& c : data.cells) {
    if (c.cell->dataset != dataset) continue;
    std::vector<std::string> row = {c.cell->model,
                                    absl::StrCat(c.cell->num_train_samples),
                                    absl::StrCat(c.cell->points.size())};
    for (int jump : data.jumps) {
      const JumpStatistic* s = FindJump(c.losses, jump);
      row.push_back(s == nullptr
                        ? "—"
                        : absl::StrCat(LossText(*c.cell, *s),
                                       FindFailed(c.failed, jump) != nullptr
                                           ? " ‡"
                                           : ""));
    }
    if (test_scaled) {
      for (int jump : data.jumps) {
        row.push_back(LossCell(c, c.losses_test_scaled, jump));
      }
    }
    if (convergence != nullptr) {
      const std::vector<std::string> notes =
          NotConvergedNotes(*convergence, *c.cell);
      row.push_back(notes.empty() ? "—" : absl::StrJoin(notes, "; "));
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

// What the figure leaves out at its jumps: cells without a positive finite
// mean, and failed predictions.
std::string DataEfficiencyFigureNote(const DataEfficiency& data) {
  std::vector<std::string> left_out, failed;
  const bool test_scaled = HasTestScaled(data);
  for (const CellLosses& c : data.cells) {
    for (int jump : data.jumps) {
      for (Unit unit : {Unit::kPublished, Unit::kTestScaled}) {
        if (unit == Unit::kTestScaled && !test_scaled) continue;
        const JumpStatistic* s = FindJump(Losses(c, unit), jump);
        if (s != nullptr && !Plottable(s->value.mean)) {
          left_out.push_back(absl::StrFormat(
              "%s (%s), jump %d, %s: mean %s", c.cell->model,
              CellPoint(*c.cell), jump, UnitName(unit), Num(s->value.mean)));
        }
      }
      if (const FailedPredictions* f = FindFailed(c.failed, jump)) {
        failed.push_back(FailedPredictionsText(*c.cell, *f));
      }
    }
  }
  return FigureNote(left_out, failed);
}

Figure DataEfficiencyFigure(const DataEfficiency& data,
                            const ReportContext& context) {
  DataBlocks blocks;
  Figure figure;
  figure.name = "fig_data_efficiency";
  figure.columns = data.jumps.size();
  figure.panel_width = 440;
  figure.panel_height = 340;
  const bool test_scaled = HasTestScaled(data);
  for (const std::string& dataset : data.datasets) {
    AddDatasetPanels(data, context, dataset, Unit::kPublished, &blocks,
                     &figure);
    if (test_scaled) {
      AddDatasetPanels(data, context, dataset, Unit::kTestScaled, &blocks,
                       &figure);
    }
  }
  figure.data = blocks.text();
  return figure;
}

absl::StatusOr<Section> DataEfficiencySection(const ReportContext& context) {
  const DataEfficiency data = ComputeDataEfficiency(context);
  Section section;
  section.csv_files.push_back({"data_efficiency.csv", DataEfficiencyCsv(data)});
  section.blocks.push_back(TextBlock(
      "## 2. Data efficiency (Figure 2)\n\n"
      "*How to read:* test prediction loss (mean ± sample std over seeds) "
      "against the number of training samples; lower is better, and a model "
      "that is more data-efficient reaches a low loss with fewer samples. "
      "Lower error bars that would reach zero are cut at a tenth of the "
      "mean on the log axis. `data_efficiency.csv` has every evaluated "
      "jump.\n\n"
      "*Two units.* **loss** is the published metric: squared error in "
      "coordinates standardised by each point's own training split, so the "
      "same physical error scores higher with fewer training samples (a "
      "short training window has a small σ). **test-σ loss** (the second "
      "row of panels, `*_test_scaled` in the CSV) is the same formula "
      "standardised by the test split's mean and σ, which is the same for "
      "every training-set size: compare sample counts in this one.\n\n"
      "*Reference levels* (grey lines, per sample count in that panel's "
      "unit): *training mean* is the loss of predicting the training "
      "split's mean state for every target; *true orbit, random phase* the "
      "loss of predicting the true state of the same trajectory at a "
      "uniformly random time of its test split (averaged over all of them), "
      "i.e. knowing the orbit but not where on it the state is after Δt. A "
      "model at the training-mean level predicts no better than a constant; "
      "one above the random-phase level places the state on its orbit worse "
      "than a guess of the time would. ‡: some predictions failed (listed "
      "under the "
      "figure).\n\n"));
  if (data.jumps.empty()) {
    section.blocks.push_back(
        TextBlock("*No evaluated point in this sweep.*\n\n"));
    return section;
  }
  const std::vector<PointConvergence> convergence = ComputeConvergence(context);
  section.blocks.push_back(TextBlock(absl::StrCat(
      "Where a cell's seeds differ by a factor of ",
      Short(kSeedDisagreementFactor),
      " or more, every seed's value follows the mean. `not converged` lists "
      "the cell's convergence verdicts (section 6) that are not "
      "*converged*: such a cell measures the budget as much as the "
      "model.\n\n")));
  const std::vector<std::string> worse = WorseWithMoreSamples(data);
  if (!worse.empty()) {
    section.blocks.push_back(TextBlock(absl::StrCat(
        "**More samples, higher loss:** ", absl::StrJoin(worse, "; "),
        " (means over seeds, ", Short(kWorseWithMoreSamplesFactor),
        " times or more). At equal steps that is a statement about the step "
        "budget, not about data efficiency. This project traced it on the "
        "default dataset (docs/budget_evidence.md): the Action-Angle "
        "Network's test loss first sits on a plateau (about 0.12 at jump 1; "
        "the fast normal mode not found yet) that it leaves after 1,400 to "
        "3,000 steps. Under the 2,000-step schedule both 100-sample seeds "
        "left it at about 1,400 steps and neither 500-sample seed had by "
        "2,000; trained 10,000 or 50,000 steps, every point left it between "
        "1,500 and 3,000 steps, the 500-sample ones no later, and they ended "
        "5 to 7 times below the 100-sample ones (means over 2 seeds at jump "
        "1), as at the published budget. Section 2b has this run's "
        "equal-compute cells and the published-budget results.\n\n")));
  }
  for (const std::string& dataset : data.datasets) {
    section.blocks.push_back(
        TextBlock(absl::StrCat("### Dataset ", dataset, "\n\n")));
    section.blocks.push_back(
        TableBlock(DataEfficiencyTable(data, dataset, &convergence)));
  }
  section.blocks.push_back(FigureBlock(DataEfficiencyFigure(data, context),
                                       "Prediction loss vs training samples"));
  const std::string note = DataEfficiencyFigureNote(data);
  if (!note.empty()) section.blocks.push_back(TextBlock(note));
  return section;
}

}  // namespace aanet::reports
