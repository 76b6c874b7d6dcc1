// train: trains one model on one dataset from an Experiment config.
//
//   bazel run //train -- --config=configs/harmonic/action_angle_flow.pbtxt
//         --dataset=out/datasets/default.h5 [--out=DIR] [--resume]
//
// Without --out the run goes to out/runs/<config name>. Errors print one line
// and exit with status 1.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/paths.h"
#include "cli/progress.h"
#include "cli/usage.h"
#include "data_gen/dataset.h"
#include "proto/text_config.h"
#include "train/trainer.h"

ABSL_FLAG(std::string, config, "",
          "text-format Experiment config with model and training sections");
ABSL_FLAG(std::string, dataset, "", "HDF5 dataset written by //data_gen");
ABSL_FLAG(std::string, out, "",
          "run directory (default: out/runs/<config name>)");
ABSL_FLAG(bool, resume, false,
          "continue the run in --out from its last checkpoint");

namespace aanet::train {
namespace {

namespace fs = std::filesystem;

absl::Status Run() {
  const std::string config_flag = absl::GetFlag(FLAGS_config);
  if (config_flag.empty()) {
    return absl::InvalidArgumentError(
        "--config is required, e.g. "
        "configs/harmonic/action_angle_flow.pbtxt");
  }
  if (absl::GetFlag(FLAGS_dataset).empty()) {
    return absl::InvalidArgumentError(
        "--dataset is required: an .h5 file written by //data_gen");
  }
  const std::string config_path = ResolveUserPath(config_flag);
  absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(config_path);
  if (!config.ok()) return config.status();
  const std::string dataset_path =
      ResolveUserPath(absl::GetFlag(FLAGS_dataset));
  absl::StatusOr<data_gen::Dataset> dataset =
      data_gen::ReadDataset(dataset_path);
  if (!dataset.ok()) return dataset.status();

  std::string run_dir = ResolveUserPath(absl::GetFlag(FLAGS_out));
  if (run_dir.empty()) {
    run_dir = WorkspaceOutputPath(
        absl::StrCat("runs/", fs::path(config_path).stem().string()));
  }
  absl::StatusOr<std::unique_ptr<Trainer>> trainer = Trainer::Create(
      config->experiment, config->text, *dataset, dataset_path, run_dir);
  if (!trainer.ok()) {
    return absl::Status(
        trainer.status().code(),
        absl::StrCat(config_path, ": ", trainer.status().message()));
  }
  Trainer& t = **trainer;
  // One writer per run directory, for this process's life.
  absl::Status locked = t.LockRunDirectory();
  if (!locked.ok()) return locked;
  const bool resume = absl::GetFlag(FLAGS_resume);
  if (!resume && fs::exists(fs::path(run_dir) / "checkpoint.h5")) {
    return absl::AlreadyExistsError(absl::StrCat(
        run_dir,
        ": already holds a run (checkpoint.h5); pass --resume to continue "
        "it, or choose another --out"));
  }
  if (resume) {
    absl::Status resumed = t.Resume();
    if (!resumed.ok()) return resumed;
    std::cerr << "resuming " << run_dir << " at step " << t.step() << "\n";
  }

  const TrainingOptions& options = t.options();
  std::cerr << absl::StrFormat(
      "training %s (%d parameters) on %s: %d steps, batch %d, %d training "
      "samples, jumps up to %d\n",
      t.model().kind(), t.model().parameters().NumScalars(), dataset_path,
      options.num_steps, options.batch_size, options.num_train_samples,
      options.max_jump);

  ProgressLine progress;
  const auto start = std::chrono::steady_clock::now();
  const int64_t first_step = t.step();
  absl::Status status = t.Run([&](const ProgressInfo& info) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    const double rate = (info.step - first_step) / std::max(elapsed, 1e-9);
    std::string text =
        absl::StrFormat("step %d/%d  jump %d  loss %.3e", info.step,
                        info.num_steps, info.jump, info.batch_loss);
    if (info.last_evaluation != nullptr &&
        !info.last_evaluation->test_losses.empty()) {
      const auto& first = *info.last_evaluation->test_losses.begin();
      absl::StrAppendFormat(&text, "  test@%d %.3e", first.first, first.second);
    }
    absl::StrAppendFormat(&text, "  %.0f steps/s  ETA %s", rate,
                          FormatDuration((info.num_steps - info.step) / rate));
    progress.Update(text, info.step == info.num_steps);
  });
  progress.Finish();
  if (!status.ok()) return status;

  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::cout << absl::StrFormat("trained %d steps in %.1f s (%.0f steps/s)\n",
                               t.step() - first_step, elapsed,
                               (t.step() - first_step) / elapsed);
  if (!t.evaluations().empty()) {
    const Evaluation& last = t.evaluations().back();
    std::cout << absl::StrFormat("best training loss %.4e at step %d\n",
                                 last.best_loss, last.best_step);
    std::cout << "test prediction loss (last step):";
    for (const auto& [jump, loss] : last.test_losses) {
      std::cout << absl::StrFormat("  jump %d: %.4e", jump, loss);
    }
    std::cout << "\n";
  }
  std::cout << "run directory: " << run_dir << "\n";
  return absl::OkStatus();
}

}  // namespace
}  // namespace aanet::train

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Trains a model from an Experiment config.\n"
      "  bazel run //train -- --config=CONFIG --dataset=DATA.h5 [--out=DIR] "
      "[--resume]");
  aanet::HandleHelpFlag(argc, argv);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::cerr << "train: unexpected argument '" << positional[1] << "'\n";
    return 1;
  }
  absl::Status status = aanet::train::Run();
  if (!status.ok()) {
    std::cerr << "train: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
