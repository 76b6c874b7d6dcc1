#include "reports/report.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "reports/aggregate.h"
#include "reports/convergence.h"
#include "reports/files.h"
#include "reports/gnuplot.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;

// Jumps of the data-efficiency study (paper Figure 2).
constexpr int kDataEfficiencyJumps[] = {1, 10, 50};
// The jump Table 1 compares against jump 1 when it was evaluated.
constexpr int kLargeReferenceJump = 400;
// Grid points of each kernel density estimate.
constexpr int kDensityPoints = 256;

// ---------------------------------------------------------------------------
// Formatting

// A number in a CSV file.
std::string Num(double value) { return absl::StrFormat("%.6g", value); }

// A number in a Markdown table.
std::string Short(double value) { return absl::StrFormat("%.4g", value); }

// "mean ± std" with "—" for an undefined std (fewer than two seeds).
std::string MeanPm(const MeanStd& value) {
  if (value.count == 0) return "—";
  return absl::StrCat(Short(value.mean), " ± ",
                      value.count < 2 ? std::string("—") : Short(value.std));
}

std::string MeanPmScaled(const MeanStd& value, double scale) {
  MeanStd scaled = value;
  scaled.mean *= scale;
  scaled.std *= scale;
  return MeanPm(scaled);
}

// A field of a CSV row, quoted if it needs to be (RFC 4180).
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

// Text in a Markdown table cell: pipes escaped, on one line.
std::string MdCell(const std::string& text) {
  std::string cell;
  for (char c : text) {
    if (c == '|') {
      cell += "\\|";
    } else if (c == '\n' || c == '\r') {
      cell += ' ';
    } else {
      cell += c;
    }
  }
  return cell;
}

// Text in Markdown running text, in backquotes.
std::string Code(const std::string& text) {
  return absl::StrCat("`", MdCell(text), "`");
}

// A CSV file under construction.
class Csv {
 public:
  explicit Csv(const std::vector<std::string>& header)
      : text_(absl::StrCat(absl::StrJoin(header, ","), "\n")) {}
  void Row(const std::vector<std::string>& fields) {
    std::vector<std::string> quoted;
    quoted.reserve(fields.size());
    for (const std::string& field : fields) quoted.push_back(CsvField(field));
    absl::StrAppend(&text_, absl::StrJoin(quoted, ","), "\n");
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// A Markdown table under construction.
class MdTable {
 public:
  explicit MdTable(const std::vector<std::string>& header) {
    absl::StrAppend(&text_, "| ", absl::StrJoin(header, " | "), " |\n|");
    for (size_t i = 0; i < header.size(); ++i) text_ += "---|";
    text_ += "\n";
  }
  void Row(const std::vector<std::string>& cells) {
    std::vector<std::string> escaped;
    escaped.reserve(cells.size());
    for (const std::string& cell : cells) escaped.push_back(MdCell(cell));
    absl::StrAppend(&text_, "| ", absl::StrJoin(escaped, " | "), " |\n");
  }
  std::string text() const { return absl::StrCat(text_, "\n"); }

 private:
  std::string text_;
};

// A value that a log axis can show.
bool Plottable(double value) { return std::isfinite(value) && value > 0; }

// A data row (x, mean, low, high) for gnuplot's yerrorlines. Without a std
// the bar is empty; a lower end at or below zero (invisible on a log axis)
// is cut at a tenth of the mean.
std::vector<double> ErrorBarRow(double x, const MeanStd& value) {
  double low = value.mean;
  double high = value.mean;
  if (std::isfinite(value.std)) {
    low = value.mean - value.std;
    high = value.mean + value.std;
    if (low <= 0) low = value.mean / 10;
  }
  return {x, value.mean, low, high};
}

std::string FormatSeconds(double seconds) {
  if (!std::isfinite(seconds) || seconds < 60) {
    return absl::StrFormat("%.4g s", seconds);
  }
  const int64_t total = static_cast<int64_t>(std::llround(seconds));
  const int64_t hours = total / 3600;
  const int64_t minutes = (total % 3600) / 60;
  const int64_t secs = total % 60;
  if (hours > 0) {
    return absl::StrFormat("%.6g s (%dh %02dmin %02ds)", seconds, hours,
                           minutes, secs);
  }
  return absl::StrFormat("%.6g s (%dmin %02ds)", seconds, minutes, secs);
}

template <typename T>
std::string JoinSet(const std::set<T>& values) {
  std::vector<std::string> parts;
  for (const T& value : values) parts.push_back(absl::StrCat(value));
  return parts.empty() ? std::string("—") : absl::StrJoin(parts, ", ");
}

// "k_pair 0.5, 100 samples"
std::string CellPoint(const Cell& cell) {
  return absl::StrFormat("k_pair %g, %d samples", cell.k_pair,
                         cell.num_train_samples);
}

// The smaller and larger jump a comparison uses among the jumps of
// `statistics` (which must not be empty): jump 1 (else the smallest) and
// kLargeReferenceJump (else the largest).
std::pair<const JumpStatistic*, const JumpStatistic*> SmallAndLargeJump(
    const std::vector<JumpStatistic>& statistics) {
  const JumpStatistic* small = FindJump(statistics, 1);
  if (small == nullptr) small = &statistics.front();
  const JumpStatistic* large = FindJump(statistics, kLargeReferenceJump);
  if (large == nullptr) large = &statistics.back();
  return {small, large};
}

// The dt of jump kMaxTrainedJump, from any evaluated jump of `statistics`.
std::optional<double> TrainedRangeDt(
    const std::vector<JumpStatistic>& statistics) {
  for (const JumpStatistic& statistic : statistics) {
    if (statistic.jump > 0 && statistic.dt > 0) {
      return statistic.dt / statistic.jump * kMaxTrainedJump;
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// The report

class ReportBuilder {
 public:
  ReportBuilder(const StudyData& study, const ReportOptions& options)
      : study_(study), options_(options), cells_(GroupIntoCells(study)) {
    models_ = ModelNames(cells_);
    for (size_t i = 0; i < models_.size(); ++i) color_[models_[i]] = i + 1;
    have_sweep_config_ = google::protobuf::TextFormat::ParseFromString(
        study.results.sweep_config_text(), &sweep_config_);
  }

  // Builds the report's text, CSV files and figures.
  absl::Status Build() {
    absl::StrAppend(&markdown_, Header());
    absl::StrAppend(&markdown_, TableOne());
    absl::StrAppend(&markdown_, DataEfficiency());
    absl::StrAppend(&markdown_, InferenceTime());
    absl::StrAppend(&markdown_, ErrorVsDt());
    absl::StatusOr<std::string> frequencies = Frequencies();
    if (!frequencies.ok()) return frequencies.status();
    absl::StrAppend(&markdown_, *frequencies);
    absl::StrAppend(&markdown_, Convergence());
    absl::StrAppend(&markdown_, Appendix());
    files_.emplace_back("points.csv", PointsCsv());
    return absl::OkStatus();
  }

  const std::string& markdown() const { return markdown_; }
  // CSV files: name and contents.
  const std::vector<std::pair<std::string, std::string>>& files() const {
    return files_;
  }
  const std::vector<Figure>& figures() const { return figures_; }

 private:
  // `![alt](name.png)` for a figure with panels (registering it), else a
  // sentence saying there is nothing to plot.
  std::string AddFigure(Figure figure, const std::string& alt) {
    if (figure.panels.empty()) {
      return "*No positive finite values to plot.*\n\n";
    }
    const std::string name = figure.name;
    figures_.push_back(std::move(figure));
    return absl::StrCat("![", alt, "](", name, ".png)\n\n");
  }

  int Color(const std::string& model) const {
    auto it = color_.find(model);
    return it == color_.end() ? 0 : it->second;
  }

  std::string ConfigOf(const std::string& model) const {
    if (!have_sweep_config_) return "—";
    // A grid axis names its models "<model>@<field>=<value>".
    const std::string base = model.substr(0, model.find('@'));
    for (const SweepModel& m : sweep_config_.models()) {
      const std::string name =
          m.name().empty() ? fs::path(m.config()).stem().string() : m.name();
      if (name == base) return m.config();
    }
    return "—";
  }

  std::string Header() const {
    const SweepResults& results = study_.results;
    std::map<SweepPoint::Status, int> counts;
    std::set<int> samples;
    std::set<uint64_t> seeds;
    std::map<std::string, std::set<double>> k_pairs_of_dataset;
    std::map<double, std::set<std::string>> datasets_of_k_pair;
    std::map<std::string, std::string> kind_of_model;
    std::map<std::string, std::set<int>> steps_of_model;
    std::map<std::string, std::map<SweepPoint::Status, int>> model_counts;
    std::set<int> reference_jumps, other_jumps;
    double point_seconds = 0;
    for (const StudyPoint& p : study_.points) {
      const SweepPoint& point = p.point;
      ++counts[point.status()];
      ++model_counts[point.model()][point.status()];
      samples.insert(point.num_train_samples());
      seeds.insert(point.seed());
      k_pairs_of_dataset[point.dataset()].insert(point.k_pair());
      datasets_of_k_pair[point.k_pair()].insert(point.dataset());
      if (!point.model_kind().empty()) {
        kind_of_model[point.model()] = point.model_kind();
      }
      steps_of_model[point.model()].insert(point.num_steps());
      point_seconds += point.wall_seconds();
      if (p.evaluation.has_value()) {
        for (const JumpMetrics& m : p.evaluation->jumps()) {
          (point.is_reference() ? reference_jumps : other_jumps)
              .insert(m.jump());
        }
      }
    }
    std::string text = absl::StrCat(
        "# Study report: ",
        results.name().empty() ? "(unnamed sweep)" : results.name(),
        "\n\nThe paper's study (Table 1, Figures 2, 3a, 3b and 4 of *Learning "
        "Integrable Dynamics with Action-Angle Networks*) measured on the "
        "sweep in ",
        Code(study_.sweep_dir),
        ". Every number below is in the CSV files beside this report; every "
        "figure has its gnuplot script (`fig_*.gp`) and data "
        "(`fig_*.dat`).\n\n");
    MdTable facts({"", ""});
    facts.Row({"sweep", results.name()});
    const std::string description =
        have_sweep_config_ ? sweep_config_.description() : std::string();
    if (!options_.budget_description.empty() || description.empty()) {
      facts.Row({"budget", options_.budget_description.empty()
                               ? std::string("(not described)")
                               : options_.budget_description});
    }
    if (!description.empty()) facts.Row({"sweep description", description});
    if (have_sweep_config_ && sweep_config_.models_size() > 0) {
      std::vector<std::string> configs;
      for (const SweepModel& m : sweep_config_.models()) {
        std::vector<std::string> notes;
        if (m.has_num_steps()) {
          notes.push_back(absl::StrCat("num_steps ", m.num_steps()));
        }
        for (const std::string& set : m.set()) notes.push_back(set);
        std::string entry = m.name().empty()
                                ? m.config()
                                : absl::StrCat(m.name(), ": ", m.config());
        if (!notes.empty()) {
          absl::StrAppend(&entry, " (", absl::StrJoin(notes, ", "), ")");
        }
        configs.push_back(entry);
      }
      facts.Row({"model configs", absl::StrJoin(configs, ", ")});
    }
    facts.Row({"machine", results.machine().empty()
                              ? std::string("(not recorded)")
                              : results.machine()});
    facts.Row({"parallelism",
               absl::StrCat(results.parallelism(), " point(s) at a time")});
    facts.Row({"sweep wall time", FormatSeconds(results.wall_seconds())});
    facts.Row({"sum of point wall times", FormatSeconds(point_seconds)});
    facts.Row({"points",
               absl::StrFormat("%d: %d done, %d skipped (results existed), %d "
                               "failed, %d pending",
                               study_.points.size(), counts[SweepPoint::DONE],
                               counts[SweepPoint::SKIPPED],
                               counts[SweepPoint::FAILED],
                               counts[SweepPoint::PENDING])});
    // Datasets in order of k_pair.
    std::vector<std::pair<double, std::string>> ordered;
    for (const auto& [dataset, k_pairs] : k_pairs_of_dataset) {
      ordered.emplace_back(
          *k_pairs.begin(),
          absl::StrCat(dataset, " (k_pair ", JoinSet(k_pairs), ")"));
    }
    std::sort(ordered.begin(), ordered.end());
    std::vector<std::string> datasets;
    for (const auto& [k_pair, text] : ordered) datasets.push_back(text);
    facts.Row({"datasets", datasets.empty() ? std::string("—")
                                            : absl::StrJoin(datasets, ", ")});
    facts.Row({"num_train_samples", JoinSet(samples)});
    facts.Row({"seeds", JoinSet(seeds)});
    // Which jumps each kind of point was evaluated at (SweepEvaluation:
    // `jumps` everywhere, `reference_jumps` at the reference points).
    facts.Row({"evaluated jumps, reference points (error vs Δt, timings)",
               reference_jumps.empty() ? std::string("—")
                                       : JoinSet(reference_jumps)});
    facts.Row({"evaluated jumps, every other point",
               other_jumps.empty() ? std::string("—") : JoinSet(other_jumps)});
    std::set<std::string> marked;
    for (const StudyPoint& p : study_.points) {
      if (p.point.is_reference()) {
        marked.insert(absl::StrFormat("%s (k_pair %g), %d samples",
                                      p.point.dataset(), p.point.k_pair(),
                                      p.point.num_train_samples()));
      }
    }
    facts.Row(
        {"reference point",
         marked.empty()
             ? absl::StrFormat("per model, the k_pair closest to %g, then the "
                               "num_train_samples closest to %d",
                               kReferenceKPair, kReferenceNumTrainSamples)
             : absl::StrCat("the sweep's is_reference points: ",
                            absl::StrJoin(marked, "; "))});
    absl::StrAppend(&text, facts.text());

    for (const auto& [k_pair, datasets_here] : datasets_of_k_pair) {
      if (datasets_here.size() > 1) {
        absl::StrAppend(&text, "**Note:** datasets ",
                        absl::StrJoin(datasets_here, ", "), " share k_pair ",
                        Short(k_pair),
                        "; their points are pooled in the tables below.\n\n");
      }
    }

    absl::StrAppend(&text, "### Models\n\n");
    MdTable models({"model", "kind", "config", "num_steps", "done", "skipped",
                    "failed", "pending"});
    for (const auto& [model, status_counts] : model_counts) {
      auto count = [&, &sc = status_counts](SweepPoint::Status s) {
        auto it = sc.find(s);
        return absl::StrCat(it == sc.end() ? 0 : it->second);
      };
      auto kind = kind_of_model.find(model);
      models.Row({model, kind == kind_of_model.end() ? "—" : kind->second,
                  ConfigOf(model), JoinSet(steps_of_model.at(model)),
                  count(SweepPoint::DONE), count(SweepPoint::SKIPPED),
                  count(SweepPoint::FAILED), count(SweepPoint::PENDING)});
    }
    absl::StrAppend(&text, models.text());

    absl::StrAppend(&text, "### Failed points\n\n");
    MdTable failed({"model", "dataset", "k_pair", "samples", "seed", "error"});
    int num_failed = 0;
    for (const StudyPoint& p : study_.points) {
      const SweepPoint& point = p.point;
      if (point.status() != SweepPoint::FAILED) continue;
      ++num_failed;
      failed.Row({point.model(), point.dataset(), Short(point.k_pair()),
                  absl::StrCat(point.num_train_samples()),
                  absl::StrCat(point.seed()),
                  point.error().empty() ? std::string("(no error recorded)")
                                        : point.error()});
    }
    absl::StrAppend(&text,
                    num_failed == 0 ? std::string("None.\n\n") : failed.text());
    return text;
  }

  std::string TableOne() {
    std::string text =
        "## 1. Table 1, measured\n\n"
        "*How to read:* per model at its reference point (mean over seeds): "
        "an inference-time growth near 1 means the cost of a prediction does "
        "not depend on Δt (the paper's O(1)); an integrator's grows with the "
        "jump. Smaller energy changes mean better energy conservation.\n\n";
    Csv csv({"model", "model_kind", "k_pair", "num_train_samples", "num_seeds",
             "num_parameters", "timing_small_jump", "timing_large_jump",
             "single_state_median_us_small", "single_state_median_us_large",
             "inference_time_growth", "energy_small_jump",
             "energy_change_small_mean", "energy_change_small_std",
             "energy_large_jump", "energy_change_large_mean",
             "energy_change_large_std"});
    MdTable table({"model", "kind", "reference point", "seeds", "parameters",
                   "inference-time growth", "mean \\|ΔH\\|, small jump",
                   "mean \\|ΔH\\|, large jump"});
    DataBlocks data;
    PlotPanel parameters{"Parameter count", "", "parameters", false, true};
    PlotPanel growth{"Inference-time growth (single state)", "",
                     "time at large jump / time at jump 1", false, true};
    PlotPanel energy{"Mean |ΔH| at the small and large jump", "",
                     "mean |ΔH| (original units)", false, true};
    std::vector<std::vector<double>> parameter_rows, growth_rows, small_rows,
        large_rows;
    std::vector<std::string> tics;
    int row = 0;
    for (const std::string& model : models_) {
      const Cell* cell = ReferenceCell(cells_, model);
      if (cell == nullptr) continue;
      std::vector<double> counts;
      for (const StudyPoint* p : cell->points) {
        counts.push_back(static_cast<double>(p->evaluation->num_parameters()));
      }
      const double num_parameters = ComputeMeanStd(counts).mean;
      const std::vector<JumpStatistic> timing =
          AggregateJumpMetric(*cell, SingleStateMedianSeconds);
      const std::vector<JumpStatistic> energies =
          AggregateJumpMetric(*cell, EnergyChange);
      std::string growth_text = "not measured";
      std::vector<std::string> growth_csv(5, "");
      if (timing.size() >= 2) {
        auto [small, large] = SmallAndLargeJump(timing);
        const double ratio = large->value.mean / small->value.mean;
        growth_text = absl::StrFormat("%s (jump %d / jump %d)", Short(ratio),
                                      large->jump, small->jump);
        growth_csv = {absl::StrCat(small->jump), absl::StrCat(large->jump),
                      Num(small->value.mean * 1e6),
                      Num(large->value.mean * 1e6), Num(ratio)};
        if (Plottable(ratio)) growth_rows.push_back({double(row), ratio});
      }
      std::string small_energy = "—", large_energy = "—";
      std::vector<std::string> energy_csv(6, "");
      if (!energies.empty()) {
        auto [small, large] = SmallAndLargeJump(energies);
        small_energy =
            absl::StrCat(MeanPm(small->value), " (jump ", small->jump, ")");
        large_energy =
            absl::StrCat(MeanPm(large->value), " (jump ", large->jump, ")");
        energy_csv = {absl::StrCat(small->jump), Num(small->value.mean),
                      Num(small->value.std),     absl::StrCat(large->jump),
                      Num(large->value.mean),    Num(large->value.std)};
        if (Plottable(small->value.mean)) {
          small_rows.push_back({double(row), small->value.mean});
        }
        if (Plottable(large->value.mean)) {
          large_rows.push_back({double(row), large->value.mean});
        }
      }
      table.Row({model, cell->model_kind, CellPoint(*cell),
                 absl::StrCat(cell->points.size()),
                 absl::StrFormat("%.0f", num_parameters), growth_text,
                 small_energy, large_energy});
      std::vector<std::string> fields = {model,
                                         cell->model_kind,
                                         Num(cell->k_pair),
                                         absl::StrCat(cell->num_train_samples),
                                         absl::StrCat(cell->points.size()),
                                         Num(num_parameters)};
      fields.insert(fields.end(), growth_csv.begin(), growth_csv.end());
      fields.insert(fields.end(), energy_csv.begin(), energy_csv.end());
      csv.Row(fields);
      if (Plottable(num_parameters)) {
        parameter_rows.push_back({double(row), num_parameters});
      }
      tics.push_back(absl::StrCat(GnuplotQuote(model), " ", row));
      ++row;
    }
    files_.emplace_back("table1.csv", csv.text());
    if (row == 0) {
      absl::StrAppend(&text, "*No evaluated point in this sweep.*\n\n");
      return text;
    }
    absl::StrAppend(&text, table.text());

    // Long model names (e.g. a grid axis's "model@field=value") would run
    // past the panel when slanted: they stand vertically below their tic.
    size_t longest = 0;
    for (const std::string& model : models_) {
      longest = std::max(longest, model.size());
    }
    const bool vertical = longest > 20;
    const std::vector<std::string> axis = {
        absl::StrFormat("set xrange [-0.6:%f]", row - 0.4),
        absl::StrCat("set xtics (", absl::StrJoin(tics, ", "), ")",
                     vertical ? " rotate by 90 right" : " rotate by -20"),
        // Points, not bars: a bar's length on a log axis depends on where
        // the axis starts and means nothing. Room at the top keeps the
        // legend off the points.
        "set offsets 0, 0, graph 0.3, graph 0.08", "set key top left"};
    Figure figure;
    figure.name = "fig_table1";
    figure.columns = 3;
    figure.panel_width = std::max(360, 110 * row);
    if (vertical) {
      figure.panel_height = 380 + 7 * static_cast<int>(longest - 20);
    }
    if (!parameter_rows.empty()) {
      parameters.commands = axis;
      parameters.series.push_back(
          {"",
           data.Add("parameter count per model (x = model)", parameter_rows),
           "1:2", "points pointtype 7 pointsize 1.6", 1});
      figure.panels.push_back(parameters);
    }
    if (!growth_rows.empty()) {
      growth.commands = axis;
      growth.commands.push_back(
          "set arrow from graph 0, first 1 to graph 1, first 1 nohead "
          "dashtype 2");
      growth.series.push_back(
          {"", data.Add("inference-time growth per model", growth_rows), "1:2",
           "points pointtype 7 pointsize 1.6", 2});
      figure.panels.push_back(growth);
    }
    if (!small_rows.empty() || !large_rows.empty()) {
      energy.commands = axis;
      if (!small_rows.empty()) {
        energy.series.push_back(
            {"small jump", data.Add("mean |dH| at the small jump", small_rows),
             "($1-0.12):2", "points pointtype 7 pointsize 1.6", 3});
      }
      if (!large_rows.empty()) {
        energy.series.push_back(
            {"large jump", data.Add("mean |dH| at the large jump", large_rows),
             "($1+0.12):2", "points pointtype 5 pointsize 1.6", 4});
      }
      figure.panels.push_back(energy);
    }
    figure.data = data.text();
    absl::StrAppend(&text, AddFigure(std::move(figure), "Table 1, measured"));
    return text;
  }

  // Training curves (test loss at the logged test jumps against step, the
  // reference points' seeds overlaid, one figure per model) and the
  // convergence verdict of every trained point (reports/convergence.h).
  std::string Convergence() {
    std::string text = absl::StrCat(
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
        "verdict.\n\n");
    Csv csv({"model", "dataset", "num_train_samples", "seed", "num_steps",
             "best_step", "jump", "earlier_median", "later_median",
             "relative_improvement", "converged"});
    MdTable table({"model", "point", "steps", "best step", "verdicts"});
    std::map<std::string, std::map<int, std::pair<int, int>>> summary;
    std::map<std::string,
             std::vector<std::pair<const SweepPoint*, TrainingCurve>>>
        reference_curves;
    for (const StudyPoint& p : study_.points) {
      const SweepPoint& point = p.point;
      if (!p.evaluation.has_value()) continue;
      const std::string path =
          (fs::path(study_.sweep_dir) / point.directory() / "metrics.jsonl")
              .string();
      absl::StatusOr<TrainingCurve> curve = ReadTrainingCurve(path);
      if (!curve.ok()) {
        // A point without a readable log is reported, not fatal: the rest
        // of the report still stands.
        table.Row(
            {point.model(), PointLabel(point), absl::StrCat(point.num_steps()),
             "—", absl::StrCat("no training log: ", curve.status().message())});
        continue;
      }
      std::vector<std::string> verdict_cells;
      for (const ConvergenceVerdict& v :
           JudgeConvergence(*curve, point.num_steps())) {
        auto& [converged, judged] = summary[point.model()][v.jump];
        judged += v.judged;
        converged += v.converged;
        verdict_cells.push_back(absl::StrCat(
            "jump ", v.jump, ": ",
            v.judged ? absl::StrCat(v.converged ? "converged" : "improving",
                                    " (", Short(100 * v.improvement), " %)")
                     : "not judged"));
        csv.Row({point.model(), point.dataset(),
                 absl::StrCat(point.num_train_samples()),
                 absl::StrCat(point.seed()), absl::StrCat(point.num_steps()),
                 absl::StrCat(curve->best_step), absl::StrCat(v.jump),
                 Num(v.earlier), Num(v.later), Num(v.improvement),
                 v.judged ? (v.converged ? "yes" : "no") : ""});
      }
      table.Row(
          {point.model(), PointLabel(point), absl::StrCat(point.num_steps()),
           absl::StrCat(curve->best_step), absl::StrJoin(verdict_cells, "; ")});
      if (point.is_reference()) {
        reference_curves[point.model()].emplace_back(&point, *std::move(curve));
      }
    }
    MdTable totals({"model", "converged points per jump"});
    for (const auto& [model, jumps] : summary) {
      std::vector<std::string> cells;
      for (const auto& [jump, counts] : jumps) {
        cells.push_back(absl::StrCat("jump ", jump, ": ", counts.first, " of ",
                                     counts.second));
      }
      totals.Row({model, absl::StrJoin(cells, "; ")});
    }
    absl::StrAppend(&text, totals.text(), table.text());
    files_.emplace_back("convergence.csv", csv.text());

    for (const auto& [model, curves] : reference_curves) {
      std::set<int> jumps;
      for (const auto& [point, curve] : curves) {
        for (const auto& [jump, losses] : curve.test_losses) jumps.insert(jump);
      }
      DataBlocks data;
      Figure figure;
      figure.name = absl::StrCat("fig_training_", model);
      figure.columns = static_cast<int>(std::min<size_t>(jumps.size(), 3));
      for (int jump : jumps) {
        PlotPanel panel;
        panel.title = absl::StrCat(model, ": test loss at jump ", jump);
        panel.x_label = "training step";
        panel.y_label = "test prediction loss";
        panel.log_y = true;
        panel.commands = {"set key outside right top",
                          "set xtics rotate by -30"};
        for (const auto& [point, curve] : curves) {
          auto it = curve.test_losses.find(jump);
          if (it == curve.test_losses.end()) continue;
          std::vector<std::vector<double>> rows;
          for (size_t i = 0; i < curve.steps.size(); ++i) {
            if (Plottable(it->second[i])) {
              rows.push_back(
                  {static_cast<double>(curve.steps[i]), it->second[i]});
            }
          }
          if (rows.empty()) continue;
          panel.series.push_back(
              {absl::StrCat("seed ", point->seed()),
               data.Add(absl::StrCat(PointLabel(*point), ", jump ", jump),
                        rows),
               "1:2", "lines", 0});
        }
        if (!panel.series.empty()) figure.panels.push_back(panel);
      }
      figure.data = data.text();
      absl::StrAppend(&text,
                      AddFigure(std::move(figure),
                                absl::StrCat("training curves of ", model)));
    }
    return text;
  }

  std::string DataEfficiency() {
    std::string text =
        "## 2. Data efficiency (Figure 2)\n\n"
        "*How to read:* test prediction loss (scaled units, mean ± sample std "
        "over seeds) against the number of training samples; lower is better, "
        "and a model that is more data-efficient reaches a low loss with "
        "fewer samples. Lower error bars that would reach zero are cut at a "
        "tenth of the mean on the log axis. `data_efficiency.csv` has every "
        "evaluated jump.\n\n";
    Csv csv({"model", "k_pair", "num_train_samples", "jump", "mean_loss",
             "std_loss", "num_seeds"});
    std::map<const Cell*, std::vector<JumpStatistic>> losses;
    std::set<int> evaluated;
    std::set<double> k_pairs;
    for (const Cell& cell : cells_) {
      std::vector<JumpStatistic> statistics =
          AggregateJumpMetric(cell, PredictionLoss);
      for (const JumpStatistic& s : statistics) {
        evaluated.insert(s.jump);
        csv.Row({cell.model, Num(cell.k_pair),
                 absl::StrCat(cell.num_train_samples), absl::StrCat(s.jump),
                 Num(s.value.mean), Num(s.value.std),
                 absl::StrCat(s.value.count)});
      }
      k_pairs.insert(cell.k_pair);
      losses[&cell] = std::move(statistics);
    }
    files_.emplace_back("data_efficiency.csv", csv.text());
    std::vector<int> jumps;
    for (int jump : kDataEfficiencyJumps) {
      if (evaluated.count(jump) > 0) jumps.push_back(jump);
    }
    if (jumps.empty() && !evaluated.empty())
      jumps.push_back(*evaluated.begin());
    if (jumps.empty()) {
      absl::StrAppend(&text, "*No evaluated point in this sweep.*\n\n");
      return text;
    }

    DataBlocks data;
    Figure figure;
    figure.name = "fig_data_efficiency";
    figure.columns = jumps.size();
    figure.panel_width = 440;
    figure.panel_height = 340;
    for (double k_pair : k_pairs) {
      absl::StrAppend(&text, "### k_pair = ", Short(k_pair), "\n\n");
      std::vector<std::string> header = {"model", "samples", "seeds"};
      for (int jump : jumps) {
        header.push_back(absl::StrCat("loss, jump ", jump));
      }
      MdTable table(header);
      std::map<int, PlotPanel> panels;
      for (const std::string& model : models_) {
        std::map<int, std::vector<std::vector<double>>> rows;
        for (const Cell& cell : cells_) {
          if (cell.model != model || cell.k_pair != k_pair) continue;
          const std::vector<JumpStatistic>& statistics = losses.at(&cell);
          std::vector<std::string> cells = {
              model, absl::StrCat(cell.num_train_samples),
              absl::StrCat(cell.points.size())};
          for (int jump : jumps) {
            const JumpStatistic* s = FindJump(statistics, jump);
            cells.push_back(s == nullptr ? "—" : MeanPm(s->value));
            if (s != nullptr && Plottable(s->value.mean)) {
              rows[jump].push_back(
                  ErrorBarRow(cell.num_train_samples, s->value));
            }
          }
          table.Row(cells);
        }
        for (const auto& [jump, points] : rows) {
          const int index = data.Add(
              absl::StrFormat("%s, k_pair %g, jump %d: samples, mean loss, "
                              "mean - std, mean + std",
                              model, k_pair, jump),
              points);
          panels[jump].series.push_back(
              {model, index, "1:2:3:4", "yerrorlines", Color(model)});
        }
      }
      absl::StrAppend(&text, table.text());
      for (int jump : jumps) {
        auto it = panels.find(jump);
        if (it == panels.end()) continue;
        PlotPanel& panel = it->second;
        panel.title = absl::StrFormat("k_pair %g, jump %d", k_pair, jump);
        panel.x_label = "training samples";
        panel.y_label = "test prediction loss";
        panel.log_x = panel.log_y = true;
        // Losses fall with more samples: the top right is the emptiest.
        panel.commands.push_back("set key top right");
        figure.panels.push_back(std::move(panel));
      }
    }
    figure.data = data.text();
    absl::StrAppend(&text, AddFigure(std::move(figure),
                                     "Prediction loss vs training samples"));
    return text;
  }

  std::string InferenceTime() {
    std::string text =
        "## 3. Inference time vs Δt (Figure 3a)\n\n"
        "*How to read:* wall time of one prediction call at each jump, at "
        "each model's reference point (mean ± std over seeds of the per-seed "
        "medians); a flat line is Δt-independent inference, a rising one an "
        "integrator taking more steps.\n\n";
    Csv csv({"model", "k_pair", "num_train_samples", "jump", "dt",
             "single_state_median_us_mean", "single_state_median_us_std",
             "batch_size", "batch_median_ms_mean", "batch_median_ms_std",
             "num_seeds"});
    MdTable table({"model", "reference point", "jump", "Δt",
                   "single state (µs)", "batch (ms)", "batch size", "seeds"});
    DataBlocks data;
    PlotPanel single{"Single state", "Δt (time units)",
                     "median time per call (µs)", true, true};
    PlotPanel batch{"Batch", "Δt (time units)", "median time per call (ms)",
                    true, true};
    int rows = 0;
    for (const std::string& model : models_) {
      const Cell* cell = ReferenceCell(cells_, model);
      if (cell == nullptr) continue;
      const std::vector<JumpStatistic> singles =
          AggregateJumpMetric(*cell, SingleStateMedianSeconds);
      const std::vector<JumpStatistic> batches =
          AggregateJumpMetric(*cell, BatchMedianSeconds);
      std::set<int> jumps;
      std::map<int, double> dts;
      for (const auto* list : {&singles, &batches}) {
        for (const JumpStatistic& s : *list) {
          jumps.insert(s.jump);
          dts[s.jump] = s.dt;
        }
      }
      int batch_size = 0;
      for (const JumpMetrics& m : cell->points.front()->evaluation->jumps()) {
        if (m.has_batch() && m.batch().batch_size() > 0) {
          batch_size = m.batch().batch_size();
          break;
        }
      }
      std::vector<std::vector<double>> single_rows, batch_rows;
      for (int jump : jumps) {
        const JumpStatistic* s = FindJump(singles, jump);
        const JumpStatistic* b = FindJump(batches, jump);
        const MeanStd none;
        const MeanStd& sv = s == nullptr ? none : s->value;
        const MeanStd& bv = b == nullptr ? none : b->value;
        table.Row({model, CellPoint(*cell), absl::StrCat(jump),
                   Short(dts[jump]), MeanPmScaled(sv, 1e6),
                   MeanPmScaled(bv, 1e3), absl::StrCat(batch_size),
                   absl::StrCat(std::max(sv.count, bv.count))});
        csv.Row(
            {model, Num(cell->k_pair), absl::StrCat(cell->num_train_samples),
             absl::StrCat(jump), Num(dts[jump]), Num(sv.mean * 1e6),
             Num(sv.std * 1e6), absl::StrCat(batch_size), Num(bv.mean * 1e3),
             Num(bv.std * 1e3), absl::StrCat(std::max(sv.count, bv.count))});
        ++rows;
        if (Plottable(sv.mean) && Plottable(dts[jump])) {
          single_rows.push_back({dts[jump], sv.mean * 1e6});
        }
        if (Plottable(bv.mean) && Plottable(dts[jump])) {
          batch_rows.push_back({dts[jump], bv.mean * 1e3});
        }
      }
      if (!single_rows.empty()) {
        single.series.push_back(
            {model,
             data.Add(absl::StrCat(model, ", single state: dt, median us"),
                      single_rows),
             "1:2", "linespoints", Color(model)});
      }
      if (!batch_rows.empty()) {
        batch.series.push_back(
            {model,
             data.Add(absl::StrCat(model, ", batch of ", batch_size,
                                   ": dt, median ms"),
                      batch_rows),
             "1:2", "linespoints", Color(model)});
        batch.title = absl::StrCat("Batch of ", batch_size, " states");
      }
    }
    files_.emplace_back("inference_time.csv", csv.text());
    if (rows == 0) {
      absl::StrAppend(&text,
                      "*No timing was measured in this sweep (evaluations "
                      "without single_state or batch timing).*\n\n");
      return text;
    }
    absl::StrAppend(&text, table.text());
    Figure figure;
    figure.name = "fig_inference_time";
    figure.columns = 2;
    if (!single.series.empty()) figure.panels.push_back(single);
    if (!batch.series.empty()) figure.panels.push_back(batch);
    figure.data = data.text();
    absl::StrAppend(&text,
                    AddFigure(std::move(figure), "Inference time vs dt"));
    return text;
  }

  std::string ErrorVsDt() {
    std::string text = absl::StrFormat(
        "## 4. Prediction error vs Δt (Figure 3b)\n\n"
        "*How to read:* test prediction loss (mean ± std over seeds) at each "
        "jump, at each model's reference point; training saw jumps 1 to %d "
        "(shaded in the plot), jumps marked † are extrapolation. A flat curve "
        "past the shaded range means the model generalises to longer "
        "jumps.\n\n",
        kMaxTrainedJump);
    Csv csv({"model", "k_pair", "num_train_samples", "jump", "dt",
             "beyond_trained_range", "mean_loss", "std_loss",
             "mean_energy_change", "std_energy_change", "num_seeds"});
    MdTable table({"model", "reference point", "jump", "Δt", "prediction loss",
                   "mean \\|ΔH\\|", "seeds"});
    DataBlocks data;
    PlotPanel panel{"Prediction error vs Δt", "Δt (time units)",
                    "test prediction loss", true, true};
    std::optional<double> trained_dt;
    int rows = 0;
    for (const std::string& model : models_) {
      const Cell* cell = ReferenceCell(cells_, model);
      if (cell == nullptr) continue;
      const std::vector<JumpStatistic> losses =
          AggregateJumpMetric(*cell, PredictionLoss);
      const std::vector<JumpStatistic> energies =
          AggregateJumpMetric(*cell, EnergyChange);
      if (!trained_dt.has_value()) trained_dt = TrainedRangeDt(losses);
      std::vector<std::vector<double>> points;
      for (const JumpStatistic& s : losses) {
        const bool beyond = s.jump > kMaxTrainedJump;
        const JumpStatistic* e = FindJump(energies, s.jump);
        const MeanStd energy = e == nullptr ? MeanStd() : e->value;
        table.Row({model, CellPoint(*cell),
                   absl::StrCat(s.jump, beyond ? " †" : ""), Short(s.dt),
                   MeanPm(s.value), MeanPm(energy),
                   absl::StrCat(s.value.count)});
        csv.Row({model, Num(cell->k_pair),
                 absl::StrCat(cell->num_train_samples), absl::StrCat(s.jump),
                 Num(s.dt), beyond ? "1" : "0", Num(s.value.mean),
                 Num(s.value.std), Num(energy.mean), Num(energy.std),
                 absl::StrCat(s.value.count)});
        ++rows;
        if (Plottable(s.value.mean) && Plottable(s.dt)) {
          points.push_back(ErrorBarRow(s.dt, s.value));
        }
      }
      if (!points.empty()) {
        panel.series.push_back(
            {model,
             data.Add(absl::StrCat(model,
                                   ": dt, mean loss, mean - std, mean "
                                   "+ std"),
                      points),
             "1:2:3:4", "yerrorlines", Color(model)});
      }
    }
    files_.emplace_back("error_vs_dt.csv", csv.text());
    if (rows == 0) {
      absl::StrAppend(&text, "*No evaluated point in this sweep.*\n\n");
      return text;
    }
    absl::StrAppend(&text, table.text());
    if (trained_dt.has_value()) {
      const std::string x = absl::StrFormat("%.9g", *trained_dt);
      panel.commands = {
          absl::StrCat("set object 1 rectangle from graph 0, graph 0 to first ",
                       x,
                       ", graph 1 behind fillcolor rgb '#e4e4e4' fillstyle "
                       "solid 1.0 noborder"),
          absl::StrCat("set arrow 1 from first ", x, ", graph 0 to first ", x,
                       ", graph 1 nohead dashtype 2"),
          absl::StrFormat("set label 1 'trained range (jump <= %d)' at first "
                          "%s, graph 0.97 right offset -0.5,0",
                          kMaxTrainedJump, x),
          "set key outside right top vertical"};
    }
    Figure figure;
    figure.name = "fig_error_vs_dt";
    figure.panel_width = 720;
    figure.panel_height = 480;
    if (!panel.series.empty()) figure.panels.push_back(panel);
    figure.data = data.text();
    absl::StrAppend(&text,
                    AddFigure(std::move(figure), "Prediction error vs dt"));
    return text;
  }

  absl::StatusOr<std::string> Frequencies() {
    std::string text =
        "## 5. Recovered frequencies (Figure 4)\n\n"
        "*How to read:* each latent action-angle pair of an Action-Angle "
        "Network is matched to a normal mode; a learned angular velocity "
        "(mean over test states of |ω|, then mean ± std over seeds) close "
        "to the true frequency, i.e. a small relative error, means the "
        "network found the system's normal modes. The plot is a Gaussian "
        "kernel density (Silverman bandwidth) of |ω| over the test states of "
        "all seeds at the reference point; dashed lines are the true "
        "frequencies.\n\n";
    Csv csv({"model", "k_pair", "num_train_samples", "mode", "true_frequency",
             "learned_mean", "learned_std", "relative_error_mean",
             "relative_error_std", "num_seeds"});
    Csv density_csv({"model", "k_pair", "num_train_samples", "mode",
                     "true_frequency", "bandwidth", "num_values", "omega",
                     "density"});
    std::vector<std::string> action_angle_models;
    for (const std::string& model : models_) {
      const Cell* cell = ReferenceCell(cells_, model);
      if (cell != nullptr && cell->model_kind == "action_angle") {
        action_angle_models.push_back(model);
      }
    }
    DataBlocks data;
    Figure figure;
    figure.name = "fig_frequencies";
    figure.columns = 2;
    figure.panel_width = 620;
    figure.panel_height = 420;
    std::string tables;
    for (const std::string& model : action_angle_models) {
      const Cell* reference = ReferenceCell(cells_, model);
      absl::StrAppend(&tables, "### ", model, " (k_pair ",
                      Short(reference->k_pair), ")\n\n");
      MdTable table({"samples", "seeds", "mode", "true ω", "learned ω",
                     "relative error (fraction)"});
      int rows = 0;
      for (const Cell& cell : cells_) {
        if (cell.model != model || cell.k_pair != reference->k_pair) continue;
        for (const ModeFrequency& f : AggregateFrequencies(cell)) {
          table.Row({absl::StrCat(cell.num_train_samples,
                                  &cell == reference ? " (reference)" : ""),
                     absl::StrCat(f.learned_mean.count), absl::StrCat(f.mode),
                     Short(f.true_frequency.mean), MeanPm(f.learned_mean),
                     MeanPm(f.relative_error)});
          csv.Row({model, Num(cell.k_pair),
                   absl::StrCat(cell.num_train_samples), absl::StrCat(f.mode),
                   Num(f.true_frequency.mean), Num(f.learned_mean.mean),
                   Num(f.learned_mean.std), Num(f.relative_error.mean),
                   Num(f.relative_error.std),
                   absl::StrCat(f.learned_mean.count)});
          ++rows;
        }
      }
      absl::StrAppend(&tables, rows == 0
                                   ? std::string("*No frequency matches in "
                                                 "these evaluations.*\n\n")
                                   : table.text());

      // The kernel density at the reference point.
      absl::StatusOr<std::vector<std::vector<double>>> by_mode =
          AbsAngularVelocitiesByMode(*reference);
      if (!by_mode.ok()) {
        return absl::Status(
            by_mode.status().code(),
            absl::StrCat(study_.sweep_dir, ": ", by_mode.status().message()));
      }
      const std::vector<ModeFrequency> modes = AggregateFrequencies(*reference);
      std::vector<double> truth;
      for (const ModeFrequency& f : modes)
        truth.push_back(f.true_frequency.mean);
      if (truth.empty()) {
        const EvaluationReport& e = *reference->points.front()->evaluation;
        truth.assign(e.true_frequencies().begin(), e.true_frequencies().end());
      }
      PlotPanel panel{absl::StrFormat("%s, %s", model, CellPoint(*reference)),
                      "|angular velocity| (radians per time unit)", "density",
                      false, false};
      std::vector<std::string> bandwidths;
      // The x range of the densities and true frequencies.
      double lowest = std::numeric_limits<double>::infinity();
      double highest = -lowest;
      for (size_t mode = 0; mode < by_mode->size(); ++mode) {
        const std::vector<double>& values = (*by_mode)[mode];
        if (values.empty()) continue;
        absl::StatusOr<Density> density = GaussianKde(values, kDensityPoints);
        if (!density.ok()) continue;  // nothing finite to estimate
        const double true_frequency =
            mode < truth.size() ? truth[mode]
                                : std::numeric_limits<double>::quiet_NaN();
        lowest = std::min(lowest, density->x.front());
        highest = std::max(highest, density->x.back());
        std::vector<std::vector<double>> rows;
        for (size_t i = 0; i < density->x.size(); ++i) {
          rows.push_back({density->x[i], density->density[i]});
          density_csv.Row({model, Num(reference->k_pair),
                           absl::StrCat(reference->num_train_samples),
                           absl::StrCat(mode), Num(true_frequency),
                           Num(density->bandwidth),
                           absl::StrCat(density->num_values),
                           Num(density->x[i]), Num(density->density[i])});
        }
        panel.series.push_back(
            {std::isfinite(true_frequency)
                 ? absl::StrFormat("mode %d (true %.4g)", mode, true_frequency)
                 : absl::StrFormat("mode %d", mode),
             data.Add(
                 absl::StrFormat("%s, mode %d: |omega|, density", model, mode),
                 rows),
             "1:2", "lines linewidth 2", static_cast<int>(mode) + 1});
        bandwidths.push_back(
            absl::StrFormat("mode %d: h = %s from %d values%s", mode,
                            Short(density->bandwidth), density->num_values,
                            density->num_non_finite > 0
                                ? absl::StrCat(" (", density->num_non_finite,
                                               " non-finite left out)")
                                : std::string()));
      }
      for (size_t mode = 0; mode < truth.size(); ++mode) {
        if (!std::isfinite(truth[mode])) continue;
        const std::string x = absl::StrFormat("%.9g", truth[mode]);
        panel.commands.push_back(absl::StrFormat(
            "set arrow from first %s, graph 0 to first %s, graph 1 nohead "
            "dashtype 2 linewidth 1.5 linecolor %d",
            x, x, mode + 1));
        lowest = std::min(lowest, truth[mode]);
        highest = std::max(highest, truth[mode]);
      }
      if (lowest < highest) {
        // Keep the true frequencies off the border.
        const double margin = 0.05 * (highest - lowest);
        panel.commands.push_back(absl::StrFormat(
            "set xrange [%.9g:%.9g]", lowest - margin, highest + margin));
      }
      panel.commands.push_back("set key outside right top vertical");
      if (!panel.series.empty()) {
        absl::StrAppend(&tables, "Kernel density at ", CellPoint(*reference),
                        ": ", absl::StrJoin(bandwidths, "; "), ".\n\n");
        figure.panels.push_back(std::move(panel));
      } else {
        absl::StrAppend(&tables,
                        "*No angular velocities recorded at the reference "
                        "point; no density to plot.*\n\n");
      }
    }
    files_.emplace_back("frequencies.csv", csv.text());
    files_.emplace_back("frequency_density.csv", density_csv.text());
    if (action_angle_models.empty()) {
      absl::StrAppend(&text,
                      "*No Action-Angle Network (model_kind action_angle) was "
                      "evaluated in this sweep; there are no learned "
                      "frequencies to show.*\n\n");
      return text;
    }
    absl::StrAppend(&text, tables);
    figure.columns = std::min<int>(2, figure.panels.size());
    figure.data = data.text();
    absl::StrAppend(&text,
                    AddFigure(std::move(figure),
                              "Kernel density of learned angular velocities"));
    return text;
  }

  std::string Appendix() const {
    std::string parts;
    if (!options_.other_parts.empty()) {
      parts = "## Appendix: other parts of this study\n\n";
      for (const auto& [title, path] : options_.other_parts) {
        absl::StrAppend(&parts, "- [", title, "](", path, ")\n");
      }
      parts += "\n";
    }
    if (study_.results.sweep_config_text().empty()) return parts;
    return absl::StrCat(
        parts, "## Sweep config\n\n```text\n",
        study_.results.sweep_config_text(),
        study_.results.sweep_config_text().back() == '\n' ? "" : "\n", "```\n");
  }

  std::string PointsCsv() const {
    Csv csv({"model", "model_kind", "dataset", "k_pair", "num_train_samples",
             "seed", "num_steps", "status", "wall_seconds", "directory",
             "evaluation_file", "num_parameters", "error"});
    for (const StudyPoint& p : study_.points) {
      const SweepPoint& point = p.point;
      csv.Row({point.model(), point.model_kind(), point.dataset(),
               Num(point.k_pair()), absl::StrCat(point.num_train_samples()),
               absl::StrCat(point.seed()), absl::StrCat(point.num_steps()),
               StatusName(point.status()), Num(point.wall_seconds()),
               point.directory(), point.evaluation_file(),
               p.evaluation.has_value()
                   ? absl::StrCat(p.evaluation->num_parameters())
                   : std::string(),
               point.error()});
    }
    return csv.text();
  }

  const StudyData& study_;
  const ReportOptions& options_;
  const std::vector<Cell> cells_;
  std::vector<std::string> models_;
  std::map<std::string, int> color_;
  SweepConfig sweep_config_;
  bool have_sweep_config_ = false;

  std::string markdown_;
  std::vector<std::pair<std::string, std::string>> files_;
  std::vector<Figure> figures_;
};

}  // namespace

absl::Status WriteReport(const StudyData& study, const ReportOptions& options,
                         const std::string& out_dir) {
  std::string gnuplot = options.gnuplot;
  if (gnuplot.empty()) {
    absl::StatusOr<std::string> found = FindGnuplot();
    if (!found.ok()) return found.status();
    gnuplot = *found;
  } else if (::access(gnuplot.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "gnuplot is not installed at ", gnuplot,
        "; tools/setup.sh installs it (Debian package gnuplot-nox)"));
  }
  absl::StatusOr<std::string> terminal = PngTerminal(gnuplot);
  if (!terminal.ok()) return terminal.status();

  ReportBuilder builder(study, options);
  if (absl::Status built = builder.Build(); !built.ok()) return built;

  if (absl::Status created = CreateDirectories(out_dir); !created.ok()) {
    return created;
  }
  auto path = [&](const std::string& name) {
    return (fs::path(out_dir) / name).string();
  };
  for (const auto& [name, contents] : builder.files()) {
    if (absl::Status written = WriteFileAtomically(path(name), contents);
        !written.ok()) {
      return written;
    }
  }
  for (const Figure& figure : builder.figures()) {
    absl::StatusOr<std::string> script = GnuplotScript(figure, *terminal);
    if (!script.ok()) return script.status();
    const std::string script_name = figure.name + ".gp";
    for (const auto& [name, contents] :
         {std::pair<std::string, std::string>(figure.name + ".dat",
                                              figure.data),
          std::pair<std::string, std::string>(script_name, *script)}) {
      if (absl::Status written = WriteFileAtomically(path(name), contents);
          !written.ok()) {
        return written;
      }
    }
    if (absl::Status drawn = RunGnuplotScript(gnuplot, out_dir, script_name,
                                              figure.name + ".png");
        !drawn.ok()) {
      return drawn;
    }
  }
  return WriteFileAtomically(path(kReportFile), builder.markdown());
}

}  // namespace aanet::reports
