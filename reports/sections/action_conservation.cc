#include "reports/sections/action_conservation.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "proto/evaluation.pb.h"
#include "reports/format.h"

namespace aanet::reports {
namespace {

constexpr char kActionAngleKind[] = "action_angle";

bool HasConservation(const StudyPoint* p) {
  return p->evaluation.has_value() && p->evaluation->has_action_conservation();
}

// The cell of `model` on `dataset` shown: the marked reference cell if on
// the dataset, else the training-set size closest to the reference one,
// among cells with a variation; nullptr if none.
const Cell* CellOn(const std::vector<Cell>& cells, const std::string& model,
                   const std::string& dataset) {
  std::vector<GridPoint> available;
  for (const Cell& cell : cells) {
    if (cell.model != model || cell.dataset != dataset) continue;
    if (std::none_of(cell.points.begin(), cell.points.end(), HasConservation)) {
      continue;
    }
    if (cell.is_reference) return &cell;
    available.push_back({cell.dataset, cell.num_train_samples});
  }
  const std::optional<GridPoint> point =
      ChooseReferencePoint(available, dataset);
  return point.has_value() ? FindCell(cells, model, *point) : nullptr;
}

// A variation as the table shows it: NaN is "not finite", never a number.
std::string VariationText(const google::protobuf::RepeatedField<double>& v,
                          int i) {
  if (i >= v.size()) return "—";
  return std::isnan(v.Get(i)) ? std::string("not finite") : Short(v.Get(i));
}

std::string CsvValue(const google::protobuf::RepeatedField<double>& v, int i) {
  return i < v.size() ? Num(v.Get(i)) : std::string();
}

}  // namespace

std::vector<ConservationDataset> ComputeConservation(
    const ReportContext& context) {
  std::vector<ConservationDataset> result;
  for (const DatasetInfo& info : DatasetsOf(context.study)) {
    ConservationDataset data;
    data.dataset = info.label;
    data.system = info.system;
    for (const std::string& model : context.models) {
      const Cell* cell = CellOn(context.cells, model, info.label);
      if (cell == nullptr || cell->model_kind != kActionAngleKind) continue;
      data.cells.push_back(cell);
      for (const StudyPoint* p : cell->points) {
        if (!p->evaluation.has_value()) continue;
        for (const TrajectoryFrequency& t :
             p->evaluation->trajectory_frequencies()) {
          data.true_actions = data.true_actions || t.true_action_size() > 0;
        }
      }
    }
    if (!data.cells.empty()) result.push_back(std::move(data));
  }
  return result;
}

Table ConservationTable(const ConservationDataset& data) {
  Table table;
  table.header = {"model",
                  "seed",
                  "latent pair",
                  "trained: median",
                  "trained: max",
                  "held out: median",
                  "held out: max",
                  "pictured trajectory",
                  "trajectories (not finite, left out)"};
  for (const Cell* cell : data.cells) {
    for (const StudyPoint* p : cell->points) {
      if (!HasConservation(p)) continue;
      const ActionConservation& c = p->evaluation->action_conservation();
      const std::string count = absl::StrFormat(
          "%d trained (%d), %d held out (%d)", c.trained().num_trajectories(),
          c.trained().num_non_finite(), c.held_out().num_trajectories(),
          c.held_out().num_non_finite());
      for (int i = 0; i < c.num_latent_pairs(); ++i) {
        table.rows.push_back({p->point.model(), absl::StrCat(p->point.seed()),
                              absl::StrCat(i),
                              VariationText(c.trained().median(), i),
                              VariationText(c.trained().max(), i),
                              VariationText(c.held_out().median(), i),
                              VariationText(c.held_out().max(), i),
                              VariationText(c.pictured(), i), count});
      }
    }
  }
  return table;
}

Table ConservationCsv(const std::vector<ConservationDataset>& data) {
  Table csv;
  csv.header = {"dataset",
                "model",
                "seed",
                "trajectory",
                "held_out",
                "latent_pair",
                "relative_variation",
                "mean_action",
                "action_units",
                "window_samples"};
  for (const ConservationDataset& d : data) {
    for (const Cell* cell : d.cells) {
      for (const StudyPoint* p : cell->points) {
        if (!HasConservation(p)) continue;
        const ActionConservation& c = p->evaluation->action_conservation();
        for (const ActionVariation& t : c.trajectories()) {
          for (int i = 0; i < c.num_latent_pairs(); ++i) {
            csv.rows.push_back(
                {d.dataset, p->point.model(), absl::StrCat(p->point.seed()),
                 absl::StrCat(t.trajectory()), t.held_out() ? "1" : "0",
                 absl::StrCat(i), CsvValue(t.relative_variation(), i),
                 CsvValue(t.mean_action(), i), c.action_units(),
                 absl::StrCat(c.window_samples())});
          }
        }
      }
    }
  }
  return csv;
}

Figure ActionsFigure(const std::vector<PicturedDataset>& pictures,
                     const ReportContext& context) {
  (void)context;
  Figure figure;
  figure.name = "fig_action_conservation";
  figure.columns = 2;
  DataBlocks blocks;
  for (const PicturedDataset& d : pictures) {
    for (const PicturedRun& run : d.runs) {
      if (!run.arrays.has_value() || run.arrays->actions.size() == 0) continue;
      const eval::PicturedArrays& a = *run.arrays;
      const Eigen::RowVectorXd mean = a.actions.colwise().mean();
      std::vector<std::vector<double>> rows;
      for (Eigen::Index r = 0; r < a.t.size(); ++r) {
        std::vector<double> row = {a.t[r]};
        for (Eigen::Index i = 0; i < a.actions.cols(); ++i) {
          row.push_back(a.actions(r, i) / mean[i]);
        }
        rows.push_back(std::move(row));
      }
      const std::string& model = run.point->point.model();
      const int block =
          blocks.Add(absl::StrCat(d.dataset, ", ", model,
                                  ": t, each action over its mean"),
                     rows);
      PlotPanel panel;
      panel.title = absl::StrFormat("%s on %s, trajectory %d", model, d.dataset,
                                    a.summary.trajectory());
      panel.x_label = "time since s0";
      panel.y_label = "action / its mean over time";
      for (Eigen::Index i = 0; i < a.actions.cols(); ++i) {
        panel.series.push_back({absl::StrCat("latent pair ", i), block,
                                absl::StrCat("1:", 2 + i), "lines linewidth 2",
                                static_cast<int>(i) + 1});
      }
      figure.panels.push_back(std::move(panel));
    }
  }
  if (figure.panels.size() == 1) figure.columns = 1;
  figure.data = blocks.text();
  return figure;
}

std::string ConservationText(const ConservationDataset& data) {
  std::string text;
  if (data.system == "double_pendulum") {
    text =
        "The double pendulum is not integrable: it has no actions beyond "
        "the energy that hold everywhere (a regular trajectory lies on a "
        "torus with actions of its own, a chaotic one on none), so no "
        "encoder can make its actions flat over the whole system and the "
        "variation should be large, largest on the chaotic setup. The "
        "contrast with the integrable systems is the result. ";
  } else if (!data.true_actions) {
    text =
        "This dataset records no true actions (its system has none known, "
        "or the trajectories are imported): a small variation says the "
        "network found conserved quantities, a large one is no evidence "
        "that any exist. ";
  }
  int steps = 0, seeds = 0, window = 0;
  for (const Cell* cell : data.cells) {
    seeds = std::max(seeds, static_cast<int>(cell->points.size()));
    for (const StudyPoint* p : cell->points) {
      steps = std::max(steps, p->point.num_steps());
      if (p->evaluation.has_value()) {
        window = std::max(
            window, p->evaluation->action_conservation().window_samples());
      }
    }
  }
  absl::StrAppend(
      &text,
      absl::StrFormat(
          "Budget: %d training steps, %d seed(s), each trajectory's test "
          "window of %d samples. The regulariser pushes the trained "
          "trajectories' variation down, so the held-out ones (other "
          "energies) are the test; with so few seeds a difference under "
          "about 2x between models or sets cannot be told from seed noise, "
          "and a window shorter than a pair's period underestimates its "
          "variation.\n\n",
          steps, seeds, window));
  return text;
}

absl::StatusOr<Section> ActionConservationSection(
    const ReportContext& context) {
  const std::vector<ConservationDataset> data = ComputeConservation(context);
  Section section;
  if (data.empty()) return section;
  section.csv_files.push_back(
      {"action_conservation.csv", ConservationCsv(data)});
  section.blocks.push_back(TextBlock(
      "## 5e. Conservation of the learned actions\n\n"
      "*How to read:* the Action-Angle Network's actions of the **true** "
      "states of a trajectory, against time (its evolved actions are "
      "constant by construction and would prove nothing). Conserved "
      "actions are flat. Per latent pair the relative variation is the "
      "standard deviation over time divided by |mean| over time of the "
      "action r²/2 of the latent radius r (unit-free: 0.01 is 1 %), over "
      "each trajectory's test window; the table gives its median and "
      "maximum over the trained and over the held-out trajectories, and "
      "over the pictured trajectory (section 5d: far past the test window "
      "where the truth is the system's). Latent pairs are the network's "
      "own, in its order; a seed's pair i is not another seed's. "
      "Trajectories whose variation is not finite are counted, never "
      "averaged.\n\n"));
  const std::vector<PicturedDataset> pictures = ComputePictures(context);
  const Figure figure = ActionsFigure(pictures, context);
  if (!figure.panels.empty()) {
    section.blocks.push_back(
        FigureBlock(figure,
                    "The Action-Angle Network's actions of the pictured true "
                    "trajectory, each over its mean, against time"));
  }
  for (const ConservationDataset& d : data) {
    section.blocks.push_back(TextBlock(
        absl::StrCat("### ", d.dataset, "\n\n", ConservationText(d))));
    section.blocks.push_back(TableBlock(ConservationTable(d)));
  }
  return section;
}

}  // namespace aanet::reports
