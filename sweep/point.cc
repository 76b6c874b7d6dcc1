#include "sweep/point.h"

#include <time.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/progress.h"
#include "cli/stop_signals.h"
#include "data_gen/dataset.h"
#include "eval/evaluation.h"
#include "proto/experiment.pb.h"
#include "proto/sweep.pb.h"
#include "proto/text_config.h"
#include "status/status_macros.h"
#include "train/trainer.h"

namespace aanet::sweep {
namespace {

// CPU seconds this worker has used (it is single-threaded).
double CpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

}  // namespace

absl::Status RunPoint(const std::string& directory) {
  namespace fs = std::filesystem;
  const fs::path dir(directory);
  PointSpec spec;
  AANET_RETURN_IF_ERROR(
      ReadTextProtoFile((dir / "point.pbtxt").string(), &spec));
  Experiment experiment;
  AANET_RETURN_IF_ERROR(ParseTextProto(
      spec.experiment_text(), (dir / "point.pbtxt").string(), &experiment));
  AANET_ASSIGN_OR_RETURN(const data_gen::Dataset dataset,
                         data_gen::ReadDataset(spec.dataset_path()));
  AANET_ASSIGN_OR_RETURN(
      std::unique_ptr<train::Trainer> trainer,
      train::Trainer::Create(experiment, spec.experiment_text(), dataset,
                             spec.dataset_path(), directory));
  train::Trainer& t = *trainer;
  // The point's directory is this worker's alone while it lives.
  AANET_RETURN_IF_ERROR(t.LockRunDirectory());
  if (fs::exists(dir / "checkpoint.h5")) {
    AANET_RETURN_IF_ERROR(t.Resume());
    std::cerr << "resuming at step " << t.step() << "\n";
  }
  ProgressLine progress(stderr, 30.0, /*interactive=*/false);
  const auto start = std::chrono::steady_clock::now();
  absl::Status trained = t.Run(
      [&](const train::ProgressInfo& info) {
        progress.Update(train::DescribeProgress(info),
                        info.step == info.num_steps);
      },
      -1, &StopSignals::Requested);
  progress.Finish();
  if (absl::IsCancelled(trained)) {
    return absl::CancelledError(absl::StrCat(
        "interrupted by ", StopSignals::SignalName(StopSignals::Signal()), "; ",
        trained.message(), "; a rerun of the sweep resumes it"));
  }
  AANET_RETURN_IF_ERROR(trained);
  // The evaluation has no steps to finish: a signal now (or one that came
  // during the last step) ends the worker at once; a rerun evaluates.
  StopSignals::SetExitMessage(
      "sweep: interrupted by {signal} after training; a rerun of the sweep "
      "evaluates the point");
  StopSignals::SetMode(StopSignals::kExitNow);
  std::cerr << absl::StrFormat(
      "trained in %.1f s (%.1f CPU s)\n",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count(),
      CpuSeconds());

  eval::EvaluationOptions options;
  options.jumps.assign(spec.jumps().begin(), spec.jumps().end());
  options.measure_timing = spec.measure_timing();
  options.timing_repetitions = spec.timing_repetitions();
  options.timing_budget_seconds = spec.timing_budget_seconds();
  options.batch_timing_max_jump = spec.batch_timing_max_jump();
  options.max_pairs_per_jump = spec.max_pairs_per_jump();
  options.vpt_max_jump = spec.vpt_max_jump();
  options.picture_jumps = spec.picture_jumps();
  eval::PicturedArrays pictured;
  AANET_ASSIGN_OR_RETURN(
      EvaluationReport report,
      eval::EvaluateCheckpoint((dir / "best.h5").string(), spec.dataset_path(),
                               options, &pictured));
  for (const JumpMetrics& jump : report.jumps()) {
    std::cerr << absl::StrFormat("jump %d: test loss %.4e\n", jump.jump(),
                                 jump.prediction_loss());
  }
  // The point's cost, for core-hour accounting (a cluster without
  // accounting has no other record of it).
  std::cerr << absl::StrFormat("point done: %.1f CPU s in total\n",
                               CpuSeconds());
  CommitSection commit;
  // The trajectories first: evaluation.json, which marks the point done,
  // names them.
  AANET_RETURN_IF_ERROR(eval::WritePicturedBeside(
      (dir / "evaluation.json").string(), pictured, &report));
  const absl::Status written =
      eval::WriteEvaluationJson(report, (dir / "evaluation.json").string());
  StopSignals::SetExitMessage(
      "sweep: interrupted by {signal} after writing the point's "
      "evaluation.json");
  return written;
}

std::optional<int> RunWorkerIfRequested(int argc, char** argv) {
  constexpr char kFlag[] = "--sweep_point=";
  if (argc != 2 || std::string(argv[1]).rfind(kFlag, 0) != 0) {
    return std::nullopt;
  }
  // SIGTERM from the sweep stopping its workers, or from Slurm (a time
  // limit, scancel): training finishes its step and checkpoints, as
  // train does (cli/stop_signals.h), so a rerun loses nothing.
  StopSignals signals(StopSignals::kFinishStep,
                      "sweep: interrupted again by {signal}; exiting now; the "
                      "point's last complete checkpoint is intact");
  absl::Status status =
      RunPoint(std::string(argv[1]).substr(sizeof(kFlag) - 1));
  if (!status.ok()) {
    std::cerr << "sweep: " << status.message() << "\n";
    if (absl::IsCancelled(status) && StopSignals::Signal() != 0) {
      return 128 + StopSignals::Signal();
    }
    return 1;
  }
  return 0;
}

}  // namespace aanet::sweep
