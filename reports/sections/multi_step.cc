#include "reports/sections/multi_step.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/text_format.h"
#include "reports/format.h"

namespace aanet::reports {
namespace {

constexpr char kAxisPrefix[] = "training.prediction_targets=";

// "single step" or "every step to the jump".
std::string ModeName(TrainingConfig::PredictionTargets mode) {
  return mode == TrainingConfig::EVERY_STEP_TO_JUMP ? "every step to the jump"
                                                    : "single step";
}

// "1 of 2 failed", or "0 of 2 failed".
std::string FailedText(int failed, int points) {
  return absl::StrFormat("%d of %d failed", failed, points);
}

// multi / single of the means, "—" where either is missing or zero.
std::string RatioText(const MultiStepRow& row) {
  if (row.single.count == 0 || row.multi.count == 0 ||
      !Plottable(row.single.mean) || !std::isfinite(row.multi.mean)) {
    return "—";
  }
  return Short(row.multi.mean / row.single.mean);
}

// The statistic at `jump` in `statistics`; an empty MeanStd if none.
MeanStd At(const std::vector<JumpStatistic>& statistics, int jump) {
  const JumpStatistic* s = FindJump(statistics, jump);
  return s == nullptr ? MeanStd() : s->value;
}

bool HasFailedPredictions(const Cell* cell, int jump) {
  if (cell == nullptr) return false;
  for (const FailedPredictions& f : CellFailedPredictions(*cell)) {
    if (f.jump == jump) return true;
  }
  return false;
}

}  // namespace

std::optional<TrainingConfig::PredictionTargets> PointPredictionTargets(
    const StudyPoint& point) {
  if (point.evaluation.has_value()) {
    Experiment config;
    if (google::protobuf::TextFormat::ParseFromString(
            point.evaluation->config_text(), &config)) {
      return config.training().prediction_targets();
    }
  }
  for (const std::string& value : point.point.axis_values()) {
    TrainingConfig::PredictionTargets mode;
    if (absl::StartsWith(value, kAxisPrefix) &&
        TrainingConfig::PredictionTargets_Parse(
            value.substr(sizeof(kAxisPrefix) - 1), &mode)) {
      return mode;
    }
  }
  return std::nullopt;
}

std::string ModelWithoutTargetsAxis(const SweepPoint& point) {
  std::string model = point.model();
  for (const std::string& value : point.axis_values()) {
    if (!absl::StartsWith(value, kAxisPrefix)) continue;
    // The sweep names the axis by its last field segment (sweep.proto).
    const std::string suffix = absl::StrCat(
        "@prediction_targets=", value.substr(sizeof(kAxisPrefix) - 1));
    model = absl::StrReplaceAll(model, {{suffix, ""}});
  }
  return model;
}

MultiStep ComputeMultiStep(const ReportContext& context) {
  MultiStep data;
  const std::vector<DatasetInfo> datasets = DatasetsOf(context.study);
  auto rank_of = [&](const std::string& label) {
    for (size_t i = 0; i < datasets.size(); ++i) {
      if (datasets[i].label == label) return static_cast<int>(i);
    }
    return 0;
  };
  std::set<TrainingConfig::PredictionTargets> modes;
  std::map<std::tuple<std::string, int, int>, MultiStepPair> pairs;
  auto pair_of = [&](const std::string& model, const std::string& dataset,
                     int samples) -> MultiStepPair& {
    MultiStepPair& pair = pairs[{model, rank_of(dataset), samples}];
    pair.model = model;
    pair.dataset = dataset;
    pair.num_train_samples = samples;
    return pair;
  };
  for (const Cell& cell : context.cells) {
    const StudyPoint& first = *cell.points.front();
    const std::optional<TrainingConfig::PredictionTargets> mode =
        PointPredictionTargets(first);
    if (!mode.has_value()) continue;
    MultiStepPair& pair = pair_of(ModelWithoutTargetsAxis(first.point),
                                  cell.dataset, cell.num_train_samples);
    const bool multi = *mode == TrainingConfig::EVERY_STEP_TO_JUMP;
    (multi ? pair.multi : pair.single) = &cell;
    const std::optional<int> max_jump = TrainedMaxJump(cell);
    if (max_jump.has_value()) {
      pair.max_jump = std::max(pair.max_jump.value_or(*max_jump), *max_jump);
    }
    data.max_seeds =
        std::max(data.max_seeds, static_cast<int>(cell.points.size()));
  }
  // Every point of the comparison, the failed ones included.
  for (const StudyPoint& point : context.study.points) {
    const SweepPoint& p = point.point;
    if (p.protocol() != EQUAL_STEPS) continue;
    const std::optional<TrainingConfig::PredictionTargets> mode =
        PointPredictionTargets(point);
    if (!mode.has_value()) continue;
    modes.insert(*mode);
    MultiStepPair& pair =
        pair_of(ModelWithoutTargetsAxis(p), DatasetLabel(datasets, p),
                p.num_train_samples());
    const bool multi = *mode == TrainingConfig::EVERY_STEP_TO_JUMP;
    const bool failed = p.status() == SweepPoint::FAILED;
    (multi ? pair.points_multi : pair.points_single) += 1;
    if (failed) (multi ? pair.failed_multi : pair.failed_single) += 1;
    pair.num_steps = std::max(pair.num_steps, p.num_steps());
  }
  data.varies = modes.size() > 1;
  if (!data.varies) return data;
  for (auto& [key, pair] : pairs) data.pairs.push_back(std::move(pair));

  for (const MultiStepPair& pair : data.pairs) {
    const std::vector<JumpStatistic> single =
        pair.single == nullptr
            ? std::vector<JumpStatistic>()
            : AggregateJumpMetric(*pair.single, PredictionLoss);
    const std::vector<JumpStatistic> multi =
        pair.multi == nullptr
            ? std::vector<JumpStatistic>()
            : AggregateJumpMetric(*pair.multi, PredictionLoss);
    std::map<int, double> dts;  // every jump either mode evaluated
    std::set<int> common;
    for (const JumpStatistic& s : single) dts[s.jump] = s.dt;
    for (const JumpStatistic& s : multi) {
      dts[s.jump] = s.dt;
      if (FindJump(single, s.jump) != nullptr) common.insert(s.jump);
    }
    std::set<int> shown;
    for (int jump :
         {1, pair.max_jump.value_or(1), 10 * pair.max_jump.value_or(1),
          common.empty() ? 1 : *common.rbegin()}) {
      if (common.count(jump) > 0) shown.insert(jump);
    }
    for (const auto& [jump, dt] : dts) {
      MultiStepRow row{&pair,
                       jump,
                       dt,
                       At(single, jump),
                       At(multi, jump),
                       HasFailedPredictions(pair.single, jump) ||
                           HasFailedPredictions(pair.multi, jump)};
      data.all_rows.push_back(row);
      if (shown.count(jump) > 0) data.table_rows.push_back(row);
    }
  }
  return data;
}

Table MultiStepMarkdown(const MultiStep& data) {
  Table table{
      {"model", "point", "jump", "Δt", "single step", "every step to the jump",
       "multi / single", "seeds", "failed points (single; multi)"},
      {}};
  for (const MultiStepRow& row : data.table_rows) {
    const MultiStepPair& pair = *row.pair;
    const std::string failed = row.failed_predictions ? " ‡" : "";
    table.rows.push_back(
        {pair.model,
         absl::StrCat(pair.dataset, ", ", pair.num_train_samples, " samples"),
         absl::StrCat(row.jump,
                      pair.max_jump.has_value() && row.jump > *pair.max_jump
                          ? " †"
                          : ""),
         Short(row.dt), MeanPm(row.single) + failed, MeanPm(row.multi) + failed,
         RatioText(row), absl::StrCat(row.single.count, "; ", row.multi.count),
         absl::StrCat(FailedText(pair.failed_single, pair.points_single), "; ",
                      FailedText(pair.failed_multi, pair.points_multi))});
  }
  return table;
}

Table MultiStepCsv(const MultiStep& data) {
  Table csv{
      {"model", "dataset", "num_train_samples", "jump", "dt",
       "beyond_trained_range", "mean_loss_single_step", "std_loss_single_step",
       "num_seeds_single_step", "mean_loss_every_step", "std_loss_every_step",
       "num_seeds_every_step", "failed_points_single_step",
       "points_single_step", "failed_points_every_step", "points_every_step",
       "failed_predictions"},
      {}};
  for (const MultiStepRow& row : data.all_rows) {
    const MultiStepPair& pair = *row.pair;
    csv.rows.push_back(
        {pair.model, pair.dataset, absl::StrCat(pair.num_train_samples),
         absl::StrCat(row.jump), Num(row.dt),
         pair.max_jump.has_value() && row.jump > *pair.max_jump ? "1" : "0",
         Num(row.single.mean), Num(row.single.std),
         absl::StrCat(row.single.count), Num(row.multi.mean),
         Num(row.multi.std), absl::StrCat(row.multi.count),
         absl::StrCat(pair.failed_single), absl::StrCat(pair.points_single),
         absl::StrCat(pair.failed_multi), absl::StrCat(pair.points_multi),
         row.failed_predictions ? "1" : "0"});
  }
  return csv;
}

Figure MultiStepFigure(const MultiStep& data) {
  DataBlocks blocks;
  Figure figure;
  figure.name = "fig_multi_step";
  for (const MultiStepPair& pair : data.pairs) {
    PlotPanel panel{absl::StrFormat("%s (%s, %d samples)", pair.model,
                                    pair.dataset, pair.num_train_samples),
                    "Δt (time units)", "test prediction loss", true, true};
    const std::pair<MeanStd MultiStepRow::*, TrainingConfig::PredictionTargets>
        modes[] = {{&MultiStepRow::single, TrainingConfig::SINGLE_STEP},
                   {&MultiStepRow::multi, TrainingConfig::EVERY_STEP_TO_JUMP}};
    std::optional<double> trained_dt;
    for (const auto& [member, mode] : modes) {
      std::vector<std::vector<double>> points;
      for (const MultiStepRow& row : data.all_rows) {
        if (row.pair != &pair) continue;
        if (pair.max_jump.has_value() && row.jump == *pair.max_jump) {
          trained_dt = row.dt;
        }
        const MeanStd& value = row.*member;
        if (value.count > 0 && Plottable(value.mean) && Plottable(row.dt)) {
          points.push_back(ErrorBarRow(row.dt, value));
        }
      }
      if (points.empty()) continue;
      const std::string title = ModeName(mode);
      panel.series.push_back(
          {title,
           blocks.Add(absl::StrCat(pair.model, ", ", title,
                                   ": dt, mean loss, mean - std, mean + std"),
                      points),
           "1:2:3:4", "yerrorlines",
           mode == TrainingConfig::EVERY_STEP_TO_JUMP ? 2 : 1});
    }
    if (panel.series.empty()) continue;
    if (trained_dt.has_value()) {
      const std::string x = absl::StrFormat("%.9g", *trained_dt);
      panel.commands = {
          absl::StrCat("set arrow 1 from first ", x, ", graph 0 to first ", x,
                       ", graph 1 nohead dashtype 2"),
          absl::StrFormat("set label 1 'trained range (jump <= %d)' at first "
                          "%s, graph 0.97 right offset -0.5,0",
                          *pair.max_jump, x),
          // The curves rise from the lower left; the label is top left.
          "set key right bottom"};
    }
    figure.panels.push_back(std::move(panel));
  }
  figure.columns = figure.panels.size() > 1 ? 2 : 1;
  figure.data = blocks.text();
  return figure;
}

absl::StatusOr<Section> MultiStepSection(const ReportContext& context) {
  const MultiStep data = ComputeMultiStep(context);
  Section section;
  if (!data.varies) return section;
  section.csv_files.push_back({"multi_step.csv", MultiStepCsv(data)});
  std::set<int> steps;
  for (const MultiStepPair& pair : data.pairs) steps.insert(pair.num_steps);
  std::string budget = absl::StrFormat(
      "This sweep trained each mode %s steps with %s. ", JoinSet(steps),
      data.max_seeds == 1
          ? std::string("1 seed")
          : absl::StrFormat("up to %d seeds per model", data.max_seeds));
  if (data.max_seeds < 3) {
    absl::StrAppend(
        &budget,
        "With fewer than 3 seeds there is no spread to judge a difference "
        "by: between seeds of one model, test losses at a short budget often "
        "differ by a factor of 2 or more, so a ratio between 0.5 and 2 here "
        "cannot be told from seed noise, and a larger one is a hint to "
        "check with more seeds, not a result. ");
  } else {
    absl::StrAppend(&budget,
                    "A difference is only meaningful where it exceeds the "
                    "spreads (± is the sample std over seeds). ");
  }
  absl::StrAppend(
      &budget,
      "Nor can a short budget say which mode is better at convergence: "
      "under the jump curriculum the largest jump, and with it the number of "
      "targets per multi-step input, ramps up over the whole run.");
  section.blocks.push_back(TextBlock(absl::StrCat(
      "## 8. Multi-step training\n\n"
      "*How to read:* each model trained twice, alike but for its "
      "`training.prediction_targets`: **single step** (the published "
      "default: for a drawn jump J, the loss of the prediction J samples "
      "on) and **every step to the jump** (the mean of the losses of the "
      "predictions 1, ..., J samples on, from the same input states; the "
      "published intent of `single_step_predictions = False`, whose code "
      "path yields no pairs; train/README.md). Both are evaluated alike, "
      "on the test split's prediction loss at each jump (mean ± std over "
      "seeds); multi / single below 1 means multi-step training predicted "
      "better at that jump. Jumps marked † lie beyond the trained range "
      "(training.max_jump); ‡: some predictions failed. ",
      budget, "\n\n")));
  if (data.table_rows.empty()) {
    section.blocks.push_back(
        TextBlock("*No model has evaluated points in both modes.*\n\n"));
  } else {
    section.blocks.push_back(TableBlock(MultiStepMarkdown(data)));
  }
  const Figure figure = MultiStepFigure(data);
  if (!figure.panels.empty()) {
    section.blocks.push_back(FigureBlock(
        figure, "Test loss vs dt, single-step and multi-step training"));
  }
  // What the table cannot show: a mode without evaluated points.
  std::vector<std::string> missing;
  for (const MultiStepPair& pair : data.pairs) {
    if (pair.single != nullptr && pair.multi != nullptr) continue;
    missing.push_back(absl::StrFormat(
        "%s (%s, %d samples): single step %s, every step to the jump %s",
        pair.model, pair.dataset, pair.num_train_samples,
        FailedText(pair.failed_single, pair.points_single),
        FailedText(pair.failed_multi, pair.points_multi)));
  }
  if (!missing.empty()) {
    section.blocks.push_back(TextBlock(
        absl::StrCat("*Not compared (a mode without an evaluated point):* ",
                     absl::StrJoin(missing, "; "), ".\n\n")));
  }
  return section;
}

}  // namespace aanet::reports
