// What a sweep will cost before any compute is spent: core-hours per model
// and in total, training and evaluation included, from costs measured
// briefly on this machine (the Slurm backend prints it before submitting;
// --dry_run prints only it and the script).
//
// For each model and training-sample count of the points to run, a model is
// built on its dataset (as the worker would, writing nothing) and timed in
// CPU time (so that other work on the machine does not inflate it):
// - a training step (Trainer::Step) on a batch of the resolved size at jump 1
//   and at the largest training jump; a step's cost is taken as linear in
//   the jump between them (the integrating models solve jump x substeps; the
//   others do not depend on it), and summed over the point's steps with the
//   mean jump of its schedule at each step (train/jump_schedule.h: uniform
//   in 1..MaxJumpAt);
// - a periodic evaluation (Trainer::Evaluate), times the number of them;
// - predictions of the test split at jump 1 and at a longer jump (at most
//   50), per pair and linear in the jump as above, times the pairs each
//   evaluation jump has (capped by max_pairs_per_jump);
// - timings of reference points, bounded by their budget: two timings per
//   jump, each at most timing_budget_seconds (an upper bound);
// - the valid prediction time (eval/vpt.h): its start states (at most 50
//   per block of trajectories, trained and held out) predicted at every
//   jump 1..J in one PredictGrid call, timed at 1 and the longer jump above
//   and taken as linear in J (J predictions for the direct models, one solve
//   through J jumps for the integrating ones).
// One core runs one point (the worker is single-threaded), so core-hours are
// the points' estimated seconds / 3600. An estimate: a loaded machine or a
// different CPU on the nodes shifts it.
#ifndef AANET_SWEEP_COST_ESTIMATE_H_
#define AANET_SWEEP_COST_ESTIMATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data_gen/dataset.h"
#include "proto/sweep.pb.h"
#include "sweep/plan.h"
#include "sweep/prepare.h"
#include "train/training_options.h"

namespace aanet::sweep {

struct ModelCost {
  std::string model;
  int points = 0;
  double train_seconds = 0;  // summed over its points
  double eval_seconds = 0;
  double max_point_seconds = 0;  // the longest point (for --slurm_time)
};

struct CostPlan {
  std::vector<ModelCost> models;  // in the sweep's order
  double measure_seconds = 0;     // how long measuring took
};

// Estimates the points `sweep.to_run`.
absl::StatusOr<CostPlan> EstimateCosts(const PreparedSweep& sweep);

// The plan as a table:
//   model               points  train core-h  eval core-h  total core-h longest
//   point action_angle_flow       54          1.20         0.10          1.30
//   0:02:10 total                  216          ...
std::string FormatCostPlan(const CostPlan& plan);

namespace internal {

// a + b * jump through two measured points (b >= 0: noise must not make a
// longer jump cheaper).
struct LinearInJump {
  double a = 0, b = 0;
  static LinearInJump Through(int j1, double c1, int j2, double c2);
  double At(double jump) const { return a + b * jump; }
};

// Measured costs of one model at one training-sample count.
struct Measured {
  LinearInJump step;         // seconds per training step
  double periodic_eval = 0;  // seconds per Trainer::Evaluate
  LinearInJump pair;         // seconds per predicted test pair
  int trajectories = 0;      // of the dataset, held-out ones included
  // Seconds per start state of the valid prediction time's predictions at
  // jumps 1..J (one PredictGrid call), as a function of J.
  LinearInJump vpt_grid;
  int vpt_start_states = 0;  // trained and held-out blocks together
  train::TrainingOptions options;
};

// Measures the costs of `point` on `dataset` (its dataset_path read), with
// a trainer on `scratch_dir` that writes nothing.
absl::StatusOr<Measured> Measure(const PlannedPoint& point,
                                 const data_gen::Dataset& dataset,
                                 const std::string& scratch_dir);

// Training seconds: every step at the mean jump of its schedule, plus the
// periodic evaluations (num_steps / eval_every + 1 of them).
double TrainSeconds(const Measured& m);
// Evaluation seconds of a point: pairs x per-pair cost per jump below
// num_test_samples, plus 2 x timing_budget_seconds per jump if timed, plus
// the valid prediction time (if vpt_max_jump J > 0): start states x
// vpt_grid at J.
double EvalSeconds(const Measured& m, const PointSpec& spec);

}  // namespace internal

}  // namespace aanet::sweep

#endif  // AANET_SWEEP_COST_ESTIMATE_H_
