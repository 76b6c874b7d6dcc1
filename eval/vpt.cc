#include "eval/vpt.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "eval/truth.h"
#include "status/status_macros.h"

namespace aanet::eval {
namespace {

// The predictions at every jump of `start_states` rows [begin, begin +
// count), into grid[j] rows; a batch with a non-finite value is split in
// halves down to single rows (a failing row costs O(log S) smaller solves).
void PredictGridRows(const Predictor& predictor,
                     const Eigen::MatrixXd& start_states, double dt,
                     int max_jump, Eigen::Index begin, Eigen::Index count,
                     std::vector<Eigen::MatrixXd>* grid, std::string* failure) {
  std::vector<Eigen::MatrixXd> predicted = predictor.PredictGrid(
      start_states.middleRows(begin, count), dt, max_jump);
  const bool all_finite =
      std::all_of(predicted.begin(), predicted.end(),
                  [](const Eigen::MatrixXd& m) { return m.allFinite(); });
  if (all_finite || count == 1) {
    if (!all_finite && failure->empty()) {
      const std::string reason = predictor.model().last_failure();
      *failure = reason.empty() ? "non-finite predicted state" : reason;
    }
    for (int j = 0; j < max_jump; ++j) {
      (*grid)[j].middleRows(begin, count) = predicted[j];
    }
    return;
  }
  const Eigen::Index half = count / 2;
  PredictGridRows(predictor, start_states, dt, max_jump, begin, half, grid,
                  failure);
  PredictGridRows(predictor, start_states, dt, max_jump, begin + half,
                  count - half, grid, failure);
}

}  // namespace

Eigen::VectorXd NormalisedErrors(const Eigen::MatrixXd& predicted,
                                 const Eigen::MatrixXd& truth,
                                 const Eigen::RowVectorXd& sigma) {
  const Eigen::ArrayXXd inverse =
      sigma.array().inverse().replicate(truth.rows(), 1);
  const Eigen::ArrayXXd difference = (predicted - truth).array() * inverse;
  const Eigen::ArrayXXd scaled_truth = truth.array() * inverse;
  return (difference.square().rowwise().sum() /
          scaled_truth.square().rowwise().sum())
      .matrix();
}

ValidPredictionTime VptFromErrors(const Eigen::MatrixXd& errors,
                                  double time_step, double threshold) {
  const int max_jump = static_cast<int>(errors.cols());
  ValidPredictionTime vpt;
  vpt.set_threshold(threshold);
  vpt.set_max_jump(max_jump);
  vpt.set_max_time(max_jump * time_step);
  std::vector<double> times;
  int num_censored = 0, num_failed = 0;
  for (Eigen::Index s = 0; s < errors.rows(); ++s) {
    int valid_jumps = max_jump;
    bool censored = true, failed = false;
    for (int j = 0; j < max_jump; ++j) {
      const double e = errors(s, j);
      // NaN compares false: a failed prediction is tested first.
      if (!std::isfinite(e)) {
        failed = true;
      } else if (!(e > threshold)) {
        continue;
      }
      valid_jumps = j;
      censored = false;
      break;
    }
    times.push_back(valid_jumps * time_step);
    vpt.add_times(times.back());
    vpt.add_censored(censored);
    vpt.add_failed(failed);
    num_censored += censored ? 1 : 0;
    num_failed += failed ? 1 : 0;
  }
  const int count = static_cast<int>(times.size());
  vpt.set_num_start_states(count);
  vpt.set_num_failed(num_failed);
  vpt.set_fraction_censored(count == 0
                                ? std::numeric_limits<double>::quiet_NaN()
                                : static_cast<double>(num_censored) / count);
  if (count == 0) {
    vpt.set_median_time(std::numeric_limits<double>::quiet_NaN());
  } else {
    std::sort(times.begin(), times.end());
    vpt.set_median_time(count % 2 == 1
                            ? times[count / 2]
                            : 0.5 * (times[count / 2 - 1] + times[count / 2]));
  }
  return vpt;
}

std::vector<int> VptStartRows(int num_states) {
  const int count = std::min(num_states, kMaxVptStartStates);
  std::vector<int> rows;
  for (int i = 0; i < count; ++i) {
    rows.push_back(
        static_cast<int>(static_cast<int64_t>(i) * num_states / count));
  }
  return rows;
}

absl::StatusOr<ValidPredictionTime> MeasureVpt(
    const Predictor& predictor, const data_gen::Dataset& dataset,
    const Eigen::MatrixXd& start_states, const Eigen::RowVectorXd& sigma,
    int max_jump, double threshold, std::vector<Eigen::MatrixXd>* predictions) {
  if (max_jump < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("vpt_max_jump: must be >= 1, got %d", max_jump));
  }
  const double time_step = dataset.t[1] - dataset.t[0];
  const Eigen::Index num_states = start_states.rows();
  std::vector<Eigen::MatrixXd> grid(
      max_jump, Eigen::MatrixXd(num_states, start_states.cols()));
  std::string failure;
  if (num_states > 0) {
    PredictGridRows(predictor, start_states, time_step, max_jump, 0, num_states,
                    &grid, &failure);
  }
  Eigen::MatrixXd errors(num_states, max_jump);
  for (int j = 1; j <= max_jump; ++j) {
    AANET_ASSIGN_OR_RETURN(const Eigen::MatrixXd truth,
                           TrueStates(dataset, start_states, j * time_step));
    errors.col(j - 1) = NormalisedErrors(grid[j - 1], truth, sigma);
  }
  ValidPredictionTime vpt = VptFromErrors(errors, time_step, threshold);
  vpt.set_failure(failure);
  if (predictions != nullptr) *predictions = std::move(grid);
  return vpt;
}

}  // namespace aanet::eval
