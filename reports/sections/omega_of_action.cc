#include "reports/sections/omega_of_action.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "proto/evaluation.pb.h"
#include "proto/sweep.pb.h"
#include "reports/aggregate.h"
#include "reports/format.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// gnuplot point types: trained trajectories filled circles, held-out ones
// open squares, so both read in black and white too.
constexpr char kTrainedStyle[] = "points pointtype 7 pointsize 1.3";
constexpr char kHeldOutStyle[] = "points pointtype 4 pointsize 1.6";

double At(const google::protobuf::RepeatedField<double>& values, int i) {
  return i < values.size() ? values.Get(i) : kNan;
}

bool HasTrajectoryFrequencies(const StudyPoint& p) {
  return p.evaluation.has_value() &&
         p.evaluation->trajectory_frequencies_size() > 0;
}

// The run of `candidates` (points of one dataset with trajectory
// frequencies) the figure uses, and why.
std::pair<const StudyPoint*, std::string> ChooseRun(
    const std::vector<const StudyPoint*>& candidates) {
  for (const StudyPoint* p : candidates) {
    if (p->point.protocol() == FIGURE_ONLY) {
      return {p,
              "the run trained for this figure (FIGURE_ONLY: outside the "
              "comparisons)"};
    }
  }
  for (const StudyPoint* p : candidates) {
    if (p->point.protocol() == EQUAL_STEPS && p->point.is_reference()) {
      return {p,
              "the equal-step reference point (no run was trained for "
              "this figure alone)"};
    }
  }
  return {candidates.front(),
          "the first point with per-trajectory frequencies (no run was "
          "trained for this figure alone)"};
}

std::vector<OmegaRow> RowsOf(const EvaluationReport& evaluation) {
  std::vector<OmegaRow> rows;
  for (const TrajectoryFrequency& t : evaluation.trajectory_frequencies()) {
    for (int i = 0; i < t.learned_mean_size(); ++i) {
      OmegaRow row;
      row.trajectory = t.trajectory();
      row.held_out = t.held_out();
      row.pair = i;
      row.learned = t.learned_mean(i);
      row.learned_std = At(t.learned_std(), i);
      row.true_frequency = At(t.true_frequency(), i);
      row.relative_error = std::abs(row.learned - row.true_frequency) /
                           std::abs(row.true_frequency);
      row.true_action = At(t.true_action(), i);
      row.learned_action = At(t.learned_action_mean(), i);
      row.learned_action_std = At(t.learned_action_std(), i);
      rows.push_back(row);
    }
  }
  return rows;
}

// "seed 0, 100 samples, 50,000 steps trained (best state at step 49,800)".
std::string RunText(const OmegaRun& run) {
  const SweepPoint& p = run.point->point;
  return absl::StrFormat(
      "`%s` on %s, seed %d, %d training samples, %d steps trained (its best "
      "state, the one evaluated, at step %d)",
      p.model(), run.dataset, p.seed(), p.num_train_samples(), p.num_steps(),
      run.point->evaluation->step());
}

// Rows of one pair of `run`, trained or held out: {x, y} or with errors.
std::vector<std::vector<double>> Points(const OmegaRun& run, bool held_out,
                                        bool against_action) {
  std::vector<std::vector<double>> points;
  for (const OmegaRow& row : run.rows) {
    if (row.held_out != held_out) continue;
    const double x = against_action ? row.learned_action : row.true_frequency;
    if (!Plottable(x) || !Plottable(row.learned)) continue;
    points.push_back({x, row.learned});
  }
  return points;
}

}  // namespace

std::vector<OmegaRun> ComputeOmegaOfAction(const ReportContext& context) {
  const std::vector<DatasetInfo> datasets = DatasetsOf(context.study);
  std::vector<OmegaRun> runs;
  for (const DatasetInfo& dataset : datasets) {
    std::vector<const StudyPoint*> candidates;
    for (const StudyPoint& p : context.study.points) {
      if (p.point.dataset() == dataset.name &&
          p.point.dataset_hash() == dataset.hash &&
          HasTrajectoryFrequencies(p)) {
        candidates.push_back(&p);
      }
    }
    if (candidates.empty()) continue;
    OmegaRun run;
    std::tie(run.point, run.chosen_as) = ChooseRun(candidates);
    run.dataset = dataset.label;
    run.action_conversion = run.point->evaluation->action_conversion();
    run.rows = RowsOf(*run.point->evaluation);
    absl::StatusOr<TrainingCurve> curve =
        ReadTrainingCurve((fs::path(context.study.sweep_dir) /
                           run.point->point.directory() / "metrics.jsonl")
                              .string());
    if (curve.ok()) {
      run.verdicts = JudgeConvergence(
          *curve, WindowsOfPoint(run.point->evaluation->config_text(),
                                 run.point->point.num_steps(),
                                 run.point->point.num_train_samples()));
    } else {
      run.curve_error = std::string(curve.status().message());
    }
    runs.push_back(std::move(run));
  }
  return runs;
}

std::string ConvergenceText(const OmegaRun& run) {
  if (!run.curve_error.empty()) {
    return absl::StrCat("its convergence is unknown (", run.curve_error, ")");
  }
  std::vector<std::string> not_converged;
  for (const ConvergenceVerdict& v : run.verdicts) {
    if (v.verdict == Verdict::kConverged) continue;
    not_converged.push_back(absl::StrFormat(
        "jump %d: %s, median test loss %s then %s", v.jump,
        VerdictName(v.verdict), Short(v.earlier), Short(v.later)));
  }
  if (run.verdicts.empty()) {
    return "its convergence is unknown (no test losses logged)";
  }
  if (not_converged.empty()) return "it converged (section 6's rule)";
  return absl::StrCat(
      "**it did not converge** (section 6's rule; ",
      absl::StrJoin(not_converged, "; "),
      "), so these learned frequencies are not yet the network's last word");
}

Table OmegaTable(const OmegaRun& run) {
  Table table{{"trajectory", "held out", "pair", "true action", "true ω",
               "learned ω (mean ± std over its test window)",
               "relative error (fraction)", "learned action (physical units)"},
              {}};
  for (const OmegaRow& row : run.rows) {
    table.rows.push_back(
        {absl::StrCat(row.trajectory), row.held_out ? "yes" : "no",
         absl::StrCat(row.pair), Short(row.true_action),
         Short(row.true_frequency),
         absl::StrCat(Short(row.learned), " ± ", Short(row.learned_std)),
         Short(row.relative_error),
         std::isnan(row.learned_action)
             ? std::string("—")
             : absl::StrCat(Short(row.learned_action), " ± ",
                            Short(row.learned_action_std))});
  }
  return table;
}

Table OmegaCsv(const std::vector<OmegaRun>& runs) {
  Table csv{{"model", "dataset", "seed", "num_train_samples", "num_steps",
             "protocol", "trajectory", "held_out", "pair", "true_action",
             "true_frequency", "learned_frequency", "learned_frequency_std",
             "relative_error", "learned_action", "learned_action_std"},
            {}};
  for (const OmegaRun& run : runs) {
    const SweepPoint& p = run.point->point;
    for (const OmegaRow& row : run.rows) {
      csv.rows.push_back(
          {p.model(), run.dataset, absl::StrCat(p.seed()),
           absl::StrCat(p.num_train_samples()), absl::StrCat(p.num_steps()),
           Protocol_Name(p.protocol()), absl::StrCat(row.trajectory),
           row.held_out ? "1" : "0", absl::StrCat(row.pair),
           Num(row.true_action), Num(row.true_frequency), Num(row.learned),
           Num(row.learned_std), Num(row.relative_error),
           Num(row.learned_action), Num(row.learned_action_std)});
    }
  }
  return csv;
}

Figure OmegaFigure(const std::vector<OmegaRun>& runs) {
  DataBlocks data;
  Figure figure;
  figure.name = "fig_omega_of_action";
  figure.panel_width = 620;
  figure.panel_height = 440;
  for (const OmegaRun& run : runs) {
    const std::string& model = run.point->point.model();
    // Learned against true omega, with the diagonal of a perfect match.
    PlotPanel versus{
        absl::StrCat(model, " on ", run.dataset, ": learned against true ω"),
        "true ω (radians per time unit)", "learned ω (radians per time unit)",
        false, false};
    double lowest = std::numeric_limits<double>::infinity();
    double highest = -lowest;
    for (const OmegaRow& row : run.rows) {
      for (double v : {row.true_frequency, row.learned}) {
        if (!Plottable(v)) continue;
        lowest = std::min(lowest, v);
        highest = std::max(highest, v);
      }
    }
    if (lowest < highest) {
      versus.series.push_back({"learned = true",
                               data.Add(absl::StrCat(model, ": the diagonal"),
                                        {{lowest, lowest}, {highest, highest}}),
                               "1:2", "lines dashtype 2 linecolor rgb 'gray40'",
                               0});
    }
    for (bool held_out : {false, true}) {
      const std::vector<std::vector<double>> points =
          Points(run, held_out, /*against_action=*/false);
      if (points.empty()) continue;
      versus.series.push_back(
          {held_out ? "held-out trajectories" : "trained trajectories",
           data.Add(absl::StrCat(model, held_out ? ": held out" : ": trained",
                                 ", true omega, learned omega"),
                    points),
           "1:2", held_out ? kHeldOutStyle : kTrainedStyle, held_out ? 2 : 1});
    }
    versus.commands.push_back("set key left top");
    if (!versus.series.empty()) figure.panels.push_back(std::move(versus));

    // omega against action: the truth as a line through the trajectories,
    // the network's learned pairs as points on the same axes.
    PlotPanel omega_of_action{
        absl::StrCat(model, " on ", run.dataset, ": ω against action"),
        "action (physical units)", "ω (radians per time unit)", false, false};
    std::vector<std::vector<double>> truth;
    for (const OmegaRow& row : run.rows) {
      if (Plottable(row.true_action) && Plottable(row.true_frequency)) {
        truth.push_back({row.true_action, row.true_frequency});
      }
    }
    std::sort(truth.begin(), truth.end());
    if (!truth.empty()) {
      omega_of_action.series.push_back(
          {"true ω(I)",
           data.Add(absl::StrCat(model, ": true action, true omega"), truth),
           "1:2", "linespoints pointtype 1 linecolor rgb 'black'", 0});
    }
    for (bool held_out : {false, true}) {
      const std::vector<std::vector<double>> points =
          Points(run, held_out, /*against_action=*/true);
      if (points.empty()) continue;
      omega_of_action.series.push_back(
          {held_out ? "learned, held out" : "learned, trained",
           data.Add(absl::StrCat(model, held_out ? ": held out" : ": trained",
                                 ", learned action, learned omega"),
                    points),
           "1:2", held_out ? kHeldOutStyle : kTrainedStyle, held_out ? 2 : 1});
    }
    omega_of_action.commands.push_back("set key right top");
    if (!omega_of_action.series.empty()) {
      figure.panels.push_back(std::move(omega_of_action));
    }
  }
  figure.columns = std::min<int>(2, figure.panels.size());
  figure.data = data.text();
  return figure;
}

absl::StatusOr<Section> OmegaOfActionSection(const ReportContext& context) {
  const std::vector<OmegaRun> runs = ComputeOmegaOfAction(context);
  Section section;
  if (runs.empty()) return section;
  section.csv_files.push_back({"omega_of_action.csv", OmegaCsv(runs)});
  section.blocks.push_back(TextBlock(
      "## 5b. ω(I): frequency against action, per trajectory\n\n"
      "*How to read:* the Action-Angle Network learns an angular frequency "
      "ω as a function of its latent actions. Where a system's frequency "
      "depends on its amplitude (the pendulum's falls as it swings wider), "
      "a network that learned the dynamics has learned that function. Per "
      "trajectory, over its own test window: the mean of |ω| (± its std "
      "over the window, which a perfect network would make 0), matched to "
      "the trajectory's true frequency in sorted order, and the latent "
      "action converted to physical units (J = C r²/2, exact for a "
      "symplectic flow: eval/learned_actions.h) beside the true action. "
      "Held-out trajectories were never trained on (open squares in the "
      "figure): there the network is judged at actions it never saw.\n\n"));
  for (const OmegaRun& run : runs) {
    section.blocks.push_back(TextBlock(absl::StrCat(
        "### ", run.point->point.model(), " on ", run.dataset, "\n\n", "From ",
        RunText(run), ": ", run.chosen_as, "; ", ConvergenceText(run),
        ". Actions: ",
        run.action_conversion.empty()
            ? std::string("not recorded")
            : absl::StrCat(Code(run.action_conversion),
                           absl::StartsWith(run.action_conversion, "C = ")
                               ? " (physical action = C r²/2)"
                               : " (learned actions left out)"),
        ".\n\n")));
    section.blocks.push_back(TableBlock(OmegaTable(run)));
  }
  section.blocks.push_back(FigureBlock(
      OmegaFigure(runs),
      "Learned against true angular frequency per trajectory, and frequency "
      "against action, learned and true"));
  return section;
}

}  // namespace aanet::reports
