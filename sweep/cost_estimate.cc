#include "sweep/cost_estimate.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/progress.h"
#include "data_gen/dataset.h"
#include "data_gen/splits.h"
#include "eval/vpt.h"
#include "proto/experiment.pb.h"
#include "proto/text_config.h"
#include "status/status_macros.h"
#include "train/jump_schedule.h"
#include "train/trainer.h"

namespace aanet::sweep {
namespace internal {

LinearInJump LinearInJump::Through(int j1, double c1, int j2, double c2) {
  LinearInJump line;
  line.b = j2 > j1 ? std::max(0.0, (c2 - c1) / (j2 - j1)) : 0.0;
  line.a = std::max(0.0, c1 - line.b * j1);
  return line;
}

}  // namespace internal

namespace {

using internal::LinearInJump;
using internal::Measured;

using Clock = std::chrono::steady_clock;

// CPU seconds this process has used: what a core-hour counts, and unlike
// wall time not inflated when other work shares the machine.
double CpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

// CPU seconds per call of `f`: one call to warm up, then calls until 0.2 s
// or 5 calls, whichever comes first.
template <typename F>
double SecondsPerCall(F&& f) {
  f();
  int calls = 0;
  const double start = CpuSeconds();
  double elapsed = 0;
  do {
    f();
    ++calls;
    elapsed = CpuSeconds() - start;
  } while (calls < 5 && elapsed < 0.2);
  return elapsed / calls;
}

}  // namespace

namespace internal {

absl::StatusOr<Measured> Measure(const PlannedPoint& point,
                                 const data_gen::Dataset& dataset,
                                 const std::string& scratch_dir) {
  Experiment experiment;
  AANET_RETURN_IF_ERROR(ParseTextProto(point.spec.experiment_text(),
                                       point.directory, &experiment));
  AANET_ASSIGN_OR_RETURN(
      std::unique_ptr<train::Trainer> trainer,
      train::Trainer::Create(experiment, point.spec.experiment_text(), dataset,
                             point.spec.dataset_path(), scratch_dir));
  Measured m;
  m.options = trainer->options();
  const int max_jump = std::max(1, m.options.max_jump);
  auto step_at = [&](int jump) {
    const data_gen::StatePairs& pairs = trainer->TrainPairs(jump);
    const int rows = static_cast<int>(
        std::min<Eigen::Index>(pairs.inputs.rows(), m.options.batch_size));
    const Eigen::MatrixXd inputs = pairs.inputs.topRows(rows);
    if (m.options.prediction_targets == TrainingConfig::EVERY_STEP_TO_JUMP) {
      // A multi-step step predicts every jump 1..J (train/loss.h).
      std::vector<Eigen::MatrixXd> targets = trainer->MultiStepTargets(jump);
      for (Eigen::MatrixXd& target : targets) {
        target = target.topRows(rows).eval();
      }
      return SecondsPerCall([&] { trainer->MultiStep(inputs, targets, {}); });
    }
    const Eigen::MatrixXd targets = pairs.targets.topRows(rows);
    return SecondsPerCall([&] { trainer->Step(inputs, targets, jump); });
  };
  m.step = LinearInJump::Through(1, step_at(1), max_jump, step_at(max_jump));
  m.periodic_eval = SecondsPerCall([&] { trainer->Evaluate(max_jump); });

  const int test_samples = m.options.num_test_samples;
  const double dt = dataset.t.size() > 1 ? dataset.t(1) - dataset.t(0) : 1.0;
  int long_jump = 1;
  for (int jump : point.spec.jumps()) {
    if (jump < test_samples)
      long_jump = std::max(long_jump, std::min(jump, 50));
  }
  auto pair_at = [&](int jump) {
    const data_gen::StatePairs& pairs = trainer->TestPairs(jump);
    const double seconds = SecondsPerCall(
        [&] { trainer->model().Predict(pairs.inputs, jump * dt); });
    return seconds / std::max<Eigen::Index>(1, pairs.inputs.rows());
  };
  m.pair = LinearInJump::Through(1, pair_at(1), long_jump, pair_at(long_jump));
  // Every trajectory is evaluated: the trained ones, and apart the held-out
  // ones (whose pairs TestPairs leaves out).
  m.trajectories = dataset.num_trajectories();
  // The valid prediction time: per start state, predictions at every jump
  // 1..J (eval/vpt.h), one PredictGrid call. Its cost is J predictions for
  // the direct models and one solve through J jumps for the integrating
  // ones: linear in J either way, so it is measured at 1 and long_jump.
  const Eigen::MatrixXd& test_states = trainer->TestPairs(1).inputs;
  const Eigen::MatrixXd starts = test_states.topRows(
      std::min<Eigen::Index>(test_states.rows(), eval::kMaxVptStartStates));
  auto grid_at = [&](int jumps) {
    const double seconds = SecondsPerCall(
        [&] { trainer->model().PredictGrid(starts, dt, jumps); });
    return seconds / std::max<Eigen::Index>(1, starts.rows());
  };
  m.vpt_grid =
      LinearInJump::Through(1, grid_at(1), long_jump, grid_at(long_jump));
  // At most kMaxVptStartStates per block: the trained trajectories, and the
  // held-out ones apart.
  const data_gen::TrajectorySplit& split = trainer->trajectory_split();
  const int pairs_per_trajectory = std::max(1, test_samples - 1);
  for (const std::vector<int>* block : {&split.train, &split.held_out}) {
    m.vpt_start_states +=
        std::min<int>(eval::kMaxVptStartStates,
                      static_cast<int>(block->size()) * pairs_per_trajectory);
  }
  return m;
}

// Seconds of training at the measured costs: every step at the mean jump
// of its schedule, plus the periodic evaluations.
double TrainSeconds(const Measured& m) {
  const train::TrainingOptions& o = m.options;
  double seconds = 0;
  for (int step = 0; step < o.num_steps; ++step) {
    const int bound =
        train::MaxJumpAt(o.jump_schedule, step, o.jump_ramp_steps, o.max_jump);
    seconds += m.step.At(0.5 * (1 + bound));
  }
  int evaluations = o.eval_every > 0 ? o.num_steps / o.eval_every + 1 : 1;
  // The dense ones after the ramp (training.eval_every_after_ramp).
  for (int64_t step = 1; o.eval_every > 0 && step <= o.num_steps; ++step) {
    evaluations += step % o.eval_every != 0 && step != o.num_steps &&
                   train::IsEvaluationStep(o, step);
  }
  return seconds + evaluations * m.periodic_eval;
}

double EvalSeconds(const Measured& m, const PointSpec& spec) {
  double seconds = 0;
  const int test_samples = m.options.num_test_samples;
  for (int jump : spec.jumps()) {
    if (jump >= test_samples) continue;  // skipped by the evaluation
    double pairs = static_cast<double>(m.trajectories) * (test_samples - jump);
    if (spec.max_pairs_per_jump() > 0) {
      pairs = std::min<double>(pairs, spec.max_pairs_per_jump());
    }
    seconds += pairs * m.pair.At(jump);
    if (spec.measure_timing()) seconds += 2 * spec.timing_budget_seconds();
  }
  if (spec.vpt_max_jump() > 0) {
    seconds += m.vpt_start_states * m.vpt_grid.At(spec.vpt_max_jump());
  }
  // The pictured trajectory: one state's grid and a rollout of unit jumps.
  if (spec.picture_jumps() > 0) {
    seconds += m.vpt_grid.At(spec.picture_jumps()) +
               spec.picture_jumps() * m.pair.At(1);
  }
  return seconds;
}

}  // namespace internal

absl::StatusOr<CostPlan> EstimateCosts(const PreparedSweep& sweep) {
  const Clock::time_point start = Clock::now();
  CostPlan plan;
  std::map<std::string, int> model_index;
  std::map<std::pair<std::string, int>, Measured> measured;
  std::map<std::string, data_gen::Dataset> datasets;
  const std::string scratch =
      (std::filesystem::path(sweep.plan.sweep_dir) / "cost_estimate").string();
  ProgressLine progress(stderr, 10.0);
  for (int i : sweep.to_run) {
    const PlannedPoint& point = sweep.plan.points[i];
    const std::string& model = point.point.model();
    const std::pair<std::string, int> key(model,
                                          point.point.num_train_samples());
    if (measured.count(key) == 0) {
      progress.Update(absl::StrFormat("measuring %s n=%d", model, key.second));
      const std::string& path = point.spec.dataset_path();
      if (datasets.count(path) == 0) {
        AANET_ASSIGN_OR_RETURN(datasets[path], data_gen::ReadDataset(path));
      }
      AANET_ASSIGN_OR_RETURN(
          measured[key], internal::Measure(point, datasets.at(path), scratch));
    }
    if (model_index.count(model) == 0) {
      model_index[model] = static_cast<int>(plan.models.size());
      plan.models.push_back({model});
    }
    ModelCost& cost = plan.models[model_index[model]];
    const double train = internal::TrainSeconds(measured.at(key));
    const double eval = internal::EvalSeconds(measured.at(key), point.spec);
    ++cost.points;
    cost.train_seconds += train;
    cost.eval_seconds += eval;
    cost.max_point_seconds = std::max(cost.max_point_seconds, train + eval);
  }
  progress.Finish();
  plan.measure_seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  return plan;
}

std::string FormatCostPlan(const CostPlan& plan) {
  std::string out = absl::StrFormat(
      "plan (CPU costs measured on this machine in %.0f s; one core per "
      "point):\n"
      "  %-34s %6s %13s %12s %13s %14s\n",
      plan.measure_seconds, "model", "points", "train core-h", "eval core-h",
      "total core-h", "longest point");
  ModelCost total{"total"};
  for (const ModelCost& m : plan.models) {
    absl::StrAppend(
        &out,
        absl::StrFormat("  %-34s %6d %13.2f %12.2f %13.2f %14s\n", m.model,
                        m.points, m.train_seconds / 3600, m.eval_seconds / 3600,
                        (m.train_seconds + m.eval_seconds) / 3600,
                        FormatDuration(m.max_point_seconds)));
    total.points += m.points;
    total.train_seconds += m.train_seconds;
    total.eval_seconds += m.eval_seconds;
    total.max_point_seconds =
        std::max(total.max_point_seconds, m.max_point_seconds);
  }
  absl::StrAppend(
      &out, absl::StrFormat("  %-34s %6d %13.2f %12.2f %13.2f %14s\n", "total",
                            total.points, total.train_seconds / 3600,
                            total.eval_seconds / 3600,
                            (total.train_seconds + total.eval_seconds) / 3600,
                            FormatDuration(total.max_point_seconds)));
  return out;
}

}  // namespace aanet::sweep
