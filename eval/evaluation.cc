#include "eval/evaluation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "data_gen/splits.h"
#include "eval/action_basis.h"
#include "eval/action_conservation.h"
#include "eval/frequencies.h"
#include "eval/held_out.h"
#include "eval/learned_actions.h"
#include "eval/vpt.h"
#include "fileio/text_file.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "models/prediction_loss.h"
#include "models/scaler.h"
#include "proto/text_config.h"
#include "status/status_macros.h"

namespace aanet::eval {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The test split when the config leaves training.num_test_samples unset.
constexpr int kDefaultNumTestSamples = 500;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// The q-quantile (0 <= q <= 1) of ascending `sorted` (not empty), linearly
// interpolated between neighbours as numpy.percentile does by default.
double Quantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

// Why `predicted` (a prediction of the predictor's model) is not finite:
// the model's reason if it knows one, else a generic one.
std::string FailureReason(const Predictor& predictor) {
  const std::string reason = predictor.model().last_failure();
  return reason.empty() ? "non-finite predicted state" : reason;
}

// Times options.timing_repetitions calls of Predict(states, dt) after
// options.timing_warmup unmeasured ones; with a time budget, warm-up and
// measurement each stop once their calls took that long (one call at least).
// A call whose prediction is not finite ends the timing as failed: a solve
// that stops at its first non-finite state is faster than a finished one.
Timing MeasureTiming(const Predictor& predictor, const Eigen::MatrixXd& states,
                     double dt, const EvaluationOptions& options) {
  const double budget = options.timing_budget_seconds > 0
                            ? options.timing_budget_seconds
                            : std::numeric_limits<double>::infinity();
  Timing timing;
  timing.set_batch_size(static_cast<int>(states.rows()));
  auto fail = [&](int warmup_calls, int measured_calls) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    timing.set_warmup_calls(warmup_calls);
    timing.set_repetitions(measured_calls);
    timing.set_median_seconds(nan);
    timing.set_p10_seconds(nan);
    timing.set_p90_seconds(nan);
    timing.set_min_seconds(nan);
    timing.set_max_seconds(nan);
    timing.set_failed(true);
    timing.set_failure(FailureReason(predictor));
    return timing;
  };
  // Every result feeds this sink, so no call can be optimised away.
  volatile double sink = 0;
  int warmup_calls = 0;
  const Clock::time_point warmup_start = Clock::now();
  while (warmup_calls < options.timing_warmup &&
         (warmup_calls == 0 || Seconds(Clock::now() - warmup_start) < budget)) {
    const Eigen::MatrixXd predicted = predictor.Predict(states, dt);
    ++warmup_calls;
    if (!predicted.allFinite()) return fail(warmup_calls, 0);
    sink = sink + predicted(0, 0);
  }
  std::vector<double> seconds;
  // Not all at once: a budget may end the measurement long before.
  seconds.reserve(std::min(options.timing_repetitions, 1 << 16));
  double spent = 0;
  for (int i = 0; i < options.timing_repetitions && (i == 0 || spent < budget);
       ++i) {
    const Clock::time_point start = Clock::now();
    const Eigen::MatrixXd predicted = predictor.Predict(states, dt);
    const Clock::time_point end = Clock::now();
    if (!predicted.allFinite()) return fail(warmup_calls, i + 1);
    sink = sink + predicted(0, 0);
    seconds.push_back(Seconds(end - start));
    spent += seconds.back();
  }
  std::sort(seconds.begin(), seconds.end());
  timing.set_repetitions(static_cast<int>(seconds.size()));
  timing.set_warmup_calls(warmup_calls);
  timing.set_median_seconds(Quantile(seconds, 0.5));
  timing.set_p10_seconds(Quantile(seconds, 0.1));
  timing.set_p90_seconds(Quantile(seconds, 0.9));
  timing.set_min_seconds(seconds.front());
  timing.set_max_seconds(seconds.back());
  return timing;
}

// "40 s", "12 min", "3.5 hours", "2.1 days", "68 years".
std::string FormatSeconds(double seconds) {
  if (seconds < 120) return absl::StrFormat("%.0f s", seconds);
  if (seconds < 7200) return absl::StrFormat("%.0f min", seconds / 60);
  if (seconds < 2 * 86400) return absl::StrFormat("%.1f hours", seconds / 3600);
  if (seconds < 365 * 86400)
    return absl::StrFormat("%.1f days", seconds / 86400);
  return absl::StrFormat("%.0f years", seconds / (365.25 * 86400));
}

// How long MeasureTiming would take at every timed jump, from one call of
// each kind at the largest jump; an error if over max_timing_seconds.
absl::Status CheckTimingCost(const Predictor& predictor,
                             const Eigen::MatrixXd& single_state,
                             const Eigen::MatrixXd& batch, int num_test,
                             double time_step,
                             const EvaluationOptions& options) {
  int largest = 0, timed = 0, batch_timed = 0;
  for (int jump : options.jumps) {
    if (jump >= num_test) continue;
    largest = std::max(largest, jump);
    ++timed;
    if (options.batch_timing_max_jump <= 0 ||
        jump <= options.batch_timing_max_jump) {
      ++batch_timed;
    }
  }
  if (timed == 0) return absl::OkStatus();
  auto time_one = [&](const Eigen::MatrixXd& states) {
    const Clock::time_point start = Clock::now();
    volatile double sink = predictor.Predict(states, largest * time_step)(0, 0);
    (void)sink;
    return Seconds(Clock::now() - start);
  };
  const double single = time_one(single_state);
  const double batched = batch_timed > 0 ? time_one(batch) : 0.0;
  // Calls of one timing: warm-up and measurement, each cut by the budget.
  auto timing_seconds = [&](double call) {
    const double calls =
        static_cast<double>(options.timing_warmup) + options.timing_repetitions;
    double seconds = calls * call;
    if (options.timing_budget_seconds > 0) {
      seconds = std::min(seconds, 2 * (options.timing_budget_seconds + call));
    }
    return seconds;
  };
  const double total =
      timed * timing_seconds(single) + batch_timed * timing_seconds(batched);
  if (total <= options.max_timing_seconds) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat(
      "--timing_repetitions=%d: %d timing(s) of one state and %d of a batch "
      "of %d, %d calls each, would take about %s (one call at jump %d: "
      "%.3g ms, %.3g ms for the batch), over --max_timing_seconds=%g; lower "
      "--timing_repetitions (0 skips timing)",
      options.timing_repetitions, timed, batch_timed, batch.rows(),
      options.timing_warmup + options.timing_repetitions, FormatSeconds(total),
      largest, 1e3 * single, 1e3 * batched, options.max_timing_seconds));
}

// Predictions of `inputs` [P, 2n] after dt, and which rows failed. One
// overflowing row ends a batched solve for every row, so a batch with a
// non-finite row is split in halves, each predicted again, down to single
// rows: a failing row costs O(log P) smaller solves, and the usual batch
// with no failure costs no extra solve.
struct RowPredictions {
  Eigen::MatrixXd predicted;
  std::vector<bool> failed;  // per row
  int num_failed = 0;
  std::string failure;  // why the first failed row failed
};

void PredictRows(const Predictor& predictor, const Eigen::MatrixXd& inputs,
                 double dt, Eigen::Index begin, Eigen::Index count,
                 RowPredictions* out) {
  const Eigen::MatrixXd predicted =
      predictor.Predict(inputs.middleRows(begin, count), dt);
  if (predicted.allFinite()) {
    out->predicted.middleRows(begin, count) = predicted;
    return;
  }
  if (count == 1) {
    out->predicted.row(begin) = predicted.row(0);
    out->failed[begin] = true;
    if (out->num_failed++ == 0) out->failure = FailureReason(predictor);
    return;
  }
  const Eigen::Index half = count / 2;
  PredictRows(predictor, inputs, dt, begin, half, out);
  PredictRows(predictor, inputs, dt, begin + half, count - half, out);
}

RowPredictions PredictEveryRow(const Predictor& predictor,
                               const Eigen::MatrixXd& inputs, double dt) {
  RowPredictions out;
  out.predicted.resize(inputs.rows(), inputs.cols());
  out.failed.assign(inputs.rows(), false);
  if (inputs.rows() > 0) {
    PredictRows(predictor, inputs, dt, 0, inputs.rows(), &out);
  }
  return out;
}

// The rows of `m` whose `failed` entry is false.
Eigen::MatrixXd KeptRows(const Eigen::MatrixXd& m,
                         const std::vector<bool>& failed) {
  Eigen::Index kept = 0;
  for (bool f : failed) kept += f ? 0 : 1;
  Eigen::MatrixXd result(kept, m.cols());
  Eigen::Index row = 0;
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    if (!failed[i]) result.row(row++) = m.row(i);
  }
  return result;
}

// The per-coordinate standard deviations of a unit of loss: losses in that
// unit are means of ((a - b) / scale)^2 (the means cancel in a difference).
using LossScale = Eigen::RowVectorXd;

double LossIn(const LossScale& scale, const Eigen::MatrixXd& predicted,
              const Eigen::MatrixXd& targets) {
  if (predicted.rows() == 0) return std::numeric_limits<double>::quiet_NaN();
  return ((predicted - targets).array().rowwise() / scale.array())
      .square()
      .mean();
}

// The loss of predicting `mean` for every target.
double TrainMeanLoss(const LossScale& scale, const Eigen::RowVectorXd& mean,
                     const Eigen::MatrixXd& targets) {
  return ((targets.rowwise() - mean).array().rowwise() / scale.array())
      .square()
      .mean();
}

// The loss of predicting, for each target of trajectory k, the state of
// trajectory k at a uniformly random sample of the test split, averaged over
// every sample: per coordinate c, E_s (x_k(s) - y)^2 = var_k + (y - mean_k)^2
// exactly, with mean_k, var_k over trajectory k's test split.
double RandomPhaseLoss(const LossScale& scale,
                       const Eigen::MatrixXd& trajectory_means,
                       const Eigen::MatrixXd& trajectory_variances,
                       const Eigen::MatrixXd& targets,
                       const std::vector<int>& trajectory_of_row) {
  const Eigen::ArrayXXd inverse_variance = scale.array().square().inverse();
  double total = 0;
  for (Eigen::Index i = 0; i < targets.rows(); ++i) {
    const int k = trajectory_of_row[i];
    const Eigen::ArrayXXd deviation =
        targets.row(i).array() - trajectory_means.row(k).array();
    total += ((trajectory_variances.row(k).array() + deviation.square()) *
              inverse_variance)
                 .sum();
  }
  return total / static_cast<double>(targets.size());
}

// At most `max_pairs` pairs (0: all), evenly spaced over the given ones;
// `rows` receives the index of each kept pair among the given ones.
data_gen::StatePairs SubsamplePairs(data_gen::StatePairs pairs, int max_pairs,
                                    std::vector<Eigen::Index>* rows) {
  const Eigen::Index total = pairs.inputs.rows();
  rows->clear();
  if (max_pairs <= 0 || total <= max_pairs) {
    for (Eigen::Index i = 0; i < total; ++i) rows->push_back(i);
    return pairs;
  }
  data_gen::StatePairs kept;
  kept.inputs.resize(max_pairs, pairs.inputs.cols());
  kept.targets.resize(max_pairs, pairs.targets.cols());
  for (int i = 0; i < max_pairs; ++i) {
    const Eigen::Index row = static_cast<Eigen::Index>(i) * total / max_pairs;
    kept.inputs.row(i) = pairs.inputs.row(row);
    kept.targets.row(i) = pairs.targets.row(row);
    rows->push_back(row);
  }
  return kept;
}

// `states` [S, 2n] repeated cyclically to `rows` rows.
Eigen::MatrixXd CycleRows(const Eigen::MatrixXd& states, int rows) {
  Eigen::MatrixXd result(rows, states.cols());
  for (int i = 0; i < rows; ++i) {
    result.row(i) = states.row(i % states.rows());
  }
  return result;
}

// The quantities `system` declares besides the energy, of `states` [B, 2n]:
// [B, names] (System::ConservedQuantities), or Internal if the system
// returns another shape (a bug in that system, named).
absl::StatusOr<Eigen::MatrixXd> QuantitiesOf(
    const data_gen::System& system, const data_gen::ParameterGroup& parameters,
    const Eigen::MatrixXd& states, size_t num_names) {
  Eigen::MatrixXd values = system.ConservedQuantities(parameters, states);
  if (values.rows() != states.rows() ||
      values.cols() != static_cast<Eigen::Index>(num_names)) {
    return absl::InternalError(absl::StrFormat(
        "system '%s': ConservedQuantities gave [%d, %d] for %d state(s) and "
        "%d declared quantities",
        std::string(system.name()), values.rows(), values.cols(), states.rows(),
        num_names));
  }
  return values;
}

// Per quantity `system` declares besides the energy, the mean change from
// `inputs` to `predicted` (the pairs whose prediction is finite, as the
// energy's); NaN if there is none.
absl::Status AddQuantityChanges(const data_gen::System& system,
                                const data_gen::ParameterGroup& parameters,
                                const Eigen::MatrixXd& inputs,
                                const Eigen::MatrixXd& predicted,
                                JumpMetrics* metrics) {
  const std::vector<std::string> names = system.ConservedQuantityNames();
  if (names.empty()) return absl::OkStatus();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Eigen::MatrixXd before, after;
  if (inputs.rows() > 0) {
    AANET_ASSIGN_OR_RETURN(
        before, QuantitiesOf(system, parameters, inputs, names.size()));
    AANET_ASSIGN_OR_RETURN(
        after, QuantitiesOf(system, parameters, predicted, names.size()));
  }
  for (size_t i = 0; i < names.size(); ++i) {
    ConservedQuantityChange* out = metrics->add_conserved_quantities();
    out->set_name(names[i]);
    if (inputs.rows() == 0) {
      out->set_mean_abs_change(nan);
      out->set_mean_relative_change(nan);
      continue;
    }
    const Eigen::ArrayXd change = (after.col(i) - before.col(i)).array().abs();
    out->set_mean_abs_change(change.mean());
    out->set_mean_relative_change(
        (change / before.col(i).array().abs()).mean());
  }
  return absl::OkStatus();
}

// The quantities `system` declares along the VPT's predictions `grid` (entry
// j - 1: the predictions of `start` [S, 2n] after jump j), at the jumps of
// `jumps` up to grid.size() and at grid.size() itself: a long rollout at no
// extra solve. Rows whose prediction is not finite are counted, not averaged.
absl::Status AddQuantityRollouts(const data_gen::System& system,
                                 const data_gen::ParameterGroup& parameters,
                                 const Eigen::MatrixXd& start,
                                 const std::vector<Eigen::MatrixXd>& grid,
                                 const std::vector<int>& jumps,
                                 double time_step, ValidPredictionTime* vpt) {
  const std::vector<std::string> names = system.ConservedQuantityNames();
  if (names.empty() || grid.empty()) return absl::OkStatus();
  const int max_jump = static_cast<int>(grid.size());
  std::set<int> at = {max_jump};
  for (int jump : jumps) {
    if (jump <= max_jump) at.insert(jump);
  }
  AANET_ASSIGN_OR_RETURN(const Eigen::MatrixXd initial,
                         QuantitiesOf(system, parameters, start, names.size()));
  std::vector<ConservedQuantityRollout*> rollouts;
  for (const std::string& name : names) {
    rollouts.push_back(vpt->add_conserved_quantities());
    rollouts.back()->set_name(name);
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int jump : at) {
    const Eigen::MatrixXd& predicted = grid[jump - 1];
    std::vector<bool> failed(predicted.rows());
    int num_failed = 0;
    for (Eigen::Index r = 0; r < predicted.rows(); ++r) {
      failed[r] = !predicted.row(r).allFinite();
      num_failed += failed[r] ? 1 : 0;
    }
    const Eigen::MatrixXd kept = KeptRows(predicted, failed);
    const Eigen::MatrixXd kept_initial = KeptRows(initial, failed);
    Eigen::MatrixXd after(0, static_cast<Eigen::Index>(names.size()));
    if (kept.rows() > 0) {
      AANET_ASSIGN_OR_RETURN(
          after, QuantitiesOf(system, parameters, kept, names.size()));
    }
    for (size_t i = 0; i < names.size(); ++i) {
      ConservedQuantityRollout* out = rollouts[i];
      out->add_jumps(jump);
      out->add_dt(jump * time_step);
      out->add_num_failed(num_failed);
      if (kept.rows() == 0) {
        out->add_mean_abs_change(nan);
        out->add_mean_relative_change(nan);
        continue;
      }
      const Eigen::ArrayXd change =
          (after.col(i) - kept_initial.col(i)).array().abs();
      out->add_mean_abs_change(change.mean());
      out->add_mean_relative_change(
          (change / kept_initial.col(i).array().abs()).mean());
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateEvaluationOptions(const EvaluationOptions& options) {
  std::set<int> seen;
  for (int jump : options.jumps) {
    if (jump < 1) {
      return absl::InvalidArgumentError(
          absl::StrFormat("jumps: %d is not >= 1", jump));
    }
    if (!seen.insert(jump).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("jumps: %d is listed twice", jump));
    }
  }
  if (options.timing_repetitions < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("timing_repetitions: must be >= 1, got %d",
                        options.timing_repetitions));
  }
  if (options.timing_warmup < 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "timing_warmup: must be >= 0, got %d", options.timing_warmup));
  }
  if (options.timing_batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "timing_batch_size: must be >= 1, got %d", options.timing_batch_size));
  }
  if (options.vpt_max_jump < 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "vpt_max_jump: must be >= 0 (0: no valid prediction time), got %d",
        options.vpt_max_jump));
  }
  return absl::OkStatus();
}

namespace {

// EvaluateModel on every trajectory of `dataset` (all of them, or the
// trained or the held-out ones), without the valid prediction time.
absl::StatusOr<EvaluationReport> EvaluateTrajectories(
    const Predictor& predictor, const data_gen::Dataset& dataset,
    const EvaluationOptions& options) {
  const Clock::time_point begin = Clock::now();
  const int n = dataset.num_degrees_of_freedom();
  if (n != predictor.num_degrees_of_freedom()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the dataset has %d degrees of freedom; the model was trained "
        "on %d",
        n, predictor.num_degrees_of_freedom()));
  }
  const TrainingConfig& training = predictor.experiment().training();
  const int num_test = training.has_num_test_samples()
                           ? training.num_test_samples()
                           : kDefaultNumTestSamples;
  if (num_test < 2 || num_test > dataset.num_samples()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "training.num_test_samples: the test split needs 2 to %d samples "
        "(the dataset's samples per trajectory), got %d",
        dataset.num_samples(), num_test));
  }
  const data_gen::SampleRange test = {dataset.num_samples() - num_test,
                                      num_test};
  const double time_step = dataset.t[1] - dataset.t[0];
  // The Hamiltonian of the energy changes; none for imported trajectories
  // without one, whose energy changes are then left out, not made up.
  absl::StatusOr<const data_gen::System*> hamiltonian =
      data_gen::DatasetHamiltonian(dataset);
  if (!hamiltonian.ok() && !absl::IsFailedPrecondition(hamiltonian.status())) {
    return hamiltonian.status();
  }
  const data_gen::System* system = hamiltonian.ok() ? *hamiltonian : nullptr;
  const Eigen::MatrixXd test_states = data_gen::RangeStates(dataset, test);

  EvaluationReport report;
  report.set_model_kind(predictor.model().kind());
  report.set_num_parameters(predictor.model().parameters().NumScalars());
  report.set_step(predictor.step());
  report.set_config_text(predictor.config_text());
  report.set_dataset_config_text(dataset.config_text);
  report.set_num_test_samples(num_test);
  report.set_num_trajectories(dataset.num_trajectories());
  report.set_time_step(time_step);

  // The unit of the *_test_scaled losses: the test split's deviations, the
  // same at every training-set size.
  AANET_ASSIGN_OR_RETURN(const StandardScaler test_scaler,
                         StandardScaler::Fit(test_states));
  const LossScale& train_scale = predictor.scaler().scale();
  const LossScale& test_scale = test_scaler.scale();
  // Each trajectory's test-split mean and population variance, for the
  // random-phase level.
  Eigen::MatrixXd trajectory_means(dataset.num_trajectories(), 2 * n);
  Eigen::MatrixXd trajectory_variances(dataset.num_trajectories(), 2 * n);
  for (int k = 0; k < dataset.num_trajectories(); ++k) {
    const Eigen::MatrixXd states = test_states.middleRows(
        static_cast<Eigen::Index>(k) * num_test, num_test);
    trajectory_means.row(k) = states.colwise().mean();
    trajectory_variances.row(k) =
        (states.rowwise() - trajectory_means.row(k)).colwise().squaredNorm() /
        static_cast<double>(num_test);
  }

  const Eigen::MatrixXd single_state = test_states.topRows(1);
  const Eigen::MatrixXd batch =
      CycleRows(test_states, options.timing_batch_size);
  if (options.measure_timing && options.max_timing_seconds > 0) {
    AANET_RETURN_IF_ERROR(CheckTimingCost(predictor, single_state, batch,
                                          num_test, time_step, options));
  }
  for (int jump : options.jumps) {
    if (jump >= num_test) {
      report.add_skipped_jumps(jump);
      continue;
    }
    const double dt = jump * time_step;
    std::vector<Eigen::Index> pair_rows;
    const data_gen::StatePairs pairs =
        SubsamplePairs(data_gen::MakePairs(dataset, test, jump),
                       options.max_pairs_per_jump, &pair_rows);
    // MakePairs lists the num_test - jump pairs of each trajectory in turn.
    std::vector<int> trajectory_of_row;
    for (Eigen::Index row : pair_rows) {
      trajectory_of_row.push_back(static_cast<int>(row / (num_test - jump)));
    }
    const RowPredictions rows = PredictEveryRow(predictor, pairs.inputs, dt);
    // Losses and energies over the pairs whose prediction is finite; the
    // report gives the count of the others beside them. Without failures
    // these are the given matrices, so the numbers are as before.
    const bool any_failed = rows.num_failed > 0;
    const Eigen::MatrixXd inputs =
        any_failed ? KeptRows(pairs.inputs, rows.failed) : pairs.inputs;
    const Eigen::MatrixXd targets =
        any_failed ? KeptRows(pairs.targets, rows.failed) : pairs.targets;
    const Eigen::MatrixXd predicted =
        any_failed ? KeptRows(rows.predicted, rows.failed) : rows.predicted;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const bool none_left = predicted.rows() == 0;

    JumpMetrics* metrics = report.add_jumps();
    // Imported trajectories without a named Hamiltonian have no system,
    // hence no declared quantities either.
    if (system != nullptr) {
      AANET_RETURN_IF_ERROR(AddQuantityChanges(*system, dataset.parameters,
                                               inputs, predicted, metrics));
    }
    metrics->set_jump(jump);
    metrics->set_dt(dt);
    metrics->set_num_pairs(static_cast<int>(pairs.inputs.rows()));
    metrics->set_num_failed_pairs(rows.num_failed);
    metrics->set_failure(rows.failure);
    metrics->set_prediction_loss(
        none_left
            ? nan
            : ScaledPredictionLoss(predictor.scaler(), predicted, targets));
    metrics->set_prediction_loss_test_scaled(
        LossIn(test_scale, predicted, targets));
    if (system != nullptr) {
      const Eigen::VectorXd before = system->Energy(dataset.parameters, inputs);
      const Eigen::VectorXd after =
          system->Energy(dataset.parameters, predicted);
      metrics->set_mean_abs_energy_change(
          none_left ? nan : (after - before).cwiseAbs().mean());
      metrics->set_mean_relative_energy_change(
          none_left
              ? nan
              : ((after - before).array().abs() / before.array().abs()).mean());
    }
    const Eigen::RowVectorXd& train_mean = predictor.scaler().mean();
    metrics->set_train_mean_loss(
        TrainMeanLoss(train_scale, train_mean, pairs.targets));
    metrics->set_train_mean_loss_test_scaled(
        TrainMeanLoss(test_scale, train_mean, pairs.targets));
    metrics->set_random_phase_loss(
        RandomPhaseLoss(train_scale, trajectory_means, trajectory_variances,
                        pairs.targets, trajectory_of_row));
    metrics->set_random_phase_loss_test_scaled(
        RandomPhaseLoss(test_scale, trajectory_means, trajectory_variances,
                        pairs.targets, trajectory_of_row));
    if (options.measure_timing) {
      *metrics->mutable_single_state() =
          MeasureTiming(predictor, single_state, dt, options);
      if (options.batch_timing_max_jump <= 0 ||
          jump <= options.batch_timing_max_jump) {
        *metrics->mutable_batch() =
            MeasureTiming(predictor, batch, dt, options);
      }
    }
  }

  // Each test state's trajectory's true frequencies, [K * count, n] like
  // test_states (none if the system does not know them).
  Eigen::MatrixXd test_frequencies(0, 0);
  if (dataset.true_frequencies.size() > 0) {
    test_frequencies.resize(test_states.rows(), n);
    for (int k = 0; k < dataset.num_trajectories(); ++k) {
      test_frequencies.middleRows(k * test.count, test.count) =
          dataset.true_frequencies.row(k).replicate(test.count, 1);
    }
  }
  const Eigen::VectorXd true_frequencies =
      MeanTrueFrequencies(test_frequencies);
  for (Eigen::Index k = 0; k < true_frequencies.size(); ++k) {
    report.add_true_frequencies(true_frequencies[k]);
  }
  absl::StatusOr<ActionAngleState> inspected = predictor.Inspect(test_states);
  if (inspected.ok()) {
    const Eigen::MatrixXd& omega = inspected->angular_velocities;
    report.set_num_latent_pairs(static_cast<int>(omega.cols()));
    for (Eigen::Index row = 0; row < omega.rows(); ++row) {
      for (Eigen::Index col = 0; col < omega.cols(); ++col) {
        report.add_angular_velocities(omega(row, col));
      }
    }
    for (const eval::FrequencyMatch& match :
         MatchFrequencies(omega, test_frequencies)) {
      aanet::FrequencyMatch* out = report.add_frequencies();
      out->set_latent_index(match.latent_index);
      out->set_learned_mean(match.learned);
      out->set_learned_std(match.learned_std);
      out->set_true_frequency(match.truth);
      out->set_relative_error(match.relative_error);
    }
  } else if (!absl::IsFailedPrecondition(inspected.status())) {
    return inspected.status();
  }
  report.set_wall_seconds(Seconds(Clock::now() - begin));
  return report;
}

// The VPT from evenly spaced states (VptStartRows) of the test split of
// `dataset`'s trajectories; sigma: the test split of every trajectory.
absl::StatusOr<ValidPredictionTime> TestSplitVpt(
    const Predictor& predictor, const data_gen::Dataset& dataset, int num_test,
    const Eigen::RowVectorXd& sigma, int max_jump,
    const std::vector<int>& jumps) {
  const Eigen::MatrixXd test_states = data_gen::RangeStates(
      dataset, {dataset.num_samples() - num_test, num_test});
  const std::vector<int> rows =
      VptStartRows(static_cast<int>(test_states.rows()));
  Eigen::MatrixXd start(static_cast<Eigen::Index>(rows.size()),
                        test_states.cols());
  for (size_t i = 0; i < rows.size(); ++i) {
    start.row(static_cast<Eigen::Index>(i)) = test_states.row(rows[i]);
  }
  std::vector<Eigen::MatrixXd> grid;
  AANET_ASSIGN_OR_RETURN(ValidPredictionTime vpt,
                         MeasureVpt(predictor, dataset, start, sigma, max_jump,
                                    kVptThreshold, &grid));
  for (int row : rows) vpt.add_start_rows(row);
  AANET_ASSIGN_OR_RETURN(const data_gen::System* system,
                         data_gen::DatasetSystem(dataset));
  AANET_RETURN_IF_ERROR(AddQuantityRollouts(*system, dataset.parameters, start,
                                            grid, jumps,
                                            dataset.t[1] - dataset.t[0], &vpt));
  return vpt;
}

// Mean and population standard deviation of `values`.
std::pair<double, double> MeanAndStd(const Eigen::VectorXd& values) {
  const double mean = values.mean();
  const double variance = (values.array() - mean).square().mean();
  return {mean, std::sqrt(variance)};
}

// Learned against true actions up to a unimodular change of basis
// (eval/action_basis.h), from the network's latent state on every
// trajectory's test window (`latent`, trajectory k's rows k * num_test on),
// in latent-pair order; the frequencies mapped into the true basis and,
// where the true ones are degenerate, the spurious precession.
void AddActionBasis(const ActionAngleState& latent, double scale,
                    const data_gen::Dataset& dataset, int num_test,
                    const std::vector<int>& held_out,
                    EvaluationReport* report) {
  const int n = dataset.num_degrees_of_freedom();
  const int num_trajectories = dataset.num_trajectories();
  Eigen::MatrixXd learned(num_trajectories, n), omega(num_trajectories, n);
  for (int k = 0; k < num_trajectories; ++k) {
    const Eigen::Index first = static_cast<Eigen::Index>(k) * num_test;
    learned.row(k) =
        PhysicalActions(latent.actions.middleRows(first, num_test), scale)
            .colwise()
            .mean();
    // The canonical sense: the latent angle atan2(y, x) of a symplectic
    // flow turns clockwise while the angle conjugate to the action grows.
    omega.row(k) =
        -latent.angular_velocities.middleRows(first, num_test).colwise().mean();
  }
  ActionBasis* out = report->mutable_action_basis();
  const absl::StatusOr<ActionBasisFit> fit =
      FitActionBasis(learned, dataset.true_actions);
  if (!fit.ok()) {
    out->set_failure(std::string(fit.status().message()));
    return;
  }
  out->set_num_degrees_of_freedom(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      out->add_basis(fit->basis(i, j));
      out->add_real_basis(fit->real_basis(i, j));
    }
  }
  out->set_determinant(fit->determinant);
  out->set_unimodular(fit->unimodular);
  out->set_relative_residual(fit->relative_residual);
  out->set_real_relative_residual(fit->real_relative_residual);
  out->set_explains(fit->explains);
  out->set_num_equivalent(fit->num_equivalent);
  out->set_true_action_rank(fit->true_action_rank);
  out->set_num_trajectories(fit->num_trajectories);
  for (int k : fit->left_out) out->add_left_out(k);
  out->set_search(fit->search);
  const Eigen::MatrixXd mapped = MapFrequencies(fit->basis, omega);
  const bool known_frequencies = dataset.true_frequencies.size() > 0;
  for (int k = 0; k < num_trajectories; ++k) {
    ActionBasisTrajectory* t = out->add_trajectories();
    t->set_trajectory(k);
    t->set_held_out(std::find(held_out.begin(), held_out.end(), k) !=
                    held_out.end());
    t->set_left_out(std::find(fit->left_out.begin(), fit->left_out.end(), k) !=
                    fit->left_out.end());
    for (int i = 0; i < n; ++i) {
      t->add_learned_action(learned(k, i));
      t->add_true_action(dataset.true_actions(k, i));
      t->add_learned_frequency(omega(k, i));
      t->add_mapped_frequency(mapped(k, i));
      if (known_frequencies) {
        t->add_true_frequency(dataset.true_frequencies(k, i));
      }
    }
    if (!known_frequencies) continue;
    const std::optional<std::pair<int, int>> pair =
        DegeneratePair(dataset.true_frequencies.row(k));
    if (!pair.has_value()) continue;
    const Precession precession = PrecessionOf(mapped.row(k), *pair);
    t->set_degenerate(true);
    t->set_degenerate_first(pair->first);
    t->set_degenerate_second(pair->second);
    t->set_precession_rate(precession.rate);
    t->set_precession_per_orbit(precession.per_orbit);
  }
}

// The relative variation of the network's actions of the true states
// (eval/action_conservation.h) over each trajectory's test window
// (`radii`: latent radii, trajectory k's rows k * num_test on), per
// trajectory and summarised over the trained and the held-out ones.
void AddActionConservation(const Eigen::MatrixXd& radii,
                           std::optional<double> scale, int num_trajectories,
                           int num_test, const std::vector<int>& held_out,
                           EvaluationReport* report) {
  const int n = static_cast<int>(radii.cols());
  ActionConservation* out = report->mutable_action_conservation();
  out->set_num_latent_pairs(n);
  out->set_action_units(scale.has_value()
                            ? absl::StrFormat("physical (C = %.17g)", *scale)
                            : std::string("latent (r^2 / 2)"));
  out->set_window_samples(num_test);
  std::vector<Eigen::VectorXd> trained, held;
  for (int k = 0; k < num_trajectories; ++k) {
    const Eigen::MatrixXd window =
        radii.middleRows(static_cast<Eigen::Index>(k) * num_test, num_test);
    // The ratio does not depend on the unit; the mean is shown in it.
    const Eigen::MatrixXd actions = scale.has_value()
                                        ? PhysicalActions(window, *scale)
                                        : LatentActions(window);
    const Eigen::VectorXd variation = RelativeVariation(actions);
    const bool is_held_out =
        std::find(held_out.begin(), held_out.end(), k) != held_out.end();
    (is_held_out ? held : trained).push_back(variation);
    ActionVariation* t = out->add_trajectories();
    t->set_trajectory(k);
    t->set_held_out(is_held_out);
    for (int i = 0; i < n; ++i) {
      t->add_relative_variation(variation[i]);
      t->add_mean_action(actions.col(i).mean());
    }
  }
  auto summarize = [n](const std::vector<Eigen::VectorXd>& variations,
                       ActionVariationSummary* summary) {
    const VariationSummary s = SummarizeVariation(variations, n);
    summary->set_num_trajectories(s.num_trajectories);
    summary->set_num_non_finite(s.num_non_finite);
    if (s.num_trajectories == 0) return;
    for (int i = 0; i < n; ++i) {
      summary->add_median(s.median[i]);
      summary->add_max(s.max[i]);
    }
  };
  summarize(trained, out->mutable_trained());
  summarize(held, out->mutable_held_out());
}

// The Action-Angle Network's omega and action on each trajectory's test
// window (TrajectoryFrequency); nothing for other models. Separate from the
// aggregate above, which pools trajectories: omega(I) is per trajectory.
absl::Status AddTrajectoryFrequencies(const Predictor& predictor,
                                      const data_gen::Dataset& dataset,
                                      int num_test,
                                      const std::vector<int>& held_out,
                                      EvaluationReport* report) {
  const Eigen::MatrixXd test_states = data_gen::RangeStates(
      dataset, {dataset.num_samples() - num_test, num_test});
  absl::StatusOr<ActionAngleState> inspected = predictor.Inspect(test_states);
  if (absl::IsFailedPrecondition(inspected.status())) return absl::OkStatus();
  AANET_RETURN_IF_ERROR(inspected.status());
  const absl::StatusOr<double> scale = PhysicalActionScale(predictor);
  report->set_action_conversion(scale.ok()
                                    ? absl::StrFormat("C = %.17g", *scale)
                                    : std::string(scale.status().message()));
  const int n = dataset.num_degrees_of_freedom();
  const bool known_frequencies = dataset.true_frequencies.size() > 0;
  const bool known_actions = dataset.true_actions.size() > 0;
  for (int k = 0; k < dataset.num_trajectories(); ++k) {
    const Eigen::Index first = static_cast<Eigen::Index>(k) * num_test;
    const Eigen::MatrixXd omega =
        inspected->angular_velocities.middleRows(first, num_test).cwiseAbs();
    const Eigen::MatrixXd radii =
        inspected->actions.middleRows(first, num_test);
    // Pairs by mean |omega| meet true frequencies ascending (eval/
    // frequencies.h); a true action goes with its own frequency.
    std::vector<int> pairs(n), truths(n);
    for (int i = 0; i < n; ++i) pairs[i] = truths[i] = i;
    const Eigen::VectorXd learned_means = omega.colwise().mean();
    std::stable_sort(pairs.begin(), pairs.end(), [&](int a, int b) {
      return learned_means[a] < learned_means[b];
    });
    if (known_frequencies) {
      std::stable_sort(truths.begin(), truths.end(), [&](int a, int b) {
        return dataset.true_frequencies(k, a) < dataset.true_frequencies(k, b);
      });
    }
    TrajectoryFrequency* out = report->add_trajectory_frequencies();
    out->set_trajectory(k);
    out->set_held_out(std::find(held_out.begin(), held_out.end(), k) !=
                      held_out.end());
    for (int i = 0; i < n; ++i) {
      const int pair = pairs[i];
      out->add_latent_index(pair);
      const auto [mean, std] = MeanAndStd(omega.col(pair));
      out->add_learned_mean(mean);
      out->add_learned_std(std);
      if (known_frequencies) {
        out->add_true_frequency(dataset.true_frequencies(k, truths[i]));
      }
      if (known_actions) {
        out->add_true_action(dataset.true_actions(k, truths[i]));
      }
      if (scale.ok()) {
        const auto [action_mean, action_std] =
            MeanAndStd(PhysicalActions(radii.col(pair), *scale));
        out->add_learned_action_mean(action_mean);
        out->add_learned_action_std(action_std);
      }
    }
  }
  if (scale.ok() && known_actions) {
    AddActionBasis(*inspected, *scale, dataset, num_test, held_out, report);
  }
  AddActionConservation(
      inspected->actions,
      scale.ok() ? std::optional<double>(*scale) : std::nullopt,
      dataset.num_trajectories(), num_test, held_out, report);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<EvaluationReport> EvaluateModel(const Predictor& predictor,
                                               const data_gen::Dataset& dataset,
                                               const EvaluationOptions& options,
                                               PicturedArrays* pictured) {
  if (options.picture_jumps > 0 && pictured == nullptr) {
    return absl::InternalError(
        "EvaluateModel: picture_jumps is set but no PicturedArrays is given");
  }
  const Clock::time_point begin = Clock::now();
  AANET_RETURN_IF_ERROR(ValidateEvaluationOptions(options));
  // The trainer's own split (data_gen/splits.h), so that training and
  // evaluation agree on the trajectories and on what is refused.
  const auto& listed =
      predictor.experiment().training().held_out_trajectories();
  AANET_ASSIGN_OR_RETURN(const data_gen::TrajectorySplit split,
                         data_gen::MakeTrajectorySplit(
                             dataset.num_trajectories(),
                             std::vector<int>(listed.begin(), listed.end())));
  const bool held_out = !split.held_out.empty();
  // Without held-out trajectories the one evaluation is today's, on the
  // dataset itself, so its numbers are unchanged to the bit.
  absl::StatusOr<EvaluationReport> evaluated =
      held_out
          ? EvaluateTrajectories(
                predictor, SelectTrajectories(dataset, split.train), options)
          : EvaluateTrajectories(predictor, dataset, options);
  AANET_RETURN_IF_ERROR(evaluated.status());
  EvaluationReport& report = *evaluated;
  report.set_num_trajectories(dataset.num_trajectories());
  const int num_test = report.num_test_samples();
  // One unit for the VPT of both blocks: the test split of every trajectory.
  AANET_ASSIGN_OR_RETURN(
      const StandardScaler all_test,
      StandardScaler::Fit(data_gen::RangeStates(
          dataset, {dataset.num_samples() - num_test, num_test})));
  // The VPT needs the true future of test-split states up to vpt_max_jump
  // jumps, past the recorded samples (System::Evolve): imported trajectories
  // have none, so it is left out for them.
  const bool vpt = options.vpt_max_jump > 0 && !dataset.imported();
  if (vpt) {
    AANET_ASSIGN_OR_RETURN(
        *report.mutable_vpt(),
        TestSplitVpt(
            predictor,
            held_out ? SelectTrajectories(dataset, split.train) : dataset,
            num_test, all_test.scale(), options.vpt_max_jump, options.jumps));
  }
  if (held_out) {
    const data_gen::Dataset held = SelectTrajectories(dataset, split.held_out);
    EvaluationOptions held_options = options;
    held_options.measure_timing = false;  // timings do not depend on data
    AANET_ASSIGN_OR_RETURN(const EvaluationReport held_report,
                           EvaluateTrajectories(predictor, held, held_options));
    HeldOutEvaluation* out = report.mutable_held_out();
    for (int k : split.held_out) {
      report.add_held_out_trajectories(k);
      out->add_trajectories(k);
    }
    *out->mutable_jumps() = held_report.jumps();
    if (vpt) {
      AANET_ASSIGN_OR_RETURN(
          *out->mutable_vpt(),
          TestSplitVpt(predictor, held, num_test, all_test.scale(),
                       options.vpt_max_jump, options.jumps));
    }
  }
  AANET_RETURN_IF_ERROR(AddTrajectoryFrequencies(predictor, dataset, num_test,
                                                 split.held_out, &report));
  if (options.picture_jumps > 0) {
    AANET_ASSIGN_OR_RETURN(
        *pictured, ComputePicturedTrajectory(predictor, dataset, num_test,
                                             options.picture_jumps));
    *report.mutable_pictured_trajectory() = pictured->summary;
    if (pictured->actions.size() > 0 && report.has_action_conservation()) {
      const Eigen::VectorXd along = RelativeVariation(pictured->actions);
      for (Eigen::Index i = 0; i < along.size(); ++i) {
        report.mutable_action_conservation()->add_pictured(along[i]);
      }
    }
  }
  report.set_wall_seconds(Seconds(Clock::now() - begin));
  return report;
}

namespace {

// The `name:` of a config text, for messages; "unnamed config" without one.
std::string ConfigName(const std::string& config_text) {
  Experiment experiment;
  google::protobuf::TextFormat::Parser parser;
  parser.AllowPartialMessage(true);
  if (parser.ParseFromString(config_text, &experiment) &&
      !experiment.name().empty()) {
    return absl::StrCat("'", experiment.name(), "'");
  }
  return "unnamed config";
}

}  // namespace

absl::StatusOr<EvaluationReport> EvaluateCheckpoint(
    const std::string& checkpoint_path, const std::string& dataset_path,
    const EvaluationOptions& options, PicturedArrays* pictured) {
  AANET_RETURN_IF_ERROR(ValidateEvaluationOptions(options));
  AANET_ASSIGN_OR_RETURN(Predictor predictor, Predictor::Load(checkpoint_path));
  AANET_ASSIGN_OR_RETURN(data_gen::Dataset dataset,
                         data_gen::ReadDataset(dataset_path));
  if (dataset.num_degrees_of_freedom() != predictor.num_degrees_of_freedom()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s has %d degrees of freedom; the model was trained on %d",
        dataset_path, dataset.num_degrees_of_freedom(),
        predictor.num_degrees_of_freedom()));
  }
  const std::string hash = data_gen::DatasetHash(dataset);
  if (predictor.dataset_hash().empty()) {
    std::cerr << "warning: " << checkpoint_path
              << " does not record its training dataset (an older "
                 "checkpoint); cannot check that it was trained on "
              << dataset_path << "\n";
  } else if (predictor.dataset_hash() != hash && !options.allow_other_dataset) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s was trained on another dataset (%s, hash %s) than %s (%s, hash "
        "%s); pass --allow_other_dataset to evaluate it there anyway",
        checkpoint_path, ConfigName(predictor.dataset_config_text()),
        predictor.dataset_hash(), dataset_path, ConfigName(dataset.config_text),
        hash));
  }
  absl::StatusOr<EvaluationReport> report =
      EvaluateModel(predictor, dataset, options, pictured);
  if (!report.ok()) {
    return absl::Status(report.status().code(),
                        absl::StrCat(checkpoint_path, " on ", dataset_path,
                                     ": ", report.status().message()));
  }
  report->set_checkpoint_path(checkpoint_path);
  report->set_dataset_path(dataset_path);
  return report;
}

absl::Status WritePicturedBeside(const std::string& evaluation_path,
                                 PicturedArrays& pictured,
                                 EvaluationReport* report) {
  if (!report->has_pictured_trajectory()) return absl::OkStatus();
  report->mutable_pictured_trajectory()->set_file(kTrajectoriesFile);
  pictured.summary.set_file(kTrajectoriesFile);
  return WritePicturedTrajectory(
      pictured,
      (fs::path(evaluation_path).parent_path() / kTrajectoriesFile).string());
}

absl::Status WriteEvaluationJson(const EvaluationReport& report,
                                 const std::string& path) {
  google::protobuf::util::JsonPrintOptions print_options;
  print_options.add_whitespace = true;
  print_options.always_print_primitive_fields = true;
  print_options.preserve_proto_field_names = true;
  std::string json;
  if (google::protobuf::util::Status printed =
          google::protobuf::util::MessageToJsonString(report, &json,
                                                      print_options);
      !printed.ok()) {
    return absl::InternalError(absl::StrCat(
        path, ": cannot encode the report: ", printed.message().ToString()));
  }
  if (json.empty() || json.back() != '\n') json.push_back('\n');

  return WriteTextFileAtomically(path, json);
}

absl::StatusOr<EvaluationReport> ReadEvaluationJson(const std::string& path) {
  AANET_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  return ParseEvaluationJson(text, path);
}

absl::StatusOr<EvaluationReport> ParseEvaluationJson(const std::string& text,
                                                     const std::string& path) {
  EvaluationReport report;
  google::protobuf::util::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;
  if (google::protobuf::util::Status parsed =
          google::protobuf::util::JsonStringToMessage(text, &report,
                                                      parse_options);
      !parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not an evaluation report (",
                     parsed.message().ToString(), ")"));
  }
  return report;
}

}  // namespace aanet::eval
