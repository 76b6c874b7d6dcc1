#include "data_gen/lyapunov.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "status/status_macros.h"

namespace aanet::data_gen {

std::string LyapunovEstimate::Verdict() const {
  if (chaotic) {
    return absl::StrFormat(
        "chaotic: lambda %.4g per time unit, Lyapunov time %.4g (slope %.2f)",
        exponent, lyapunov_time, slope);
  }
  return absl::StrFormat(
      "regular: lambda ~ 0 (%.3g at t = %g and falling, slope %.2f); no "
      "finite Lyapunov time",
      exponent, t.empty() ? 0.0 : t.back(), slope);
}

double LogLogSlope(const std::vector<double>& x, const std::vector<double>& y,
                   double x_min) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int count = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (x[i] < x_min) continue;
    // A zero envelope (no growth at all) counts as the smallest double, so
    // that the fit stays finite and falls steeply: regular.
    const double lx = std::log(x[i]);
    const double ly = std::log(std::max(y[i], 1e-300));
    sx += lx;
    sy += ly;
    sxx += lx * lx;
    sxy += lx * ly;
    ++count;
  }
  const double denominator = count * sxx - sx * sx;
  if (count < 2 || !(denominator > 0)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return (count * sxy - sx * sy) / denominator;
}

absl::StatusOr<LyapunovEstimate> EstimateLargestLyapunovExponent(
    const System& system, const ParameterGroup& parameters,
    const Eigen::RowVectorXd& state, const LyapunovOptions& options) {
  std::vector<std::string> problems;
  if (!(std::isfinite(options.horizon) && options.horizon > 0)) {
    problems.push_back(
        absl::StrCat("horizon: must be > 0, got ", options.horizon));
  }
  // Against the horizon only once the horizon itself is valid.
  if (std::isfinite(options.horizon) && options.horizon > 0 &&
      !(std::isfinite(options.renormalisation_interval) &&
        options.renormalisation_interval > 0 &&
        options.renormalisation_interval <= options.horizon / 10)) {
    problems.push_back(absl::StrCat(
        "renormalisation_interval: must be in (0, horizon / 10] so that the "
        "last decade has points, got ",
        options.renormalisation_interval));
  }
  if (!(std::isfinite(options.initial_separation) &&
        options.initial_separation > 0)) {
    problems.push_back(absl::StrCat("initial_separation: must be > 0, got ",
                                    options.initial_separation));
  }
  if (state.size() == 0 || state.size() % 2 != 0 || !state.allFinite()) {
    problems.push_back(absl::StrCat(
        "state: must be a finite row [q, p] of even width, got width ",
        state.size()));
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
  }

  const double tau = options.renormalisation_interval;
  const double d0 = options.initial_separation;
  const int steps = static_cast<int>(std::llround(options.horizon / tau));
  const Eigen::RowVectorXd direction =
      Eigen::RowVectorXd::Constant(state.size(), 1.0 / std::sqrt(state.size()));
  Eigen::MatrixXd pair(2, state.size());
  pair.row(0) = state;
  pair.row(1) = state + d0 * direction;

  LyapunovEstimate estimate;
  estimate.t.reserve(steps);
  estimate.lambda.reserve(steps);
  double growth = 0;
  for (int i = 1; i <= steps; ++i) {
    absl::StatusOr<Eigen::MatrixXd> next = system.Evolve(parameters, pair, tau);
    if (!next.ok()) {
      return absl::Status(next.status().code(),
                          absl::StrCat("lyapunov: at t = ", (i - 1) * tau, ": ",
                                       next.status().message()));
    }
    const Eigen::RowVectorXd delta = next->row(1) - next->row(0);
    const double separation = delta.norm();
    if (!(std::isfinite(separation) && separation > 0)) {
      return absl::FailedPreconditionError(
          absl::StrCat("lyapunov: at t = ", i * tau, ": the separation is ",
                       separation, " (the neighbour merged or blew up)"));
    }
    growth += std::log(separation / d0);
    pair.row(0) = next->row(0);
    pair.row(1) = next->row(0) + delta * (d0 / separation);
    const double t = i * tau;
    estimate.t.push_back(t);
    estimate.lambda.push_back(growth / t);
  }

  std::vector<double> envelope(steps);
  double running_max = 0;
  for (int i = steps - 1; i >= 0; --i) {
    running_max = std::max(running_max, std::abs(estimate.lambda[i]));
    envelope[i] = running_max;
  }
  const double horizon = estimate.t.back();
  estimate.exponent = estimate.lambda.back();
  estimate.slope = LogLogSlope(estimate.t, envelope, horizon / 10);
  estimate.chaotic = estimate.slope > kChaoticSlope && estimate.exponent > 0;
  if (estimate.chaotic) estimate.lyapunov_time = 1 / estimate.exponent;
  return estimate;
}

absl::StatusOr<LyapunovInput> LyapunovInputFor(
    const aanet::SimulationConfig& config, int trajectory) {
  AANET_ASSIGN_OR_RETURN(const System* system, SystemFor(config));
  AANET_RETURN_IF_ERROR(system->ValidateConfig(config));
  if (trajectory < 0 || trajectory >= config.num_trajectories()) {
    return absl::InvalidArgumentError(
        absl::StrCat("trajectory: must be in [0, ", config.num_trajectories(),
                     "), got ", trajectory));
  }
  // The config's own first two sample times: some systems check that a
  // dataset's samples differ.
  Eigen::VectorXd t(2);
  t << 0, config.time_step();
  AANET_ASSIGN_OR_RETURN(GeneratedTrajectories generated,
                         system->Generate(config, t));
  const int n = generated.q[trajectory].cols();
  LyapunovInput input;
  input.system = system;
  input.parameters = std::move(generated.parameters);
  input.state.resize(2 * n);
  input.state << generated.q[trajectory].row(0), generated.p[trajectory].row(0);
  return input;
}

std::string LyapunovCsv(const LyapunovEstimate& estimate) {
  std::string out = "t,lambda\n";
  for (size_t i = 0; i < estimate.t.size(); ++i) {
    absl::StrAppend(&out, absl::StrFormat("%.17g,%.17g\n", estimate.t[i],
                                          estimate.lambda[i]));
  }
  return out;
}

}  // namespace aanet::data_gen
