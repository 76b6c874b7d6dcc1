#include "data_gen/systems/kepler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "data_gen/harmonic.h"
#include "rng/random.h"
#include "status/status_macros.h"

namespace aanet::data_gen {
namespace kepler {
namespace {

constexpr double kTwoPi = 2 * M_PI;
constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
// Newton with a bisection safeguard halves the bracket at worst, so 200
// iterations reach any double; in practice it takes 3 to 6.
constexpr int kMaxIterations = 200;

// x - 2 pi round(x / 2 pi), in [-pi, pi], and the multiple taken off.
double ReduceAngle(double x, double* turns) {
  *turns = std::round(x / kTwoPi);
  return x - kTwoPi * *turns;
}

double WrapAngle(double phi) {
  double wrapped = std::fmod(phi, kTwoPi);
  if (wrapped < 0) wrapped += kTwoPi;
  // -tiny + 2 pi rounds to 2 pi, which is outside [0, 2 pi).
  if (wrapped >= kTwoPi) wrapped = 0;
  return wrapped;
}

// 1 - cos x without cancellation near 0.
double OneMinusCos(double x) {
  const double s = std::sin(x / 2);
  return 2 * s * s;
}

// The root in [-pi, pi] of E - e sin E = M for M in [-pi, pi], 0 <= e < 1.
// f(E) = E - e sin E - M increases (f' >= 1 - e > 0) and f(-pi) <= 0 <=
// f(pi), so Newton kept inside the bracket by bisection always converges.
absl::StatusOr<double> SolveReduced(double mean_anomaly, double eccentricity) {
  const double m = mean_anomaly, e = eccentricity;
  // A start that Newton converges from quickly: one fixed-point step for
  // moderate e; near pi for large e, where the first guess overshoots.
  double x = e > 0.8 ? std::copysign(M_PI, m) : m + e * std::sin(m);
  double lo = -M_PI, hi = M_PI;
  x = std::clamp(x, lo, hi);
  for (int i = 0; i < kMaxIterations; ++i) {
    const double f = x - e * std::sin(x) - m;
    if (f == 0) return x;
    if (f < 0) {
      lo = x;
    } else {
      hi = x;
    }
    double next = x - f / (1 - e * std::cos(x));
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    const double step = next - x;
    x = next;
    // Near e = 1 the rounding of f can keep Newton's steps above a few ulp;
    // the bracket then closes instead.
    const double tolerance = 4 * kEpsilon * std::max(1.0, std::abs(x));
    if (std::abs(step) <= tolerance || hi - lo <= tolerance) return x;
  }
  return absl::InternalError(absl::StrCat(
      "Kepler's equation E - e sin E = M did not converge in ", kMaxIterations,
      " iterations (M ", mean_anomaly, ", e ", eccentricity, ")"));
}

// The eccentric anomaly reduced to [-pi, pi] at time t on `elements`.
absl::StatusOr<double> ReducedEccentricAnomaly(const Parameters& parameters,
                                               const Elements& elements,
                                               double t) {
  const double n = MeanMotion(parameters, elements.semi_major_axis);
  double turns;
  const double m = ReduceAngle(n * (t - elements.pericentre_time), &turns);
  return SolveReduced(m, elements.eccentricity);
}

absl::Status CheckState(const Parameters& parameters, const State& s) {
  if (!(std::isfinite(s.x) && std::isfinite(s.y) && std::isfinite(s.px) &&
        std::isfinite(s.py))) {
    return absl::InvalidArgumentError(
        absl::StrCat("state (x ", s.x, ", y ", s.y, ", p_x ", s.px, ", p_y ",
                     s.py, ") is not finite"));
  }
  if (s.x == 0 && s.y == 0) {
    return absl::InvalidArgumentError(
        "state is at r = 0, the singularity of the potential");
  }
  const double h = Energy(parameters, s);
  if (!(h < 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "state (x ", s.x, ", y ", s.y, ", p_x ", s.px, ", p_y ", s.py,
        ") is not bound: energy ", h, " >= 0 (Kepler orbits need H < 0)"));
  }
  if (AngularMomentum(s) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "state (x ", s.x, ", y ", s.y, ", p_x ", s.px, ", p_y ", s.py,
        ") has angular momentum 0: a radial orbit, which falls into r = 0"));
  }
  return absl::OkStatus();
}

// What f and g need of a state: r0, a, n, e cos E0 and e sin E0.
struct Shape {
  double r0, a, n, sqrt_mu_a, c0, s0;
};

Shape ShapeOf(const Parameters& parameters, const State& s) {
  const double mu = parameters.k;
  const double vx = s.px / parameters.mass, vy = s.py / parameters.mass;
  Shape shape;
  shape.r0 = std::hypot(s.x, s.y);
  // The vis-viva equation: v^2 = mu (2 / r - 1 / a).
  shape.a = 1 / (2 / shape.r0 - (vx * vx + vy * vy) / mu);
  shape.n = MeanMotion(parameters, shape.a);
  shape.sqrt_mu_a = std::sqrt(mu * shape.a);
  shape.c0 = 1 - shape.r0 / shape.a;
  shape.s0 = (s.x * vx + s.y * vy) / shape.sqrt_mu_a;
  return shape;
}

}  // namespace

absl::StatusOr<double> SolveKeplerEquation(double mean_anomaly,
                                           double eccentricity) {
  if (!std::isfinite(mean_anomaly)) {
    return absl::InvalidArgumentError(
        absl::StrCat("mean anomaly must be finite, got ", mean_anomaly));
  }
  if (!(eccentricity >= 0 && eccentricity < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("eccentricity must be in [0, 1), got ", eccentricity));
  }
  double turns;
  const double m = ReduceAngle(mean_anomaly, &turns);
  AANET_ASSIGN_OR_RETURN(const double e, SolveReduced(m, eccentricity));
  return e + kTwoPi * turns;
}

double MeanMotion(const Parameters& parameters, double semi_major_axis) {
  return std::sqrt(parameters.k / semi_major_axis) / semi_major_axis;
}

absl::StatusOr<State> StateAt(const Parameters& parameters,
                              const Elements& elements, double t) {
  AANET_ASSIGN_OR_RETURN(const double ecc_anomaly,
                         ReducedEccentricAnomaly(parameters, elements, t));
  const double a = elements.semi_major_axis, e = elements.eccentricity;
  const double n = MeanMotion(parameters, a);
  const double cos_e = std::cos(ecc_anomaly), sin_e = std::sin(ecc_anomaly);
  const double sqrt_1me2 = std::sqrt((1 - e) * (1 + e));
  const double e_dot = n / (1 - e * cos_e);
  // In the frame with the pericentre on the x axis, then rotated.
  const double x = a * (cos_e - e), y = a * sqrt_1me2 * sin_e;
  const double vx = -a * sin_e * e_dot, vy = a * sqrt_1me2 * cos_e * e_dot;
  const double c = std::cos(elements.pericentre_angle);
  const double s = std::sin(elements.pericentre_angle);
  const double m = parameters.mass;
  State state;
  state.x = c * x - s * y;
  state.y = s * x + c * y;
  state.px = m * (c * vx - s * vy);
  state.py = m * (s * vx + c * vy);
  return state;
}

absl::Status PolarStateAt(const Parameters& parameters,
                          const Elements& elements, double t, double* r,
                          double* phi, double* p_r, double* p_phi) {
  AANET_ASSIGN_OR_RETURN(const double ecc_anomaly,
                         ReducedEccentricAnomaly(parameters, elements, t));
  const double a = elements.semi_major_axis, e = elements.eccentricity;
  const double n = MeanMotion(parameters, a);
  const double m = parameters.mass;
  const double one_minus_e_cos = 1 - e * std::cos(ecc_anomaly);
  *r = a * one_minus_e_cos;
  const double true_anomaly =
      2 * std::atan2(std::sqrt(1 + e) * std::sin(ecc_anomaly / 2),
                     std::sqrt(1 - e) * std::cos(ecc_anomaly / 2));
  *phi = WrapAngle(true_anomaly + elements.pericentre_angle);
  *p_r = m * a * e * n * std::sin(ecc_anomaly) / one_minus_e_cos;
  *p_phi = m * std::sqrt(parameters.k * a * (1 - e) * (1 + e));
  return absl::OkStatus();
}

Eigen::Vector4d ToPolar(const Eigen::Vector4d& c) {
  const double r = std::hypot(c(0), c(1));
  Eigen::Vector4d polar;
  polar(0) = r;
  polar(1) = WrapAngle(std::atan2(c(1), c(0)));
  polar(2) = (c(0) * c(2) + c(1) * c(3)) / r;
  polar(3) = c(0) * c(3) - c(1) * c(2);
  return polar;
}

Eigen::Vector4d ToCartesian(const Eigen::Vector4d& polar) {
  const double r = polar(0), p_r = polar(2), p_phi = polar(3);
  const double c = std::cos(polar(1)), s = std::sin(polar(1));
  Eigen::Vector4d out;
  out(0) = r * c;
  out(1) = r * s;
  out(2) = p_r * c - p_phi / r * s;
  out(3) = p_r * s + p_phi / r * c;
  return out;
}

double Energy(const Parameters& parameters, const State& s) {
  const double m = parameters.mass;
  return (s.px * s.px + s.py * s.py) / (2 * m) -
         parameters.k * m / std::hypot(s.x, s.y);
}

double AngularMomentum(const State& s) { return s.x * s.py - s.y * s.px; }

absl::StatusOr<Orbit> OrbitOf(const Parameters& parameters,
                              const State& state) {
  AANET_RETURN_IF_ERROR(CheckState(parameters, state));
  const Shape shape = ShapeOf(parameters, state);
  const double m = parameters.mass;
  Orbit orbit;
  orbit.angular_momentum = AngularMomentum(state);
  const double direction = orbit.angular_momentum > 0 ? 1 : -1;
  const double e2 = shape.c0 * shape.c0 + shape.s0 * shape.s0;
  const double e = std::sqrt(e2);
  orbit.elements.semi_major_axis = shape.a;
  orbit.elements.eccentricity = e;
  // e cos E0 and e sin E0 give E0; a circular orbit (to rounding) has no
  // pericentre, so its position at t = 0 stands for one.
  const double position_angle = std::atan2(state.y, state.x);
  double ecc_anomaly = 0, true_anomaly = 0;
  if (e > 1e-12) {
    ecc_anomaly = std::atan2(shape.s0, shape.c0);
    true_anomaly = 2 * std::atan2(std::sqrt(1 + e) * std::sin(ecc_anomaly / 2),
                                  std::sqrt(1 - e) * std::cos(ecc_anomaly / 2));
  }
  orbit.elements.pericentre_angle =
      WrapAngle(position_angle - direction * true_anomaly);
  orbit.elements.pericentre_time =
      -(ecc_anomaly - e * std::sin(ecc_anomaly)) / shape.n;
  // J_r = m sqrt(k a) - |L| = m sqrt(k a) e^2 / (1 + sqrt(1 - e^2)), which
  // stays >= 0 (and accurate) near e = 0.
  orbit.actions[0] = m * shape.sqrt_mu_a * e2 / (1 + std::sqrt(1 - e2));
  orbit.actions[1] = orbit.angular_momentum;
  orbit.frequencies[0] = shape.n;
  orbit.frequencies[1] = direction * shape.n;
  return orbit;
}

absl::StatusOr<State> Propagate(const Parameters& parameters,
                                const State& state, double dt) {
  AANET_RETURN_IF_ERROR(CheckState(parameters, state));
  if (!std::isfinite(dt)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dt: must be finite, got ", dt));
  }
  if (dt == 0) return state;
  const Shape sh = ShapeOf(parameters, state);
  double turns;
  const double dm = ReduceAngle(sh.n * dt, &turns);
  // A safe start from Kepler's equation of the same orbit: E0 from
  // (e cos E0, e sin E0), E at M0 + dM; dE = E - E0. Its e may round to
  // anything near 0 on a circular orbit, which only moves the start.
  const double e = std::min(std::hypot(sh.c0, sh.s0), 1 - kEpsilon);
  const double e0 = std::atan2(sh.s0, sh.c0);
  double m0_turns;
  const double m_target = ReduceAngle(e0 - sh.s0 + dm, &m0_turns);
  AANET_ASSIGN_OR_RETURN(const double ecc_anomaly, SolveReduced(m_target, e));
  double x = ecc_anomaly + kTwoPi * m0_turns - e0;
  // Newton on the change of eccentric anomaly itself, whose equation
  // dM = x - e cos E0 sin x + e sin E0 (1 - cos x) has no singular point.
  // The start is already within rounding, so a few steps settle it.
  for (int i = 0; i < 4; ++i) {
    const double f = x - sh.c0 * std::sin(x) + sh.s0 * OneMinusCos(x) - dm;
    const double step = f / (1 - sh.c0 * std::cos(x) + sh.s0 * std::sin(x));
    x -= step;
    if (std::abs(step) <= 4 * kEpsilon * std::max(1.0, std::abs(x))) break;
  }
  const double sin_x = std::sin(x), one_minus_cos_x = OneMinusCos(x);
  const double f = 1 - sh.a / sh.r0 * one_minus_cos_x;
  // g = dt - (x - sin x) / n, from the equation for x without cancellation.
  const double g = (sh.r0 / sh.a * sin_x + sh.s0 * one_minus_cos_x) / sh.n;
  const double r = sh.r0 + sh.a * (sh.c0 * one_minus_cos_x + sh.s0 * sin_x);
  const double f_dot = -sh.sqrt_mu_a * sin_x / (r * sh.r0);
  const double g_dot = 1 - sh.a / r * one_minus_cos_x;
  const double m = parameters.mass;
  const double vx = state.px / m, vy = state.py / m;
  State out;
  out.x = f * state.x + g * vx;
  out.y = f * state.y + g * vy;
  out.px = m * (f_dot * state.x + g_dot * vx);
  out.py = m * (f_dot * state.y + g_dot * vy);
  return out;
}

absl::StatusOr<std::vector<State>> InitialStates(
    const aanet::SimulationConfig& config) {
  const aanet::KeplerConfig& kepler = config.kepler();
  const int num_trajectories = config.num_trajectories();
  std::vector<State> states;
  if (kepler.has_two_body_position_box()) {
    const aanet::ParameterRange& box = kepler.two_body_position_box();
    const double k = kepler.has_k() ? kepler.k() : 1;
    const double m = kepler.has_mass() ? kepler.mass() : 1;
    for (int i = 0; i < num_trajectories; ++i) {
      Random random(Random::DeriveSeed(config.seed(), i));
      const double bx = random.Uniform(box.min(), box.max());
      const double by = random.Uniform(box.min(), box.max());
      // The relative position is twice body 1's; the circular speed of the
      // relative orbit is sqrt(k / r). The suite's velocities run clockwise
      // ((x, y) -> (y, -x)), and so do these.
      State s;
      s.x = 2 * bx;
      s.y = 2 * by;
      const double r = std::hypot(s.x, s.y);
      const double p = m * std::sqrt(k / r);
      s.px = p * s.y / r;
      s.py = -p * s.x / r;
      states.push_back(s);
    }
    return states;
  }
  if (kepler.initial_states_size() != num_trajectories) {
    return absl::InvalidArgumentError(absl::StrCat(
        "simulation.kepler.initial_states: has ", kepler.initial_states_size(),
        " states, num_trajectories is ", num_trajectories));
  }
  for (const aanet::InitialState& given : kepler.initial_states()) {
    if (given.q_size() != 2 || given.p_size() != 2) {
      return absl::InvalidArgumentError(
          "simulation.kepler.initial_states: each needs two q and two p");
    }
    Eigen::Vector4d v(given.q(0), given.q(1), given.p(0), given.p(1));
    if (kepler.coordinates() == aanet::POLAR_WRAPPED) v = ToCartesian(v);
    states.push_back({v(0), v(1), v(2), v(3)});
  }
  return states;
}

absl::StatusOr<std::vector<Elements>> ConfigElements(
    const aanet::SimulationConfig& config) {
  const aanet::KeplerConfig& kepler = config.kepler();
  const int num_trajectories = config.num_trajectories();
  if (num_trajectories < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "simulation.num_trajectories: must be >= 1, got ", num_trajectories));
  }
  const bool grid = kepler.sampling() == aanet::ORBIT_GRID;
  const int num_e =
      kepler.has_num_eccentricities() ? kepler.num_eccentricities() : 4;
  std::vector<int> perm(num_trajectories);
  for (int i = 0; i < num_trajectories; ++i) perm[i] = i;
  if (!grid) {
    // One shared shuffle, as the published code permutes every linspace.
    Random random(config.seed());
    perm = random.Permutation(num_trajectories);
  }
  // The value of `range` for trajectory i; `count` and `index` place it on
  // a grid axis (the published sampling and the per-trajectory axes use
  // count K and index i).
  auto value = [&](const aanet::ParameterRange& range, double fallback,
                   int count, int index) -> double {
    if (range.values_size() > 0) return range.values(index);
    if (!range.has_min() && !range.has_max()) return fallback;
    return Linspace(range.min(), range.max(), count)(index);
  };
  const bool use_grid = grid && (kepler.semi_major_axis().values_size() == 0 ||
                                 kepler.eccentricity().values_size() == 0);
  if (use_grid && (num_e < 1 || num_trajectories % num_e != 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "simulation.kepler.num_eccentricities: must divide num_trajectories ",
        num_trajectories, ", got ", num_e));
  }
  std::vector<Elements> elements(num_trajectories);
  for (int i = 0; i < num_trajectories; ++i) {
    Elements& el = elements[i];
    const int j = perm[i];
    if (grid) {
      const aanet::ParameterRange& a = kepler.semi_major_axis();
      const aanet::ParameterRange& e = kepler.eccentricity();
      el.semi_major_axis =
          a.values_size() > 0
              ? a.values(i)
              : value(a, 1, num_trajectories / num_e, i / num_e);
      el.eccentricity =
          e.values_size() > 0 ? e.values(i) : value(e, 0, num_e, i % num_e);
      el.pericentre_time =
          value(kepler.pericentre_time(), 0, num_trajectories, i);
      el.pericentre_angle =
          value(kepler.pericentre_angle(), 0, num_trajectories, i);
    } else {
      // Explicit values stay in trajectory order; ranges are shuffled.
      auto shuffled = [&](const aanet::ParameterRange& range, double fallback) {
        return range.values_size() > 0
                   ? range.values(i)
                   : value(range, fallback, num_trajectories, j);
      };
      el.semi_major_axis = shuffled(kepler.semi_major_axis(), 1);
      el.eccentricity = shuffled(kepler.eccentricity(), 0);
      el.pericentre_time = shuffled(kepler.pericentre_time(), 0);
      el.pericentre_angle = shuffled(kepler.pericentre_angle(), 0);
    }
  }
  return elements;
}

}  // namespace kepler

namespace {

using kepler::State;

constexpr double kMaxEccentricity = 0.9;

kepler::Parameters FromConfig(const aanet::KeplerConfig& config) {
  kepler::Parameters parameters;
  if (config.has_mass()) parameters.mass = config.mass();
  if (config.has_k()) parameters.k = config.k();
  return parameters;
}

// From a group that passed CheckParameters.
kepler::Parameters FromGroup(const ParameterGroup& group) {
  kepler::Parameters parameters;
  parameters.mass = group.Find("mass")->values[0];
  parameters.k = group.Find("k")->values[0];
  return parameters;
}

bool IsPolar(const ParameterGroup& group) {
  return group.Find("coordinates")->values[0] == aanet::POLAR_WRAPPED;
}

// Row b of `states` as a Cartesian state.
State CartesianRow(const Eigen::MatrixXd& states, Eigen::Index b, bool polar) {
  Eigen::Vector4d v = states.row(b).transpose();
  if (polar) v = kepler::ToCartesian(v);
  return {v(0), v(1), v(2), v(3)};
}

Eigen::Vector4d StoredRow(const State& s, bool polar) {
  Eigen::Vector4d v(s.x, s.y, s.px, s.py);
  return polar ? kepler::ToPolar(v) : v;
}

void CheckPositive(const char* field, bool has, double value,
                   std::vector<std::string>* problems) {
  if (has && !(std::isfinite(value) && value > 0)) {
    problems->push_back(absl::StrCat("simulation.kepler.", field,
                                     ": must be > 0, got ", value));
  }
}

// Checks one element range: explicit values (K of them) or min and max,
// each value passing `check` (which returns what was expected, or "").
template <typename Check>
void CheckElementRange(const char* name, const aanet::ParameterRange& range,
                       int num_trajectories, bool required, Check check,
                       std::vector<std::string>* problems) {
  const std::string field = absl::StrCat("simulation.kepler.", name);
  auto check_value = [&](const std::string& where, double v) {
    const std::string expected = check(v);
    if (!expected.empty()) {
      problems->push_back(
          absl::StrCat(where, ": must be ", expected, ", got ", v));
    }
  };
  if (range.values_size() > 0) {
    if (range.has_min() || range.has_max()) {
      problems->push_back(
          absl::StrCat(field, ": give either min and max or values, not both"));
    }
    if (num_trajectories >= 1 && range.values_size() != num_trajectories) {
      problems->push_back(
          absl::StrCat(field, ".values: has ", range.values_size(),
                       " values, num_trajectories is ", num_trajectories));
    }
    for (int i = 0; i < range.values_size(); ++i) {
      check_value(absl::StrCat(field, ".values[", i, "]"), range.values(i));
    }
    return;
  }
  if (!range.has_min() && !range.has_max()) {
    if (required) {
      problems->push_back(
          absl::StrCat(field, ": give min and max (or values)"));
    }
    return;
  }
  if (!range.has_min() || !range.has_max()) {
    problems->push_back(
        absl::StrCat(field, ": give min and max (min == max for one value)"));
    return;
  }
  check_value(field + ".min", range.min());
  check_value(field + ".max", range.max());
  if (range.min() > range.max()) {
    problems->push_back(
        absl::StrCat(field, ": min ", range.min(), " > max ", range.max()));
  }
}

bool HasElements(const aanet::KeplerConfig& kepler) {
  return kepler.has_semi_major_axis() || kepler.has_eccentricity() ||
         kepler.has_pericentre_time() || kepler.has_pericentre_angle();
}

}  // namespace

absl::Status KeplerSystem::ValidateConfig(
    const aanet::SimulationConfig& config) const {
  if (!config.has_kepler()) {
    return absl::InvalidArgumentError(
        "simulation.kepler: not set (the config is for another system)");
  }
  const aanet::KeplerConfig& kepler = config.kepler();
  const int num_trajectories = config.num_trajectories();
  std::vector<std::string> problems;
  CheckPositive("mass", kepler.has_mass(), kepler.mass(), &problems);
  CheckPositive("k", kepler.has_k(), kepler.k(), &problems);
  if (num_trajectories < 1) {
    problems.push_back(absl::StrCat(
        "simulation.num_trajectories: must be >= 1, got ", num_trajectories));
  }
  if (!aanet::KeplerCoordinates_IsValid(kepler.coordinates())) {
    problems.push_back(absl::StrCat(
        "simulation.kepler.coordinates: unknown value ", kepler.coordinates()));
  }

  std::vector<std::string> given;
  if (HasElements(kepler)) given.push_back("the orbital elements");
  if (kepler.has_two_body_position_box()) {
    given.push_back("two_body_position_box");
  }
  if (kepler.initial_states_size() > 0) given.push_back("initial_states");
  if (given.size() != 1) {
    problems.push_back(absl::StrCat(
        "simulation.kepler: give exactly one of the orbital elements "
        "(semi_major_axis and eccentricity), two_body_position_box or "
        "initial_states, got ",
        given.empty() ? "none" : absl::StrJoin(given, " and ")));
  } else if (HasElements(kepler)) {
    auto positive = [](double v) -> std::string {
      return std::isfinite(v) && v > 0 ? "" : "> 0";
    };
    auto eccentricity = [](double v) -> std::string {
      return v >= 0 && v <= kMaxEccentricity ? "" : "in [0, 0.9]";
    };
    auto finite = [](double v) -> std::string {
      return std::isfinite(v) ? "" : "finite";
    };
    CheckElementRange("semi_major_axis", kepler.semi_major_axis(),
                      num_trajectories, true, positive, &problems);
    CheckElementRange("eccentricity", kepler.eccentricity(), num_trajectories,
                      true, eccentricity, &problems);
    CheckElementRange("pericentre_time", kepler.pericentre_time(),
                      num_trajectories, false, finite, &problems);
    CheckElementRange("pericentre_angle", kepler.pericentre_angle(),
                      num_trajectories, false, finite, &problems);
    if (!aanet::KeplerSampling_IsValid(kepler.sampling())) {
      problems.push_back(absl::StrCat(
          "simulation.kepler.sampling: unknown value ", kepler.sampling()));
    }
    const bool grid_axes = kepler.semi_major_axis().values_size() == 0 ||
                           kepler.eccentricity().values_size() == 0;
    if (kepler.sampling() == aanet::ORBIT_GRID && grid_axes &&
        num_trajectories >= 1) {
      const int num_e =
          kepler.has_num_eccentricities() ? kepler.num_eccentricities() : 4;
      if (num_e < 1 || num_trajectories % num_e != 0) {
        problems.push_back(absl::StrCat(
            "simulation.kepler.num_eccentricities: must divide "
            "num_trajectories ",
            num_trajectories,
            " (ORBIT_GRID has num_trajectories / E "
            "semi-major axes times E eccentricities), got ",
            num_e, kepler.has_num_eccentricities() ? "" : " (the default)"));
      }
    }
  } else if (kepler.has_two_body_position_box()) {
    const aanet::ParameterRange& box = kepler.two_body_position_box();
    const std::string field = "simulation.kepler.two_body_position_box";
    if (box.values_size() > 0) {
      problems.push_back(
          absl::StrCat(field,
                       ".values: not supported (give min and max, or "
                       "initial_states)"));
    } else if (!box.has_min() || !box.has_max()) {
      problems.push_back(absl::StrCat(field, ": give min and max"));
    } else if (!(std::isfinite(box.min()) && std::isfinite(box.max()))) {
      problems.push_back(absl::StrCat(field,
                                      ": min and max must be finite, "
                                      "got ",
                                      box.min(), " and ", box.max()));
    } else if (box.min() > box.max()) {
      problems.push_back(
          absl::StrCat(field, ": min ", box.min(), " > max ", box.max()));
    } else if (box.min() <= 0 && box.max() >= 0) {
      problems.push_back(absl::StrCat(
          field, ": the box [", box.min(), ", ", box.max(),
          "]^2 contains the origin, where the bodies would collide (give a "
          "range of one sign, e.g. the suite's [0.5, 1.5])"));
    }
  } else {
    if (num_trajectories >= 1 &&
        kepler.initial_states_size() != num_trajectories) {
      problems.push_back(absl::StrCat("simulation.kepler.initial_states: has ",
                                      kepler.initial_states_size(),
                                      " states, num_trajectories is ",
                                      num_trajectories));
    }
    const bool polar = kepler.coordinates() == aanet::POLAR_WRAPPED;
    for (int i = 0; i < kepler.initial_states_size(); ++i) {
      const aanet::InitialState& state = kepler.initial_states(i);
      const std::string field =
          absl::StrCat("simulation.kepler.initial_states[", i, "]");
      bool ok = true;
      for (const auto& [name, values] :
           {std::make_pair("q", &state.q()), std::make_pair("p", &state.p())}) {
        if (values->size() != 2) {
          problems.push_back(absl::StrCat(field, ".", name, ": has ",
                                          values->size(),
                                          " values, expected 2"));
          ok = false;
          continue;
        }
        for (double v : *values) {
          if (!std::isfinite(v)) {
            problems.push_back(
                absl::StrCat(field, ".", name, ": must be finite, got ", v));
            ok = false;
          }
        }
      }
      if (ok && polar && !(state.q(0) > 0)) {
        problems.push_back(absl::StrCat(field,
                                        ".q[0]: r must be > 0 (coordinates "
                                        "POLAR_WRAPPED), got ",
                                        state.q(0)));
      }
    }
  }

  // Bound and not radial needs every initial state, so only once the rest
  // is valid.
  if (problems.empty() && !HasElements(kepler)) {
    const kepler::Parameters parameters = FromConfig(kepler);
    AANET_ASSIGN_OR_RETURN(const std::vector<State> states,
                           kepler::InitialStates(config));
    for (size_t i = 0; i < states.size(); ++i) {
      absl::StatusOr<kepler::Orbit> orbit =
          kepler::OrbitOf(parameters, states[i]);
      if (!orbit.ok()) {
        const std::string source =
            kepler.has_two_body_position_box()
                ? absl::StrCat(
                      "simulation.kepler.two_body_position_box (trajectory ", i,
                      "'s draw)")
                : absl::StrCat("simulation.kepler.initial_states[", i, "]");
        problems.push_back(
            absl::StrCat(source, ": ", orbit.status().message()));
      }
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

absl::StatusOr<GeneratedTrajectories> KeplerSystem::Generate(
    const aanet::SimulationConfig& config, const Eigen::VectorXd& t) const {
  AANET_RETURN_IF_ERROR(ValidateConfig(config));
  const aanet::KeplerConfig& kepler = config.kepler();
  const kepler::Parameters parameters = FromConfig(kepler);
  const bool polar = kepler.coordinates() == aanet::POLAR_WRAPPED;
  const int num_trajectories = config.num_trajectories();
  const double m = parameters.mass;
  GeneratedTrajectories out;
  out.true_actions.resize(num_trajectories, 2);
  out.true_frequencies.resize(num_trajectories, 2);
  std::vector<kepler::Elements> elements;
  if (HasElements(kepler)) {
    AANET_ASSIGN_OR_RETURN(elements, kepler::ConfigElements(config));
    for (int i = 0; i < num_trajectories; ++i) {
      const kepler::Elements& el = elements[i];
      const double a = el.semi_major_axis, e = el.eccentricity;
      Eigen::MatrixXd q(t.size(), 2), p(t.size(), 2);
      for (Eigen::Index j = 0; j < t.size(); ++j) {
        if (polar) {
          AANET_RETURN_IF_ERROR(kepler::PolarStateAt(
              parameters, el, t(j), &q(j, 0), &q(j, 1), &p(j, 0), &p(j, 1)));
        } else {
          AANET_ASSIGN_OR_RETURN(const State s,
                                 kepler::StateAt(parameters, el, t(j)));
          q.row(j) << s.x, s.y;
          p.row(j) << s.px, s.py;
        }
      }
      out.q.push_back(std::move(q));
      out.p.push_back(std::move(p));
      const double n = kepler::MeanMotion(parameters, a);
      const double sqrt_ka = std::sqrt(parameters.k * a);
      const double e2 = e * e;
      out.true_actions(i, 0) = m * sqrt_ka * e2 / (1 + std::sqrt(1 - e2));
      out.true_actions(i, 1) =
          m * std::sqrt(parameters.k * a * (1 - e) * (1 + e));
      out.true_frequencies(i, 0) = n;
      out.true_frequencies(i, 1) = n;
    }
  } else {
    AANET_ASSIGN_OR_RETURN(const std::vector<State> initial,
                           kepler::InitialStates(config));
    // The states as stored (polar phi wrapped), evolved as Evolve does, so
    // that Evolve(first samples, t_j) gives sample j bit for bit.
    Eigen::MatrixXd stored(num_trajectories, 4);
    for (int i = 0; i < num_trajectories; ++i) {
      if (polar && kepler.initial_states_size() > 0) {
        const aanet::InitialState& given = kepler.initial_states(i);
        stored.row(i) << given.q(0), std::fmod(given.q(1), 2 * M_PI),
            given.p(0), given.p(1);
        if (stored(i, 1) < 0) stored(i, 1) += 2 * M_PI;
        if (stored(i, 1) >= 2 * M_PI) stored(i, 1) = 0;
      } else {
        stored.row(i) = StoredRow(initial[i], polar).transpose();
      }
      AANET_ASSIGN_OR_RETURN(const kepler::Orbit orbit,
                             kepler::OrbitOf(parameters, initial[i]));
      elements.push_back(orbit.elements);
      out.true_actions.row(i) << orbit.actions[0], orbit.actions[1];
      out.true_frequencies.row(i) << orbit.frequencies[0], orbit.frequencies[1];
    }
    for (int i = 0; i < num_trajectories; ++i) {
      out.q.emplace_back(t.size(), 2);
      out.p.emplace_back(t.size(), 2);
    }
    ParameterGroup group;
    group.arrays = {{"mass", {}, {parameters.mass}},
                    {"k", {}, {parameters.k}},
                    {"coordinates", {}, {polar ? 1.0 : 0.0}}};
    for (Eigen::Index j = 0; j < t.size(); ++j) {
      AANET_ASSIGN_OR_RETURN(const Eigen::MatrixXd states,
                             Evolve(group, stored, t(j)));
      for (int i = 0; i < num_trajectories; ++i) {
        out.q[i].row(j) = states.row(i).head(2);
        out.p[i].row(j) = states.row(i).tail(2);
      }
    }
  }
  std::vector<double> a, e, t0, omega;
  for (const kepler::Elements& el : elements) {
    a.push_back(el.semi_major_axis);
    e.push_back(el.eccentricity);
    t0.push_back(el.pericentre_time);
    omega.push_back(el.pericentre_angle);
  }
  out.parameters.arrays = {
      {"mass", {}, {parameters.mass}},
      {"k", {}, {parameters.k}},
      {"coordinates", {}, {polar ? 1.0 : 0.0}},
      {"semi_major_axis", {num_trajectories}, a},
      {"eccentricity", {num_trajectories}, e},
      {"pericentre_time", {num_trajectories}, t0},
      {"pericentre_angle", {num_trajectories}, omega},
  };
  return out;
}

absl::Status KeplerSystem::CheckParameters(const ParameterGroup& parameters,
                                           int num_degrees_of_freedom,
                                           int num_trajectories) const {
  std::vector<std::string> problems;
  if (num_degrees_of_freedom != 2) {
    problems.push_back(absl::StrCat(
        "a Kepler orbit has 2 degrees of freedom, the data has n = ",
        num_degrees_of_freedom));
  }
  std::vector<ExpectedArray> expected = {{"mass", {}, /*positive=*/true},
                                         {"k", {}, /*positive=*/true},
                                         {"coordinates", {}}};
  for (const char* name : {"semi_major_axis", "eccentricity", "pericentre_time",
                           "pericentre_angle"}) {
    expected.push_back({name, {num_trajectories}});
  }
  for (std::string& problem :
       ParameterGroupProblems("kepler", parameters, expected)) {
    problems.push_back(std::move(problem));
  }
  const NamedArray* coordinates = parameters.Find("coordinates");
  if (coordinates != nullptr && coordinates->values.size() == 1 &&
      coordinates->values[0] != aanet::CARTESIAN &&
      coordinates->values[0] != aanet::POLAR_WRAPPED) {
    problems.push_back(absl::StrCat(
        "parameters/coordinates must be 0 (cartesian) or 1 (polar_wrapped), "
        "got ",
        coordinates->values[0]));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

Eigen::VectorXd KeplerSystem::Energy(const ParameterGroup& parameters,
                                     const Eigen::MatrixXd& states) const {
  // No status here: states of the wrong width get NaN rather than a read
  // past the row (Evolve reports them as an error).
  if (states.cols() != 4) {
    return Eigen::VectorXd::Constant(states.rows(),
                                     std::numeric_limits<double>::quiet_NaN());
  }
  const kepler::Parameters p = FromGroup(parameters);
  const bool polar = IsPolar(parameters);
  const double m = p.mass;
  Eigen::VectorXd energy(states.rows());
  for (Eigen::Index b = 0; b < states.rows(); ++b) {
    if (polar) {
      const double r = states(b, 0), p_r = states(b, 2), p_phi = states(b, 3);
      energy(b) =
          p_r * p_r / (2 * m) + p_phi * p_phi / (2 * m * r * r) - p.k * m / r;
    } else {
      energy(b) = kepler::Energy(p, CartesianRow(states, b, false));
    }
  }
  return energy;
}

absl::StatusOr<Eigen::MatrixXd> KeplerSystem::Evolve(
    const ParameterGroup& parameters, const Eigen::MatrixXd& states,
    double dt) const {
  if (states.cols() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("kepler states need 4 columns (q_0, q_1, p_0, p_1), got ",
                     states.cols()));
  }
  // The closed form runs backwards as well, but the interface promises
  // dt >= 0 and every system refuses a negative one alike.
  if (!(std::isfinite(dt) && dt >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dt: must be finite and >= 0, got ", dt));
  }
  const kepler::Parameters p = FromGroup(parameters);
  const bool polar = IsPolar(parameters);
  Eigen::MatrixXd out(states.rows(), 4);
  for (Eigen::Index b = 0; b < states.rows(); ++b) {
    if (dt == 0) {
      out.row(b) = states.row(b);
      continue;
    }
    if (polar && !(states(b, 0) > 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("state ", b, ": r must be > 0 (polar coordinates), got ",
                       states(b, 0)));
    }
    absl::StatusOr<State> next =
        kepler::Propagate(p, CartesianRow(states, b, polar), dt);
    if (!next.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("state ", b, ": ", next.status().message()));
    }
    out.row(b) = StoredRow(*next, polar).transpose();
  }
  return out;
}

absl::Status KeplerSystem::ActionsAndFrequencies(
    const ParameterGroup& parameters, const Eigen::MatrixXd& states,
    Eigen::MatrixXd* actions, Eigen::MatrixXd* frequencies) const {
  if (states.cols() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("kepler states need 4 columns (q_0, q_1, p_0, p_1), got ",
                     states.cols()));
  }
  const kepler::Parameters p = FromGroup(parameters);
  const bool polar = IsPolar(parameters);
  actions->resize(states.rows(), 2);
  frequencies->resize(states.rows(), 2);
  for (Eigen::Index b = 0; b < states.rows(); ++b) {
    if (polar && !(states(b, 0) > 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("state ", b, ": r must be > 0 (polar coordinates), got ",
                       states(b, 0)));
    }
    absl::StatusOr<kepler::Orbit> orbit =
        kepler::OrbitOf(p, CartesianRow(states, b, polar));
    if (!orbit.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("state ", b, ": ", orbit.status().message()));
    }
    actions->row(b) << orbit->actions[0], orbit->actions[1];
    frequencies->row(b) << orbit->frequencies[0], orbit->frequencies[1];
  }
  return absl::OkStatus();
}

Eigen::MatrixXd KeplerSystem::ConservedQuantities(
    const ParameterGroup& parameters, const Eigen::MatrixXd& states) const {
  Eigen::MatrixXd out(states.rows(), 1);
  if (states.cols() != 4) {
    out.setConstant(std::numeric_limits<double>::quiet_NaN());
    return out;
  }
  const bool polar = IsPolar(parameters);
  for (Eigen::Index b = 0; b < states.rows(); ++b) {
    out(b, 0) = polar ? states(b, 3)
                      : kepler::AngularMomentum(CartesianRow(states, b, false));
  }
  return out;
}

std::string KeplerSystem::Describe(const ParameterGroup& parameters) const {
  const kepler::Parameters p = FromGroup(parameters);
  return absl::StrCat("kepler: m ", p.mass, ", k ", p.k, ", ",
                      IsPolar(parameters) ? "polar_wrapped" : "cartesian");
}

AANET_REGISTER_SYSTEM(KeplerSystem);

}  // namespace aanet::data_gen
