// The largest Lyapunov exponent of one state under any System, by two nearby
// trajectories with periodic renormalisation (Benettin et al., Meccanica 15,
// 1980), through System::Evolve alone.
//
// Method: a reference state x and a neighbour x + delta, |delta| =
// initial_separation along (1, ..., 1) / sqrt(2n), are evolved together by
// `renormalisation_interval` tau; the growth ln(|delta'| / |delta|) is
// summed and delta' is scaled back to the initial separation, keeping its
// direction (which turns into the most unstable one). The running estimate
// after i intervals is lambda(t_i) = (sum of the i growths) / t_i, t_i = i
// tau.
//
// Verdict: a regular (quasi-periodic) orbit separates at most linearly, so
// its running estimate falls like ln(t) / t, or like 1 / t when nothing
// shears, and never settles; a chaotic one settles on a plateau lambda > 0.
// The rule: E(t) = max over s >= t of |lambda(s)|, the running estimate's
// upper envelope (it makes the rule immune to a regular estimate's
// oscillation through zero); the slope of log E against log t by least
// squares over the last decade of the horizon, t in [T / 10, T]. A slope
// above kChaoticSlope (-0.5, halfway between the plateau's 0 and the regular
// -1) with lambda(T) > 0 is chaotic, with exponent lambda(T) and Lyapunov
// time 1 / lambda(T); otherwise regular (lambda ~ 0, no finite Lyapunov
// time; lambda(T) is then only an upper bound that shrinks with T).
#ifndef AANET_DATA_GEN_LYAPUNOV_H_
#define AANET_DATA_GEN_LYAPUNOV_H_

#include <limits>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "data_gen/system.h"
#include "proto/experiment.pb.h"

namespace aanet::data_gen {

inline constexpr double kChaoticSlope = -0.5;

struct LyapunovOptions {
  double horizon = 1000;                // T > 0, time units
  double renormalisation_interval = 1;  // tau in (0, T / 10]
  double initial_separation = 1e-8;     // |delta|, > 0
};

struct LyapunovEstimate {
  std::vector<double> t;       // t_i = i tau, i = 1 .. round(T / tau)
  std::vector<double> lambda;  // the running estimate at t_i
  double exponent = 0;         // lambda(T)
  double slope = 0;            // of log E(t) against log t over [T/10, T]
  bool chaotic = false;
  // 1 / exponent when chaotic, +infinity when regular.
  double lyapunov_time = std::numeric_limits<double>::infinity();

  // "chaotic: lambda 1.23 per time unit, Lyapunov time 0.81 (slope -0.01)"
  // or "regular: lambda ~ 0 (1.2e-3 at t = 1000 and falling, slope -0.87);
  // no finite Lyapunov time".
  std::string Verdict() const;
};

// The estimate for `state` [1, 2n] under `system` with `parameters` (which
// passed CheckParameters). InvalidArgument naming the option for bad
// options; Evolve's errors are passed on with the time they happened at.
// Deterministic: the same inputs give the same numbers bit for bit.
absl::StatusOr<LyapunovEstimate> EstimateLargestLyapunovExponent(
    const System& system, const ParameterGroup& parameters,
    const Eigen::RowVectorXd& state, const LyapunovOptions& options);

// What the estimate needs from a config: its system, parameter group and
// trajectory k's initial state [1, 2n] (its first sample).
struct LyapunovInput {
  const System* system = nullptr;
  ParameterGroup parameters;
  Eigen::RowVectorXd state;
};
// InvalidArgument for an invalid config (the system's own message) or a
// trajectory outside [0, num_trajectories).
absl::StatusOr<LyapunovInput> LyapunovInputFor(
    const aanet::SimulationConfig& config, int trajectory);

// The slope of log y against log x by least squares over the points with
// x >= x_min (at least two; NaN otherwise). Exposed for the tests.
double LogLogSlope(const std::vector<double>& x, const std::vector<double>& y,
                   double x_min);

// CSV of the running estimate: "t,lambda\n" then one row per time, %.17g.
std::string LyapunovCsv(const LyapunovEstimate& estimate);

}  // namespace aanet::data_gen

#endif  // AANET_DATA_GEN_LYAPUNOV_H_
