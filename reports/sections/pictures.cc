#include "reports/sections/pictures.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "proto/evaluation.pb.h"
#include "reports/format.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr char kTruthStyle[] = "lines linewidth 2 linecolor rgb 'black'";
constexpr char kOneShotStyle[] = "points pointtype 7 pointsize 0.5";
constexpr char kRolloutStyle[] = "lines dashtype 2 linewidth 1.5";
// Frames of the animation, about.
constexpr int kFrames = 50;

// The trajectories.h5 of `p`: beside its evaluation.json.
std::string PicturePath(const StudyData& study, const StudyPoint& p) {
  const fs::path evaluation =
      p.point.evaluation_file().empty()
          ? fs::path(p.point.directory()) / "evaluation.json"
          : fs::path(p.point.evaluation_file());
  return (fs::path(study.sweep_dir) / evaluation.parent_path() /
          p.evaluation->pictured_trajectory().file())
      .string();
}

bool HasPicture(const StudyPoint* p) {
  return p->evaluation.has_value() &&
         p->evaluation->has_pictured_trajectory() &&
         !p->evaluation->pictured_trajectory().file().empty();
}

// Rows of [t, truth, one-shot, rollout]; non-finite values as NaN, which
// gnuplot leaves out.
std::vector<std::vector<double>> Rows(const eval::PicturedArrays& a) {
  std::vector<std::vector<double>> rows;
  for (Eigen::Index r = 0; r < a.t.size(); ++r) {
    std::vector<double> row = {a.t[r]};
    for (const Eigen::MatrixXd* m : {&a.truth, &a.one_shot, &a.rollout}) {
      for (Eigen::Index c = 0; c < m->cols(); ++c) {
        const double v = (*m)(r, c);
        row.push_back(std::isfinite(v) ? v : kNan);
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// The error of `predicted`'s last row against the truth's, in units of each
// coordinate's variance along the true trajectory.
double LastRowError(const eval::PicturedArrays& a,
                    const Eigen::MatrixXd& predicted) {
  const Eigen::Index last = a.truth.rows() - 1;
  const Eigen::RowVectorXd mean = a.truth.colwise().mean();
  const Eigen::RowVectorXd variance =
      (a.truth.rowwise() - mean).colwise().squaredNorm() /
      static_cast<double>(a.truth.rows());
  const Eigen::RowVectorXd error =
      (predicted.row(last) - a.truth.row(last)).array().square() /
      variance.array().max(std::numeric_limits<double>::min());
  return error.mean();
}

std::string ErrorText(double value) {
  return std::isfinite(value) ? Short(value) : std::string("not finite");
}

// The truth's range of column `c`, widened by half its width each side
// (a point if the truth stands still: then by 1).
std::pair<double, double> Range(const Eigen::MatrixXd& truth, int c) {
  const double low = truth.col(c).minCoeff(), high = truth.col(c).maxCoeff();
  const double margin = high > low ? 0.5 * (high - low) : 1.0;
  return {low - margin, high + margin};
}

// Axes at the truth's range, the key below the panel (predictions may
// fill it).
std::vector<std::string> PanelCommands(const Eigen::MatrixXd& truth, int i,
                                       int n) {
  const auto [q_low, q_high] = Range(truth, i);
  const auto [p_low, p_high] = Range(truth, n + i);
  return {absl::StrFormat("set xrange [%.9g:%.9g]", q_low, q_high),
          absl::StrFormat("set yrange [%.9g:%.9g]", p_low, p_high),
          "set key below"};
}

std::string Columns(int q, int p) { return absl::StrCat(q, ":", p); }

}  // namespace

std::vector<PicturedDataset> ComputePictures(const ReportContext& context) {
  const std::vector<DatasetInfo> datasets = DatasetsOf(context.study);
  std::vector<PicturedDataset> result;
  for (const DatasetInfo& info : datasets) {
    PicturedDataset data;
    data.dataset = info.label;
    data.system = info.system;
    for (const std::string& model : context.models) {
      for (const Cell& cell : context.cells) {
        if (cell.model != model || cell.dataset != info.label) continue;
        const auto found =
            std::find_if(cell.points.begin(), cell.points.end(), HasPicture);
        if (found == cell.points.end()) continue;
        PicturedRun run;
        run.cell = &cell;
        run.point = *found;
        run.path = PicturePath(context.study, **found);
        absl::StatusOr<eval::PicturedArrays> read =
            eval::ReadPicturedTrajectory(run.path);
        if (read.ok()) {
          run.arrays = *std::move(read);
        } else {
          run.error = std::string(read.status().message());
        }
        data.runs.push_back(std::move(run));
        break;  // one per model
      }
    }
    if (!data.runs.empty()) result.push_back(std::move(data));
  }
  return result;
}

Table PicturesTable(const PicturedDataset& data) {
  Table table;
  table.header = {"model",
                  "trajectory",
                  "Δt = 1..N steps",
                  "truth rows from the dataset",
                  "one-shot rows not finite",
                  "one-shot error at N",
                  "rollout rows not finite",
                  "rollout error at N"};
  for (const PicturedRun& run : data.runs) {
    if (!run.arrays.has_value()) {
      table.rows.push_back({run.point->point.model(),
                            absl::StrCat("not read: ", run.error), "", "", "",
                            "", "", ""});
      continue;
    }
    const eval::PicturedArrays& a = *run.arrays;
    const PicturedTrajectory& s = a.summary;
    table.rows.push_back(
        {run.point->point.model(),
         absl::StrCat(s.trajectory(), s.held_out() ? " (held out)" : "",
                      ", from sample ", s.start_sample()),
         absl::StrCat("N = ", s.num_jumps(), " (",
                      Short(s.num_jumps() * s.dt()), " time units)"),
         absl::StrCat(s.num_recorded_rows(), " of ", s.num_jumps() + 1),
         absl::StrCat(s.num_non_finite_one_shot()),
         ErrorText(LastRowError(a, a.one_shot)),
         absl::StrCat(s.num_non_finite_rollout()),
         ErrorText(LastRowError(a, a.rollout))});
  }
  return table;
}

Table PicturesCsv(const std::vector<PicturedDataset>& data) {
  Table csv;
  csv.header = {"dataset",
                "model",
                "file",
                "read_error",
                "trajectory",
                "held_out",
                "start_sample",
                "num_jumps",
                "dt",
                "num_recorded_rows",
                "one_shot_non_finite_rows",
                "one_shot_error_at_n",
                "rollout_non_finite_rows",
                "rollout_error_at_n",
                "failure"};
  for (const PicturedDataset& d : data) {
    for (const PicturedRun& run : d.runs) {
      if (!run.arrays.has_value()) {
        csv.rows.push_back({d.dataset, run.point->point.model(), run.path,
                            run.error, "", "", "", "", "", "", "", "", "", "",
                            ""});
        continue;
      }
      const eval::PicturedArrays& a = *run.arrays;
      const PicturedTrajectory& s = a.summary;
      csv.rows.push_back(
          {d.dataset, run.point->point.model(), run.path, "",
           absl::StrCat(s.trajectory()), s.held_out() ? "1" : "0",
           absl::StrCat(s.start_sample()), absl::StrCat(s.num_jumps()),
           Num(s.dt()), absl::StrCat(s.num_recorded_rows()),
           absl::StrCat(s.num_non_finite_one_shot()),
           Num(LastRowError(a, a.one_shot)),
           absl::StrCat(s.num_non_finite_rollout()),
           Num(LastRowError(a, a.rollout)), s.failure()});
    }
  }
  return csv;
}

Figure PhaseSpaceFigure(const PicturedDataset& data, int index,
                        const ReportContext& context) {
  Figure figure;
  figure.name = absl::StrCat("fig_phase_space_", index);
  figure.panel_width = 420;
  figure.panel_height = 400;
  DataBlocks blocks;
  int n = 0;
  for (const PicturedRun& run : data.runs) {
    if (!run.arrays.has_value()) continue;
    const eval::PicturedArrays& a = *run.arrays;
    n = static_cast<int>(a.truth.cols() / 2);
    const std::string& model = run.point->point.model();
    const int block = blocks.Add(
        absl::StrCat(model, ": t, truth q p, one-shot q p, rollout q p"),
        Rows(a));
    const int color = context.Color(model);
    for (int i = 0; i < n; ++i) {
      PlotPanel panel;
      panel.title = absl::StrFormat("%s: (q_%d, p_%d)", model, i, i);
      panel.x_label = absl::StrCat("q_", i);
      panel.y_label = absl::StrCat("p_", i);
      panel.commands = PanelCommands(a.truth, i, n);
      panel.series.push_back(
          {"truth", block, Columns(2 + i, 2 + n + i), kTruthStyle, 0});
      panel.series.push_back({"one-shot", block,
                              Columns(2 + 2 * n + i, 2 + 3 * n + i),
                              kOneShotStyle, color});
      panel.series.push_back({"rollout", block,
                              Columns(2 + 4 * n + i, 2 + 5 * n + i),
                              kRolloutStyle, color});
      figure.panels.push_back(std::move(panel));
    }
  }
  figure.columns = std::max(1, n);
  figure.data = blocks.text();
  return figure;
}

Figure PhaseSpaceAnimation(const PicturedDataset& data, int index,
                           const ReportContext& context) {
  Figure figure;
  figure.name = absl::StrCat("anim_phase_space_", index);
  figure.panel_width = 440;
  figure.panel_height = 480;
  DataBlocks blocks;
  const eval::PicturedArrays* first = nullptr;
  std::vector<std::pair<const PicturedRun*, int>> read;
  for (const PicturedRun& run : data.runs) {
    if (!run.arrays.has_value()) continue;
    if (first == nullptr) first = &*run.arrays;
    read.push_back(
        {&run, blocks.Add(run.point->point.model(), Rows(*run.arrays))});
  }
  if (first == nullptr) return figure;
  const int n = static_cast<int>(first->truth.cols() / 2);
  for (int i = 0; i < n; ++i) {
    PlotPanel panel;
    panel.title = absl::StrFormat("(q_%d, p_%d): truth and one-shot", i, i);
    panel.x_label = absl::StrCat("q_", i);
    panel.y_label = absl::StrCat("p_", i);
    panel.commands = PanelCommands(first->truth, i, n);
    const int truth_block = read.front().second;
    // The whole orbit faintly, then the truth moving along.
    panel.series.push_back({"", truth_block, Columns(2 + i, 2 + n + i),
                            "lines linecolor rgb 'gray80'", 0});
    PlotSeries truth = {"truth", truth_block, Columns(2 + i, 2 + n + i),
                        kTruthStyle, 0};
    truth.animated = true;
    panel.series.push_back(truth);
    for (const auto& [run, block] : read) {
      const std::string& model = run->point->point.model();
      PlotSeries one_shot = {model, block,
                             Columns(2 + 2 * n + i, 2 + 3 * n + i),
                             "lines linewidth 1.5", context.Color(model)};
      one_shot.animated = true;
      panel.series.push_back(one_shot);
    }
    figure.panels.push_back(std::move(panel));
  }
  figure.columns = std::min(n, 3);
  const int rows = static_cast<int>(first->t.size());
  figure.animation.num_rows = rows;
  figure.animation.step = std::max(1, (rows + kFrames - 1) / kFrames);
  figure.data = blocks.text();
  return figure;
}

absl::StatusOr<Section> PicturesSection(const ReportContext& context) {
  const std::vector<PicturedDataset> data = ComputePictures(context);
  Section section;
  if (data.empty()) return section;
  section.csv_files.push_back({"pictures.csv", PicturesCsv(data)});
  section.blocks.push_back(TextBlock(
      "## 5d. Pictures of the dynamics\n\n"
      "*How to read:* one test trajectory (the first held-out one if the "
      "models hold any out, else trajectory 0) from s0, the first state of "
      "its test window, far past the jumps the models were trained on. "
      "**One-shot** predictions (points) are Predict(s0, Δt) from the start "
      "state at each Δt = 1..N steps, the protocol of the paper's Figure 3b "
      "(for the Euler Update Network a single Euler step in latent space, "
      "which is expected to look bad far out); **rollouts** (dashed) are "
      "recursive, s_{j+1} = Predict(s_j, one step), for every model (the "
      "Action-Angle Network's for contrast). The truth (black) is the "
      "dataset's samples and, past them, the system's own. Axes show the "
      "truth's range with a margin: predictions beyond it are cut, and "
      "non-finite ones are counted in the table, never drawn. The error at N "
      "is "
      "the mean over coordinates of ((predicted − true) / σ)², σ each "
      "coordinate's standard deviation along the true trajectory: a random "
      "point of the true orbit scores about 2. The arrays "
      "are in each point's trajectories.h5 (eval/README.md), to plot your "
      "own way.\n\n"
      "*What this budget can show:* one trajectory and one seed (the "
      "first) of each model's reference point: the kind of failure (phase "
      "drift, an orbit spiralling in or out, a blow-up), not its rate; "
      "compare models on the error against Δt (section 4), which averages "
      "over many states.\n\n"));
  int index = 0;
  for (const PicturedDataset& d : data) {
    std::string heading = absl::StrCat("### ", d.dataset, "\n\n");
    const PicturedRun* any = nullptr;
    for (const PicturedRun& run : d.runs) {
      if (run.arrays.has_value()) {
        any = &run;
        break;
      }
    }
    if (any != nullptr) {
      const PicturedTrajectory& s = any->arrays->summary;
      const std::optional<int> trained = TrainedMaxJump(*any->cell);
      absl::StrAppend(
          &heading,
          absl::StrFormat("Trajectory %d%s, N = %d steps of %s (%s time "
                          "units)",
                          s.trajectory(), s.held_out() ? " (held out)" : "",
                          s.num_jumps(), Short(s.dt()),
                          Short(s.num_jumps() * s.dt())),
          trained.has_value()
              ? absl::StrFormat(
                    "; trained on jumps up to %d, so N is %s "
                    "times the trained range",
                    *trained,
                    Short(static_cast<double>(s.num_jumps()) / *trained))
              : std::string(),
          ".\n\n");
    }
    section.blocks.push_back(TextBlock(heading));
    section.blocks.push_back(TableBlock(PicturesTable(d)));
    section.blocks.push_back(FigureBlock(
        PhaseSpaceFigure(d, index, context),
        absl::StrCat("Phase space of ", d.dataset,
                     ": truth, one-shot predictions and rollouts")));
    section.blocks.push_back(TextBlock(
        "The animation: the truth and every model's one-shot prediction "
        "moving along, Δt growing frame by frame.\n\n"));
    section.blocks.push_back(
        FigureBlock(PhaseSpaceAnimation(d, index, context),
                    absl::StrCat("Animation of ", d.dataset)));
    ++index;
  }
  return section;
}

}  // namespace aanet::reports
