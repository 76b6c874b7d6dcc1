// train: trains one model on one dataset from an Experiment config.
//
//   bazel run //train -- --config=configs/harmonic/action_angle_flow.pbtxt
//         --dataset=out/datasets/harmonic_k_pair_0.5.h5
//         [--set=training.num_steps=5000 ...]
//         [--out=DIR] [--resume | --extend_to=N | --init_from=CHECKPOINT]
//   bazel run //train -- --out=DIR --resume        (the run's own config)
//   bazel run //train -- --out=DIR --extend_to=N
//
// Without --out the run goes to out/runs/<config name> (with overrides:
// out/runs/<config name>_<field>_<value>...). Errors print one line
// and exit with status 1.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/main_skeleton.h"
#include "cli/memory_budget.h"
#include "cli/paths.h"
#include "cli/progress.h"
#include "cli/set_flags.h"
#include "cli/stop_signals.h"
#include "data_gen/dataset.h"
#include "proto/text_config.h"
#include "status/status_macros.h"
#include "train/noise.h"
#include "train/run_setup.h"
#include "train/trainer.h"

ABSL_FLAG(std::string, config, "",
          "text-format Experiment config with model and training sections");
ABSL_FLAG(std::string, dataset, "", "HDF5 dataset written by //data_gen");
ABSL_FLAG(std::string, out, "",
          "run directory (default: out/runs/<config name>)");
ABSL_FLAG(bool, resume, false,
          "continue the run in --out from its last checkpoint (--config and "
          "--dataset default to the run's own)");
ABSL_FLAG(int64_t, extend_to, 0,
          "train the run in --out further, to this many steps in all (the "
          "jump schedule keeps its ramp; train/README.md)");
ABSL_FLAG(std::string, init_from, "",
          "start a new run from this checkpoint's parameters and scaler");
ABSL_FLAG(double, max_memory_gb, 0,
          "refuse configs whose training is estimated to need more memory "
          "than this many GB (default: 80% of physical memory)");

namespace aanet::train {
namespace {

absl::Status Run() {
  // SIGINT/SIGTERM: the step in progress finishes and is checkpointed (see
  // below); a second signal ends the process at once, with the last
  // complete checkpoint intact.
  StopSignals signals(StopSignals::kFinishStep,
                      "train: interrupted again by {signal}; exiting now "
                      "without a new checkpoint");
  RunFlags flags;
  flags.config = ResolveUserPath(absl::GetFlag(FLAGS_config));
  flags.overrides = SetFlags();
  flags.dataset = ResolveUserPath(absl::GetFlag(FLAGS_dataset));
  flags.out = ResolveUserPath(absl::GetFlag(FLAGS_out));
  flags.resume = absl::GetFlag(FLAGS_resume);
  flags.extend_to = absl::GetFlag(FLAGS_extend_to);
  flags.init_from = ResolveUserPath(absl::GetFlag(FLAGS_init_from));
  AANET_ASSIGN_OR_RETURN(RunSetup setup, SetUpRun(flags));
  const std::string& run_dir = setup.run_dir;
  const std::string& dataset_path = setup.dataset_path;
  const bool resume = setup.resume;
  StopSignals::SetExitMessage(absl::StrCat(
      "train: interrupted again by {signal}; exiting now; ", run_dir,
      "/checkpoint.h5, if any, holds the last complete checkpoint"));

  absl::StatusOr<std::unique_ptr<Trainer>> trainer =
      Trainer::Create(setup.config.experiment, setup.config.text, setup.dataset,
                      dataset_path, run_dir);
  if (!trainer.ok()) {
    return absl::Status(
        trainer.status().code(),
        absl::StrCat(setup.config_source, ": ", trainer.status().message()));
  }
  Trainer& t = **trainer;
  // Checked before the first step: a batch and widths within the validated
  // limits can still need more memory than the machine has.
  {
    AANET_ASSIGN_OR_RETURN(
        const MemoryBudget budget,
        ResolveMemoryBudget(absl::GetFlag(FLAGS_max_memory_gb)));
    const MemoryEstimate need = t.EstimateMemory();
    if (need.bytes > budget.bytes) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "%s: training.batch_size=%d with this model (%d parameters) needs "
          "about %s to train (%s per state at jump %d, %d states at once, "
          "from %s), %s; lower training.batch_size or the model's widths",
          setup.config_source, t.options().batch_size,
          t.model().parameters().NumScalars(), FormatBytes(need.bytes),
          FormatBytes(need.bytes_per_row), t.options().max_jump, need.rows,
          DescribeTrajectories(t.trajectory_split()), OverBudget(budget)));
    }
  }
  // One writer per run directory, for this process's life: SetUpRun took
  // the lock before looking inside the directory; the trainer keeps it.
  if (setup.lock.has_value()) {
    t.AdoptRunDirectoryLock(*std::move(setup.lock));
    setup.lock.reset();
  }
  AANET_RETURN_IF_ERROR(t.LockRunDirectory());
  if (resume) {
    AANET_RETURN_IF_ERROR(t.Resume());
    if (t.step() >= t.options().num_steps) {
      std::cout << absl::StrFormat(
          "%s: finished at step %d of %d; nothing to train (--extend_to=N "
          "trains it further)\n",
          run_dir, t.step(), t.options().num_steps);
      return absl::OkStatus();
    }
    std::cerr << absl::StrFormat("continuing %s at step %d of %d\n", run_dir,
                                 t.step(), t.options().num_steps);
  }

  const TrainingOptions& options = t.options();
  std::cerr << absl::StrFormat(
      "training %s (%d parameters) on %s: %d steps, batch %d, %d training "
      "samples per trajectory (%s), jumps up to %d\n"
      "progress: the sampled jump (the schedule's largest at that step), %s\n",
      t.model().kind(), t.model().parameters().NumScalars(), dataset_path,
      options.num_steps, options.batch_size, options.num_train_samples,
      DescribeTrajectories(t.trajectory_split()), options.max_jump,
      DescribeLossTerms(options, t.model().kind() == "action_angle"));
  if (const std::string noise = DescribeNoise(options); !noise.empty()) {
    std::cerr << noise << "\n";
  }

  ProgressLine progress;
  const auto start = std::chrono::steady_clock::now();
  const int64_t first_step = t.step();
  absl::Status status = t.Run(
      [&](const ProgressInfo& info) {
        const double elapsed = std::chrono::duration<double>(
                                   std::chrono::steady_clock::now() - start)
                                   .count();
        const double rate = (info.step - first_step) / std::max(elapsed, 1e-9);
        std::string text = DescribeProgress(info);
        absl::StrAppendFormat(
            &text, "  %.0f steps/s  ETA %s", rate,
            FormatDuration((info.num_steps - info.step) / rate));
        progress.Update(text, info.step == info.num_steps);
      },
      -1, &StopSignals::Requested);
  progress.Finish();
  if (absl::IsCancelled(status)) {
    // One line: where the state is and how to continue.
    const bool saved = std::filesystem::exists(std::filesystem::path(run_dir) /
                                               "checkpoint.h5");
    return absl::CancelledError(absl::StrCat(
        "interrupted by ", StopSignals::SignalName(StopSignals::Signal()), "; ",
        status.message(),
        saved ? absl::StrCat("; resume with: bazel run //train -- --out=",
                             run_dir, " --resume")
              : ""));
  }
  AANET_RETURN_IF_ERROR(status);

  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::cout << absl::StrFormat("trained %d steps in %.1f s (%.0f steps/s)\n",
                               t.step() - first_step, elapsed,
                               (t.step() - first_step) / elapsed);
  if (!t.evaluations().empty()) {
    const Evaluation& last = t.evaluations().back();
    // best_loss is the selection criterion (train/README.md, "Best
    // state"), not the training loss, under our rule.
    std::cout << absl::StrFormat(
        "best selection loss %.4e at step %d (the best-state criterion, "
        "training.best_state)\n",
        last.best_loss, last.best_step);
    std::cout << "test prediction loss (last step):";
    for (const auto& [jump, loss] : last.test_losses) {
      std::cout << absl::StrFormat("  jump %d: %.4e", jump, loss);
    }
    std::cout << "\n";
    if (!last.held_out_test_losses.empty()) {
      std::cout << absl::StrFormat(
          "held-out trajectories' test prediction loss (last step; %s):",
          DescribeTrajectories(t.trajectory_split()));
      for (const auto& [jump, loss] : last.held_out_test_losses) {
        std::cout << absl::StrFormat("  jump %d: %.4e", jump, loss);
      }
      std::cout << "\n";
    }
  }
  std::cout << "run directory: " << run_dir << "\n";
  return absl::OkStatus();
}

}  // namespace
}  // namespace aanet::train

int main(int argc, char** argv) {
  aanet::MainOptions options;
  options.extract_args = aanet::ExtractSetFlags;
  return aanet::RunMain(
      argc, argv, "train",
      "Trains a model from an Experiment config.\n"
      "  bazel run //train -- --config=CONFIG --dataset=DATA.h5 [--out=DIR] "
      "[--set=path.to.field=value ...] [--resume | --extend_to=N | "
      "--init_from=CHECKPOINT]",
      aanet::train::Run, options);
}
