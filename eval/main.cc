// eval: measures a trained model on its dataset's test split and writes the
// results as JSON next to the checkpoint (eval/evaluation.h).
//
//   bazel run //eval -- --checkpoint=out/runs/action_angle_flow/best.h5
//         --dataset=out/datasets/harmonic_k_pair_0.5.h5
//         [--out=PATH] [--jumps=1,2,5] [--timing_repetitions=30]
//
// Prints, per jump, the prediction loss (standardised units, the paper's
// metric), the mean absolute change of the true Hamiltonian between the
// current and the predicted state (original units) and the median time of
// one prediction call for one state and for a batch; for the Action-Angle
// Network also the learned angular velocities against the true normal-mode
// frequencies. Writes everything to --out (default: evaluation.json in the
// checkpoint's directory) and prints its path.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/main_skeleton.h"
#include "cli/paths.h"
#include "cli/stop_signals.h"
#include "eval/evaluation.h"
#include "fileio/text_file.h"
#include "proto/evaluation.pb.h"
#include "status/status_macros.h"

ABSL_FLAG(std::string, checkpoint, "", "checkpoint .h5 written by //train");
ABSL_FLAG(std::string, dataset, "", "the dataset .h5 the model was trained on");
ABSL_FLAG(std::string, out, "",
          "JSON results file (default: evaluation.json next to the "
          "checkpoint)");
ABSL_FLAG(std::string, jumps, absl::StrJoin(aanet::eval::kDefaultJumps, ","),
          "comma-separated jumps (in samples) to evaluate");
ABSL_FLAG(bool, allow_other_dataset, false,
          "evaluate on a dataset other than the one the checkpoint was "
          "trained on (a transfer study) instead of refusing");
ABSL_FLAG(int, timing_repetitions, 30,
          "measured prediction calls per timing (0: no timing)");
ABSL_FLAG(int, vpt_max_jump, aanet::eval::kDefaultVptMaxJump,
          "valid prediction time over jumps 1..N (0: not measured)");
ABSL_FLAG(int, picture_jumps, aanet::eval::kDefaultPictureJumps,
          "the pictured trajectory over jumps 0..N, written as "
          "trajectories.h5 beside the JSON file (0: not written)");
ABSL_FLAG(double, max_timing_seconds, 3600,
          "refuse timings estimated to take longer than this, from one call "
          "at the largest jump (0: no limit)");

namespace aanet::eval {
namespace {

// A timing's median in microseconds, "-" if it was not measured, or
// "solve failed" if a call predicted a non-finite state.
std::string MedianMicroseconds(const Timing& timing, bool measured) {
  if (!measured) return "-";
  if (timing.failed()) return "solve failed";
  return absl::StrFormat("%.1f", 1e6 * timing.median_seconds());
}

absl::Status Run() {
  // SIGINT/SIGTERM end eval at once, but not in the middle of writing its
  // results (cli/stop_signals.h).
  StopSignals signals(StopSignals::kExitNow,
                      "eval: interrupted by {signal}; nothing written");
  if (absl::GetFlag(FLAGS_checkpoint).empty() ||
      absl::GetFlag(FLAGS_dataset).empty()) {
    return absl::InvalidArgumentError(
        "--checkpoint and --dataset are required");
  }
  EvaluationOptions options;
  options.jumps.clear();
  for (absl::string_view part : absl::StrSplit(absl::GetFlag(FLAGS_jumps), ',',
                                               absl::SkipWhitespace())) {
    int jump = 0;
    if (!absl::SimpleAtoi(part, &jump) || jump < 1) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--jumps: '%s' is not a positive integer", std::string(part)));
    }
    options.jumps.push_back(jump);
  }
  // An evaluation without jumps has no losses: it would look complete.
  if (options.jumps.empty()) {
    return absl::InvalidArgumentError(
        "--jumps: no jump given (expected comma-separated positive integers, "
        "e.g. 1,2,5)");
  }
  const int repetitions = absl::GetFlag(FLAGS_timing_repetitions);
  if (repetitions < 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--timing_repetitions: must be >= 0, got %d", repetitions));
  }
  options.measure_timing = repetitions > 0;
  options.allow_other_dataset = absl::GetFlag(FLAGS_allow_other_dataset);
  if (options.measure_timing) options.timing_repetitions = repetitions;
  options.max_timing_seconds = absl::GetFlag(FLAGS_max_timing_seconds);
  if (!(options.max_timing_seconds >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--max_timing_seconds: must be >= 0, got %g",
                        options.max_timing_seconds));
  }
  options.vpt_max_jump = absl::GetFlag(FLAGS_vpt_max_jump);
  options.picture_jumps = absl::GetFlag(FLAGS_picture_jumps);
  if (options.picture_jumps < 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--picture_jumps: must be >= 0 (0: no trajectories.h5), got %d",
        options.picture_jumps));
  }
  if (absl::Status valid = ValidateEvaluationOptions(options); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--", valid.message()));
  }

  const std::string checkpoint_path =
      ResolveUserPath(absl::GetFlag(FLAGS_checkpoint));
  const std::string out_path =
      absl::GetFlag(FLAGS_out).empty()
          ? (std::filesystem::path(checkpoint_path).parent_path() /
             "evaluation.json")
                .string()
          : ResolveUserPath(absl::GetFlag(FLAGS_out));
  const std::string dataset_path =
      ResolveUserPath(absl::GetFlag(FLAGS_dataset));
  AANET_RETURN_IF_ERROR(CheckOutputPath(out_path));
  AANET_RETURN_IF_ERROR(
      CheckOutputIsNotInput(out_path, {checkpoint_path, dataset_path}));
  const std::string pictured_path =
      (std::filesystem::path(out_path).parent_path() / kTrajectoriesFile)
          .string();
  if (options.picture_jumps > 0) {
    AANET_RETURN_IF_ERROR(CheckOutputPath(pictured_path));
    AANET_RETURN_IF_ERROR(
        CheckOutputIsNotInput(pictured_path, {checkpoint_path, dataset_path}));
  }
  PicturedArrays pictured;
  AANET_ASSIGN_OR_RETURN(
      EvaluationReport report,
      EvaluateCheckpoint(checkpoint_path, dataset_path, options, &pictured));
  // Written before anything is printed, so a failure leaves only its error.
  // The trajectories first: evaluation.json names them.
  {
    CommitSection commit;
    AANET_RETURN_IF_ERROR(WritePicturedBeside(out_path, pictured, &report));
    AANET_RETURN_IF_ERROR(WriteEvaluationJson(report, out_path));
    StopSignals::SetExitMessage(
        absl::StrCat("eval: interrupted by {signal} after writing ", out_path));
  }

  std::cout << absl::StrFormat(
      "%s model, %d parameters, step %d; test split: last %d samples of %d "
      "trajectory(ies)\n",
      report.model_kind(), report.num_parameters(), report.step(),
      report.num_test_samples(), report.num_trajectories());
  std::cout << "jump  prediction_loss  mean_abs_energy_change  "
               "relative_energy_change  1_state_median_us  batch_median_us\n";
  // Absent energy changes (no Hamiltonian known) print as "unknown", never 0.
  auto energy = [](bool known, double value) {
    return known ? absl::StrFormat("%.4e", value) : std::string("unknown");
  };
  bool energy_unknown = false;
  for (const JumpMetrics& m : report.jumps()) {
    energy_unknown = energy_unknown || !m.has_mean_abs_energy_change();
    std::cout << absl::StrFormat(
        "%4d  %15.4e  %22s  %22s  %17s  %15s\n", m.jump(), m.prediction_loss(),
        energy(m.has_mean_abs_energy_change(), m.mean_abs_energy_change()),
        energy(m.has_mean_relative_energy_change(),
               m.mean_relative_energy_change()),
        MedianMicroseconds(m.single_state(), m.has_single_state()),
        MedianMicroseconds(m.batch(), m.has_batch()));
  }
  if (energy_unknown) {
    std::cout << "energy changes unknown: the dataset holds imported "
                 "trajectories and no Hamiltonian was named at import\n";
  }
  if (!report.jumps().empty() && report.jumps(0).has_batch()) {
    std::cout << absl::StrFormat(
        "(median of %d calls after %d warm-up calls; batch of %d states)\n",
        report.jumps(0).batch().repetitions(),
        report.jumps(0).batch().warmup_calls(),
        report.jumps(0).batch().batch_size());
  }
  for (const JumpMetrics& m : report.jumps()) {
    if (m.num_failed_pairs() == 0) continue;
    std::cout << absl::StrFormat(
        "jump %d: %d of %d predictions failed (%s); losses and energies are "
        "over the others\n",
        m.jump(), m.num_failed_pairs(), m.num_pairs(), m.failure());
  }
  for (int jump : report.skipped_jumps()) {
    std::cout << absl::StrFormat(
        "jump %d skipped: no pair within the %d test samples\n", jump,
        report.num_test_samples());
  }
  if (!report.frequencies().empty()) {
    std::cout << "angular velocities on the test states vs true frequencies "
                 "(relative error as a fraction: |learned - true| / true)\n";
    for (const aanet::FrequencyMatch& m : report.frequencies()) {
      std::cout << absl::StrFormat(
          "  pair %d: learned %.5f +- %.5f, true %.5f, relative error %.4g\n",
          m.latent_index(), m.learned_mean(), m.learned_std(),
          m.true_frequency(), m.relative_error());
    }
  }
  // Conserved quantities besides the energy: the truth's change is 0.
  if (!report.jumps().empty()) {
    for (int q = 0; q < report.jumps(0).conserved_quantities_size(); ++q) {
      std::vector<std::string> changes;
      for (const JumpMetrics& m : report.jumps()) {
        if (q >= m.conserved_quantities_size()) continue;
        changes.push_back(
            absl::StrFormat("%d: %.3g", m.jump(),
                            m.conserved_quantities(q).mean_relative_change()));
      }
      std::cout << absl::StrFormat(
          "%s (conserved exactly by the true dynamics), mean relative "
          "change per jump: %s\n",
          report.jumps(0).conserved_quantities(q).name(),
          absl::StrJoin(changes, ", "));
    }
  }
  if (report.has_vpt()) {
    for (const ConservedQuantityRollout& r :
         report.vpt().conserved_quantities()) {
      const int last = r.jumps_size() - 1;
      if (last < 0 || last >= r.mean_relative_change_size()) continue;
      std::cout << absl::StrFormat(
          "%s along the rollout of the VPT's start states: mean relative "
          "change %.3g at jump %d (%d failed)\n",
          r.name(), r.mean_relative_change(last), r.jumps(last),
          last < r.num_failed_size() ? r.num_failed(last) : 0);
    }
  }
  if (report.has_action_basis()) {
    const ActionBasis& b = report.action_basis();
    if (!b.failure().empty()) {
      std::cout << "actions up to a unimodular basis: not fitted ("
                << b.failure() << ")\n";
    } else {
      std::cout << absl::StrFormat(
          "actions up to a unimodular basis: learned ~ M true with M = [%s] "
          "(row-major, det %d), relative residual %.3g (best real matrix "
          "%.3g): %s%s\n",
          absl::StrJoin(b.basis(), ", "), b.determinant(),
          b.relative_residual(), b.real_relative_residual(),
          b.explains() ? "explained by the integer basis"
                       : "not explained by an integer basis",
          b.true_action_rank() < b.num_degrees_of_freedom()
              ? absl::StrFormat("; true actions of rank %d < %d, so M is "
                                "not determined",
                                b.true_action_rank(),
                                b.num_degrees_of_freedom())
              : std::string());
    }
  }
  auto print_vpt = [](const ValidPredictionTime& vpt, const char* what) {
    const bool median_censored = vpt.median_time() >= vpt.max_time();
    std::cout << absl::StrFormat(
        "valid prediction time%s (error > %g): median %s%g over %d start "
        "states, a fraction %.2f censored (> %g), %d failed%s\n",
        what, vpt.threshold(), median_censored ? "> " : "", vpt.median_time(),
        vpt.num_start_states(), vpt.fraction_censored(), vpt.max_time(),
        vpt.num_failed(),
        vpt.failure().empty() ? "" : absl::StrCat(" (", vpt.failure(), ")"));
  };
  if (report.has_vpt()) print_vpt(report.vpt(), "");
  if (report.has_held_out()) {
    std::cout << absl::StrFormat(
        "held-out trajectories %s (the metrics above are over the others):\n",
        absl::StrJoin(report.held_out_trajectories(), ", "));
    for (const JumpMetrics& m : report.held_out().jumps()) {
      std::cout << absl::StrFormat("  jump %d: prediction_loss %.4e\n",
                                   m.jump(), m.prediction_loss());
    }
    if (report.held_out().has_vpt()) {
      print_vpt(report.held_out().vpt(), " of the held-out trajectories");
    }
  }
  if (report.has_action_conservation()) {
    const ActionConservation& c = report.action_conservation();
    auto summary = [](const ActionVariationSummary& s) {
      return absl::StrFormat(
          "median [%s], max [%s] over %d trajectory(ies)%s",
          absl::StrJoin(s.median(), ", ",
                        [](std::string* out, double v) {
                          absl::StrAppend(out, absl::StrFormat("%.3g", v));
                        }),
          absl::StrJoin(s.max(), ", ",
                        [](std::string* out, double v) {
                          absl::StrAppend(out, absl::StrFormat("%.3g", v));
                        }),
          s.num_trajectories(),
          s.num_non_finite() > 0 ? absl::StrFormat(" (%d not finite, left out)",
                                                   s.num_non_finite())
                                 : std::string());
    };
    std::cout << "relative variation of the actions of the true states (std "
                 "/ |mean| over the test window, per latent pair): trained "
              << summary(c.trained());
    if (c.held_out().num_trajectories() > 0) {
      std::cout << "; held out " << summary(c.held_out());
    }
    std::cout << "\n";
  }
  if (report.has_pictured_trajectory()) {
    const PicturedTrajectory& p = report.pictured_trajectory();
    std::cout << absl::StrFormat(
        "pictured trajectory %d%s from sample %d over %d jumps: %d one-shot "
        "and %d rollout rows not finite; wrote %s\n",
        p.trajectory(), p.held_out() ? " (held out)" : "", p.start_sample(),
        p.num_jumps(), p.num_non_finite_one_shot(), p.num_non_finite_rollout(),
        pictured_path);
  }
  std::cout << "wrote " << out_path << "\n";
  return absl::OkStatus();
}

}  // namespace
}  // namespace aanet::eval

int main(int argc, char** argv) {
  return aanet::RunMain(
      argc, argv, "eval",
      "Evaluates a trained model and writes the results as JSON.\n"
      "  bazel run //eval -- --checkpoint=RUN/best.h5 --dataset=DATA.h5 "
      "[--out=PATH]",
      aanet::eval::Run);
}
