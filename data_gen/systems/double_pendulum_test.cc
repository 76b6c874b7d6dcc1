// Checks the double pendulum by independent means: Hamilton's equations
// against central differences of H, the canonical momenta against the
// Lagrangian's, the project's Dormand-Prince against Boost.Odeint's, the
// small-angle limit against the linearised normal modes, and energy
// conservation along the shipped setups' trajectories.
#include "data_gen/systems/double_pendulum.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "Eigen/Eigenvalues"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/numeric/odeint.hpp"
#include "data_gen/system.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "proto/experiment.pb.h"
#include "proto/text_config.h"

namespace aanet::data_gen {
namespace {

using double_pendulum::Parameters;
using ::testing::HasSubstr;

constexpr const char* kShippedConfigs[] = {
    "configs/double_pendulum/default.pbtxt",
    "configs/double_pendulum/setup_2.pbtxt",
    "configs/double_pendulum/chaotic.pbtxt"};

const System& DoublePendulum() {
  absl::StatusOr<const System*> system = FindSystem("double_pendulum");
  EXPECT_TRUE(system.ok()) << system.status();
  static const DoublePendulumSystem fallback;
  return system.ok() ? **system : fallback;
}

SimulationConfig ParseSimulation(const std::string& text) {
  SimulationConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config))
      << text;
  return config;
}

Eigen::VectorXd Times(const SimulationConfig& config) {
  Eigen::VectorXd t(config.num_samples());
  for (int j = 0; j < t.size(); ++j) t(j) = j * config.time_step();
  return t;
}

Parameters FromSimulation(const SimulationConfig& config) {
  const DoublePendulumConfig& dp = config.double_pendulum();
  return {dp.mass_1(), dp.mass_2(), dp.length_1(), dp.length_2(), dp.gravity()};
}

SimulationConfig Shipped(const char* path) {
  absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(path);
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? config->experiment.simulation() : SimulationConfig();
}

const Parameters kGeneral = {0.7, 1.3, 0.8, 1.1, 9.81};

TEST(DoublePendulumTest, HamiltonsEquationsMatchCentralDifferencesOfH) {
  const std::vector<Eigen::Vector4d> states = {{0.5, 0.5, 0.0, 0.0},
                                               {0.3, -1.2, 0.7, -0.4},
                                               {2.9, 4.1, -1.5, 2.2},
                                               {-7.0, 1.0, 3.0, 0.1}};
  for (const Parameters& s : {kGeneral, Parameters{0.5, 0.5, 0.5, 0.5, 9.81},
                              Parameters{1, 0.1, 1, 1, 9.81}}) {
    for (const Eigen::Vector4d& x : states) {
      const Eigen::Vector4d f = double_pendulum::Field(s, x);
      Eigen::Vector4d gradient;
      for (int i = 0; i < 4; ++i) {
        const double h = 1e-5;
        Eigen::Vector4d plus = x, minus = x;
        plus(i) += h;
        minus(i) -= h;
        gradient(i) = (double_pendulum::Energy(s, plus) -
                       double_pendulum::Energy(s, minus)) /
                      (2 * h);
      }
      // theta' = dH/dp, p' = -dH/dtheta.
      const Eigen::Vector4d expected(gradient(2), gradient(3), -gradient(0),
                                     -gradient(1));
      for (int i = 0; i < 4; ++i) {
        EXPECT_NEAR(f(i), expected(i), 1e-7 * (1 + std::abs(expected(i))))
            << "component " << i << " at " << x.transpose();
      }
    }
  }
}

TEST(DoublePendulumTest, EnergyIsZeroAtRestAtTheBottomAndMatchesLagrangian) {
  const Parameters s = kGeneral;
  EXPECT_EQ(double_pendulum::Energy(s, Eigen::Vector4d::Zero()), 0.0);
  // Velocities from Hamilton's equations, then the Lagrangian's momenta
  // p1 = (m1 + m2) l1^2 w1 + m2 l1 l2 w2 cos d, p2 = m2 l2^2 w2 + m2 l1 l2
  // w1 cos d and its energy T + V must give the state back.
  const Eigen::Vector4d x(0.4, -0.9, 1.1, -0.6);
  const Eigen::Vector4d f = double_pendulum::Field(s, x);
  const double w1 = f(0), w2 = f(1), c = std::cos(x(0) - x(1));
  const double m1 = s.mass_1, m2 = s.mass_2, l1 = s.length_1, l2 = s.length_2,
               g = s.gravity;
  EXPECT_NEAR((m1 + m2) * l1 * l1 * w1 + m2 * l1 * l2 * w2 * c, x(2), 1e-14);
  EXPECT_NEAR(m2 * l2 * l2 * w2 + m2 * l1 * l2 * w1 * c, x(3), 1e-14);
  const double kinetic = 0.5 * (m1 + m2) * l1 * l1 * w1 * w1 +
                         0.5 * m2 * l2 * l2 * w2 * w2 +
                         m2 * l1 * l2 * w1 * w2 * c;
  const double potential = (m1 + m2) * g * l1 * (1 - std::cos(x(0))) +
                           m2 * g * l2 * (1 - std::cos(x(1)));
  EXPECT_NEAR(double_pendulum::Energy(s, x), kinetic + potential, 1e-13);
}

TEST(DoublePendulumTest, ReleasedFromRestHasZeroMomentaAndVelocities) {
  const SimulationConfig config = Shipped(kShippedConfigs[1]);
  absl::StatusOr<GeneratedTrajectories> data =
      DoublePendulum().Generate(config, Times(config));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->q[0](0, 0), 0.5);
  EXPECT_EQ(data->q[0](0, 1), 1.0);
  EXPECT_EQ(data->p[0](0, 0), 0.0);
  EXPECT_EQ(data->p[0](0, 1), 0.0);
  const Eigen::Vector4d f = double_pendulum::Field(
      FromSimulation(config), Eigen::Vector4d(0.5, 1.0, 0, 0));
  EXPECT_EQ(f(0), 0.0);
  EXPECT_EQ(f(1), 0.0);
  EXPECT_TRUE(data->true_actions.size() == 0);
  EXPECT_TRUE(data->true_frequencies.size() == 0);
}

TEST(DoublePendulumTest, ShippedSetupsConserveEnergy) {
  for (const char* path : kShippedConfigs) {
    const SimulationConfig config = Shipped(path);
    ASSERT_TRUE(DoublePendulum().ValidateConfig(config).ok())
        << path << ": " << DoublePendulum().ValidateConfig(config);
    absl::StatusOr<GeneratedTrajectories> data =
        DoublePendulum().Generate(config, Times(config));
    ASSERT_TRUE(data.ok()) << data.status();
    ASSERT_TRUE(
        DoublePendulum()
            .CheckParameters(data->parameters, 2, config.num_trajectories())
            .ok());
    ASSERT_EQ(data->q.size(), 1u);
    Eigen::MatrixXd states(config.num_samples(), 4);
    states << data->q[0], data->p[0];
    const Eigen::VectorXd energy =
        DoublePendulum().Energy(data->parameters, states);
    const double drift =
        (energy.array() - energy(0)).abs().maxCoeff() / std::abs(energy(0));
    std::printf("%s: E = %.6f, max relative energy change %.2e\n", path,
                energy(0), drift);
    EXPECT_GT(energy(0), 0);
    EXPECT_LT(drift, 1e-10) << path;
  }
}

// Boost.Odeint's Dormand-Prince with dense output at a tighter tolerance:
// an independent implementation of stepping and step control.
TEST(DoublePendulumTest, AgreesWithBoostOdeintOverThePublishedTenTimeUnits) {
  namespace odeint = boost::numeric::odeint;
  using State = std::array<double, 4>;
  for (const char* path : kShippedConfigs) {
    const SimulationConfig config = Shipped(path);
    const Parameters s = FromSimulation(config);
    const Eigen::VectorXd t = Times(config);
    absl::StatusOr<GeneratedTrajectories> data =
        DoublePendulum().Generate(config, t);
    ASSERT_TRUE(data.ok()) << data.status();
    State y = {data->q[0](0, 0), data->q[0](0, 1), data->p[0](0, 0),
               data->p[0](0, 1)};
    auto rhs = [&s](const State& x, State& dxdt, double /*t*/) {
      const Eigen::Vector4d f =
          double_pendulum::Field(s, Eigen::Vector4d(x[0], x[1], x[2], x[3]));
      for (int i = 0; i < 4; ++i) dxdt[i] = f(i);
    };
    auto stepper = odeint::make_dense_output(
        1e-13, 1e-13, odeint::runge_kutta_dopri5<State>());
    std::vector<double> times(t.data(), t.data() + t.size());
    double worst = 0;
    int j = 0;
    odeint::integrate_times(
        stepper, rhs, y, times.begin(), times.end(), 1e-3,
        [&](const State& x, double /*time*/) {
          for (int i = 0; i < 2; ++i) {
            worst = std::max({worst, std::abs(x[i] - data->q[0](j, i)),
                              std::abs(x[2 + i] - data->p[0](j, i))});
          }
          ++j;
        });
    ASSERT_EQ(j, t.size());
    std::printf("%s: max |Dormand-Prince - odeint| over 10 time units %.2e\n",
                path, worst);
    // The chaotic setup amplifies the two integrators' differences.
    EXPECT_LT(worst, std::string(path) == kShippedConfigs[2] ? 1e-7 : 1e-10)
        << path;
  }
}

// For tiny amplitudes M theta'' = -K theta with M = [[(m1 + m2) l1^2, m2 l1
// l2], [m2 l1 l2, m2 l2^2]] and K = diag((m1 + m2) g l1, m2 g l2): from rest,
// theta(t) = sum_k c_k v_k cos(omega_k t), K v = omega^2 M v.
TEST(DoublePendulumTest, SmallAnglesFollowTheLinearisedNormalModes) {
  const Parameters s = kGeneral;
  const double m1 = s.mass_1, m2 = s.mass_2, l1 = s.length_1, l2 = s.length_2,
               g = s.gravity;
  Eigen::Matrix2d mass, stiffness;
  mass << (m1 + m2) * l1 * l1, m2 * l1 * l2, m2 * l1 * l2, m2 * l2 * l2;
  stiffness << (m1 + m2) * g * l1, 0, 0, m2 * g * l2;
  Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::Matrix2d> modes(stiffness,
                                                                  mass);
  const Eigen::Vector2d omega = modes.eigenvalues().cwiseSqrt();
  const Eigen::Matrix2d v = modes.eigenvectors();
  const double amplitude = 1e-5;
  const Eigen::Vector2d theta0(amplitude, -0.7 * amplitude);
  const Eigen::Vector2d c = v.lu().solve(theta0);
  const ParameterGroup group = {{{"mass_1", {}, {m1}},
                                 {"mass_2", {}, {m2}},
                                 {"length_1", {}, {l1}},
                                 {"length_2", {}, {l2}},
                                 {"gravity", {}, {g}},
                                 {"initial_q", {1, 2}, {0, 0}},
                                 {"initial_p", {1, 2}, {0, 0}}}};
  ASSERT_TRUE(DoublePendulum().CheckParameters(group, 2, 1).ok());
  Eigen::MatrixXd state(1, 4);
  state << theta0(0), theta0(1), 0, 0;
  double worst = 0;
  for (double t : {0.5, 1.7, 4.0, 10.0}) {
    absl::StatusOr<Eigen::MatrixXd> x =
        DoublePendulum().Evolve(group, state, t);
    ASSERT_TRUE(x.ok()) << x.status();
    Eigen::Vector2d linear = Eigen::Vector2d::Zero();
    for (int k = 0; k < 2; ++k) {
      linear += c(k) * v.col(k) * std::cos(omega(k) * t);
    }
    for (int i = 0; i < 2; ++i) {
      worst = std::max(worst, std::abs((*x)(0, i) - linear(i)));
    }
  }
  // The cubic terms shift the motion by about amplitude^3 per radian, about
  // 1e-8 amplitude here over 10 time units.
  std::printf("max |theta - linearised| / amplitude %.2e\n", worst / amplitude);
  EXPECT_LT(worst, 1e-7 * amplitude);
}

TEST(DoublePendulumTest, EvolveReproducesTheGeneratedTrajectory) {
  const SimulationConfig config = Shipped(kShippedConfigs[2]);
  const Eigen::VectorXd t = Times(config);
  absl::StatusOr<GeneratedTrajectories> data =
      DoublePendulum().Generate(config, t);
  ASSERT_TRUE(data.ok()) << data.status();
  Eigen::MatrixXd states(t.size(), 4);
  states << data->q[0], data->p[0];
  for (int j : {0, 1, 500, 998}) {
    absl::StatusOr<Eigen::MatrixXd> next = DoublePendulum().Evolve(
        data->parameters, states.row(j), t(j + 1) - t(j));
    ASSERT_TRUE(next.ok()) << next.status();
    for (int i = 0; i < 4; ++i) EXPECT_EQ((*next)(0, i), states(j + 1, i));
  }
  // In a batch and in one long step: the same up to the tolerance (the
  // chaotic setup amplifies differences by about e^(lambda t)).
  absl::StatusOr<Eigen::MatrixXd> batch =
      DoublePendulum().Evolve(data->parameters, states.topRows(3), t(100));
  ASSERT_TRUE(batch.ok());
  for (int b = 0; b < 3; ++b) {
    for (int i = 0; i < 4; ++i) {
      EXPECT_NEAR((*batch)(b, i), states(100 + b, i), 1e-8);
    }
  }
  EXPECT_EQ(*DoublePendulum().Evolve(data->parameters, states.row(5), 0),
            states.row(5));
}

TEST(DoublePendulumTest, IsNotIntegrable) {
  const SimulationConfig config = Shipped(kShippedConfigs[0]);
  absl::StatusOr<GeneratedTrajectories> data =
      DoublePendulum().Generate(config, Times(config));
  ASSERT_TRUE(data.ok());
  Eigen::MatrixXd actions, frequencies;
  EXPECT_EQ(
      DoublePendulum()
          .ActionsAndFrequencies(data->parameters, Eigen::MatrixXd::Zero(1, 4),
                                 &actions, &frequencies)
          .code(),
      absl::StatusCode::kUnimplemented);
  EXPECT_EQ(DoublePendulum().Describe(data->parameters),
            "double_pendulum: m1 0.5, m2 0.5, l1 0.5, l2 0.5, g 9.81");
  EXPECT_FALSE(
      DoublePendulum().Evolve(data->parameters, Eigen::MatrixXd(1, 2), 1).ok());
  EXPECT_FALSE(DoublePendulum()
                   .Evolve(data->parameters, Eigen::MatrixXd::Zero(1, 4), -1)
                   .ok());
  EXPECT_TRUE(std::isnan(
      DoublePendulum().Energy(data->parameters, Eigen::MatrixXd(1, 3))(0)));
}

TEST(DoublePendulumTest, LinspaceAndExplicitStates) {
  const SimulationConfig config = ParseSimulation(
      "double_pendulum { initial_theta_1 { min: 0.1 max: 0.3 } "
      "initial_theta_2 { min: 1 max: 2 } } num_samples: 3 time_step: 0.1 "
      "num_trajectories: 3");
  ASSERT_TRUE(DoublePendulum().ValidateConfig(config).ok())
      << DoublePendulum().ValidateConfig(config);
  absl::StatusOr<Eigen::MatrixXd> initial =
      double_pendulum::InitialStates(config);
  ASSERT_TRUE(initial.ok());
  EXPECT_DOUBLE_EQ((*initial)(1, 0), 0.2);
  EXPECT_DOUBLE_EQ((*initial)(2, 1), 2.0);
  const SimulationConfig explicit_states = ParseSimulation(
      "double_pendulum { initial_states { q: [0.1, 0.2] p: [0.3, -0.4] } } "
      "num_samples: 3 time_step: 0.1 num_trajectories: 1");
  absl::StatusOr<GeneratedTrajectories> data =
      DoublePendulum().Generate(explicit_states, Times(explicit_states));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->p[0](0, 1), -0.4);
  EXPECT_EQ(data->parameters.Find("initial_p")->values[1], -0.4);
}

TEST(DoublePendulumTest, ValidationNamesTheFields) {
  auto error = [](const std::string& text) {
    return std::string(
        DoublePendulum().ValidateConfig(ParseSimulation(text)).message());
  };
  EXPECT_THAT(error("double_pendulum { mass_2: -1 initial_theta_1 { values: "
                    "1 } initial_theta_2 { values: 1 } } num_trajectories: 1"),
              HasSubstr("simulation.double_pendulum.mass_2: must be > 0, got "
                        "-1"));
  EXPECT_THAT(error("double_pendulum { length_1: 0 initial_theta_1 { values: "
                    "1 } initial_theta_2 { values: 1 } } num_trajectories: 1"),
              HasSubstr("simulation.double_pendulum.length_1: must be > 0"));
  EXPECT_THAT(error("double_pendulum { } num_trajectories: 1"),
              HasSubstr("give exactly one of initial_theta_1 and "
                        "initial_theta_2 (together) or initial_states, got "
                        "none"));
  EXPECT_THAT(error("double_pendulum { initial_theta_1 { values: 1 } } "
                    "num_trajectories: 1"),
              HasSubstr("simulation.double_pendulum.initial_theta_2: missing"));
  EXPECT_THAT(error("double_pendulum { initial_theta_1 { values: [1, 2] } "
                    "initial_theta_2 { values: 1 } } num_trajectories: 1"),
              HasSubstr("simulation.double_pendulum.initial_theta_1.values: "
                        "has 2 values, num_trajectories is 1"));
  EXPECT_THAT(error("double_pendulum { initial_theta_1 { min: 2 max: 1 } "
                    "initial_theta_2 { min: 1 } } num_trajectories: 2"),
              HasSubstr("simulation.double_pendulum.initial_theta_1: min 2 > "
                        "max 1; simulation.double_pendulum.initial_theta_2: "
                        "give min and max"));
  EXPECT_THAT(error("double_pendulum { initial_states { q: 1 p: [0, 0] } } "
                    "num_trajectories: 1"),
              HasSubstr("simulation.double_pendulum.initial_states[0].q: has "
                        "1 values, expected 2"));
  EXPECT_THAT(error("double_pendulum { initial_states { q: [0, inf] p: [0, "
                    "0] } } num_trajectories: 1"),
              HasSubstr("initial_states[0].q[1]: must be finite"));
  EXPECT_THAT(error("pendulum { }"), HasSubstr("not set"));
  EXPECT_THAT(error("double_pendulum { initial_theta_1 { values: 1 } "
                    "initial_theta_2 { values: 1 } } num_trajectories: 0"),
              HasSubstr("simulation.num_trajectories: must be >= 1"));
}

TEST(DoublePendulumTest, CheckParametersNamesArrays) {
  ParameterGroup group = {{{"mass_1", {}, {1}},
                           {"mass_2", {}, {-1}},
                           {"length_1", {}, {1}},
                           {"length_2", {}, {1}},
                           {"gravity", {}, {9.81}},
                           {"initial_q", {2}, {0, 0}},
                           {"extra", {}, {1}}}};
  const std::string message(
      DoublePendulum().CheckParameters(group, 2, 1).message());
  EXPECT_THAT(message, HasSubstr("parameters/extra is not a double_pendulum "
                                 "parameter"));
  EXPECT_THAT(message, HasSubstr("parameters/mass_2 must be > 0, got -1"));
  EXPECT_THAT(message,
              HasSubstr("parameters/initial_q has shape [2], expected [1, 2]"));
  EXPECT_THAT(message, HasSubstr("parameters/initial_p is missing"));
  EXPECT_THAT(
      std::string(DoublePendulum().CheckParameters(group, 3, 1).message()),
      HasSubstr("2 degrees of freedom, the data has n = 3"));
}

}  // namespace
}  // namespace aanet::data_gen
