#include "reports/sections/training_length.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "proto/experiment.pb.h"
#include "reports/format.h"
#include "reports/study.h"
#include "train/jump_schedule.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;

// Whether `a` is the better choice of long run than `b` (see
// ComputeTrainingLength).
bool Before(const StudyPoint& a, const StudyPoint& b) {
  if (a.point.is_reference() != b.point.is_reference()) {
    return a.point.is_reference();
  }
  const int da =
      std::abs(a.point.num_train_samples() - kReferenceNumTrainSamples);
  const int db =
      std::abs(b.point.num_train_samples() - kReferenceNumTrainSamples);
  if (da != db) return da < db;
  if (a.point.num_train_samples() != b.point.num_train_samples()) {
    return a.point.num_train_samples() < b.point.num_train_samples();
  }
  return a.point.seed() < b.point.seed();
}

// The schedule of the run's recorded config.
void ReadSchedule(const StudyPoint& p, LongRun* run) {
  Experiment config;
  google::protobuf::TextFormat::Parser parser;
  parser.AllowUnknownField(true);
  if (!parser.ParseFromString(p.evaluation->config_text(), &config)) return;
  const TrainingConfig& t = config.training();
  const int64_t num_steps = p.point.num_steps();
  int max_jump = t.has_max_jump() ? t.max_jump() : 1;
  // Training caps the jump at the training samples (train/README.md).
  if (p.point.num_train_samples() > 1) {
    max_jump = std::min(max_jump, p.point.num_train_samples() - 1);
  }
  const int ramp_steps = t.has_jump_ramp_steps() ? t.jump_ramp_steps()
                                                 : static_cast<int>(num_steps);
  run->max_jump = max_jump;
  run->max_jump_at_default = train::MaxJumpAt(
      t.jump_schedule(),
      static_cast<int>(std::min<int64_t>(kDefaultStudySteps, num_steps) - 1),
      ramp_steps, max_jump);
  run->ramp_end_step =
      train::RampEndStep(t.jump_schedule(), ramp_steps, max_jump);
}

void ReadLosses(LongRun* run) {
  if (!run->curve.ok()) return;
  const TrainingCurve& curve = *run->curve;
  for (const auto& [jump, losses] : curve.test_losses) {
    double at_default = std::nan(""), lowest = std::nan("");
    int64_t lowest_step = -1;
    for (size_t i = 0; i < curve.steps.size(); ++i) {
      if (curve.steps[i] <= kDefaultStudySteps && std::isfinite(losses[i])) {
        at_default = losses[i];
      }
      if (std::isfinite(losses[i]) &&
          (std::isnan(lowest) || losses[i] < lowest)) {
        lowest = losses[i];
        lowest_step = curve.steps[i];
      }
    }
    run->loss_at_default[jump] = at_default;
    run->loss_at_end[jump] = losses.empty() ? std::nan("") : losses.back();
    run->lowest_loss[jump] = lowest;
    run->lowest_step[jump] = lowest_step;
  }
}

std::string LossText(const std::map<int, double>& losses, int jump) {
  auto it = losses.find(jump);
  return it == losses.end() || std::isnan(it->second) ? "—" : Short(it->second);
}

std::set<int> TestJumps(const std::vector<LongRun>& runs) {
  std::set<int> jumps;
  for (const LongRun& run : runs) {
    if (!run.curve.ok()) continue;
    for (const auto& [jump, losses] : run.curve->test_losses) {
      jumps.insert(jump);
    }
  }
  return jumps;
}

}  // namespace

std::vector<LongRun> ComputeTrainingLength(const ReportContext& context) {
  const std::vector<DatasetInfo> datasets = DatasetsOf(context.study);
  // (dataset rank, model order) -> the chosen point.
  std::map<std::pair<size_t, size_t>, const StudyPoint*> chosen;
  std::vector<std::string> models;
  for (const StudyPoint& p : context.study.points) {
    if (!p.evaluation.has_value() || p.point.protocol() != EQUAL_STEPS ||
        p.point.num_steps() <= kDefaultStudySteps) {
      continue;
    }
    const std::string label = DatasetLabel(datasets, p.point);
    size_t rank = 0;
    while (rank < datasets.size() && datasets[rank].label != label) ++rank;
    auto model = std::find(models.begin(), models.end(), p.point.model());
    if (model == models.end()) {
      models.push_back(p.point.model());
      model = models.end() - 1;
    }
    const std::pair<size_t, size_t> key = {
        rank, static_cast<size_t>(model - models.begin())};
    auto it = chosen.find(key);
    if (it == chosen.end() || Before(p, *it->second)) chosen[key] = &p;
  }
  std::vector<LongRun> runs;
  for (const auto& [key, p] : chosen) {
    LongRun run{p, key.first < datasets.size() ? datasets[key.first].label : "",
                ReadTrainingCurve((fs::path(context.study.sweep_dir) /
                                   p->point.directory() / "metrics.jsonl")
                                      .string())};
    ReadSchedule(*p, &run);
    ReadLosses(&run);
    runs.push_back(std::move(run));
  }
  return runs;
}

Table TrainingLengthMarkdown(const std::vector<LongRun>& runs) {
  const std::set<int> jumps = TestJumps(runs);
  Table table{{"dataset", "model", "run", "steps", "evaluations",
               "largest jump by the default budget", "ramp ends at step"},
              {}};
  for (int jump : jumps) {
    table.header.push_back(
        absl::StrCat("loss @", jump, " at ", kDefaultStudySteps));
    table.header.push_back(absl::StrCat("loss @", jump, " at the end"));
    table.header.push_back(absl::StrCat("lowest @", jump, " (step)"));
  }
  for (const LongRun& run : runs) {
    const SweepPoint& point = run.point->point;
    std::vector<std::string> cells = {
        run.dataset, point.model(),
        absl::StrCat(point.num_train_samples(), " samples, seed ",
                     point.seed()),
        absl::StrCat(point.num_steps())};
    if (!run.curve.ok()) {
      cells.push_back(absl::StrCat(
          "no training log: ",
          MarkdownCell(std::string(run.curve.status().message()))));
      cells.resize(table.header.size(), "—");
      table.rows.push_back(std::move(cells));
      continue;
    }
    cells.push_back(absl::StrCat(run.curve->steps.size()));
    cells.push_back(
        absl::StrCat(run.max_jump_at_default, " of ", run.max_jump));
    cells.push_back(absl::StrCat(run.ramp_end_step));
    for (int jump : jumps) {
      cells.push_back(LossText(run.loss_at_default, jump));
      cells.push_back(LossText(run.loss_at_end, jump));
      auto step = run.lowest_step.find(jump);
      cells.push_back(step == run.lowest_step.end() || step->second < 0
                          ? "—"
                          : absl::StrCat(LossText(run.lowest_loss, jump), " (",
                                         step->second, ")"));
    }
    table.rows.push_back(std::move(cells));
  }
  return table;
}

Table TrainingLengthCsv(const std::vector<LongRun>& runs) {
  Table csv{{"dataset", "model", "num_train_samples", "seed", "num_steps",
             "step", "jump", "test_loss"},
            {}};
  for (const LongRun& run : runs) {
    if (!run.curve.ok()) continue;
    const SweepPoint& point = run.point->point;
    for (const auto& [jump, losses] : run.curve->test_losses) {
      for (size_t i = 0; i < run.curve->steps.size(); ++i) {
        csv.rows.push_back({run.dataset, point.model(),
                            absl::StrCat(point.num_train_samples()),
                            absl::StrCat(point.seed()),
                            absl::StrCat(point.num_steps()),
                            absl::StrCat(run.curve->steps[i]),
                            absl::StrCat(jump), Num(losses[i])});
      }
    }
  }
  return csv;
}

Figure TrainingLengthFigure(const std::vector<LongRun>& runs) {
  const std::set<int> jumps = TestJumps(runs);
  Figure figure;
  figure.name = "fig_training_length";
  figure.columns = static_cast<int>(std::max<size_t>(1, jumps.size()));
  DataBlocks data;
  std::vector<std::string> datasets;
  for (const LongRun& run : runs) {
    if (std::find(datasets.begin(), datasets.end(), run.dataset) ==
        datasets.end()) {
      datasets.push_back(run.dataset);
    }
  }
  for (const std::string& dataset : datasets) {
    for (int jump : jumps) {
      PlotPanel panel;
      panel.title = absl::StrCat(dataset, ": test loss at jump ", jump);
      panel.x_label = "training step (one run per model)";
      panel.y_label = "test prediction loss";
      panel.log_x = true;
      panel.log_y = true;
      panel.commands = {
          "set key outside right top",
          absl::StrCat("set arrow from first ", kDefaultStudySteps,
                       ", graph 0 to first ", kDefaultStudySteps,
                       ", graph 1 nohead dashtype 2"),
          absl::StrCat("set label 'default budget (", kDefaultStudySteps,
                       " steps)' at first ", kDefaultStudySteps,
                       ", graph 0.05 left offset 0.5, 0")};
      for (const LongRun& run : runs) {
        if (run.dataset != dataset || !run.curve.ok()) continue;
        auto it = run.curve->test_losses.find(jump);
        if (it == run.curve->test_losses.end()) continue;
        std::vector<std::vector<double>> rows;
        for (size_t i = 0; i < run.curve->steps.size(); ++i) {
          if (run.curve->steps[i] > 0 && Plottable(it->second[i])) {
            rows.push_back(
                {static_cast<double>(run.curve->steps[i]), it->second[i]});
          }
        }
        if (rows.empty()) continue;
        const std::string& model = run.point->point.model();
        panel.series.push_back(
            {model,
             data.Add(absl::StrCat(model, " on ", dataset, ", jump ", jump),
                      rows),
             "1:2", "lines", 0});
      }
      if (!panel.series.empty()) figure.panels.push_back(std::move(panel));
    }
  }
  figure.data = data.text();
  return figure;
}

absl::StatusOr<Section> TrainingLengthSection(const ReportContext& context) {
  const std::vector<LongRun> runs = ComputeTrainingLength(context);
  Section section;
  if (runs.empty()) return section;
  section.csv_files.push_back({"training_length.csv", TrainingLengthCsv(runs)});
  std::set<std::string> models;
  std::set<int64_t> steps;
  for (const LongRun& run : runs) {
    models.insert(run.point->point.model());
    steps.insert(run.point->point.num_steps());
  }
  section.blocks.push_back(TextBlock(absl::StrCat(
      "## 10. Training length\n\n"
      "*What it is:* the published code's performance-vs-steps study: each "
      "model's test prediction loss against the training step, log-log, "
      "read from the log (`metrics.jsonl`) of **one long run per model and "
      "dataset** (",
      JoinSet(steps),
      " steps; the run at the reference sample count, lowest seed). The "
      "dashed line marks the default study's budget, ",
      kDefaultStudySteps,
      " steps (`configs/sweeps/quick.pbtxt`). *How to read it:* the jump "
      "curriculum ramps the largest trained jump over the whole run "
      "(`training.jump_ramp_steps` defaults to `num_steps`), so a run of "
      "another length is another experiment, and the curve before its end "
      "is read mid-curriculum, not from shorter runs: at step ",
      kDefaultStudySteps,
      " a long run has drawn only the jumps of the table's column *largest "
      "jump by the default budget*, while a ",
      kDefaultStudySteps,
      "-step run has drawn them all. The loss at the default budget here is "
      "therefore not the default study's. `training_length.csv` has every "
      "logged point.\n\n"
      "*What this budget can and cannot show:* one seed per run, so "
      "wiggles of the curve within about 2x are seed and batch noise, not "
      "the effect of more steps; models: ",
      JoinSet(models),
      " (a model not listed was not run at this budget: the sweep config's "
      "description says why).\n\n")));
  section.blocks.push_back(TableBlock(TrainingLengthMarkdown(runs)));
  Figure figure = TrainingLengthFigure(runs);
  section.blocks.push_back(FigureBlock(
      std::move(figure), "test loss against the training step, log-log"));
  std::vector<std::string> no_log;
  for (const LongRun& run : runs) {
    if (!run.curve.ok()) no_log.push_back(PointLabel(run.point->point));
  }
  const std::string note =
      FigureNote(no_log, {}, "left out (no readable training log)");
  if (!note.empty()) section.blocks.push_back(TextBlock(note));
  return section;
}

}  // namespace aanet::reports
