#include "data_gen/systems/double_pendulum.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ode/dormand_prince.h"
#include "status/status_macros.h"

namespace aanet::data_gen {
namespace double_pendulum {

double Energy(const Parameters& s, const Eigen::Vector4d& state) {
  const double m1 = s.mass_1, m2 = s.mass_2, l1 = s.length_1, l2 = s.length_2,
               g = s.gravity;
  const double p1 = state(2), p2 = state(3);
  const double d = state(0) - state(1);
  const double c = std::cos(d), sn = std::sin(d);
  const double kinetic =
      (m2 * l2 * l2 * p1 * p1 + (m1 + m2) * l1 * l1 * p2 * p2 -
       2 * m2 * l1 * l2 * p1 * p2 * c) /
      (2 * m2 * l1 * l1 * l2 * l2 * (m1 + m2 * sn * sn));
  // (1 - cos) rather than -cos + 1 keeps the potential accurate near rest.
  const double potential = (m1 + m2) * g * l1 * (1 - std::cos(state(0))) +
                           m2 * g * l2 * (1 - std::cos(state(1)));
  return kinetic + potential;
}

// With N the numerator and D the denominator of the kinetic term T = N / D:
//   dT/dp1 = (2 m2 l2^2 p1 - 2 m2 l1 l2 p2 c) / D,
//   dT/dp2 = (2 (m1 + m2) l1^2 p2 - 2 m2 l1 l2 p1 c) / D,
//   dT/dd = (dN/dd) / D - N (dD/dd) / D^2, dN/dd = 2 m2 l1 l2 p1 p2 sin d,
//   dD/dd = 4 m2^2 l1^2 l2^2 sin d cos d,
// and dT/dtheta1 = dT/dd = -dT/dtheta2. The test checks these against
// central differences of Energy.
Eigen::Vector4d Field(const Parameters& s, const Eigen::Vector4d& state) {
  const double m1 = s.mass_1, m2 = s.mass_2, l1 = s.length_1, l2 = s.length_2,
               g = s.gravity;
  const double p1 = state(2), p2 = state(3);
  const double d = state(0) - state(1);
  const double c = std::cos(d), sn = std::sin(d);
  const double numerator = m2 * l2 * l2 * p1 * p1 +
                           (m1 + m2) * l1 * l1 * p2 * p2 -
                           2 * m2 * l1 * l2 * p1 * p2 * c;
  const double denominator = 2 * m2 * l1 * l1 * l2 * l2 * (m1 + m2 * sn * sn);
  const double d_numerator = 2 * m2 * l1 * l2 * p1 * p2 * sn;
  const double d_denominator = 4 * m2 * m2 * l1 * l1 * l2 * l2 * sn * c;
  const double dt_dd = d_numerator / denominator -
                       numerator * d_denominator / (denominator * denominator);
  Eigen::Vector4d out;
  out(0) = (2 * m2 * l2 * l2 * p1 - 2 * m2 * l1 * l2 * p2 * c) / denominator;
  out(1) =
      (2 * (m1 + m2) * l1 * l1 * p2 - 2 * m2 * l1 * l2 * p1 * c) / denominator;
  out(2) = -dt_dd - (m1 + m2) * g * l1 * std::sin(state(0));
  out(3) = dt_dd - m2 * g * l2 * std::sin(state(1));
  return out;
}

absl::StatusOr<Eigen::Vector4d> Advance(const Parameters& parameters,
                                        const Eigen::Vector4d& state,
                                        double dt) {
  if (!(std::isfinite(dt) && dt >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dt: must be finite and >= 0, got ", dt));
  }
  ode::SolverOptions options;
  options.mode = ode::StepMode::kAdaptive;
  options.step = 0;  // the starting-step algorithm picks the first step
  options.rtol = kRelativeTolerance;
  options.atol = kAbsoluteTolerance;
  // About 1,000 steps per time unit at these tolerances for the shipped
  // setups; the cap only guards against a runaway.
  options.max_steps = std::numeric_limits<int>::max();
  const Eigen::MatrixXd y0 = state.transpose();
  auto field = [&parameters](double /*t*/, const Eigen::MatrixXd& y) {
    const Eigen::Vector4d f = Field(parameters, y.row(0).transpose());
    return Eigen::MatrixXd(f.transpose());
  };
  AANET_ASSIGN_OR_RETURN(const Eigen::MatrixXd y,
                         ode::Solve(field, y0, 0.0, dt, options));
  return Eigen::Vector4d(y.row(0).transpose());
}

namespace {

// Values of a range: explicit values, or linspace(min, max, K).
std::vector<double> RangeValues(const aanet::ParameterRange& range, int k) {
  if (range.values_size() > 0) {
    return std::vector<double>(range.values().begin(), range.values().end());
  }
  std::vector<double> out(k);
  for (int i = 0; i < k; ++i) {
    out[i] = k == 1 ? range.min()
                    : range.min() + (range.max() - range.min()) * i / (k - 1);
  }
  return out;
}

}  // namespace

absl::StatusOr<Eigen::MatrixXd> InitialStates(
    const aanet::SimulationConfig& config) {
  const aanet::DoublePendulumConfig& dp = config.double_pendulum();
  const int k = config.num_trajectories();
  Eigen::MatrixXd states = Eigen::MatrixXd::Zero(k, 4);
  if (dp.initial_states_size() > 0) {
    if (dp.initial_states_size() != k) {
      return absl::InvalidArgumentError(
          "simulation.double_pendulum.initial_states: count differs from "
          "num_trajectories");
    }
    for (int i = 0; i < k; ++i) {
      const aanet::InitialState& state = dp.initial_states(i);
      states.row(i) << state.q(0), state.q(1), state.p(0), state.p(1);
    }
    return states;
  }
  const std::vector<double> theta_1 = RangeValues(dp.initial_theta_1(), k);
  const std::vector<double> theta_2 = RangeValues(dp.initial_theta_2(), k);
  if (static_cast<int>(theta_1.size()) != k ||
      static_cast<int>(theta_2.size()) != k) {
    return absl::InvalidArgumentError(
        "simulation.double_pendulum: initial angle count differs from "
        "num_trajectories");
  }
  // Released from rest: the canonical momenta of zero velocities are zero.
  for (int i = 0; i < k; ++i) {
    states(i, 0) = theta_1[i];
    states(i, 1) = theta_2[i];
  }
  return states;
}

}  // namespace double_pendulum

namespace {

double_pendulum::Parameters FromConfig(
    const aanet::DoublePendulumConfig& config) {
  double_pendulum::Parameters parameters;
  if (config.has_mass_1()) parameters.mass_1 = config.mass_1();
  if (config.has_mass_2()) parameters.mass_2 = config.mass_2();
  if (config.has_length_1()) parameters.length_1 = config.length_1();
  if (config.has_length_2()) parameters.length_2 = config.length_2();
  if (config.has_gravity()) parameters.gravity = config.gravity();
  return parameters;
}

// From a group that passed CheckParameters.
double_pendulum::Parameters FromGroup(const ParameterGroup& group) {
  double_pendulum::Parameters parameters;
  parameters.mass_1 = group.Find("mass_1")->values[0];
  parameters.mass_2 = group.Find("mass_2")->values[0];
  parameters.length_1 = group.Find("length_1")->values[0];
  parameters.length_2 = group.Find("length_2")->values[0];
  parameters.gravity = group.Find("gravity")->values[0];
  return parameters;
}

void CheckPositive(const char* field, bool has, double value,
                   std::vector<std::string>* problems) {
  if (has && !(std::isfinite(value) && value > 0)) {
    problems->push_back(absl::StrCat("simulation.double_pendulum.", field,
                                     ": must be > 0, got ", value));
  }
}

void CheckRange(const std::string& field, const aanet::ParameterRange& range,
                int num_trajectories, std::vector<std::string>* problems) {
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
    for (int k = 0; k < range.values_size(); ++k) {
      if (!std::isfinite(range.values(k))) {
        problems->push_back(absl::StrCat(
            field, ".values[", k, "]: must be finite, got ", range.values(k)));
      }
    }
    return;
  }
  if (!range.has_min() || !range.has_max()) {
    problems->push_back(absl::StrCat(field, ": give min and max (or values)"));
    return;
  }
  if (!std::isfinite(range.min())) {
    problems->push_back(
        absl::StrCat(field, ".min: must be finite, got ", range.min()));
  }
  if (!std::isfinite(range.max())) {
    problems->push_back(
        absl::StrCat(field, ".max: must be finite, got ", range.max()));
  }
  if (range.min() > range.max()) {
    problems->push_back(
        absl::StrCat(field, ": min ", range.min(), " > max ", range.max()));
  }
}

}  // namespace

absl::Status DoublePendulumSystem::ValidateConfig(
    const aanet::SimulationConfig& config) const {
  if (!config.has_double_pendulum()) {
    return absl::InvalidArgumentError(
        "simulation.double_pendulum: not set (the config is for another "
        "system)");
  }
  const aanet::DoublePendulumConfig& dp = config.double_pendulum();
  const int num_trajectories = config.num_trajectories();
  std::vector<std::string> problems;
  CheckPositive("mass_1", dp.has_mass_1(), dp.mass_1(), &problems);
  CheckPositive("mass_2", dp.has_mass_2(), dp.mass_2(), &problems);
  CheckPositive("length_1", dp.has_length_1(), dp.length_1(), &problems);
  CheckPositive("length_2", dp.has_length_2(), dp.length_2(), &problems);
  CheckPositive("gravity", dp.has_gravity(), dp.gravity(), &problems);
  if (num_trajectories < 1) {
    problems.push_back(absl::StrCat(
        "simulation.num_trajectories: must be >= 1, got ", num_trajectories));
  }
  const bool has_angles = dp.has_initial_theta_1() || dp.has_initial_theta_2();
  const bool has_states = dp.initial_states_size() > 0;
  if (has_angles == has_states) {
    problems.push_back(absl::StrCat(
        "simulation.double_pendulum: give exactly one of initial_theta_1 and "
        "initial_theta_2 (together) or initial_states, got ",
        has_angles ? "both" : "none"));
  } else if (has_angles) {
    if (!dp.has_initial_theta_1() || !dp.has_initial_theta_2()) {
      problems.push_back(absl::StrCat(
          "simulation.double_pendulum.",
          dp.has_initial_theta_1() ? "initial_theta_2" : "initial_theta_1",
          ": missing (give initial_theta_1 and initial_theta_2 together)"));
    } else {
      CheckRange("simulation.double_pendulum.initial_theta_1",
                 dp.initial_theta_1(), num_trajectories, &problems);
      CheckRange("simulation.double_pendulum.initial_theta_2",
                 dp.initial_theta_2(), num_trajectories, &problems);
    }
  } else {
    if (num_trajectories >= 1 && dp.initial_states_size() != num_trajectories) {
      problems.push_back(
          absl::StrCat("simulation.double_pendulum.initial_states: has ",
                       dp.initial_states_size(),
                       " states, num_trajectories is ", num_trajectories));
    }
    for (int k = 0; k < dp.initial_states_size(); ++k) {
      const aanet::InitialState& state = dp.initial_states(k);
      const std::string field =
          absl::StrCat("simulation.double_pendulum.initial_states[", k, "]");
      for (const auto& [name, values] :
           {std::pair<const char*,
                      const google::protobuf::RepeatedField<double>*>{
                "q", &state.q()},
            {"p", &state.p()}}) {
        if (values->size() != 2) {
          problems.push_back(absl::StrCat(field, ".", name, ": has ",
                                          values->size(),
                                          " values, expected 2"));
          continue;
        }
        for (int i = 0; i < 2; ++i) {
          if (!std::isfinite(values->Get(i))) {
            problems.push_back(absl::StrCat(field, ".", name, "[", i,
                                            "]: must be finite, got ",
                                            values->Get(i)));
          }
        }
      }
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

absl::StatusOr<GeneratedTrajectories> DoublePendulumSystem::Generate(
    const aanet::SimulationConfig& config, const Eigen::VectorXd& t) const {
  AANET_RETURN_IF_ERROR(ValidateConfig(config));
  const double_pendulum::Parameters parameters =
      FromConfig(config.double_pendulum());
  AANET_ASSIGN_OR_RETURN(const Eigen::MatrixXd initial,
                         double_pendulum::InitialStates(config));
  const int num_trajectories = initial.rows();
  GeneratedTrajectories out;
  for (int k = 0; k < num_trajectories; ++k) {
    Eigen::MatrixXd q(t.size(), 2), p(t.size(), 2);
    Eigen::Vector4d state = initial.row(k).transpose();
    for (Eigen::Index j = 0; j < t.size(); ++j) {
      if (j > 0) {
        // Sample to sample, as Evolve does (see the header).
        absl::StatusOr<Eigen::Vector4d> next =
            double_pendulum::Advance(parameters, state, t(j) - t(j - 1));
        if (!next.ok()) {
          return absl::InternalError(absl::StrCat(
              "double_pendulum: trajectory ", k, " at t = ", t(j - 1), ": ",
              next.status().message()));
        }
        state = *next;
      }
      q.row(j) = state.head<2>().transpose();
      p.row(j) = state.tail<2>().transpose();
    }
    out.q.push_back(std::move(q));
    out.p.push_back(std::move(p));
  }
  std::vector<double> initial_q, initial_p;
  for (int k = 0; k < num_trajectories; ++k) {
    initial_q.insert(initial_q.end(), {initial(k, 0), initial(k, 1)});
    initial_p.insert(initial_p.end(), {initial(k, 2), initial(k, 3)});
  }
  out.parameters.arrays = {
      {"mass_1", {}, {parameters.mass_1}},
      {"mass_2", {}, {parameters.mass_2}},
      {"length_1", {}, {parameters.length_1}},
      {"length_2", {}, {parameters.length_2}},
      {"gravity", {}, {parameters.gravity}},
      {"initial_q", {num_trajectories, 2}, std::move(initial_q)},
      {"initial_p", {num_trajectories, 2}, std::move(initial_p)},
  };
  return out;
}

absl::Status DoublePendulumSystem::CheckParameters(
    const ParameterGroup& parameters, int num_degrees_of_freedom,
    int num_trajectories) const {
  std::vector<std::string> problems;
  if (num_degrees_of_freedom != 2) {
    problems.push_back(absl::StrCat(
        "the double pendulum has 2 degrees of freedom, the data has n = ",
        num_degrees_of_freedom));
  }
  std::vector<ExpectedArray> expected;
  for (const char* name :
       {"mass_1", "mass_2", "length_1", "length_2", "gravity"}) {
    expected.push_back({name, {}, /*positive=*/true});
  }
  for (const char* name : {"initial_q", "initial_p"}) {
    expected.push_back({name, {num_trajectories, 2}});
  }
  for (std::string& problem :
       ParameterGroupProblems("double_pendulum", parameters, expected)) {
    problems.push_back(std::move(problem));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

Eigen::VectorXd DoublePendulumSystem::Energy(
    const ParameterGroup& parameters, const Eigen::MatrixXd& states) const {
  // No status here: states of the wrong width get NaN rather than a read past
  // the row (Evolve reports them as an error).
  if (states.cols() != 4) {
    return Eigen::VectorXd::Constant(states.rows(),
                                     std::numeric_limits<double>::quiet_NaN());
  }
  const double_pendulum::Parameters s = FromGroup(parameters);
  Eigen::VectorXd energy(states.rows());
  for (Eigen::Index b = 0; b < states.rows(); ++b) {
    energy(b) = double_pendulum::Energy(s, states.row(b).transpose());
  }
  return energy;
}

absl::StatusOr<Eigen::MatrixXd> DoublePendulumSystem::Evolve(
    const ParameterGroup& parameters, const Eigen::MatrixXd& states,
    double dt) const {
  if (states.cols() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("double_pendulum states need 4 columns (theta1, theta2, "
                     "p1, p2), got ",
                     states.cols()));
  }
  const double_pendulum::Parameters s = FromGroup(parameters);
  Eigen::MatrixXd out(states.rows(), 4);
  // Each state alone: the adaptive steps then do not depend on the batch.
  for (Eigen::Index b = 0; b < states.rows(); ++b) {
    absl::StatusOr<Eigen::Vector4d> next =
        double_pendulum::Advance(s, states.row(b).transpose(), dt);
    if (!next.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("state ", b, ": ", next.status().message()));
    }
    out.row(b) = next->transpose();
  }
  return out;
}

absl::Status DoublePendulumSystem::ActionsAndFrequencies(
    const ParameterGroup& /*parameters*/, const Eigen::MatrixXd& /*states*/,
    Eigen::MatrixXd* /*actions*/, Eigen::MatrixXd* /*frequencies*/) const {
  return absl::UnimplementedError(
      "double_pendulum: not integrable, so it has no actions or frequencies");
}

std::string DoublePendulumSystem::Describe(
    const ParameterGroup& parameters) const {
  const double_pendulum::Parameters s = FromGroup(parameters);
  return absl::StrCat("double_pendulum: m1 ", s.mass_1, ", m2 ", s.mass_2,
                      ", l1 ", s.length_1, ", l2 ", s.length_2, ", g ",
                      s.gravity);
}

AANET_REGISTER_SYSTEM(DoublePendulumSystem);

}  // namespace aanet::data_gen
