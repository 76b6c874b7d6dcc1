#include "reports/sections/noise.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "proto/sweep.pb.h"
#include "reports/format.h"

namespace aanet::reports {
namespace {

constexpr char kNoiseField[] = "training.noise.";
constexpr int kNumJumps = static_cast<int>(std::size(kNoiseJumps));

// The resolved config of a point: its evaluation's, else (a point that
// failed before it was evaluated) the one its point.pbtxt gives.
std::optional<Experiment> PointConfig(const StudyPoint& p,
                                      const std::string& sweep_dir) {
  Experiment config;
  if (p.evaluation.has_value()) {
    if (!google::protobuf::TextFormat::ParseFromString(
            p.evaluation->config_text(), &config)) {
      return std::nullopt;
    }
    return config;
  }
  const std::filesystem::path path =
      std::filesystem::path(sweep_dir) / p.point.directory() / "point.pbtxt";
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  PointSpec spec;
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &spec) ||
      !google::protobuf::TextFormat::ParseFromString(spec.experiment_text(),
                                                     &config)) {
    return std::nullopt;
  }
  return config;
}

bool SweepHasNoiseAxis(const ReportContext& context) {
  if (!context.sweep_config.has_value()) return false;
  for (const SweepAxis& axis : context.sweep_config->axes()) {
    if (absl::StartsWith(axis.field(), kNoiseField)) return true;
  }
  return false;
}

std::string OtherAxes(const SweepPoint& point) {
  std::vector<std::string> other;
  for (const std::string& value : point.axis_values()) {
    if (!absl::StartsWith(value, kNoiseField)) other.push_back(value);
  }
  return absl::StrJoin(other, ", ");
}

std::optional<double> LossAt(const EvaluationReport& evaluation, int jump,
                             bool train_mean) {
  for (const JumpMetrics& metrics : evaluation.jumps()) {
    if (metrics.jump() != jump) continue;
    return train_mean ? TrainMeanLossTestScaled(metrics)
                      : TestScaledPredictionLoss(metrics);
  }
  return std::nullopt;
}

std::string LevelText(double std) { return Short(std); }

}  // namespace

std::string NoiseLabel(NoiseConfig::Model model, NoiseConfig::Type type) {
  if (model == NoiseConfig::NO_NOISE) return "none";
  return absl::StrCat(
      model == NoiseConfig::OBSERVATION ? "observation" : "published input",
      ", ", type == NoiseConfig::RANDOM_WALK ? "random walk" : "uncorrelated");
}

NoiseStudy ComputeNoiseStudy(const ReportContext& context) {
  NoiseStudy study;
  struct Read {
    const StudyPoint* point;
    Experiment config;
  };
  std::vector<Read> points;
  bool any_noise = SweepHasNoiseAxis(context);
  for (const StudyPoint& p : context.study.points) {
    if (p.point.protocol() == FIGURE_ONLY) continue;
    const bool failed = p.point.status() == SweepPoint::FAILED;
    if (!p.evaluation.has_value() && !failed) continue;  // pending
    std::optional<Experiment> config = PointConfig(p, context.study.sweep_dir);
    if (!config.has_value()) {
      if (failed) ++study.unreadable;
      continue;
    }
    if (config->training().noise().model() != NoiseConfig::NO_NOISE) {
      any_noise = true;
    }
    points.push_back({&p, *std::move(config)});
  }
  if (!any_noise) return NoiseStudy{};

  // Values per (curve, level, jump), before the statistics.
  struct Values {
    int evaluated = 0;
    int failed = 0;
    std::vector<std::vector<double>> losses =
        std::vector<std::vector<double>>(kNumJumps);
    std::vector<std::vector<double>> train_mean =
        std::vector<std::vector<double>>(kNumJumps);
  };
  using Key = std::tuple<std::string, std::string, int, int, int, std::string>;
  std::vector<Key> order;
  std::map<Key, NoiseCurve> curves;
  std::map<Key, std::map<double, Values>> values;
  std::set<int> steps;
  for (const Read& r : points) {
    const SweepPoint& point = r.point->point;
    const NoiseConfig& noise = r.config.training().noise();
    const std::string model =
        r.config.name().empty() ? point.model() : r.config.name();
    const Key key{model,
                  point.dataset(),
                  point.num_train_samples(),
                  noise.model(),
                  noise.model() == NoiseConfig::NO_NOISE ? 0 : noise.type(),
                  OtherAxes(point)};
    if (curves.find(key) == curves.end()) {
      order.push_back(key);
      NoiseCurve& curve = curves[key];
      curve.model = model;
      curve.dataset = point.dataset();
      curve.num_train_samples = point.num_train_samples();
      curve.noise_model = noise.model();
      curve.noise_type = noise.model() == NoiseConfig::NO_NOISE
                             ? NoiseConfig::UNCORRELATED
                             : noise.type();
      curve.other_axes = std::get<5>(key);
    }
    const double level =
        noise.model() == NoiseConfig::NO_NOISE ? 0.0 : noise.std();
    Values& v = values[key][level];
    steps.insert(point.num_steps());
    if (!r.point->evaluation.has_value()) {
      ++v.failed;
      continue;
    }
    ++v.evaluated;
    for (int j = 0; j < kNumJumps; ++j) {
      const std::optional<double> loss =
          LossAt(*r.point->evaluation, kNoiseJumps[j], false);
      if (loss.has_value()) v.losses[j].push_back(*loss);
      const std::optional<double> mean =
          LossAt(*r.point->evaluation, kNoiseJumps[j], true);
      if (mean.has_value()) v.train_mean[j].push_back(*mean);
    }
  }
  for (const Key& key : order) {
    NoiseCurve curve = curves[key];
    for (const auto& [level, v] : values[key]) {  // ascending std
      NoiseLevel l;
      l.std = level;
      l.evaluated = v.evaluated;
      l.failed = v.failed;
      for (int j = 0; j < kNumJumps; ++j) {
        l.losses.push_back(ComputeMeanStd(v.losses[j]));
        l.train_mean.push_back(ComputeMeanStd(v.train_mean[j]));
      }
      study.max_seeds = std::max(study.max_seeds, v.evaluated);
      curve.levels.push_back(std::move(l));
    }
    study.curves.push_back(std::move(curve));
  }
  study.steps.assign(steps.begin(), steps.end());
  return study;
}

Table NoiseTable(const NoiseStudy& study) {
  Table table;
  table.header = {"model", "dataset", "noise", "std", "seeds", "failed"};
  for (int jump : kNoiseJumps) {
    table.header.push_back(absl::StrCat("test loss @", jump));
  }
  table.header.push_back(absl::StrCat("train-mean level @", kNoiseJumps[0]));
  for (const NoiseCurve& curve : study.curves) {
    std::string noise = NoiseLabel(curve.noise_model, curve.noise_type);
    if (!curve.other_axes.empty())
      absl::StrAppend(&noise, "; ", curve.other_axes);
    for (const NoiseLevel& level : curve.levels) {
      std::vector<std::string> row = {
          curve.model,
          absl::StrCat(curve.dataset, ", ", curve.num_train_samples,
                       " samples"),
          noise,
          LevelText(level.std),
          absl::StrCat(level.evaluated),
          level.failed > 0 ? absl::StrCat("**", level.failed, "**") : "0"};
      for (const MeanStd& loss : level.losses) row.push_back(MeanPm(loss));
      row.push_back(Short(level.train_mean[0].mean));
      table.rows.push_back(std::move(row));
    }
  }
  return table;
}

Table NoiseCsv(const NoiseStudy& study) {
  Table table;
  table.header = {"model",       "dataset",    "num_train_samples",
                  "noise_model", "noise_type", "other_axes",
                  "std",         "seeds",      "failed"};
  for (int jump : kNoiseJumps) {
    table.header.push_back(absl::StrCat("loss_", jump, "_mean"));
    table.header.push_back(absl::StrCat("loss_", jump, "_std"));
    table.header.push_back(absl::StrCat("train_mean_", jump));
  }
  for (const NoiseCurve& curve : study.curves) {
    for (const NoiseLevel& level : curve.levels) {
      std::vector<std::string> row = {
          curve.model,
          curve.dataset,
          absl::StrCat(curve.num_train_samples),
          NoiseConfig::Model_Name(curve.noise_model),
          NoiseConfig::Type_Name(curve.noise_type),
          curve.other_axes,
          Num(level.std),
          absl::StrCat(level.evaluated),
          absl::StrCat(level.failed)};
      for (int j = 0; j < kNumJumps; ++j) {
        row.push_back(Num(level.losses[j].mean));
        row.push_back(Num(level.losses[j].std));
        row.push_back(Num(level.train_mean[j].mean));
      }
      table.rows.push_back(std::move(row));
    }
  }
  return table;
}

Figure NoiseFigure(const NoiseStudy& study) {
  Figure figure;
  figure.name = "fig_noise";
  figure.columns = kNumJumps;
  figure.panel_width = 640;  // room for the legend outside
  double smallest = 0;
  for (const NoiseCurve& curve : study.curves) {
    for (const NoiseLevel& level : curve.levels) {
      if (level.std > 0 && (smallest == 0 || level.std < smallest)) {
        smallest = level.std;
      }
    }
  }
  // A log axis has no 0: the clean level sits a decade below the smallest.
  const double zero_at = smallest > 0 ? smallest / 10 : 1.0;
  DataBlocks blocks;
  std::vector<std::vector<int>> indices(study.curves.size());
  for (size_t c = 0; c < study.curves.size(); ++c) {
    const NoiseCurve& curve = study.curves[c];
    for (int j = 0; j < kNumJumps; ++j) {
      std::vector<std::vector<double>> rows;
      for (const NoiseLevel& level : curve.levels) {
        if (!Plottable(level.losses[j].mean)) continue;
        rows.push_back(
            ErrorBarRow(level.std > 0 ? level.std : zero_at, level.losses[j]));
      }
      indices[c].push_back(blocks.Add(
          absl::StrCat(curve.model, " ",
                       NoiseLabel(curve.noise_model, curve.noise_type),
                       " jump ", kNoiseJumps[j]),
          rows));
    }
  }
  figure.data = blocks.text();
  // The noise setting goes into the legend only where curves differ in it.
  std::set<std::string> labels;
  for (const NoiseCurve& curve : study.curves) {
    labels.insert(absl::StrCat(NoiseLabel(curve.noise_model, curve.noise_type),
                               "; ", curve.dataset, "; ", curve.other_axes));
  }
  for (int j = 0; j < kNumJumps; ++j) {
    PlotPanel panel;
    panel.title = absl::StrCat("test loss at jump ", kNoiseJumps[j]);
    panel.x_label = "noise std (standardised units)";
    panel.y_label = "test prediction loss (test split's unit)";
    panel.log_x = true;
    panel.log_y = true;
    panel.commands.push_back(
        absl::StrCat("set xtics add (\"0\" ", Num(zero_at), ")"));
    panel.commands.push_back("set key outside right top vertical");
    for (size_t c = 0; c < study.curves.size(); ++c) {
      const NoiseCurve& curve = study.curves[c];
      PlotSeries series;
      series.title = curve.model;
      if (labels.size() > 1) {
        std::string label = NoiseLabel(curve.noise_model, curve.noise_type);
        if (!curve.other_axes.empty()) {
          absl::StrAppend(&label, "; ", curve.other_axes);
        }
        absl::StrAppend(&series.title, " (", label, ", ", curve.dataset, ")");
      }
      series.index = indices[c][j];
      series.using_columns = "1:2:3:4";
      series.style = "yerrorlines";
      series.color = static_cast<int>(c) + 1;
      panel.series.push_back(std::move(series));
    }
    figure.panels.push_back(std::move(panel));
  }
  return figure;
}

absl::StatusOr<Section> NoiseSection(const ReportContext& context) {
  const NoiseStudy study = ComputeNoiseStudy(context);
  Section section;
  if (study.curves.empty()) return section;
  section.csv_files.push_back({"noise.csv", NoiseCsv(study)});
  std::string budget = absl::StrCat(
      absl::StrJoin(study.steps, ", "), " training steps, ", study.max_seeds,
      study.max_seeds == 1 ? " seed" : " seeds", " per level");
  std::string limits =
      study.max_seeds < 2
          ? "with one seed no spread is measured, and differences under "
            "about 2x cannot be told from seed noise (seeds of one cell "
            "commonly differ that much at this budget); only trends over "
            "several levels, and a loss reaching the training-mean level, "
            "are evidence"
          : absl::StrCat("the ± is the sample standard deviation over ",
                         study.max_seeds,
                         " seeds; differences within it are not evidence");
  section.blocks.push_back(TextBlock(absl::StrCat(
      "## 7. Noise\n\n"
      "*How to read:* each model trained with noise on its training data "
      "(training.noise, train/noise.h) at several levels: the test "
      "prediction loss at jumps 1 and 10, mean ± sample standard deviation "
      "over seeds, against the noise std. The std is in standardised units "
      "(1 is noise as large as the spread of the clean training states "
      "themselves). *Published input* noise is added to the training "
      "inputs afresh at every step, the targets clean, as the published "
      "code does; *observation* noise makes the training series itself "
      "noisy once, inputs and targets alike. The test split is always "
      "clean. The loss is in the test split's unit "
      "(prediction_loss_test_scaled), the same at every level even where "
      "the scaler was fitted on noisy data; the training-mean level is the "
      "loss of always predicting the training states' mean, a model that "
      "learned nothing. Failed points are counted in *failed* and left out "
      "of the statistics. Levels are read from each point's config.\n\n"
      "*Budget:* ",
      budget, ": ", limits,
      ". Noise that a longer run would average out can still hurt at this "
      "budget, so the level where a model breaks down is an upper bound on "
      "what it tolerates here, not a property of the model.\n\n")));
  if (study.unreadable > 0) {
    section.blocks.push_back(TextBlock(absl::StrCat(
        "*Note:* ", study.unreadable,
        " failed point(s) left out: their config could not be read, so "
        "their noise level is unknown.\n\n")));
  }
  section.blocks.push_back(TableBlock(NoiseTable(study)));
  section.blocks.push_back(FigureBlock(
      NoiseFigure(study), "Test loss at jumps 1 and 10 against noise std"));
  return section;
}

}  // namespace aanet::reports
