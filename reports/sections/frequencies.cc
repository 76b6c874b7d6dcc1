#include "reports/sections/frequencies.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "reports/format.h"
#include "status/status_macros.h"

namespace aanet::reports {
namespace {

// Grid points of each kernel density estimate.
constexpr int kDensityPoints = 256;

// The true frequencies at `reference`: of its frequency matches, else of
// its first evaluation.
std::vector<double> TrueFrequencies(const Cell& reference) {
  std::vector<double> truth;
  for (const ModeFrequency& f : AggregateFrequencies(reference)) {
    truth.push_back(f.true_frequency.mean);
  }
  if (truth.empty()) {
    const EvaluationReport& e = *reference.points.front()->evaluation;
    truth.assign(e.true_frequencies().begin(), e.true_frequencies().end());
  }
  return truth;
}

// The densities of the modes of `by_mode` that have finite values.
std::vector<ModeDensity> Densities(
    const std::vector<std::vector<double>>& by_mode,
    const std::vector<double>& truth) {
  std::vector<ModeDensity> densities;
  for (size_t mode = 0; mode < by_mode.size(); ++mode) {
    if (by_mode[mode].empty()) continue;
    absl::StatusOr<Density> density =
        GaussianKde(by_mode[mode], kDensityPoints);
    if (!density.ok()) continue;  // nothing finite to estimate
    densities.push_back({static_cast<int>(mode),
                         mode < truth.size()
                             ? truth[mode]
                             : std::numeric_limits<double>::quiet_NaN(),
                         *std::move(density)});
  }
  return densities;
}

// "mode 0: h = 0.01 from 100 values; ..."
std::string Bandwidths(const FrequencyModel& model) {
  std::vector<std::string> bandwidths;
  for (const ModeDensity& d : model.densities) {
    bandwidths.push_back(
        absl::StrFormat("mode %d: h = %s from %d values%s", d.mode,
                        Short(d.density.bandwidth), d.density.num_values,
                        d.density.num_non_finite > 0
                            ? absl::StrCat(" (", d.density.num_non_finite,
                                           " non-finite left out)")
                            : std::string()));
  }
  return absl::StrJoin(bandwidths, "; ");
}

// The x range of the densities and the true frequencies, with a margin that
// keeps the true frequencies off the border; nothing if it is empty.
std::vector<std::string> XRange(const FrequencyModel& model) {
  double lowest = std::numeric_limits<double>::infinity();
  double highest = -lowest;
  for (const ModeDensity& d : model.densities) {
    lowest = std::min(lowest, d.density.x.front());
    highest = std::max(highest, d.density.x.back());
  }
  for (double truth : model.truth) {
    if (!std::isfinite(truth)) continue;
    lowest = std::min(lowest, truth);
    highest = std::max(highest, truth);
  }
  if (!(lowest < highest)) return {};
  const double margin = 0.05 * (highest - lowest);
  return {absl::StrFormat("set xrange [%.9g:%.9g]", lowest - margin,
                          highest + margin)};
}

// The density panel of `model`; no series if it has no density.
PlotPanel DensityPanel(const FrequencyModel& model, DataBlocks* data) {
  const std::string& name = model.reference->model;
  PlotPanel panel{absl::StrFormat("%s, %s", name, CellPoint(*model.reference)),
                  "|angular velocity| (radians per time unit)", "density",
                  false, false};
  for (const ModeDensity& d : model.densities) {
    std::vector<std::vector<double>> rows;
    for (size_t i = 0; i < d.density.x.size(); ++i) {
      rows.push_back({d.density.x[i], d.density.density[i]});
    }
    panel.series.push_back(
        {std::isfinite(d.true_frequency)
             ? absl::StrFormat("mode %d (true %.4g)", d.mode, d.true_frequency)
             : absl::StrFormat("mode %d", d.mode),
         data->Add(
             absl::StrFormat("%s, mode %d: |omega|, density", name, d.mode),
             rows),
         "1:2", "lines linewidth 2", d.mode + 1});
  }
  for (size_t mode = 0; mode < model.truth.size(); ++mode) {
    if (!std::isfinite(model.truth[mode])) continue;
    const std::string x = absl::StrFormat("%.9g", model.truth[mode]);
    panel.commands.push_back(absl::StrFormat(
        "set arrow from first %s, graph 0 to first %s, graph 1 nohead "
        "dashtype 2 linewidth 1.5 linecolor %d",
        x, x, mode + 1));
  }
  for (std::string& command : XRange(model)) {
    panel.commands.push_back(std::move(command));
  }
  panel.commands.push_back("set key outside right top vertical");
  return panel;
}

// The text and table of one model.
void AddModelBlocks(const FrequencyModel& model, Section* section) {
  const Cell& reference = *model.reference;
  section->blocks.push_back(TextBlock(
      absl::StrCat("### ", reference.model, " (", reference.dataset, ")\n\n")));
  Table table = FrequencyTable(model);
  section->blocks.push_back(
      table.rows.empty()
          ? TextBlock("*No frequency matches in these evaluations.*\n\n")
          : TableBlock(std::move(table)));
  section->blocks.push_back(TextBlock(
      model.densities.empty()
          ? std::string("*No angular velocities recorded at the reference "
                        "point; no density to plot.*\n\n")
          : absl::StrCat("Kernel density at ", CellPoint(reference), ": ",
                         Bandwidths(model), ".\n\n")));
}

}  // namespace

absl::StatusOr<std::vector<FrequencyModel>> ComputeFrequencies(
    const ReportContext& context) {
  std::vector<FrequencyModel> models;
  for (const std::string& name : context.models) {
    const Cell* reference = ReferenceCell(context.cells, name);
    if (reference == nullptr || reference->model_kind != "action_angle") {
      continue;
    }
    FrequencyModel model;
    model.reference = reference;
    for (const Cell& cell : context.cells) {
      if (cell.model != name || cell.dataset != reference->dataset) continue;
      model.cells.emplace_back(&cell, AggregateFrequencies(cell));
    }
    absl::StatusOr<std::vector<std::vector<double>>> by_mode =
        AbsAngularVelocitiesByMode(*reference);
    if (!by_mode.ok()) {
      return absl::Status(by_mode.status().code(),
                          absl::StrCat(context.study.sweep_dir, ": ",
                                       by_mode.status().message()));
    }
    model.truth = TrueFrequencies(*reference);
    model.densities = Densities(*by_mode, model.truth);
    models.push_back(std::move(model));
  }
  return models;
}

Table FrequencyTable(const FrequencyModel& model) {
  Table table{{"samples", "seeds", "mode", "true ω", "learned ω",
               "relative error (fraction)"},
              {}};
  for (const auto& [cell, modes] : model.cells) {
    for (const ModeFrequency& f : modes) {
      table.rows.push_back(
          {absl::StrCat(cell->num_train_samples,
                        cell == model.reference ? " (reference)" : ""),
           absl::StrCat(f.learned_mean.count), absl::StrCat(f.mode),
           Short(f.true_frequency.mean), MeanPm(f.learned_mean),
           MeanPm(f.relative_error)});
    }
  }
  return table;
}

Table FrequenciesCsv(const std::vector<FrequencyModel>& models) {
  Table csv{{"model", "dataset", "num_train_samples", "mode", "true_frequency",
             "learned_mean", "learned_std", "relative_error_mean",
             "relative_error_std", "num_seeds"},
            {}};
  for (const FrequencyModel& model : models) {
    for (const auto& [cell, modes] : model.cells) {
      for (const ModeFrequency& f : modes) {
        csv.rows.push_back(
            {cell->model, cell->dataset, absl::StrCat(cell->num_train_samples),
             absl::StrCat(f.mode), Num(f.true_frequency.mean),
             Num(f.learned_mean.mean), Num(f.learned_mean.std),
             Num(f.relative_error.mean), Num(f.relative_error.std),
             absl::StrCat(f.learned_mean.count)});
      }
    }
  }
  return csv;
}

Table FrequencyDensityCsv(const std::vector<FrequencyModel>& models) {
  Table csv{{"model", "dataset", "num_train_samples", "mode", "true_frequency",
             "bandwidth", "num_values", "omega", "density"},
            {}};
  for (const FrequencyModel& model : models) {
    const Cell& reference = *model.reference;
    for (const ModeDensity& d : model.densities) {
      for (size_t i = 0; i < d.density.x.size(); ++i) {
        csv.rows.push_back({reference.model, reference.dataset,
                            absl::StrCat(reference.num_train_samples),
                            absl::StrCat(d.mode), Num(d.true_frequency),
                            Num(d.density.bandwidth),
                            absl::StrCat(d.density.num_values),
                            Num(d.density.x[i]), Num(d.density.density[i])});
      }
    }
  }
  return csv;
}

Figure FrequenciesFigure(const std::vector<FrequencyModel>& models) {
  DataBlocks data;
  Figure figure;
  figure.name = "fig_frequencies";
  figure.panel_width = 620;
  figure.panel_height = 420;
  for (const FrequencyModel& model : models) {
    PlotPanel panel = DensityPanel(model, &data);
    if (!panel.series.empty()) figure.panels.push_back(std::move(panel));
  }
  figure.columns = std::min<int>(2, figure.panels.size());
  figure.data = data.text();
  return figure;
}

absl::StatusOr<Section> FrequenciesSection(const ReportContext& context) {
  AANET_ASSIGN_OR_RETURN(const std::vector<FrequencyModel> models,
                         ComputeFrequencies(context));
  Section section;
  section.csv_files.push_back({"frequencies.csv", FrequenciesCsv(models)});
  section.csv_files.push_back(
      {"frequency_density.csv", FrequencyDensityCsv(models)});
  section.blocks.push_back(TextBlock(
      "## 5. Recovered frequencies (Figure 4)\n\n"
      "*How to read:* each latent action-angle pair of an Action-Angle "
      "Network is matched to a true frequency (for a harmonic dataset, a "
      "normal mode's; where the frequency depends on the amplitude, as the "
      "pendulum's, each test state's own trajectory's, averaged over the "
      "test states: section 5b has them per trajectory); a learned angular "
      "velocity "
      "(mean over test states of |ω|, then mean ± std over seeds) close "
      "to the true frequency, i.e. a small relative error, means the "
      "network found the system's true frequencies. The plot is a Gaussian "
      "kernel density (Silverman bandwidth) of |ω| over the test states of "
      "all seeds at the reference point; dashed lines are the true "
      "frequencies. *Which states:* ours are the test states (the last "
      "num_test_samples of every trajectory), and each seed's latent pairs "
      "are matched to the modes by sorting both by frequency; the published "
      "Figure 4 uses the training states and draws latent pair i against "
      "the i-th mode in the eigensolver's order, unmatched "
      "(docs/published_settings.md).\n\n"));
  if (models.empty()) {
    section.blocks.push_back(
        TextBlock("*No Action-Angle Network (model_kind action_angle) was "
                  "evaluated in this sweep; there are no learned "
                  "frequencies to show.*\n\n"));
    return section;
  }
  for (const FrequencyModel& model : models) AddModelBlocks(model, &section);
  section.blocks.push_back(
      FigureBlock(FrequenciesFigure(models),
                  "Kernel density of learned angular velocities"));
  return section;
}

}  // namespace aanet::reports
