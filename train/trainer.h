// The training loop: one model, one dataset, one run directory.
//
// Per step (as the published code trains): draw a jump from the curriculum,
// draw a batch with replacement from the training pairs at that jump, take one
// Adam step on the loss (train/loss.h). Under multi-step training
// (training.prediction_targets: EVERY_STEP_TO_JUMP) the batch is drawn the
// same way (the pairs at jump J are exactly the input states whose J targets
// all lie in the training split), each input is predicted at 1..J samples
// on (Model::ForwardGrid), and the loss, the logged training loss and the
// selection loss are the multi-step loss (ComputeMultiStepLoss); the test
// losses are the usual per-jump ones in both modes. Every eval_every steps: the
// total loss on all training pairs at that step's jump decides the best state
// so far, and the prediction loss on the test split is measured at every test
// jump. Everything is in standardised units (scaler fitted on the training
// split).
//
// Noise (training.noise, train/noise.h): published input noise is added to
// the inputs of the training pairs at every step before the batch is drawn
// (targets, evaluations and selection stay on the clean pairs, as
// published); observation noise makes the training trajectories' training
// window noisy once in Create, so the scaler, every batch, the training
// losses and the best-state choice see the noisy series. The test split and
// the held-out trajectories stay clean.
//
// Trajectories listed in training.held_out_trajectories (data_gen/splits.h,
// TrajectorySplit) take no part in training: no batch, no scaler statistic,
// no training loss and no best-state choice uses them. The test losses are
// those of the training trajectories' test window; the held-out
// trajectories' test window is logged apart (held_out_test_losses).
//
// The run directory holds
//   checkpoint.h5   the latest state, with optimiser and random state, so
//                   that a resumed run continues bit for bit
//   best.h5         the parameters with the lowest evaluated training loss
//   metrics.jsonl   one JSON object per evaluation
//   config.pbtxt    the config text of the run
//   timing.json     the time spent in training steps (proto/timing.proto),
//                   written with every checkpoint; wall-clock and CPU
//                   times, so never compared bit for bit, and never read
//                   back except to keep counting on resume
//   .lock           held by the trainer writing the run (LockRunDirectory)
// All files are written atomically.
//
// Continuing: Resume() continues the run's checkpoint; the config may be the
// run's own or that config extended to more steps (training_options.h,
// ExtendTrainingConfig), which reproduces bit for bit a run trained for the
// extended num_steps in one go with the same jump_ramp_steps. A config with
// training.init_from starts a new run from another run's parameters and
// scaler.
#ifndef AANET_TRAIN_TRAINER_H_
#define AANET_TRAIN_TRAINER_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "autodiff/adam.h"
#include "autodiff/tape.h"
#include "data_gen/dataset.h"
#include "data_gen/splits.h"
#include "fileio/directory_lock.h"
#include "models/checkpoint.h"
#include "models/model.h"
#include "models/scaler.h"
#include "proto/experiment.pb.h"
#include "proto/timing.pb.h"
#include "rng/random.h"
#include "train/loss.h"
#include "train/training_options.h"

namespace aanet::train {

// One evaluation, as written to metrics.jsonl.
struct Evaluation {
  int64_t step = 0;                   // steps completed
  int jump = 0;                       // the jump of the last step
  double train_loss = 0;              // total, on all training pairs
  double train_prediction_loss = 0;   // without the regulariser
  double train_action_variance = 0;   // sum of batch variances (0 if none)
  std::map<int, double> test_losses;  // test jump -> prediction loss
  // The same on the held-out trajectories' test window; empty when none are
  // held out. Never used for selection.
  std::map<int, double> held_out_test_losses;
  // The best-state criterion at this evaluation (train_loss under the
  // published rule; the mean training prediction loss over the selection
  // jumps under ours), and the best step and criterion so far.
  double selection_loss = 0;
  int64_t best_step = 0;
  double best_loss = 0;
};

struct ProgressInfo {
  int64_t step = 0;  // steps completed
  int64_t num_steps = 0;
  int jump = 0;           // the jump this step sampled
  int max_jump = 0;       // the schedule's largest jump at this step
  double batch_loss = 0;  // = prediction + weight * action_variance
  double batch_prediction_loss = 0;
  double batch_action_variance = 0;   // 0 for models without actions
  double action_variance_weight = 0;  // lambda
  bool has_actions = false;           // the model has an action variance
  const Evaluation* last_evaluation = nullptr;  // null before the first
};

// The progress line of a step, e.g.
//   "step 120/5000  sampled jump 3 (max 4)  loss 1.204e-02 + 1 * 3.400e-04"
// (the loss as prediction + lambda * action variance; the prediction alone
// for models without actions), then "  test@1 2.1e-02" once evaluated.
std::string DescribeProgress(const ProgressInfo& info);

// The legend of DescribeProgress's loss, for a banner: "loss = prediction +
// lambda * action variance (lambda = 1)" or "loss = prediction"; under
// multi-step training "prediction (the mean over jumps 1..J)".
std::string DescribeLossTerms(const TrainingOptions& options, bool has_actions);

// The trajectories a run trains on, for banners and messages: "16
// trajectories" when none is held out, else "14 training trajectories, 2
// held out (3, 9)".
std::string DescribeTrajectories(const data_gen::TrajectorySplit& split);

// Whether a metrics.jsonl line is one whole JSON object: starts with '{' and
// ends with the '}' that closes it (brackets balanced outside strings). The
// test for a last line cut off by a crash.
bool IsCompleteJsonObjectLine(const std::string& line);

// The memory training needs at its peak (Trainer::EstimateMemory).
struct MemoryEstimate {
  double bytes = 0;          // the estimate of the peak
  double bytes_per_row = 0;  // tape values of one state at max_jump
  int64_t rows = 0;          // the most states on the tape at once
};

class Trainer {
 public:
  // Validates the experiment's model and training configs against the
  // dataset and builds the model. Writes nothing yet.
  static absl::StatusOr<std::unique_ptr<Trainer>> Create(
      const Experiment& experiment, const std::string& config_text,
      const data_gen::Dataset& dataset, const std::string& dataset_path,
      const std::string& run_dir);

  // Creates the run directory and locks it (fileio/directory_lock.h) for the
  // trainer's life, removing temporaries left by killed writers. Another
  // live trainer on the same directory, in any process on any machine that
  // shares it: FailedPrecondition "<run_dir>: in use by <host>:<pid> ...".
  // Run() and Resume() call it if it has not been called; calling it again
  // is a no-op.
  absl::Status LockRunDirectory();
  // Takes over a lock on the run directory acquired earlier (SetUpRun locks
  // it before looking inside it); LockRunDirectory is then a no-op.
  void AdoptRunDirectoryLock(DirectoryLock lock) { lock_ = std::move(lock); }

  // Continues from run_dir/checkpoint.h5. Fails if this run's config neither
  // equals nor extends (ContinuesConfig) the checkpoint's, or does not fit
  // the model. Keeps the lines of metrics.jsonl up to the checkpoint's step;
  // an incomplete last line (a crash mid-append) is dropped with a warning
  // on stderr.
  absl::Status Resume();

  // Trains until num_steps (or, if stop_at_step >= 0, until that many steps
  // are completed, as an interruption would), calling `progress` after every
  // step. Divergence, checked at every step (a NaN or infinite loss, or a
  // non-finite parameter or Adam moment after the update), stops training
  // with "training diverged at step N (jump J): <the first offending loss or
  // tensor>; stopped" and names the files that keep a state (best.h5, which
  // then holds the best state so far; checkpoint.h5, left as it was), or says
  // that none was saved.
  //
  // `stop` (if set) is asked after every step, once that step's evaluation
  // and periodic checkpoint are done: when it says true, the trainer writes
  // best.h5 and checkpoint.h5 for the current step (unless just written), so
  // that --resume continues bit for bit from there, and returns Cancelled
  // "stopped at step N of M; <run_dir>/checkpoint.h5 holds it" (or "stopped
  // before the first step; nothing was saved"). train stops on SIGINT and
  // SIGTERM this way (cli/stop_signals.h).
  absl::Status Run(const std::function<void(const ProgressInfo&)>& progress,
                   int64_t stop_at_step = -1,
                   const std::function<bool()>& stop = nullptr);

  // Evaluates the current parameters at `jump` (no update, no file).
  Evaluation Evaluate(int jump);

  // Estimates the peak memory of Run from the config and a measured forward
  // pass: the tape's values for 1 and 2 states at max_jump give a fixed
  // part and a part per state; a step holds its batch (batch_size, or
  // fewer under the published batch rule: the pairs at jump 1) with values,
  // gradients and backward temporaries (3 times the values), an evaluation
  // every training pair at jump 1 (values only) and predictions of the
  // test pairs; plus the parameters with their gradients, Adam moments and
  // best copy. Under multi-step training the forward pass measured is the
  // grid to max_jump (ForwardGrid) and every state also holds its max_jump
  // targets. Takes about one forward pass of 2 states; changes no state
  // that training reads (train refuses a config over its memory budget with
  // it before the first step).
  MemoryEstimate EstimateMemory();

  const Model& model() const { return *model_; }
  Model& mutable_model() { return *model_; }
  const TrainingOptions& options() const { return options_; }
  // The trajectories trained on and those held out (validated in Create).
  const data_gen::TrajectorySplit& trajectory_split() const {
    return trajectory_split_;
  }
  const StandardScaler& scaler() const { return scaler_; }
  int64_t step() const { return step_; }
  const std::vector<Evaluation>& evaluations() const { return evaluations_; }
  // The time of the training steps so far, as timing.json records it.
  const TrainingTiming& timing() const { return timing_; }

  // The standardised pairs at `jump` (cached) of the training trajectories'
  // training (under observation noise: noisy) and test windows, and of the
  // held-out trajectories' test window (no pairs when none are held out).
  const data_gen::StatePairs& TrainPairs(int jump);
  const data_gen::StatePairs& TestPairs(int jump);
  const data_gen::StatePairs& HeldOutTestPairs(int jump);

  // One optimisation step at `jump` on the given standardised batch, whose
  // rows come from `trajectories` (one entry per row, as
  // StatePairs::trajectories; empty: one trajectory); returns the batch's
  // total loss. Exposed for benchmarks.
  double Step(const Eigen::MatrixXd& inputs, const Eigen::MatrixXd& targets,
              absl::Span<const int> trajectories, int jump);
  // The same for a batch of one trajectory.
  double Step(const Eigen::MatrixXd& inputs, const Eigen::MatrixXd& targets,
              int jump) {
    return Step(inputs, targets, {}, jump);
  }
  // One multi-step optimisation step (training.prediction_targets:
  // EVERY_STEP_TO_JUMP; train/loss.h ComputeMultiStepLoss): `targets` holds
  // the states j = 1..J samples after `inputs`, so J = targets.size().
  double MultiStep(const Eigen::MatrixXd& inputs,
                   absl::Span<const Eigen::MatrixXd> targets,
                   absl::Span<const int> trajectories);
  // The targets of the multi-step loss at `jump` J for the training pairs
  // at J (TrainPairs(J).inputs): entry j - 1 holds the states j samples
  // after them, for j = 1..J (entry J - 1 is TrainPairs(J).targets).
  std::vector<Eigen::MatrixXd> MultiStepTargets(int jump);
  // Whether the model's loss has an action-variance term (known after the
  // first Step).
  bool has_actions() const { return last_has_actions_; }
  // The batch of the last step Run took, standardised: the inputs with
  // their input noise, the targets as they are.
  const Eigen::MatrixXd& last_batch_inputs() const { return batch_inputs_; }
  const Eigen::MatrixXd& last_batch_targets() const { return batch_targets_; }

 private:
  Trainer() = default;

  Checkpoint CheckpointHeader() const;
  // "" if every parameter and Adam moment is finite; else names the first
  // offending tensor.
  std::string FirstNonFiniteState() const;
  // The divergence error for `step` (see Run), after saving best.h5.
  absl::Status Diverged(int64_t step, int jump, const std::string& what);
  // best.h5 from the best parameters so far (nothing before the first
  // evaluation).
  absl::Status WriteBest() const;
  // checkpoint.h5 with the current parameters and training state.
  absl::Status WriteLatest() const;
  // best.h5 and checkpoint.h5, as one commit (a signal cannot end the
  // process between them, cli/stop_signals.h): a resumed run reads both.
  absl::Status WriteCheckpoints();
  // timing.json from timing_ at the current step.
  absl::Status WriteTiming();
  // On resume: timing_ from timing.json if it was written at the
  // checkpoint's step; else counting starts afresh (a crash between a
  // checkpoint and its timing file, or a run older than the file).
  void ReadTiming();
  absl::Status AppendMetrics(const Evaluation& evaluation);
  absl::Status RewriteMetricsUpTo(int64_t step);
  void SampleBatch(int jump);
  bool multi_step() const {
    return options_.prediction_targets == TrainingConfig::EVERY_STEP_TO_JUMP;
  }
  // The row of TrainPairs(j) with the input of row `row` of TrainPairs(jump)
  // (j <= jump): the pairs run trajectory by trajectory, each in time order.
  Eigen::Index PairRow(Eigen::Index row, int jump, int j) const;
  // Backward pass and Adam update for a step's loss; its value.
  double FinishStep(const LossTerms& loss);
  // Standardised pairs of `range` of `trajectories` at `jump`, computed once
  // per jump.
  const data_gen::StatePairs& CachedPairs(
      const data_gen::Dataset& dataset, data_gen::SampleRange range,
      const std::vector<int>& trajectories, int jump,
      std::map<int, data_gen::StatePairs>& cache);

  Experiment experiment_;
  std::string config_text_;
  std::string dataset_path_;
  std::string dataset_hash_;  // data_gen::DatasetHash
  std::string run_dir_;
  std::optional<DirectoryLock> lock_;
  const data_gen::Dataset* dataset_ = nullptr;
  // Under observation noise: the dataset with the training trajectories'
  // training window noisy (train/noise.h); the training pairs come from it.
  std::unique_ptr<const data_gen::Dataset> noisy_dataset_;
  data_gen::TimeSplit split_;
  data_gen::TrajectorySplit trajectory_split_;
  TrainingOptions options_;
  StandardScaler scaler_;
  std::unique_ptr<Model> model_;
  ad::Adam adam_;
  ad::Tape tape_;
  Random random_{0};
  int64_t step_ = 0;              // steps completed
  int64_t checkpoint_step_ = -1;  // step of checkpoint.h5 (-1: none known)
  double time_step_ = 1.0;        // the dataset's sampling interval

  Eigen::VectorXd best_parameters_;
  double best_loss_ = 0;
  int64_t best_step_ = -1;  // -1: no evaluation yet

  std::map<int, data_gen::StatePairs> train_pairs_;
  std::map<int, data_gen::StatePairs> test_pairs_;
  std::map<int, data_gen::StatePairs> held_out_test_pairs_;
  Eigen::MatrixXd batch_inputs_, batch_targets_;
  std::vector<int> batch_trajectories_;
  // Multi-step training: the batch's targets at j = 1..J.
  std::vector<Eigen::MatrixXd> batch_step_targets_;
  std::vector<Eigen::Index> batch_rows_scratch_;  // the drawn pair rows
  // The terms of the last Step's loss.
  double last_prediction_ = 0, last_action_variance_ = 0;
  bool last_has_actions_ = false;
  std::vector<Evaluation> evaluations_;
  TrainingTiming timing_;
};

}  // namespace aanet::train

#endif  // AANET_TRAIN_TRAINER_H_
