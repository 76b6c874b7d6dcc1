#include "reports/sections/header.h"

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "proto/experiment.pb.h"
#include "reports/format.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;

// The config file of `model` in the sweep config; "—" if unknown.
std::string ConfigOf(const ReportContext& context, const std::string& model) {
  if (!context.sweep_config.has_value()) return "—";
  // A grid axis names its models "<model>@<field>=<value>".
  const std::string base = model.substr(0, model.find('@'));
  for (const SweepModel& m : context.sweep_config->models()) {
    const std::string name =
        m.name().empty() ? fs::path(m.config()).stem().string() : m.name();
    if (name == base) return m.config();
  }
  return "—";
}

// "name: config (num_steps N, overrides...)" of every model of the config.
std::string ModelConfigs(const SweepConfig& config) {
  std::vector<std::string> configs;
  for (const SweepModel& m : config.models()) {
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
  return absl::StrJoin(configs, ", ");
}

// The names of the datasets, in the sweep's order; "—" if none.
std::string Datasets(const StudyData& study) {
  std::vector<std::string> names;
  for (const DatasetInfo& d : DatasetsOf(study)) names.push_back(d.label);
  return names.empty() ? std::string("—") : absl::StrJoin(names, ", ");
}

// The reference dataset's label; "—" if there is none.
std::string ReferenceDataset(const StudyData& study) {
  for (const DatasetInfo& d : DatasetsOf(study)) {
    if (d.is_reference) return d.label;
  }
  return "—";
}

// Rows of the facts table on what was run: sweep, budget, configs, machine.
void AddRunFacts(const ReportContext& context, const PointSummary& summary,
                 Table* facts) {
  const SweepResults& results = context.study.results;
  const std::string& budget = context.options.budget_description;
  facts->rows.push_back({"sweep", results.name()});
  const std::string description = context.sweep_config.has_value()
                                      ? context.sweep_config->description()
                                      : std::string();
  if (!budget.empty() || description.empty()) {
    facts->rows.push_back(
        {"budget", budget.empty() ? std::string("(not described)") : budget});
  }
  if (!description.empty()) {
    facts->rows.push_back({"sweep description", description});
  }
  if (context.sweep_config.has_value() &&
      context.sweep_config->models_size() > 0) {
    facts->rows.push_back(
        {"model configs", ModelConfigs(*context.sweep_config)});
  }
  const std::string machine = results.machine().empty()
                                  ? std::string("(not recorded)")
                                  : results.machine();
  // The Slurm backend records parallelism 0: its points ran on the
  // cluster's nodes, as many at once as the cluster gave cores.
  if (results.parallelism() == 0) {
    facts->rows.push_back(
        {"machine",
         absl::StrCat("Slurm cluster nodes (submitted from ", machine, ")")});
    facts->rows.push_back(
        {"parallelism", "Slurm job array, one core per point"});
  } else {
    facts->rows.push_back({"machine", machine});
    facts->rows.push_back({"parallelism", absl::StrCat(results.parallelism(),
                                                       " point(s) at a time")});
  }
  // A resumed sweep (or a Slurm sweep picked up later) records only its
  // last run's wall time; the sum of the points' times follows.
  facts->rows.push_back(
      {"sweep wall time, last run", FormatSeconds(results.wall_seconds())});
  facts->rows.push_back(
      {"sum of point wall times", FormatSeconds(summary.point_seconds)});
}

// Rows of the facts table on the grid: points, datasets, samples, seeds,
// evaluated jumps and the reference points.
void AddGridFacts(const ReportContext& context, const PointSummary& summary,
                  Table* facts) {
  auto count = [&](SweepPoint::Status status) {
    auto it = summary.counts.find(status);
    return it == summary.counts.end() ? 0 : it->second;
  };
  facts->rows.push_back(
      {"points",
       absl::StrFormat("%d: %d done, %d skipped (results existed), "
                       "%d failed, %d pending",
                       context.study.points.size(), count(SweepPoint::DONE),
                       count(SweepPoint::SKIPPED), count(SweepPoint::FAILED),
                       count(SweepPoint::PENDING))});
  facts->rows.push_back({"datasets", Datasets(context.study)});
  facts->rows.push_back({"num_train_samples", JoinSet(summary.samples)});
  facts->rows.push_back({"seeds", JoinSet(summary.seeds)});
  // Which jumps each kind of point was evaluated at (SweepEvaluation:
  // `jumps` everywhere, `reference_jumps` at the reference points).
  facts->rows.push_back(
      {"evaluated jumps, reference points (error vs Δt, timings)",
       JoinSet(summary.reference_jumps)});
  facts->rows.push_back(
      {"evaluated jumps, every other point", JoinSet(summary.other_jumps)});
  facts->rows.push_back(
      {"reference point",
       summary.marked_references.empty()
           ? absl::StrFormat("per model, the reference dataset %s, then the "
                             "num_train_samples closest to %d",
                             ReferenceDataset(context.study),
                             kReferenceNumTrainSamples)
           : absl::StrCat("the sweep's is_reference points: ",
                          absl::StrJoin(summary.marked_references, "; "))});
}

std::string Title(const ReportContext& context) {
  const std::string& name = context.study.results.name();
  return absl::StrCat(
      "# Study report: ", name.empty() ? "(unnamed sweep)" : name,
      "\n\nThe paper's study (Table 1, Figures 2, 3a, 3b and 4 of *Learning "
      "Integrable Dynamics with Action-Angle Networks*) measured on the "
      "sweep in ",
      Code(context.study.sweep_dir),
      ". Every number below is in the CSV files beside this report; every "
      "figure has its gnuplot script (`fig_*.gp`) and data "
      "(`fig_*.dat`).\n\n");
}

// The config text of the first evaluation of `model`; empty if none.
std::string ConfigTextOf(const StudyData& study, const std::string& model) {
  for (const StudyPoint& p : study.points) {
    if (p.point.model() == model && p.evaluation.has_value()) {
      return p.evaluation->config_text();
    }
  }
  return "";
}

}  // namespace

std::string FlowEncoderLabel(const std::string& config_text) {
  Experiment experiment;
  google::protobuf::TextFormat::Parser parser;
  parser.AllowPartialMessage(true);
  if (!parser.ParseFromString(config_text, &experiment)) return "—";
  const ModelConfig& model = experiment.model();
  const EncoderConfig* encoder = nullptr;
  if (model.has_action_angle()) encoder = &model.action_angle().encoder();
  if (model.has_euler_update()) encoder = &model.euler_update().encoder();
  if (model.has_neural_ode()) encoder = &model.neural_ode().encoder();
  if (model.has_hamiltonian()) encoder = &model.hamiltonian().encoder();
  if (encoder == nullptr || !encoder->has_flow()) return "—";
  const SymplecticFlowConfig& flow = encoder->flow();
  // Unset means on (proto/experiment.proto).
  const bool pair_scale =
      !flow.has_symplectic_pair_scale() || flow.symplectic_pair_scale();
  const ShearConditioner gate = flow.conditioner();
  if (gate == SYMPLECTIC_SKIP_GATE && pair_scale) {
    return "ours: symplectic skip gate, pair scale";
  }
  if (gate == PUBLISHED_PER_COORDINATE_GATE && !pair_scale) {
    return "published: per-coordinate gate, no pair scale";
  }
  return absl::StrCat(ShearConditioner_Name(gate), ", ",
                      pair_scale ? "pair scale" : "no pair scale");
}

std::string SingleSeedWarning(const ReportContext& context) {
  int single = 0;
  for (const Cell& cell : context.cells) {
    if (cell.points.size() < 2) ++single;
  }
  if (single == 0) return "";
  const int total = static_cast<int>(context.cells.size());
  return absl::StrCat(
      "**Warning: ",
      single == total ? std::string("every cell has one seed")
                      : absl::StrFormat("%d of %d cells have one evaluated "
                                        "seed",
                                        single, total),
      ".** Where a cell has one seed the tables show \"± —\" and the "
      "figures no error bars: nothing measures how much a number would move "
      "with "
      "another seed, and differences between models there cannot be told "
      "apart from seed noise. Run two seeds or more (the sweep config's "
      "`seeds`) before comparing models.\n\n");
}

PointSummary SummarizePoints(const StudyData& study) {
  PointSummary s;
  for (const StudyPoint& p : study.points) {
    const SweepPoint& point = p.point;
    ++s.counts[point.status()];
    ++s.model_counts[point.model()][point.status()];
    s.samples.insert(point.num_train_samples());
    s.seeds.insert(point.seed());
    if (!point.model_kind().empty()) {
      s.kind_of_model[point.model()] = point.model_kind();
    }
    s.steps_of_model[point.model()].insert(point.num_steps());
    s.point_seconds += point.wall_seconds();
    if (p.evaluation.has_value()) {
      for (const JumpMetrics& m : p.evaluation->jumps()) {
        (point.is_reference() ? s.reference_jumps : s.other_jumps)
            .insert(m.jump());
      }
    }
    if (point.is_reference()) {
      s.marked_references.insert(absl::StrFormat(
          "%s, %d samples", point.dataset(), point.num_train_samples()));
    }
  }
  return s;
}

Table FactsTable(const ReportContext& context, const PointSummary& summary) {
  Table facts{{"", ""}, {}};
  AddRunFacts(context, summary, &facts);
  AddGridFacts(context, summary, &facts);
  return facts;
}

// A paragraph on the datasets of imported trajectories (//data_gen:import),
// or "": no system of the project describes them, so what needs the truth
// is left out of every section, and the report says so here.
std::string ImportedDatasetsNote(const StudyData& study) {
  std::vector<std::string> imported;
  for (const DatasetInfo& d : DatasetsOf(study)) {
    if (d.system == "imported") imported.push_back(d.label);
  }
  if (imported.empty()) return "";
  return absl::StrCat(
      "*Imported trajectories* (", absl::StrJoin(imported, ", "),
      "): no system of the project describes them, so their true energy, "
      "true frequencies and actions, and anything from the true dynamics are "
      "unknown and left out of this report: the learned against true "
      "frequencies, the valid prediction time (it needs the true future "
      "beyond the recorded samples), and the energy change of predictions "
      "unless a Hamiltonian was named at import (its columns then read "
      "\"not known\"). The losses and the learned frequencies are from the "
      "recorded trajectories alone.\n\n");
}

Table DatasetsTable(const StudyData& study) {
  Table table{{"dataset", "system", "parameters", "trajectories × samples",
               "time step", "hash"},
              {}};
  auto or_dash = [](const std::string& s) {
    return s.empty() ? std::string("—") : s;
  };
  for (const DatasetInfo& d : DatasetsOf(study)) {
    table.rows.push_back(
        {d.is_reference ? absl::StrCat(d.label, " (reference)") : d.label,
         or_dash(d.system), or_dash(d.system_parameters),
         d.num_trajectories > 0
             ? absl::StrFormat("%d × %d", d.num_trajectories, d.num_samples)
             : "—",
         d.time_step > 0 ? Short(d.time_step) : "—",
         d.hash.empty() ? "—" : Code(d.hash.substr(0, 12))});
  }
  return table;
}

Table ModelsTable(const ReportContext& context, const PointSummary& summary) {
  Table models{{"model", "kind", "config", "num_steps", "done", "skipped",
                "failed", "pending", "flow encoder"},
               {}};
  for (const auto& [model, status_counts] : summary.model_counts) {
    auto count = [&, &sc = status_counts](SweepPoint::Status s) {
      auto it = sc.find(s);
      return absl::StrCat(it == sc.end() ? 0 : it->second);
    };
    auto kind = summary.kind_of_model.find(model);
    models.rows.push_back(
        {model, kind == summary.kind_of_model.end() ? "—" : kind->second,
         ConfigOf(context, model), JoinSet(summary.steps_of_model.at(model)),
         count(SweepPoint::DONE), count(SweepPoint::SKIPPED),
         count(SweepPoint::FAILED), count(SweepPoint::PENDING),
         FlowEncoderLabel(ConfigTextOf(context.study, model))});
  }
  return models;
}

Table FailedPointsTable(const StudyData& study) {
  Table failed{{"model", "dataset", "samples", "seed", "error"}, {}};
  for (const StudyPoint& p : study.points) {
    const SweepPoint& point = p.point;
    if (point.status() != SweepPoint::FAILED) continue;
    failed.rows.push_back(
        {point.model(), point.dataset(),
         absl::StrCat(point.num_train_samples()), absl::StrCat(point.seed()),
         point.error().empty() ? std::string("(no error recorded)")
                               : point.error()});
  }
  return failed;
}

absl::StatusOr<Section> HeaderSection(const ReportContext& context) {
  const PointSummary summary = SummarizePoints(context.study);
  Section section;
  section.blocks.push_back(TextBlock(Title(context)));
  section.blocks.push_back(TableBlock(FactsTable(context, summary)));
  section.blocks.push_back(
      TextBlock(SingleSeedWarning(context) + "### Datasets\n\n"));
  section.blocks.push_back(TableBlock(DatasetsTable(context.study)));
  if (const std::string note = ImportedDatasetsNote(context.study);
      !note.empty()) {
    section.blocks.push_back(TextBlock(note));
  }
  section.blocks.push_back(TextBlock("### Models\n\n"));
  section.blocks.push_back(TableBlock(ModelsTable(context, summary)));
  section.blocks.push_back(TextBlock(
      "*Flow encoder:* \"ours\" departs from the published code in two "
      "settings that make the flow exactly symplectic (models/README.md); "
      "configs/sweeps/ablation.pbtxt trains the published flow against "
      "ours.\n\n"));
  section.blocks.push_back(TextBlock("### Failed points\n\n"));
  Table failed = FailedPointsTable(context.study);
  section.blocks.push_back(failed.rows.empty() ? TextBlock("None.\n\n")
                                               : TableBlock(std::move(failed)));
  return section;
}

}  // namespace aanet::reports
