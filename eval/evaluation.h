// Evaluation of a trained model on its dataset's test split, into an
// EvaluationReport (proto/evaluation.proto), and the report's JSON file.
//
//   absl::StatusOr<EvaluationReport> report = EvaluateCheckpoint(
//       "out/runs/aa/best.h5", "out/datasets/harmonic_k_pair_0.5.h5",
//       EvaluationOptions());
//   WriteEvaluationJson(*report, "out/runs/aa/evaluation.json");
//
// Measured, for any model behind the Predictor API:
//   * per jump: the prediction loss (scaled units, the paper's metric) and
//     the mean absolute change of the true Hamiltonian between the input and
//     the predicted state (original units), over every pair of the test
//     split, over the pairs whose prediction is finite (the others are
//     counted, with the reason); the same loss in the test split's units and
//     the losses of two trivial predictors (reference levels); and the wall
//     time of Predictor::Predict for one state and for a batch (recorded as
//     failed if a call predicts a non-finite state);
//   * per jump, and along the valid prediction time's long rollout, the
//     change of every quantity the system conserves besides the energy
//     (System::ConservedQuantityNames);
//   * the parameter count;
//   * for the Action-Angle Network only: its angular velocities on every test
//     state and their match to the true normal-mode frequencies; per
//     trajectory its omega and actions; and its actions against the true
//     ones up to a unimodular change of basis (eval/action_basis.h); and
//     the relative variation of its actions of the true states of every
//     trajectory (eval/action_conservation.h).
// The test split is the last training.num_test_samples samples (500 if the
// config leaves it unset) of every trajectory, as in training.
#ifndef AANET_EVAL_EVALUATION_H_
#define AANET_EVAL_EVALUATION_H_

#include <iterator>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data_gen/dataset.h"
#include "eval/trajectories.h"
#include "eval/vpt.h"
#include "models/predictor.h"
#include "proto/evaluation.pb.h"

namespace aanet::eval {

// The jumps (in samples) an evaluation measures unless told otherwise: the
// default of EvaluationOptions::jumps, of the eval binary's --jumps and of a
// sweep's evaluation.reference_jumps (sweep/plan.cc). The paper's error vs
// dt study: up to 40 times the largest jump the published configs train on.
inline constexpr int kDefaultJumps[] = {1, 2, 5, 10, 20, 50, 100, 200, 400};

struct EvaluationOptions {
  // Jumps (in samples) to evaluate, each >= 1 and listed once. A jump that
  // leaves no pair inside the test split (>= num_test_samples) is recorded
  // in EvaluationReport::skipped_jumps instead.
  std::vector<int> jumps{std::begin(kDefaultJumps), std::end(kDefaultJumps)};
  // Measured calls per timing (>= 1) and unmeasured calls before them
  // (>= 0).
  int timing_repetitions = 30;
  int timing_warmup = 3;
  // States per call of the batch timing (>= 1).
  int timing_batch_size = 500;
  // false leaves every JumpMetrics' single_state and batch unset.
  bool measure_timing = true;
  // > 0: warm-up and measured calls of one timing each stop once their
  // calls took this many seconds (after one call at least), so a slow
  // prediction (an ODE model at jump 400) is timed fewer times;
  // Timing::repetitions records how many calls were measured.
  double timing_budget_seconds = 0;
  // > 0: before any timing, one call of each timing at the largest jump is
  // timed, and if the timings would take longer than this in all (every
  // jump at that call's time: an upper estimate for the integrating models)
  // EvaluateModel refuses with InvalidArgument "--timing_repetitions=N: ...
  // would take about <estimate> ... over --max_timing_seconds=S" (the eval
  // binary's flags). 0: no limit.
  double max_timing_seconds = 0;
  // > 0: losses and energy changes of a jump average over at most this many
  // pairs, evenly spaced through the test split (JumpMetrics::num_pairs
  // records how many); the integrating models are slow at long jumps.
  int max_pairs_per_jump = 0;
  // > 0: batch timings only for jumps up to this one (batch stays unset
  // beyond it).
  int batch_timing_max_jump = 0;
  // The valid prediction time (eval/vpt.h) at jumps 1..vpt_max_jump; 0
  // leaves EvaluationReport::vpt unset.
  int vpt_max_jump = kDefaultVptMaxJump;
  // EvaluateCheckpoint: evaluate on a dataset other than the one the model
  // was trained on (a transfer study) instead of refusing.
  bool allow_other_dataset = false;
  // > 0: the pictured trajectory (eval/trajectories.h) over this many jumps,
  // returned through EvaluateModel's `pictured` (which must then be given)
  // and summarised in EvaluationReport::pictured_trajectory; 0: none.
  int picture_jumps = 0;
};

// Checks `options` as documented above; errors name the option, e.g.
// "jumps: 0 is not >= 1".
absl::Status ValidateEvaluationOptions(const EvaluationOptions& options);

// Evaluates `predictor` on the test split of `dataset`. Fills every field of
// the report except checkpoint_path and dataset_path (the caller's to set).
// InvalidArgument if the options are invalid, the dataset's number of degrees
// of freedom is not the model's, or the test split does not fit the dataset (2
// <= num_test_samples <= samples per trajectory). Timing runs the predictor
// serially on this thread; the report's wall_seconds includes it.
// With options.picture_jumps > 0 it also fills `*pictured` (not null then)
// and the report's pictured_trajectory, all but its `file`: the caller that
// writes the file (WritePicturedTrajectory) names it there.
absl::StatusOr<EvaluationReport> EvaluateModel(
    const Predictor& predictor, const data_gen::Dataset& dataset,
    const EvaluationOptions& options, PicturedArrays* pictured = nullptr);

// Loads the checkpoint (Predictor::Load) and the dataset (ReadDataset),
// evaluates as EvaluateModel and records both paths as given. Errors are
// those of the loaders and of EvaluateModel, e.g.
// "/x/d.h5 has 3 degrees of freedom; the model was trained on 2", and, unless
// options.allow_other_dataset, FailedPrecondition if the checkpoint records a
// training dataset (data_gen::DatasetHash) other than this one. A checkpoint
// that records none (written before it was recorded) is evaluated with a
// one-line warning on stderr.
absl::StatusOr<EvaluationReport> EvaluateCheckpoint(
    const std::string& checkpoint_path, const std::string& dataset_path,
    const EvaluationOptions& options, PicturedArrays* pictured = nullptr);

// Writes `pictured` as kTrajectoriesFile beside `evaluation_path` (the
// evaluation.json about to be written) and records the file's name in
// report->pictured_trajectory; nothing if the report has no pictured
// trajectory. Call before WriteEvaluationJson.
absl::Status WritePicturedBeside(const std::string& evaluation_path,
                                 PicturedArrays& pictured,
                                 EvaluationReport* report);

// Writes `report` as pretty-printed JSON (see proto/evaluation.proto for the
// mapping) to `path`, atomically: the text goes to `path + ".tmp-<pid>"` in
// the same directory, is flushed to disk and renamed over `path`, so readers
// see the old file or the complete new one. Creates the parent directory if
// missing. On failure the temporary is removed and the error names `path`.
absl::Status WriteEvaluationJson(const EvaluationReport& report,
                                 const std::string& path);

// Reads a file written by WriteEvaluationJson. Unknown fields are errors.
// Errors name the file: "<path>: cannot open (<reason>)" (NotFound),
// "<path>: is a directory, expected a file", "<path>: not an evaluation
// report (<parser message>)" (InvalidArgument).
absl::StatusOr<EvaluationReport> ReadEvaluationJson(const std::string& path);

// The parsing part of ReadEvaluationJson: `text` as read from `path`.
absl::StatusOr<EvaluationReport> ParseEvaluationJson(const std::string& text,
                                                     const std::string& path);

}  // namespace aanet::eval

#endif  // AANET_EVAL_EVALUATION_H_
