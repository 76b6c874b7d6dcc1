#include "sweep/plan.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "data_gen/dataset.h"
#include "eval/evaluation.h"
#include "eval/trajectories.h"
#include "google/protobuf/text_format.h"
#include "models/model.h"
#include "proto/config_override.h"
#include "proto/text_config.h"
#include "status/status_macros.h"
#include "sweep/system_description.h"

namespace aanet::sweep {
namespace {

namespace fs = std::filesystem;

// SweepEvaluation's defaults (proto/sweep.proto documents them).
// jumps: those of the data-efficiency study (Figure 2), which the report
// shows. The default of reference_jumps is eval's (eval::kDefaultJumps).
const int kDefaultJumps[] = {1, 10, 50};
constexpr int kDefaultTimingRepetitions = 30;
constexpr double kDefaultTimingBudgetSeconds = 2.0;
// Without reference_num_train_samples, the reference points are those with
// the sample count closest to the paper's Figure 3 setting
// (reports::kReferenceNumTrainSamples says the same to the report).
constexpr int kPreferredReferenceSamples = 100;

absl::Status Validate(const SweepConfig& config) {
  auto error = [](const std::string& field, const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
  };
  if (config.name().empty() ||
      config.name().find_first_of("/\\ ") != std::string::npos) {
    return error("name", "must be set, without '/' or spaces");
  }
  if (config.models().empty()) return error("models", "must not be empty");
  for (const SweepModel& model : config.models()) {
    if (model.config().empty()) return error("models.config", "must be set");
    if (model.name().find_first_of("/\\ ") != std::string::npos) {
      return error("models.name",
                   absl::StrCat("'", model.name(), "' contains '/' or spaces"));
    }
    if (model.has_num_steps() && model.num_steps() < 1) {
      return error("models.num_steps",
                   absl::StrCat("must be >= 1, got ", model.num_steps()));
    }
    for (int samples : model.num_train_samples()) {
      // A subset, so that its cells sit beside the other models' cells.
      if (std::find(config.num_train_samples().begin(),
                    config.num_train_samples().end(),
                    samples) == config.num_train_samples().end()) {
        return error("models.num_train_samples",
                     absl::StrCat(samples,
                                  " is not one of the sweep's "
                                  "num_train_samples"));
      }
    }
  }
  if (config.datasets().empty() && config.dataset_variants().empty()) {
    return error("datasets", "must not be empty");
  }
  for (int i = 0; i < config.dataset_variants_size(); ++i) {
    const SweepDataset& d = config.dataset_variants(i);
    const std::string field = absl::StrFormat("dataset_variants[%d]", i);
    if (d.name().find_first_of("/\\ ") != std::string::npos) {
      return error(field + ".name",
                   absl::StrCat("'", d.name(), "' contains '/' or spaces"));
    }
    if (d.config().empty() && d.file().empty()) {
      return error(field + ".config", "must be set (or file)");
    }
  }
  for (int a = 0; a < config.axes_size(); ++a) {
    const SweepAxis& axis = config.axes(a);
    const std::string field = absl::StrFormat("axes[%d]", a);
    if (axis.field().empty()) return error(field + ".field", "must be set");
    if (axis.values().empty()) {
      return error(field + ".values", "must not be empty");
    }
    std::set<std::string> seen;
    for (const std::string& value : axis.values()) {
      if (value.find_first_of("/\\") != std::string::npos) {
        return error(field + ".values",
                     absl::StrCat("'", value, "' contains '/'"));
      }
      if (!seen.insert(value).second) {
        return error(field + ".values",
                     absl::StrCat("'", value, "' appears twice"));
      }
    }
  }
  if (config.num_train_samples().empty()) {
    return error("num_train_samples", "must not be empty");
  }
  // A repeated value would run twice into one point directory and read as
  // two results with a spread of 0.
  std::set<int> samples;
  for (int n : config.num_train_samples()) {
    if (n < 2) {
      return error("num_train_samples", absl::StrCat("must be >= 2, got ", n));
    }
    if (!samples.insert(n).second) {
      return error("num_train_samples", absl::StrCat(n, " appears twice"));
    }
  }
  if (config.seeds().empty()) return error("seeds", "must not be empty");
  std::set<uint64_t> seeds;
  for (uint64_t seed : config.seeds()) {
    if (!seeds.insert(seed).second) {
      return error("seeds", absl::StrCat(seed, " appears twice"));
    }
  }
  const SweepEvaluation& e = config.evaluation();
  for (int jump : e.jumps()) {
    if (jump < 1) return error("evaluation.jumps", "must be >= 1");
  }
  for (int jump : e.reference_jumps()) {
    if (jump < 1) return error("evaluation.reference_jumps", "must be >= 1");
  }
  // reference_dataset names a dataset, known once the configs are read
  // (PlanEvaluation).
  if (e.has_reference_num_train_samples() &&
      std::find(config.num_train_samples().begin(),
                config.num_train_samples().end(),
                e.reference_num_train_samples()) ==
          config.num_train_samples().end()) {
    return error("evaluation.reference_num_train_samples",
                 "is not one of num_train_samples");
  }
  if (e.has_timing_repetitions() && e.timing_repetitions() < 1) {
    return error("evaluation.timing_repetitions", "must be >= 1");
  }
  if (e.has_timing_budget_seconds() && !(e.timing_budget_seconds() > 0)) {
    return error("evaluation.timing_budget_seconds", "must be > 0");
  }
  if (e.has_picture_jumps() && e.picture_jumps() < 0) {
    return error("evaluation.picture_jumps",
                 "must be >= 0 (0: no pictured trajectory)");
  }
  if (e.has_vpt_max_jump() && e.vpt_max_jump() < 0) {
    return error("evaluation.vpt_max_jump",
                 "must be >= 0 (0: no valid prediction time)");
  }
  const SweepTrainingOverrides& t = config.training();
  if (t.has_eval_every() && t.eval_every() < 1) {
    return error("training.eval_every", "must be >= 1");
  }
  if (t.has_checkpoint_every() && t.checkpoint_every() < 1) {
    return error("training.checkpoint_every", "must be >= 1");
  }
  return absl::OkStatus();
}

// A config path of the sweep, relative to the workspace.
std::string InWorkspace(const std::string& workspace, const std::string& path) {
  if (fs::path(path).is_absolute()) return path;
  return (fs::path(workspace) / path).lexically_normal().string();
}

std::string Stem(const std::string& path) {
  return fs::path(path).stem().string();
}

// A model of the grid after its overrides, one per combination of axis
// values.
struct ModelVariant {
  std::string name;
  std::vector<std::string> axis_values;  // "field=value", in axis order
  Experiment experiment;  // without simulation; samples and seed unset
  Protocol protocol = EQUAL_STEPS;
  std::vector<int> num_train_samples;  // empty: the sweep's
};

// Reads models(index)'s config and applies, in order: num_steps, the
// sweep-wide training overrides, training.set, the model's set and then
// every combination of the axes' values.
absl::Status ExpandModel(const SweepConfig& config, int index,
                         const std::string& workspace,
                         std::vector<ModelVariant>* variants) {
  const SweepModel& model = config.models(index);
  const std::string model_path = InWorkspace(workspace, model.config());
  AANET_ASSIGN_OR_RETURN(const ExperimentConfig base,
                         ReadExperimentConfig(model_path));
  ModelVariant variant;
  variant.name = !model.name().empty()             ? model.name()
                 : !base.experiment.name().empty() ? base.experiment.name()
                                                   : Stem(model_path);
  variant.experiment = base.experiment;
  variant.experiment.clear_simulation();  // the dataset records its own
  variant.protocol = model.protocol();
  variant.num_train_samples.assign(model.num_train_samples().begin(),
                                   model.num_train_samples().end());
  TrainingConfig& training = *variant.experiment.mutable_training();
  if (model.has_num_steps()) training.set_num_steps(model.num_steps());
  const SweepTrainingOverrides& overrides = config.training();
  if (overrides.has_eval_every()) {
    training.set_eval_every(overrides.eval_every());
  }
  if (overrides.has_checkpoint_every()) {
    training.set_checkpoint_every(overrides.checkpoint_every());
  }
  if (!overrides.test_jumps().empty()) {
    *training.mutable_test_jumps() = overrides.test_jumps();
  }
  const std::vector<std::string> sweep_sets(overrides.set().begin(),
                                            overrides.set().end());
  AANET_RETURN_IF_ERROR(
      ApplyOverrides(sweep_sets, "training.set", &variant.experiment));
  const std::vector<std::string> model_sets(model.set().begin(),
                                            model.set().end());
  AANET_RETURN_IF_ERROR(ApplyOverrides(model_sets,
                                       absl::StrCat("models[", index, "].set"),
                                       &variant.experiment));

  std::vector<ModelVariant> expanded = {std::move(variant)};
  for (int a = 0; a < config.axes_size(); ++a) {
    const SweepAxis& axis = config.axes(a);
    const std::string label = axis.field().substr(axis.field().rfind('.') + 1);
    std::vector<ModelVariant> next;
    for (const ModelVariant& v : expanded) {
      for (int i = 0; i < axis.values_size(); ++i) {
        ModelVariant w = v;
        const absl::Status status = ApplyOverride(
            absl::StrCat(axis.field(), "=", axis.values(i)), &w.experiment);
        if (!status.ok()) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "axes[%d].values[%d]: %s", a, i, status.message()));
        }
        absl::StrAppend(&w.name, "@", label, "=", axis.values(i));
        w.axis_values.push_back(
            absl::StrCat(axis.field(), "=", axis.values(i)));
        next.push_back(std::move(w));
      }
    }
    expanded = std::move(next);
  }
  for (ModelVariant& v : expanded) variants->push_back(std::move(v));
  return absl::OkStatus();
}

// A dataset file's recorded config (the one it was made from, or for
// imported trajectories where they came from), as a config read from it.
absl::StatusOr<ExperimentConfig> FileConfig(const std::string& path) {
  AANET_ASSIGN_OR_RETURN(const data_gen::Dataset dataset,
                         data_gen::ReadDataset(path));
  ExperimentConfig config;
  config.path = path;
  config.text = dataset.config_text;
  AANET_RETURN_IF_ERROR(ParseTextProto(config.text,
                                       absl::StrCat(path, " (recorded config)"),
                                       &config.experiment));
  // The file's name stands for the config's (a file written with --out may
  // record another).
  if (!dataset.name.empty()) config.experiment.set_name(dataset.name);
  return config;
}

// The datasets of the grid: `datasets`, then `dataset_variants`, each read
// with its overrides and named by its entry's name, else its config's
// `name`, else its file stem. Names are the datasets' keys in directories,
// files and the report, so two entries resolving to one name are refused.
absl::StatusOr<std::vector<PlannedDataset>> PlanDatasets(
    const SweepConfig& config, const std::string& workspace,
    const std::string& output_root) {
  std::vector<SweepDataset> datasets;
  for (const std::string& dataset : config.datasets()) {
    SweepDataset d;
    d.set_config(dataset);
    datasets.push_back(std::move(d));
  }
  datasets.insert(datasets.end(), config.dataset_variants().begin(),
                  config.dataset_variants().end());
  std::map<std::string, std::string> config_of_name;
  std::vector<PlannedDataset> planned;
  for (int i = 0; i < static_cast<int>(datasets.size()); ++i) {
    const SweepDataset& dataset = datasets[i];
    PlannedDataset d;
    const std::vector<std::string> sets(dataset.set().begin(),
                                        dataset.set().end());
    absl::StatusOr<ExperimentConfig> read;
    if (!dataset.file().empty()) {
      if (!dataset.config().empty() || !sets.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "dataset_variants[", i - config.datasets_size(), "]: file '",
            dataset.file(), "' is used as it is: give no config or set"));
      }
      d.from_file = true;
      d.config_path = InWorkspace(workspace, dataset.file());
      d.path = d.config_path;
      read = FileConfig(d.config_path);
    } else {
      d.config_path = InWorkspace(workspace, dataset.config());
      read = ReadExperimentConfig(d.config_path, sets);
    }
    if (!read.ok()) {
      if (sets.empty()) return read.status();
      return absl::Status(
          read.status().code(),
          absl::StrCat("dataset_variants[", i - config.datasets_size(),
                       "]: ", read.status().message()));
    }
    if (!read->experiment.has_simulation()) {
      return absl::InvalidArgumentError(
          absl::StrCat(d.config_path, ": has no simulation { ... }"));
    }
    d.experiment = read->experiment;
    d.config_text = read->text;
    d.name = !dataset.name().empty()        ? dataset.name()
             : !d.experiment.name().empty() ? d.experiment.name()
                                            : Stem(d.config_path);
    if (d.name.find_first_of("/\\ ") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(d.config_path, ": name: '", d.name,
                       "' contains '/' or spaces; give the sweep's dataset "
                       "entry a `name`"));
    }
    const auto [seen, inserted] = config_of_name.emplace(d.name, d.config_path);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat("datasets: two datasets are named '", d.name, "' (",
                       seen->second, " and ", d.config_path,
                       "); give a dataset_variants entry another `name`"));
    }
    d.system = SystemName(d.experiment.simulation());
    d.system_parameters = DescribeSystem(d.experiment.simulation());
    if (!d.from_file) {
      d.path = (fs::path(output_root) / "datasets" / (d.name + ".h5")).string();
    }
    planned.push_back(std::move(d));
  }
  return planned;
}

// How the points are evaluated (SweepEvaluation with its defaults applied).
struct EvaluationPlan {
  std::string reference_dataset;
  int reference_samples = 0;
  std::vector<int> jumps;
  std::vector<int> reference_jumps;
  int timing_repetitions = 0;
  double timing_budget_seconds = 0;
  int batch_timing_max_jump = 0;
  int max_pairs_per_jump = 0;
  int vpt_max_jump = 0;
  int picture_jumps = 0;
};

// A `datasets` entry's path names the dataset read from it.
absl::StatusOr<EvaluationPlan> PlanEvaluation(
    const SweepConfig& config, const std::vector<PlannedDataset>& datasets,
    const std::string& workspace) {
  const SweepEvaluation& evaluation = config.evaluation();
  EvaluationPlan plan;
  plan.reference_dataset = datasets.front().name;
  const std::string& wanted = evaluation.reference_dataset();
  if (!wanted.empty()) {
    auto named =
        std::find_if(datasets.begin(), datasets.end(),
                     [&](const PlannedDataset& d) { return d.name == wanted; });
    if (named == datasets.end()) {
      const int entry = std::find(config.datasets().begin(),
                                  config.datasets().end(), wanted) -
                        config.datasets().begin();
      if (entry < config.datasets_size()) named = datasets.begin() + entry;
    }
    if (named == datasets.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("evaluation.reference_dataset: '", wanted,
                       "' is neither a dataset's name nor a `datasets` entry"));
    }
    plan.reference_dataset = named->name;
  }
  plan.reference_samples = config.num_train_samples(0);
  if (evaluation.has_reference_num_train_samples()) {
    plan.reference_samples = evaluation.reference_num_train_samples();
  } else {
    for (int n : config.num_train_samples()) {
      if (std::abs(n - kPreferredReferenceSamples) <
          std::abs(plan.reference_samples - kPreferredReferenceSamples)) {
        plan.reference_samples = n;
      }
    }
  }
  plan.jumps.assign(evaluation.jumps().begin(), evaluation.jumps().end());
  if (plan.jumps.empty()) {
    plan.jumps.assign(std::begin(kDefaultJumps), std::end(kDefaultJumps));
  }
  plan.reference_jumps.assign(evaluation.reference_jumps().begin(),
                              evaluation.reference_jumps().end());
  if (plan.reference_jumps.empty()) {
    plan.reference_jumps.assign(std::begin(eval::kDefaultJumps),
                                std::end(eval::kDefaultJumps));
  }
  plan.timing_repetitions = evaluation.has_timing_repetitions()
                                ? evaluation.timing_repetitions()
                                : kDefaultTimingRepetitions;
  plan.timing_budget_seconds = evaluation.has_timing_budget_seconds()
                                   ? evaluation.timing_budget_seconds()
                                   : kDefaultTimingBudgetSeconds;
  plan.batch_timing_max_jump = evaluation.batch_timing_max_jump();
  plan.max_pairs_per_jump = evaluation.max_pairs_per_jump();
  plan.vpt_max_jump = evaluation.has_vpt_max_jump() ? evaluation.vpt_max_jump()
                                                    : eval::kDefaultVptMaxJump;
  plan.picture_jumps = evaluation.has_picture_jumps()
                           ? evaluation.picture_jumps()
                           : eval::kDefaultPictureJumps;
  return plan;
}

// Every model entry expanded over the axes; names must be unique.
absl::StatusOr<std::vector<ModelVariant>> ExpandModels(
    const SweepConfig& config, const std::string& workspace) {
  std::vector<ModelVariant> variants;
  for (int m = 0; m < config.models_size(); ++m) {
    AANET_RETURN_IF_ERROR(ExpandModel(config, m, workspace, &variants));
  }
  std::set<std::string> names;
  for (const ModelVariant& variant : variants) {
    if (!names.insert(variant.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("models: two models are named '", variant.name,
                       "'; give one a `name`"));
    }
  }
  return variants;
}

// One point of the grid: its SweepPoint (PENDING) and what its worker runs.
absl::StatusOr<PlannedPoint> PlanPoint(const ModelVariant& variant,
                                       const PlannedDataset& dataset,
                                       int samples, uint64_t seed,
                                       const EvaluationPlan& evaluation,
                                       uint64_t first_seed,
                                       const std::string& sweep_dir) {
  Experiment experiment = variant.experiment;
  TrainingConfig& training = *experiment.mutable_training();
  training.set_num_train_samples(samples);
  training.set_seed(seed);

  PlannedPoint p;
  // Equal-compute points sit beside the reference; the full error-vs-dt
  // study and the timings stay with the equal-step ones.
  const bool reference = dataset.name == evaluation.reference_dataset &&
                         samples == evaluation.reference_samples &&
                         variant.protocol == EQUAL_STEPS;
  SweepPoint& point = p.point;
  point.set_model(variant.name);
  point.set_model_kind(ModelKind(experiment.model()));
  point.set_dataset(dataset.name);
  point.set_system(dataset.system);
  point.set_system_parameters(dataset.system_parameters);
  const SimulationConfig& simulation = dataset.experiment.simulation();
  point.set_dataset_num_trajectories(simulation.num_trajectories());
  point.set_dataset_num_samples(simulation.num_samples());
  point.set_dataset_time_step(simulation.time_step());
  for (const std::string& value : variant.axis_values) {
    point.add_axis_values(value);
  }
  point.set_num_train_samples(samples);
  point.set_seed(seed);
  point.set_num_steps(training.num_steps());
  point.set_is_reference(reference);
  point.set_protocol(variant.protocol);
  point.set_directory(absl::StrFormat("%s/%s/samples_%d/seed_%d", variant.name,
                                      dataset.name, samples, seed));
  point.set_evaluation_file(point.directory() + "/evaluation.json");
  point.set_status(SweepPoint::PENDING);
  p.directory = (fs::path(sweep_dir) / point.directory()).string();

  PointSpec& spec = p.spec;
  google::protobuf::TextFormat::PrintToString(experiment,
                                              spec.mutable_experiment_text());
  spec.set_dataset_path(dataset.path);
  p.experiment = experiment;
  for (int jump : reference ? evaluation.reference_jumps : evaluation.jumps) {
    spec.add_jumps(jump);
  }
  // Timings do not depend on the training data: the first seed suffices.
  spec.set_measure_timing(reference && seed == first_seed);
  spec.set_timing_repetitions(evaluation.timing_repetitions);
  spec.set_timing_budget_seconds(evaluation.timing_budget_seconds);
  spec.set_batch_timing_max_jump(evaluation.batch_timing_max_jump);
  spec.set_max_pairs_per_jump(evaluation.max_pairs_per_jump);
  spec.set_vpt_max_jump(evaluation.vpt_max_jump);
  // Pictures of the dynamics: one trajectory per reference model, like the
  // timings.
  if (reference && seed == first_seed) {
    spec.set_picture_jumps(evaluation.picture_jumps);
  }
  return p;
}

}  // namespace

absl::StatusOr<SweepConfigFile> ReadSweepConfig(const std::string& path) {
  SweepConfigFile file;
  AANET_ASSIGN_OR_RETURN(file.text, ReadFileToString(path));
  AANET_RETURN_IF_ERROR(ParseTextProto(file.text, path, &file.config));
  absl::Status valid = Validate(file.config);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", valid.message()));
  }
  return file;
}

absl::StatusOr<SweepPlan> PlanSweep(const SweepConfig& config,
                                    const std::string& workspace,
                                    const std::string& output_root) {
  AANET_RETURN_IF_ERROR(Validate(config));
  SweepPlan plan;
  plan.sweep_dir =
      (fs::path(output_root) / "sweeps" / config.name()).lexically_normal();
  AANET_ASSIGN_OR_RETURN(plan.datasets,
                         PlanDatasets(config, workspace, output_root));
  AANET_ASSIGN_OR_RETURN(const EvaluationPlan evaluation,
                         PlanEvaluation(config, plan.datasets, workspace));
  plan.reference_dataset = evaluation.reference_dataset;
  AANET_ASSIGN_OR_RETURN(const std::vector<ModelVariant> variants,
                         ExpandModels(config, workspace));
  for (const ModelVariant& variant : variants) {
    for (int d = 0; d < static_cast<int>(plan.datasets.size()); ++d) {
      const PlannedDataset& dataset = plan.datasets[d];
      const std::vector<int> all_samples(config.num_train_samples().begin(),
                                         config.num_train_samples().end());
      for (int samples : variant.num_train_samples.empty()
                             ? all_samples
                             : variant.num_train_samples) {
        for (uint64_t seed : config.seeds()) {
          AANET_ASSIGN_OR_RETURN(
              PlannedPoint point,
              PlanPoint(variant, dataset, samples, seed, evaluation,
                        config.seeds(0), plan.sweep_dir));
          point.dataset_index = d;
          plan.points.push_back(std::move(point));
        }
      }
    }
  }
  return plan;
}

}  // namespace aanet::sweep
