#include "data_gen/systems/pendulum.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "boost/math/policies/policy.hpp"
#include "boost/math/special_functions/ellint_1.hpp"
#include "boost/math/special_functions/ellint_2.hpp"
#include "boost/math/special_functions/jacobi_elliptic.hpp"
#include "rng/random.h"
#include "status/status_macros.h"

namespace aanet::data_gen {
namespace pendulum {
namespace {

// Boost reports domain errors by throwing; our arguments are checked before
// the call (modulus in [0, 1), finite), and a library must not throw anyway.
using NoThrow = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<
        boost::math::policies::ignore_error>>;

double CompleteK(double modulus) {
  return boost::math::ellint_1(modulus, NoThrow());
}
double CompleteE(double modulus) {
  return boost::math::ellint_2(modulus, NoThrow());
}

// F(phi, modulus) for any real phi, using F(phi + j pi) = F(phi) + 2 j K
// (reducing first keeps Boost's argument in [-pi/2, pi/2]).
double IncompleteF(double modulus, double phi) {
  const double j = std::round(phi / M_PI);
  const double r = phi - j * M_PI;
  return boost::math::ellint_1(modulus, r, NoThrow()) +
         2 * j * CompleteK(modulus);
}

// sn, cn and dn of u for a modulus in [0, 1), with u reduced by the period
// 4 K first so that Boost only ever sees |u| <= 2 K. dn is not Boost's:
// Boost 1.74's jacobi_elliptic returns a dn that is wrong by up to 2e-3
// within about 1e-10 of u = K (pendulum_test shows it), exactly where a
// pendulum released from rest starts. dn = sqrt(k'^2 + k^2 cn^2) instead:
// every term is positive, so it is as accurate as cn, which is right there.
double SnCnDn(double modulus, double u, double* cn, double* dn) {
  const double period = 4 * CompleteK(modulus);
  const double r = u - period * std::round(u / period);
  const double sn = boost::math::jacobi_elliptic(
      modulus, r, cn, static_cast<double*>(nullptr), NoThrow());
  *dn =
      std::sqrt((1 - modulus) * (1 + modulus) + modulus * modulus * *cn * *cn);
  return sn;
}

double Omega0(const Parameters& parameters) {
  return std::sqrt(parameters.gravity / parameters.length);
}

}  // namespace

double Energy(const Parameters& parameters, double q, double p) {
  const double m = parameters.mass, l = parameters.length;
  return m * parameters.gravity * l * (1 - std::cos(q)) +
         p * p / (2 * m * l * l);
}

double SeparatrixEnergy(const Parameters& parameters) {
  return 2 * parameters.mass * parameters.gravity * parameters.length;
}

double LibrationAction(const Parameters& parameters, double k) {
  const double scale =
      parameters.mass * std::sqrt(parameters.gravity * parameters.length *
                                  parameters.length * parameters.length);
  return 8 / M_PI * scale * (CompleteE(k) - (1 - k * k) * CompleteK(k));
}

double LibrationFrequency(const Parameters& parameters, double k) {
  return M_PI * Omega0(parameters) / (2 * CompleteK(k));
}

double RotationAction(const Parameters& parameters, double k) {
  const double scale =
      parameters.mass * std::sqrt(parameters.gravity * parameters.length *
                                  parameters.length * parameters.length);
  return 4 / M_PI * scale * k * CompleteE(1 / k);
}

double RotationFrequency(const Parameters& parameters, double k) {
  return M_PI * k * Omega0(parameters) / CompleteK(1 / k);
}

double JacobiAmplitude(double modulus, double u) {
  // am(u + 2 j K) = am(u) + j pi; on [-K, K] cn >= 0, so atan2(sn, cn) is
  // am itself there.
  const double half_period = 2 * CompleteK(modulus);
  const double j = std::round(u / half_period);
  double cn, dn;
  const double sn = SnCnDn(modulus, u - j * half_period, &cn, &dn);
  return j * M_PI + std::atan2(sn, cn);
}

absl::StatusOr<Orbit> OrbitOf(const Parameters& parameters, double q,
                              double p) {
  if (!std::isfinite(q) || !std::isfinite(p)) {
    return absl::InvalidArgumentError(
        absl::StrCat("state (q ", q, ", p ", p, ") is not finite"));
  }
  const double m = parameters.mass, l = parameters.length;
  const double omega0 = Omega0(parameters);
  Orbit orbit;
  orbit.initial_q = q;
  orbit.initial_p = p;
  // Libration is about the multiple of 2 pi nearest q (q is unwrapped).
  const double offset = 2 * M_PI * std::round(q / (2 * M_PI));
  // e = H / (2 m g l) = x^2 + y^2 with x = sin(q / 2), y = p / (2 m l^2
  // omega0); in libration (x, y) / k = (sn, cn) of the initial phase.
  const double x = std::sin((q - offset) / 2);
  const double y = p / (2 * m * l * l * omega0);
  const double e = x * x + y * y;
  if (!std::isfinite(e)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "state (q ", q, ", p ", p, ") has an energy beyond double range"));
  }
  if (std::abs(e - 1) <= kSeparatrixTolerance) {
    return absl::InvalidArgumentError(absl::StrCat(
        "state (q ", q, ", p ", p, ") has energy ", Energy(parameters, q, p),
        ", within ", kSeparatrixTolerance,
        " (relative) of the separatrix energy 2 m g l = ",
        SeparatrixEnergy(parameters), ", where the period is infinite"));
  }
  if (e < 1) {
    orbit.rotating = false;
    orbit.k = std::hypot(x, y);
    orbit.offset = offset;
    orbit.phase = IncompleteF(orbit.k, std::atan2(x, y));
    orbit.action = LibrationAction(parameters, orbit.k);
    orbit.frequency = LibrationFrequency(parameters, orbit.k);
  } else {
    orbit.rotating = true;
    orbit.k = std::sqrt(e);
    orbit.sign = p > 0 ? 1 : -1;  // p != 0 above the separatrix
    // q = sign * 2 am(psi): am(F(phi)) = phi for every real phi.
    orbit.phase = IncompleteF(1 / orbit.k, orbit.sign * q / 2);
    orbit.action = RotationAction(parameters, orbit.k);
    orbit.frequency = RotationFrequency(parameters, orbit.k);
  }
  return orbit;
}

void StateAt(const Parameters& parameters, const Orbit& orbit, double t,
             double* q, double* p) {
  const double m = parameters.mass, l = parameters.length;
  const double omega0 = Omega0(parameters);
  const double k = orbit.k;
  if (t == 0) {
    *q = orbit.initial_q;
    *p = orbit.initial_p;
  } else if (!orbit.rotating) {
    double cn, dn;
    const double sn = SnCnDn(k, omega0 * t + orbit.phase, &cn, &dn);
    // sin(q/2) = k sn and cos(q/2) = dn > 0: atan2 is better conditioned
    // near the turning points than 2 arcsin(k sn).
    *q = orbit.offset + 2 * std::atan2(k * sn, dn);
    *p = 2 * m * l * l * omega0 * k * cn;
  } else {
    const double modulus = 1 / k;
    const double v = k * omega0 * t + orbit.phase;
    // dn has period 2 K, so dn(v) = dn(v - 2 j K) of the amplitude's
    // reduction; one evaluation gives both.
    const double half_period = 2 * CompleteK(modulus);
    const double j = std::round(v / half_period);
    double cn, dn;
    const double sn = SnCnDn(modulus, v - j * half_period, &cn, &dn);
    *q = orbit.sign * 2 * (j * M_PI + std::atan2(sn, cn));
    *p = orbit.sign * 2 * m * l * l * omega0 * k * dn;
  }
}

absl::Status InitialStates(const aanet::SimulationConfig& config,
                           Eigen::VectorXd* q, Eigen::VectorXd* p) {
  const aanet::PendulumConfig& pendulum = config.pendulum();
  const int num_trajectories = config.num_trajectories();
  if (num_trajectories < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "simulation.num_trajectories: must be >= 1, got ", num_trajectories));
  }
  q->resize(num_trajectories);
  p->resize(num_trajectories);
  if (pendulum.has_initial_angle()) {
    const aanet::ParameterRange& range = pendulum.initial_angle();
    for (int k = 0; k < num_trajectories; ++k) {
      if (range.values_size() > 0) {
        if (k >= range.values_size()) {
          return absl::InvalidArgumentError(
              absl::StrCat("simulation.pendulum.initial_angle.values: has ",
                           range.values_size(), " values, num_trajectories is ",
                           num_trajectories));
        }
        (*q)(k) = range.values(k);
      } else if (num_trajectories == 1) {
        (*q)(k) = range.min();
      } else {
        // Exact endpoints; ascending, no shuffle (the proto's contract).
        (*q)(k) = k == num_trajectories - 1
                      ? range.max()
                      : range.min() + (range.max() - range.min()) * k /
                                          (num_trajectories - 1);
      }
      (*p)(k) = 0;
    }
  } else if (pendulum.has_phase_space_radius()) {
    const aanet::ParameterRange& range = pendulum.phase_space_radius();
    for (int k = 0; k < num_trajectories; ++k) {
      // Radius first, then angle, from the trajectory's own stream.
      Random random(Random::DeriveSeed(config.seed(), k));
      const double r = random.Uniform(range.min(), range.max());
      const double a = random.Uniform(0, 2 * M_PI);
      (*q)(k) = r * std::cos(a);
      (*p)(k) = r * std::sin(a);
    }
  } else {
    if (pendulum.initial_states_size() != num_trajectories) {
      return absl::InvalidArgumentError(
          absl::StrCat("simulation.pendulum.initial_states: has ",
                       pendulum.initial_states_size(),
                       " states, num_trajectories is ", num_trajectories));
    }
    for (int k = 0; k < num_trajectories; ++k) {
      const aanet::InitialState& state = pendulum.initial_states(k);
      if (state.q_size() != 1 || state.p_size() != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("simulation.pendulum.initial_states[", k,
                         "]: needs one q and one p value"));
      }
      (*q)(k) = state.q(0);
      (*p)(k) = state.p(0);
    }
  }
  return absl::OkStatus();
}

}  // namespace pendulum

namespace {

// The true actions and frequencies are not here: the dataset stores them
// for every system at its root (/true_actions, /true_frequencies).
pendulum::Parameters FromConfig(const aanet::PendulumConfig& config) {
  pendulum::Parameters parameters;
  if (config.has_mass()) parameters.mass = config.mass();
  if (config.has_length()) parameters.length = config.length();
  if (config.has_gravity()) parameters.gravity = config.gravity();
  return parameters;
}

// From a group that passed CheckParameters.
pendulum::Parameters FromGroup(const ParameterGroup& group) {
  pendulum::Parameters parameters;
  parameters.mass = group.Find("mass")->values[0];
  parameters.length = group.Find("length")->values[0];
  parameters.gravity = group.Find("gravity")->values[0];
  return parameters;
}

// Where trajectory k's initial state comes from, for error messages.
std::string InitialStateSource(const aanet::PendulumConfig& config, int k) {
  if (config.has_initial_angle()) {
    if (config.initial_angle().values_size() > 0) {
      return absl::StrCat("simulation.pendulum.initial_angle.values[", k, "]");
    }
    return absl::StrCat("simulation.pendulum.initial_angle (trajectory ", k,
                        ")");
  }
  if (config.has_phase_space_radius()) {
    return absl::StrCat("simulation.pendulum.phase_space_radius (trajectory ",
                        k, "'s draw; another seed or range avoids it)");
  }
  return absl::StrCat("simulation.pendulum.initial_states[", k, "]");
}

void CheckPositive(const char* field, bool has, double value,
                   std::vector<std::string>* problems) {
  if (has && !(std::isfinite(value) && value > 0)) {
    problems->push_back(absl::StrCat("simulation.pendulum.", field,
                                     ": must be > 0, got ", value));
  }
}

}  // namespace

absl::Status PendulumSystem::ValidateConfig(
    const aanet::SimulationConfig& config) const {
  if (!config.has_pendulum()) {
    return absl::InvalidArgumentError(
        "simulation.pendulum: not set (the config is for another system)");
  }
  const aanet::PendulumConfig& pendulum = config.pendulum();
  const int num_trajectories = config.num_trajectories();
  std::vector<std::string> problems;
  CheckPositive("mass", pendulum.has_mass(), pendulum.mass(), &problems);
  CheckPositive("length", pendulum.has_length(), pendulum.length(), &problems);
  CheckPositive("gravity", pendulum.has_gravity(), pendulum.gravity(),
                &problems);
  if (num_trajectories < 1) {
    problems.push_back(absl::StrCat(
        "simulation.num_trajectories: must be >= 1, got ", num_trajectories));
  }

  std::vector<std::string> given;
  if (pendulum.has_initial_angle()) given.push_back("initial_angle");
  if (pendulum.has_phase_space_radius()) given.push_back("phase_space_radius");
  if (pendulum.initial_states_size() > 0) given.push_back("initial_states");
  if (given.size() != 1) {
    problems.push_back(
        absl::StrCat("simulation.pendulum: give exactly one of initial_angle, "
                     "phase_space_radius or initial_states, got ",
                     given.empty() ? "none" : absl::StrJoin(given, " and ")));
  } else if (pendulum.has_initial_angle()) {
    const aanet::ParameterRange& range = pendulum.initial_angle();
    const std::string field = "simulation.pendulum.initial_angle";
    if (range.values_size() > 0) {
      if (range.has_min() || range.has_max()) {
        problems.push_back(absl::StrCat(
            field, ": give either min and max or values, not both"));
      }
      if (num_trajectories >= 1 && range.values_size() != num_trajectories) {
        problems.push_back(
            absl::StrCat(field, ".values: has ", range.values_size(),
                         " values, num_trajectories is ", num_trajectories));
      }
      for (int k = 0; k < range.values_size(); ++k) {
        const double v = range.values(k);
        if (!(v > 0 && v < M_PI)) {
          problems.push_back(absl::StrCat(field, ".values[", k,
                                          "]: must be in (0, pi), got ", v));
        }
      }
    } else if (!range.has_min() || !range.has_max()) {
      problems.push_back(absl::StrCat(field, ": give min and max (or values)"));
    } else {
      if (!(range.min() > 0 && range.min() < M_PI)) {
        problems.push_back(
            absl::StrCat(field, ".min: must be > 0, got ", range.min()));
      }
      if (!(range.max() < M_PI)) {
        problems.push_back(
            absl::StrCat(field, ".max: must be < pi, got ", range.max()));
      }
      if (range.min() > range.max()) {
        problems.push_back(
            absl::StrCat(field, ": min ", range.min(), " > max ", range.max()));
      }
    }
  } else if (pendulum.has_phase_space_radius()) {
    const aanet::ParameterRange& range = pendulum.phase_space_radius();
    const std::string field = "simulation.pendulum.phase_space_radius";
    if (range.values_size() > 0) {
      problems.push_back(
          absl::StrCat(field,
                       ".values: not supported (give min and max, or "
                       "initial_states)"));
    } else if (!range.has_min() || !range.has_max()) {
      problems.push_back(absl::StrCat(field, ": give min and max"));
    } else {
      if (!(std::isfinite(range.min()) && range.min() > 0)) {
        problems.push_back(
            absl::StrCat(field, ".min: must be > 0, got ", range.min()));
      }
      if (!std::isfinite(range.max())) {
        problems.push_back(
            absl::StrCat(field, ".max: must be finite, got ", range.max()));
      }
      if (range.min() > range.max()) {
        problems.push_back(
            absl::StrCat(field, ": min ", range.min(), " > max ", range.max()));
      }
    }
  } else {
    if (num_trajectories >= 1 &&
        pendulum.initial_states_size() != num_trajectories) {
      problems.push_back(
          absl::StrCat("simulation.pendulum.initial_states: has ",
                       pendulum.initial_states_size(),
                       " states, num_trajectories is ", num_trajectories));
    }
    for (int k = 0; k < pendulum.initial_states_size(); ++k) {
      const aanet::InitialState& state = pendulum.initial_states(k);
      const std::string field =
          absl::StrCat("simulation.pendulum.initial_states[", k, "]");
      if (state.q_size() != 1) {
        problems.push_back(absl::StrCat(field, ".q: has ", state.q_size(),
                                        " values, expected 1"));
      } else if (!std::isfinite(state.q(0))) {
        problems.push_back(
            absl::StrCat(field, ".q: must be finite, got ", state.q(0)));
      }
      if (state.p_size() != 1) {
        problems.push_back(absl::StrCat(field, ".p: has ", state.p_size(),
                                        " values, expected 1"));
      } else if (!std::isfinite(state.p(0))) {
        problems.push_back(
            absl::StrCat(field, ".p: must be finite, got ", state.p(0)));
      }
    }
  }

  // The separatrix check needs every initial state, so only once the rest
  // is valid.
  if (problems.empty()) {
    const pendulum::Parameters parameters = FromConfig(pendulum);
    Eigen::VectorXd q, p;
    AANET_RETURN_IF_ERROR(pendulum::InitialStates(config, &q, &p));
    for (int k = 0; k < q.size(); ++k) {
      absl::StatusOr<pendulum::Orbit> orbit =
          pendulum::OrbitOf(parameters, q(k), p(k));
      if (!orbit.ok()) {
        problems.push_back(absl::StrCat(InitialStateSource(pendulum, k), ": ",
                                        orbit.status().message()));
      }
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

absl::StatusOr<GeneratedTrajectories> PendulumSystem::Generate(
    const aanet::SimulationConfig& config, const Eigen::VectorXd& t) const {
  AANET_RETURN_IF_ERROR(ValidateConfig(config));
  const pendulum::Parameters parameters = FromConfig(config.pendulum());
  Eigen::VectorXd q0, p0;
  AANET_RETURN_IF_ERROR(pendulum::InitialStates(config, &q0, &p0));
  const int num_trajectories = q0.size();
  GeneratedTrajectories out;
  out.true_actions.resize(num_trajectories, 1);
  out.true_frequencies.resize(num_trajectories, 1);
  for (int k = 0; k < num_trajectories; ++k) {
    AANET_ASSIGN_OR_RETURN(const pendulum::Orbit orbit,
                           pendulum::OrbitOf(parameters, q0(k), p0(k)));
    Eigen::MatrixXd q(t.size(), 1), p(t.size(), 1);
    for (Eigen::Index j = 0; j < t.size(); ++j) {
      pendulum::StateAt(parameters, orbit, t(j), &q(j, 0), &p(j, 0));
    }
    out.q.push_back(std::move(q));
    out.p.push_back(std::move(p));
    out.true_actions(k, 0) = orbit.action;
    out.true_frequencies(k, 0) = orbit.frequency;
  }
  out.parameters.arrays = {
      {"mass", {}, {parameters.mass}},
      {"length", {}, {parameters.length}},
      {"gravity", {}, {parameters.gravity}},
      {"initial_q",
       {num_trajectories},
       std::vector<double>(q0.data(), q0.data() + num_trajectories)},
      {"initial_p",
       {num_trajectories},
       std::vector<double>(p0.data(), p0.data() + num_trajectories)},
  };
  return out;
}

absl::Status PendulumSystem::CheckParameters(const ParameterGroup& parameters,
                                             int num_degrees_of_freedom,
                                             int num_trajectories) const {
  std::vector<std::string> problems;
  if (num_degrees_of_freedom != 1) {
    problems.push_back(
        absl::StrCat("the pendulum has 1 degree of freedom, the data has n = ",
                     num_degrees_of_freedom));
  }
  std::vector<ExpectedArray> expected;
  for (const char* name : {"mass", "length", "gravity"}) {
    expected.push_back({name, {}, /*positive=*/true});
  }
  for (const char* name : {"initial_q", "initial_p"}) {
    expected.push_back({name, {num_trajectories}});
  }
  for (std::string& problem :
       ParameterGroupProblems("pendulum", parameters, expected)) {
    problems.push_back(std::move(problem));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

Eigen::VectorXd PendulumSystem::Energy(const ParameterGroup& parameters,
                                       const Eigen::MatrixXd& states) const {
  // The interface has no status here: states of the wrong width get NaN
  // rather than a read past the row (Evolve reports them as an error).
  if (states.cols() != 2) {
    return Eigen::VectorXd::Constant(states.rows(),
                                     std::numeric_limits<double>::quiet_NaN());
  }
  const pendulum::Parameters p = FromGroup(parameters);
  Eigen::VectorXd energy(states.rows());
  for (Eigen::Index b = 0; b < states.rows(); ++b) {
    energy(b) = pendulum::Energy(p, states(b, 0), states(b, 1));
  }
  return energy;
}

absl::StatusOr<Eigen::MatrixXd> PendulumSystem::Evolve(
    const ParameterGroup& parameters, const Eigen::MatrixXd& states,
    double dt) const {
  if (states.cols() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pendulum states need 2 columns (q, p), got ", states.cols()));
  }
  if (!(std::isfinite(dt) && dt >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dt: must be finite and >= 0, got ", dt));
  }
  const pendulum::Parameters p = FromGroup(parameters);
  Eigen::MatrixXd out(states.rows(), 2);
  for (Eigen::Index b = 0; b < states.rows(); ++b) {
    absl::StatusOr<pendulum::Orbit> orbit =
        pendulum::OrbitOf(p, states(b, 0), states(b, 1));
    if (!orbit.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("state ", b, ": ", orbit.status().message()));
    }
    pendulum::StateAt(p, *orbit, dt, &out(b, 0), &out(b, 1));
  }
  return out;
}

absl::Status PendulumSystem::ActionsAndFrequencies(
    const ParameterGroup& parameters, const Eigen::MatrixXd& states,
    Eigen::MatrixXd* actions, Eigen::MatrixXd* frequencies) const {
  if (states.cols() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pendulum states need 2 columns (q, p), got ", states.cols()));
  }
  const pendulum::Parameters p = FromGroup(parameters);
  actions->resize(states.rows(), 1);
  frequencies->resize(states.rows(), 1);
  for (Eigen::Index b = 0; b < states.rows(); ++b) {
    absl::StatusOr<pendulum::Orbit> orbit =
        pendulum::OrbitOf(p, states(b, 0), states(b, 1));
    if (!orbit.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("state ", b, ": ", orbit.status().message()));
    }
    (*actions)(b, 0) = orbit->action;
    (*frequencies)(b, 0) = orbit->frequency;
  }
  return absl::OkStatus();
}

std::string PendulumSystem::Describe(const ParameterGroup& parameters) const {
  const pendulum::Parameters p = FromGroup(parameters);
  return absl::StrCat("pendulum: m ", p.mass, ", l ", p.length, ", g ",
                      p.gravity);
}

AANET_REGISTER_SYSTEM(PendulumSystem);

}  // namespace aanet::data_gen
