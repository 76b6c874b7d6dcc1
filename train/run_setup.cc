#include "train/run_setup.h"

#include <filesystem>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/paths.h"
#include "cli/set_flags.h"
#include "fileio/text_file.h"
#include "models/checkpoint.h"
#include "status/status_macros.h"
#include "train/training_options.h"

namespace aanet::train {
namespace {

namespace fs = std::filesystem;

constexpr char kCheckpointFile[] = "checkpoint.h5";
constexpr char kConfigFile[] = "config.pbtxt";
// The other files a run writes (train/trainer.cc).
constexpr char kBestFile[] = "best.h5";
constexpr char kMetricsFile[] = "metrics.jsonl";
constexpr char kTimingFile[] = "timing.json";

}  // namespace

absl::StatusOr<RunSetup> SetUpRun(const RunFlags& flags) {
  const bool continuing = flags.resume || flags.extend_to > 0;
  const std::string mode = flags.extend_to > 0 ? "--extend_to" : "--resume";
  if (!flags.init_from.empty() && continuing) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--init_from starts a new run; it cannot be combined with ", mode));
  }
  if (flags.extend_to < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--extend_to: must be >= 1, got ", flags.extend_to));
  }
  std::vector<std::string> overrides = flags.overrides;
  if (!flags.init_from.empty()) {
    overrides.push_back(absl::StrCat("training.init_from=", flags.init_from));
  }

  RunSetup setup;
  setup.resume = continuing;
  setup.run_dir = flags.out;
  if (setup.run_dir.empty()) {
    if (flags.config.empty()) {
      return absl::InvalidArgumentError(
          continuing ? absl::StrCat(mode, " needs --out=RUN_DIR (or --config)")
                     : "--config is required, e.g. "
                       "configs/harmonic/action_angle_flow.pbtxt");
    }
    setup.run_dir = WorkspaceOutputPath(
        absl::StrCat("runs/", fs::path(flags.config).stem().string(),
                     OverridesSuffix(flags.overrides)));
  }
  if (fs::exists(setup.run_dir)) {
    AANET_ASSIGN_OR_RETURN(DirectoryLock lock,
                           DirectoryLock::Acquire(setup.run_dir));
    setup.lock = std::move(lock);
  }
  const std::string checkpoint_path =
      (fs::path(setup.run_dir) / kCheckpointFile).string();
  const bool has_checkpoint = fs::exists(checkpoint_path);
  if (continuing && !has_checkpoint) {
    return absl::FailedPreconditionError(
        absl::StrCat(mode, ": ", setup.run_dir,
                     ": holds no run to continue (no ", kCheckpointFile, ")"));
  }
  if (!continuing && has_checkpoint) {
    return absl::AlreadyExistsError(absl::StrCat(
        setup.run_dir,
        ": already holds a run (checkpoint.h5); pass --resume to continue "
        "it, --extend_to=N to train it further, or choose another --out"));
  }

  setup.config_source = flags.config;
  if (setup.config_source.empty()) {
    if (!continuing) {
      return absl::InvalidArgumentError(
          "--config is required, e.g. "
          "configs/harmonic/action_angle_flow.pbtxt");
    }
    setup.config_source = (fs::path(setup.run_dir) / kConfigFile).string();
  }
  AANET_ASSIGN_OR_RETURN(ExperimentConfig config,
                         ReadExperimentConfig(setup.config_source, overrides));
  setup.config = std::move(config);
  if (flags.extend_to > 0) {
    const Experiment before = setup.config.experiment;
    absl::Status extended = ExtendTrainingConfig(
        static_cast<int>(flags.extend_to), setup.config.experiment);
    if (!extended.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--extend_to: ", extended.message()));
    }
    if (setup.config.experiment.training().num_steps() !=
        before.training().num_steps()) {
      std::vector<std::string> all = overrides;
      all.push_back(absl::StrCat("training.num_steps=", flags.extend_to));
      all.push_back(
          absl::StrCat("training.jump_ramp_steps=",
                       setup.config.experiment.training().jump_ramp_steps()));
      // Keep the comment lines that head the config (e.g. the overrides
      // of the run being extended).
      std::string history;
      for (absl::string_view line : absl::StrSplit(setup.config.text, '\n')) {
        if (!absl::StartsWith(line, "#")) break;
        absl::StrAppend(&history, line, "\n");
      }
      setup.config.text =
          absl::StrCat(history, EffectiveConfigText(setup.config.experiment,
                                                    setup.config_source, all));
    }
  }

  setup.dataset_path = flags.dataset;
  if (setup.dataset_path.empty()) {
    if (!continuing) {
      return absl::InvalidArgumentError(
          "--dataset is required: an .h5 file written by //data_gen");
    }
    AANET_ASSIGN_OR_RETURN(Checkpoint checkpoint,
                           ReadCheckpoint(checkpoint_path));
    setup.dataset_path = checkpoint.dataset_path;
  }
  // Checked before training, not at the first checkpoint: nothing the run
  // writes may be a link, a device or one of its inputs (e.g. --init_from=
  // RUN/best.h5 for a new run in RUN).
  for (const char* name :
       {kCheckpointFile, kBestFile, kMetricsFile, kConfigFile, kTimingFile}) {
    const std::string output = (fs::path(setup.run_dir) / name).string();
    AANET_RETURN_IF_ERROR(CheckOutputPath(output));
    std::vector<std::string> inputs = {setup.dataset_path, flags.init_from};
    // A continued run reads its own config.pbtxt and rewrites it on purpose.
    if (!continuing) inputs.push_back(setup.config_source);
    AANET_RETURN_IF_ERROR(CheckOutputIsNotInput(output, inputs));
  }
  absl::StatusOr<data_gen::Dataset> dataset =
      data_gen::ReadDataset(setup.dataset_path);
  if (!dataset.ok()) {
    if (!flags.dataset.empty()) return dataset.status();
    return absl::Status(
        dataset.status().code(),
        absl::StrCat(dataset.status().message(), " (the dataset ",
                     checkpoint_path, " records; pass --dataset)"));
  }
  setup.dataset = *std::move(dataset);
  return setup;
}

}  // namespace aanet::train
