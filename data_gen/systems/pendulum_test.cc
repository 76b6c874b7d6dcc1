// Checks the pendulum's closed form by independent methods: Boost's elliptic
// integrals against the AGM, the actions and periods against quadrature of
// the phase-space integrals, the trajectories against the project's adaptive
// Dormand-Prince, and energy conservation along generated trajectories.
#include "data_gen/systems/pendulum.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/math/quadrature/gauss_kronrod.hpp"
#include "boost/math/special_functions/ellint_1.hpp"
#include "boost/math/special_functions/jacobi_elliptic.hpp"
#include "data_gen/system.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "ode/dormand_prince.h"
#include "proto/experiment.pb.h"
#include "proto/text_config.h"

namespace aanet::data_gen {
namespace {

using pendulum::Parameters;
using ::testing::HasSubstr;

const Parameters kUnit = {1, 1, 9.81};
const Parameters kDeepMind = {0.5, 1, 3};
const Parameters kGeneral = {2, 0.7, 4};  // general m and l

double RelativeError(double a, double b) {
  return std::abs(a - b) / std::abs(b);
}

double Integrate(const std::function<double(double)>& f, double a, double b) {
  return boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
      f, a, b, /*max_depth=*/15, /*tolerance=*/1e-13);
}

struct ActionAndPeriod {
  double action;
  double period;
};

// Libration from rest at theta0: I = (1 / 2 pi) * 2 * int_{-theta0}^{theta0}
// p dtheta and T = 4 int_0^theta0 m l^2 / p dtheta, p = sqrt(2 m l^2 (E - V)),
// by substituting theta = theta0 cos w, which removes the endpoint
// singularity, and E - V = 2 m g l sin((theta0 - theta) / 2) sin((theta0 +
// theta) / 2) with theta0 - theta = 2 theta0 sin^2(w / 2), which keeps the
// difference accurate near the turning point. No elliptic function here.
ActionAndPeriod LibrationByQuadrature(const Parameters& s, double theta0) {
  const double m = s.mass, g = s.gravity, l = s.length;
  auto p_of = [&](double w) {
    const double theta = theta0 * std::cos(w);
    const double d = 2 * theta0 * std::sin(w / 2) * std::sin(w / 2);
    const double e_minus_v =
        2 * m * g * l * std::sin(d / 2) * std::sin((theta0 + theta) / 2);
    return std::sqrt(2 * m * l * l * e_minus_v);
  };
  ActionAndPeriod out;
  out.action =
      2 / M_PI *
      Integrate([&](double w) { return p_of(w) * theta0 * std::sin(w); }, 0,
                M_PI / 2);
  out.period = 4 * Integrate(
                       [&](double w) {
                         return m * l * l * theta0 * std::sin(w) / p_of(w);
                       },
                       0, M_PI / 2);
  return out;
}

// Rotation at E = 2 m g l k^2 (k > 1): one revolution, theta in [0, 2 pi].
ActionAndPeriod RotationByQuadrature(const Parameters& s, double k) {
  const double m = s.mass, g = s.gravity, l = s.length;
  auto p_of = [&](double theta) {
    const double sin_half = std::sin(theta / 2);
    return std::sqrt(2 * m * l * l * 2 * m * g * l *
                     (k * k - sin_half * sin_half));
  };
  ActionAndPeriod out;
  out.action = Integrate(p_of, 0, 2 * M_PI) / (2 * M_PI);
  out.period = Integrate([&](double theta) { return m * l * l / p_of(theta); },
                         0, 2 * M_PI);
  return out;
}

TEST(BoostConventionTest, EllipticFunctionsTakeTheModulus) {
  for (double k : {0.1, 0.5, 0.9, 0.99, 0.999999}) {
    // K(k) = pi / (2 AGM(1, sqrt(1 - k^2))), k the modulus.
    double a = 1, b = std::sqrt((1 - k) * (1 + k));
    for (int i = 0; i < 40; ++i) {
      const double next = (a + b) / 2;
      b = std::sqrt(a * b);
      a = next;
    }
    const double agm = M_PI / (2 * a);
    EXPECT_LT(RelativeError(boost::math::ellint_1(k), agm), 1e-14) << k;
    // Were the argument the parameter m = k^2, K would differ by far more.
    EXPECT_GT(RelativeError(boost::math::ellint_1(k * k), agm), 1e-3) << k;
    // sn(F(phi, k), k) = sin(phi): jacobi_sn takes the same modulus.
    const double phi = 1.1;
    EXPECT_NEAR(boost::math::jacobi_sn(k, boost::math::ellint_1(k, phi)),
                std::sin(phi), 1e-14)
        << k;
  }
}

// Why pendulum.cc computes dn itself: Boost 1.74's dn is wrong at u = K (a
// pendulum released from rest starts there), while sn and cn are right.
TEST(BoostConventionTest, BoostDnIsWrongAtTheQuarterPeriod) {
  const double k = std::sin(0.25);
  const double quarter = boost::math::ellint_1(k);
  double cn, dn;
  const double sn = boost::math::jacobi_elliptic(k, quarter, &cn, &dn);
  EXPECT_NEAR(sn, 1, 1e-15);
  EXPECT_NEAR(cn, 0, 1e-15);
  const double k_prime = std::sqrt((1 - k) * (1 + k));  // dn(K) = k'
  EXPECT_GT(std::abs(dn - k_prime), 1e-4);
  // The pendulum's state a quarter period after the bottom of that swing is
  // its release point, exactly.
  absl::StatusOr<pendulum::Orbit> orbit = pendulum::OrbitOf(kUnit, 0.5, 0);
  ASSERT_TRUE(orbit.ok()) << orbit.status();
  double q, p;
  pendulum::StateAt(kUnit, *orbit, 0, &q, &p);
  EXPECT_NEAR(q, 0.5, 1e-15);
}

TEST(JacobiAmplitudeTest, InvertsTheIncompleteIntegralAndIsContinuous) {
  for (double modulus : {0.3, 0.9}) {
    for (double phi : {-7.0, -1.0, 0.0, 0.4, 1.5707, 2.0, 10.0, 30.0}) {
      // F for any phi, by F(phi + j pi) = F(phi) + 2 j K.
      const double j = std::round(phi / M_PI);
      const double u = boost::math::ellint_1(modulus, phi - j * M_PI) +
                       2 * j * boost::math::ellint_1(modulus);
      EXPECT_NEAR(pendulum::JacobiAmplitude(modulus, u), phi, 1e-13)
          << modulus << " " << phi;
    }
    double previous = pendulum::JacobiAmplitude(modulus, -20);
    for (double u = -20; u < 20; u += 0.01) {
      const double am = pendulum::JacobiAmplitude(modulus, u);
      EXPECT_GE(am, previous);
      EXPECT_LT(am - previous, 0.05);
      previous = am;
    }
  }
}

TEST(PendulumPhysicsTest, LibrationActionAndPeriodMatchQuadrature) {
  for (const Parameters& s : {kUnit, kDeepMind, kGeneral}) {
    for (double theta0 : {0.1, 1.0, 2.0, 2.8, 3.1}) {
      const ActionAndPeriod quadrature = LibrationByQuadrature(s, theta0);
      const double k = std::sin(theta0 / 2);
      EXPECT_LT(
          RelativeError(pendulum::LibrationAction(s, k), quadrature.action),
          1e-10)
          << "m " << s.mass << " l " << s.length << " theta0 " << theta0;
      EXPECT_LT(RelativeError(2 * M_PI / pendulum::LibrationFrequency(s, k),
                              quadrature.period),
                1e-10)
          << "m " << s.mass << " l " << s.length << " theta0 " << theta0;
      // The same through the orbit of a released state.
      absl::StatusOr<pendulum::Orbit> orbit = pendulum::OrbitOf(s, theta0, 0);
      ASSERT_TRUE(orbit.ok()) << orbit.status();
      EXPECT_FALSE(orbit->rotating);
      EXPECT_LT(RelativeError(orbit->action, quadrature.action), 1e-10);
      EXPECT_LT(RelativeError(2 * M_PI / orbit->frequency, quadrature.period),
                1e-10);
    }
  }
}

TEST(PendulumPhysicsTest, RotationActionAndPeriodMatchQuadrature) {
  for (const Parameters& s : {kUnit, kDeepMind, kGeneral}) {
    for (double k : {1.01, 1.2, 1.5, 3.0}) {
      const ActionAndPeriod quadrature = RotationByQuadrature(s, k);
      EXPECT_LT(
          RelativeError(pendulum::RotationAction(s, k), quadrature.action),
          1e-10)
          << "m " << s.mass << " l " << s.length << " k " << k;
      EXPECT_LT(RelativeError(2 * M_PI / pendulum::RotationFrequency(s, k),
                              quadrature.period),
                1e-10)
          << "m " << s.mass << " l " << s.length << " k " << k;
      // Through the orbit of a state at the bottom with E = 2 m g l k^2,
      // both directions.
      const double energy = pendulum::SeparatrixEnergy(s) * k * k;
      const double p = std::sqrt(2 * s.mass * s.length * s.length * energy);
      for (double sign : {1.0, -1.0}) {
        absl::StatusOr<pendulum::Orbit> orbit =
            pendulum::OrbitOf(s, 0, sign * p);
        ASSERT_TRUE(orbit.ok()) << orbit.status();
        EXPECT_TRUE(orbit->rotating);
        EXPECT_LT(RelativeError(orbit->action, quadrature.action), 1e-10);
        EXPECT_LT(RelativeError(2 * M_PI / orbit->frequency, quadrature.period),
                  1e-10);
      }
    }
  }
}

// Integrates Hamilton's equations q' = p / (m l^2), p' = -m g l sin q with
// the project's adaptive Dormand-Prince from (q0, p0) to every t in `times`
// (ascending from 0), and returns the largest deviation from the closed
// form, relative to max |q| and max |p| along the closed form.
double MaxDeviationFromDormandPrince(const Parameters& s, double q0, double p0,
                                     const std::vector<double>& times) {
  const double m = s.mass, g = s.gravity, l = s.length;
  auto field = [&](double, const Eigen::MatrixXd& y) {
    Eigen::MatrixXd dy(1, 2);
    dy(0, 0) = y(0, 1) / (m * l * l);
    dy(0, 1) = -m * g * l * std::sin(y(0, 0));
    return dy;
  };
  ode::SolverOptions options;
  options.mode = ode::StepMode::kAdaptive;
  options.step = 0;
  options.rtol = 1e-12;
  options.atol = 1e-12;
  options.max_steps = 10000000;
  absl::StatusOr<pendulum::Orbit> orbit = pendulum::OrbitOf(s, q0, p0);
  EXPECT_TRUE(orbit.ok()) << orbit.status();
  if (!orbit.ok()) return 1;
  Eigen::MatrixXd y(1, 2);
  y << q0, p0;
  double t = 0, max_q = 0, max_p = 0, dev_q = 0, dev_p = 0;
  for (double next : times) {
    absl::StatusOr<Eigen::MatrixXd> solved =
        ode::Solve(field, y, t, next, options);
    EXPECT_TRUE(solved.ok()) << solved.status();
    if (!solved.ok()) return 1;
    y = *solved;
    t = next;
    double q, p;
    pendulum::StateAt(s, *orbit, t, &q, &p);
    max_q = std::max(max_q, std::abs(q));
    max_p = std::max(max_p, std::abs(p));
    dev_q = std::max(dev_q, std::abs(q - y(0, 0)));
    dev_p = std::max(dev_p, std::abs(p - y(0, 1)));
  }
  return std::max(dev_q / max_q, dev_p / max_p);
}

TEST(PendulumPhysicsTest, ClosedFormMatchesDormandPrince) {
  struct Case {
    const char* what;
    Parameters s;
    double q0, p0;
  };
  const std::vector<Case> cases = {
      {"small swing from rest", kUnit, 0.1, 0},
      {"large swing from rest", kUnit, 2.8, 0},
      {"libration, general state", kUnit, 1.0, -4.0},
      {"libration about 2 pi", kUnit, 2 * M_PI + 0.5, 3.0},
      {"libration, deepmind", kDeepMind, -1.2, 1.1},
      {"libration, general m l", kGeneral, 2.0, 1.5},
      {"rotation, positive", kUnit, 0.3, 7.0},
      {"rotation, negative", kUnit, -2.0, -5.5},
      {"rotation, deepmind", kDeepMind, 1.0, -2.2},
      {"rotation, general m l", kGeneral, 0.5, 9.0},
      {"just below the separatrix", kUnit, M_PI - 0.01, 0},
      {"just above the separatrix", kUnit, M_PI, 0.05},
  };
  for (const Case& c : cases) {
    absl::StatusOr<pendulum::Orbit> orbit = pendulum::OrbitOf(c.s, c.q0, c.p0);
    ASSERT_TRUE(orbit.ok()) << c.what << ": " << orbit.status();
    // Four periods, 200 samples.
    const double period = 2 * M_PI / orbit->frequency;
    std::vector<double> times;
    for (int j = 1; j <= 200; ++j) times.push_back(4 * period * j / 200);
    const double deviation =
        MaxDeviationFromDormandPrince(c.s, c.q0, c.p0, times);
    std::printf("%s (%s): max relative deviation %.3g\n", c.what,
                orbit->rotating ? "rotating" : "librating", deviation);
    // Near the separatrix the flow stretches errors by about 1 / |e - 1| per
    // passage by the top, the integrator's local errors (1e-12) included:
    // the tolerance follows that conditioning, not the closed form.
    const double e =
        pendulum::Energy(c.s, c.q0, c.p0) / pendulum::SeparatrixEnergy(c.s);
    EXPECT_LT(deviation, std::max(1e-9, 1e-11 / std::abs(e - 1))) << c.what;
  }
}

// One period after any state the pendulum is back there (a rotating one a
// revolution further on): checks the initial phase on both branches and in
// every quadrant, without t = 0's exact shortcut.
TEST(PendulumPhysicsTest, ReturnsToTheGivenStateAfterOnePeriod) {
  for (double q0 : {-3.0, -0.5, 0.0, 0.5, 3.0, 20.0}) {
    for (double p0 : {-9.0, -1.0, 0.0, 2.0, 9.0}) {
      absl::StatusOr<pendulum::Orbit> orbit = pendulum::OrbitOf(kUnit, q0, p0);
      ASSERT_TRUE(orbit.ok()) << orbit.status();
      const double period = 2 * M_PI / orbit->frequency;
      double q, p;
      pendulum::StateAt(kUnit, *orbit, period, &q, &p);
      const double revolution = orbit->rotating ? orbit->sign * 2 * M_PI : 0;
      EXPECT_NEAR(q, q0 + revolution, 1e-12 * (1 + std::abs(q0)))
          << q0 << " " << p0;
      EXPECT_NEAR(p, p0, 1e-12 * (1 + std::abs(p0))) << q0 << " " << p0;
      // And a tiny step away it is next to it.
      pendulum::StateAt(kUnit, *orbit, 1e-9, &q, &p);
      EXPECT_NEAR(q, q0, 1e-8) << q0 << " " << p0;
      EXPECT_NEAR(p, p0, 1e-7) << q0 << " " << p0;
    }
  }
}

TEST(PendulumPhysicsTest, SeparatrixIsRefusedAndItsNeighbourhoodWorks) {
  // Released at the top: exactly the separatrix energy.
  absl::StatusOr<pendulum::Orbit> top = pendulum::OrbitOf(kUnit, M_PI, 0);
  ASSERT_FALSE(top.ok());
  EXPECT_THAT(std::string(top.status().message()), HasSubstr("separatrix"));
  EXPECT_FALSE(pendulum::OrbitOf(kUnit, 0, 1e300).ok());
  EXPECT_FALSE(pendulum::OrbitOf(kUnit, std::nan(""), 0).ok());
  // Just outside the tolerance on either side.
  const double s = pendulum::SeparatrixEnergy(kUnit);
  for (double e : {1 - 2e-6, 1 + 2e-6}) {
    const double p = std::sqrt(2 * e * s);  // q = 0, m = l = 1
    absl::StatusOr<pendulum::Orbit> orbit = pendulum::OrbitOf(kUnit, 0, p);
    ASSERT_TRUE(orbit.ok()) << orbit.status();
    EXPECT_EQ(orbit->rotating, e > 1);
    EXPECT_TRUE(std::isfinite(orbit->action) && orbit->action > 0);
    EXPECT_TRUE(std::isfinite(orbit->frequency) && orbit->frequency > 0);
    std::vector<double> times;
    const double period = 2 * M_PI / orbit->frequency;
    for (int j = 1; j <= 50; ++j) times.push_back(2 * period * j / 50);
    EXPECT_LT(MaxDeviationFromDormandPrince(kUnit, 0, p, times), 1e-6) << e;
  }
}

SimulationConfig ParseSimulation(const std::string& text) {
  SimulationConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config))
      << text;
  return config;
}

const System& Pendulum() {
  absl::StatusOr<const System*> system = FindSystem("pendulum");
  EXPECT_TRUE(system.ok()) << system.status();
  static const PendulumSystem fallback;
  return system.ok() ? **system : fallback;
}

std::string ValidationError(const std::string& text) {
  absl::Status status = Pendulum().ValidateConfig(ParseSimulation(text));
  return status.ok() ? "OK" : std::string(status.message());
}

TEST(PendulumSystemTest, RegisteredAndReachedThroughTheConfig) {
  absl::StatusOr<const System*> found = FindSystem("pendulum");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ((*found)->name(), "pendulum");
  const SimulationConfig config = ParseSimulation(
      "pendulum { initial_angle { min: 0.1 max: 1 } } num_trajectories: 2");
  absl::StatusOr<const System*> by_config = SystemFor(config);
  ASSERT_TRUE(by_config.ok()) << by_config.status();
  EXPECT_EQ(*by_config, *found);
  EXPECT_EQ((*found)->DegreesOfFreedom(config), 1);
}

TEST(PendulumSystemTest, ValidationErrorsNameTheField) {
  const std::string tail = " num_samples: 10 time_step: 0.1";
  EXPECT_EQ(ValidationError("pendulum { initial_angle { min: 0.1 max: 2.8 } } "
                            "num_trajectories: 16" +
                            tail),
            "OK");
  EXPECT_THAT(ValidationError("pendulum { initial_angle { min: 0.1 max: 4 } } "
                              "num_trajectories: 2"),
              HasSubstr("simulation.pendulum.initial_angle.max: must be < pi, "
                        "got 4"));
  EXPECT_THAT(ValidationError("pendulum { initial_angle { min: 0 max: 1 } } "
                              "num_trajectories: 2"),
              HasSubstr("simulation.pendulum.initial_angle.min: must be > 0"));
  EXPECT_THAT(ValidationError("pendulum { initial_angle { min: 2 max: 1 } } "
                              "num_trajectories: 2"),
              HasSubstr("simulation.pendulum.initial_angle: min 2 > max 1"));
  EXPECT_THAT(
      ValidationError("pendulum { initial_angle { min: 0.1 max: 1 } "
                      "initial_states { q: 1 p: 0 } } num_trajectories: 1"),
      HasSubstr("simulation.pendulum: give exactly one of initial_angle, "
                "phase_space_radius or initial_states, got initial_angle and "
                "initial_states"));
  EXPECT_THAT(ValidationError("pendulum { mass: 1 } num_trajectories: 1"),
              HasSubstr("give exactly one of initial_angle, "
                        "phase_space_radius or initial_states, got none"));
  EXPECT_THAT(ValidationError("pendulum { initial_angle { values: [1, 2] } } "
                              "num_trajectories: 3"),
              HasSubstr("simulation.pendulum.initial_angle.values: has 2 "
                        "values, num_trajectories is 3"));
  EXPECT_THAT(ValidationError("pendulum { initial_angle { values: [1, 3.5] } }"
                              " num_trajectories: 2"),
              HasSubstr("simulation.pendulum.initial_angle.values[1]: must be "
                        "in (0, pi), got 3.5"));
  EXPECT_THAT(
      ValidationError("pendulum { initial_angle { min: 1 values: [1] } } "
                      "num_trajectories: 1"),
      HasSubstr("simulation.pendulum.initial_angle: give either min and max "
                "or values, not both"));
  EXPECT_THAT(ValidationError("pendulum { initial_states { q: 1 p: 0 } } "
                              "num_trajectories: 2"),
              HasSubstr("simulation.pendulum.initial_states: has 1 states, "
                        "num_trajectories is 2"));
  EXPECT_THAT(ValidationError("pendulum { initial_states { q: [1, 2] p: 0 } } "
                              "num_trajectories: 1"),
              HasSubstr("simulation.pendulum.initial_states[0].q: has 2 "
                        "values, expected 1"));
  EXPECT_THAT(
      ValidationError("pendulum { phase_space_radius { min: 1.3 } } "
                      "num_trajectories: 1"),
      HasSubstr("simulation.pendulum.phase_space_radius: give min and max"));
  // Every problem at once, separated by "; ".
  const std::string several = ValidationError(
      "pendulum { mass: 0 length: -1 gravity: 9.81 initial_angle { min: 0.1 "
      "max: 1 } } num_trajectories: 2");
  EXPECT_THAT(several, HasSubstr("simulation.pendulum.mass: must be > 0, got "
                                 "0; simulation.pendulum.length: must be > 0, "
                                 "got -1"));
  EXPECT_THAT(ValidationError("pendulum { gravity: nan initial_angle { min: "
                              "0.1 max: 1 } } num_trajectories: 2"),
              HasSubstr("simulation.pendulum.gravity: must be > 0, got nan"));
  EXPECT_THAT(ValidationError("pendulum { initial_angle { min: 0.1 max: 1 } } "
                              "num_trajectories: 0"),
              HasSubstr("simulation.num_trajectories: must be >= 1, got 0"));
  // The separatrix, named by the field that put a trajectory there.
  EXPECT_THAT(ValidationError("pendulum { initial_states { q: 3.14159265358979"
                              " p: 0 } } num_trajectories: 1"),
              HasSubstr("simulation.pendulum.initial_states[0]: state (q "
                        "3.14159, p 0) has energy 19.62, within 1e-06 "
                        "(relative) of the separatrix energy"));
  EXPECT_THAT(ValidationError("pendulum { initial_angle { min: 1 max: "
                              "3.1415926 } } num_trajectories: 3"),
              HasSubstr("simulation.pendulum.initial_angle (trajectory 2): "));
}

TEST(PendulumSystemTest,
     ShippedConfigsValidateAndTheDeepMindOneHasBothBranches) {
  for (const char* path :
       {"configs/pendulum/default.pbtxt", "configs/pendulum/deepmind.pbtxt"}) {
    absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(path);
    ASSERT_TRUE(config.ok()) << config.status();
    const SimulationConfig& simulation = config->experiment.simulation();
    EXPECT_TRUE(Pendulum().ValidateConfig(simulation).ok())
        << path << ": " << Pendulum().ValidateConfig(simulation);
    Eigen::VectorXd q, p;
    ASSERT_TRUE(pendulum::InitialStates(simulation, &q, &p).ok());
    ASSERT_EQ(q.size(), simulation.num_trajectories());
    const Parameters s = {simulation.pendulum().mass(),
                          simulation.pendulum().length(),
                          simulation.pendulum().gravity()};
    int rotating = 0;
    double slowest = 1e300;
    for (int k = 0; k < q.size(); ++k) {
      absl::StatusOr<pendulum::Orbit> orbit = pendulum::OrbitOf(s, q(k), p(k));
      ASSERT_TRUE(orbit.ok()) << orbit.status();
      rotating += orbit->rotating;
      slowest = std::min(slowest, orbit->frequency);
    }
    const double duration =
        (simulation.num_samples() - 1) * simulation.time_step();
    std::printf(
        "%s: %d of %d trajectories rotate; the slowest makes %.1f "
        "periods\n",
        path, rotating, static_cast<int>(q.size()),
        duration * slowest / (2 * M_PI));
    if (std::string(path) == "configs/pendulum/default.pbtxt") {
      EXPECT_EQ(config->experiment.name(), "pendulum");
      EXPECT_EQ(rotating, 0);
      EXPECT_DOUBLE_EQ(q(0), 0.1);
      EXPECT_DOUBLE_EQ(q(15), 2.8);
      EXPECT_EQ(simulation.num_samples(), 1000);
    } else {
      EXPECT_EQ(s.mass, 0.5);
      EXPECT_EQ(s.gravity, 3);
      EXPECT_GT(rotating, 0);
      EXPECT_LT(rotating, q.size());
      for (int k = 0; k < q.size(); ++k) {
        const double r = std::hypot(q(k), p(k));
        EXPECT_GE(r, 1.3 - 1e-12);
        EXPECT_LE(r, 2.3 + 1e-12);
      }
    }
  }
}

SimulationConfig MixedConfig() {
  // Librating and rotating trajectories, released and general states.
  return ParseSimulation(
      "pendulum { mass: 0.5 length: 1 gravity: 3 "
      "initial_states { q: 1 p: 0 } initial_states { q: -0.3 p: 1.9 } "
      "initial_states { q: 0.2 p: -2.2 } initial_states { q: 2.5 p: 0.4 } } "
      "num_samples: 400 time_step: 0.05 num_trajectories: 4");
}

Eigen::VectorXd Times(const SimulationConfig& config) {
  Eigen::VectorXd t(config.num_samples());
  for (int j = 0; j < t.size(); ++j) t(j) = j * config.time_step();
  return t;
}

TEST(PendulumSystemTest, GeneratedTrajectoriesConserveEnergyAndStayUnwrapped) {
  for (const char* path :
       {"configs/pendulum/default.pbtxt", "configs/pendulum/deepmind.pbtxt"}) {
    absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(path);
    ASSERT_TRUE(config.ok()) << config.status();
    const SimulationConfig& simulation = config->experiment.simulation();
    absl::StatusOr<GeneratedTrajectories> data =
        Pendulum().Generate(simulation, Times(simulation));
    ASSERT_TRUE(data.ok()) << data.status();
    ASSERT_TRUE(
        Pendulum()
            .CheckParameters(data->parameters, 1, simulation.num_trajectories())
            .ok());
    double worst = 0;
    for (size_t k = 0; k < data->q.size(); ++k) {
      Eigen::MatrixXd states(data->q[k].rows(), 2);
      states << data->q[k], data->p[k];
      const Eigen::VectorXd energy =
          Pendulum().Energy(data->parameters, states);
      const double drift =
          (energy.array() - energy(0)).abs().maxCoeff() / energy(0);
      worst = std::max(worst, drift);
      // Continuous: no 2 pi jumps between samples, rotating or not.
      for (Eigen::Index j = 1; j < states.rows(); ++j) {
        ASSERT_LT(std::abs(states(j, 0) - states(j - 1, 0)), 1.0)
            << path << " trajectory " << k << " sample " << j;
      }
    }
    std::printf("%s: worst relative energy drift %.3g\n", path, worst);
    EXPECT_LT(worst, 1e-12) << path;
  }
}

TEST(PendulumSystemTest, RotatingAngleIsUnwrapped) {
  const SimulationConfig config = MixedConfig();
  absl::StatusOr<GeneratedTrajectories> data =
      Pendulum().Generate(config, Times(config));
  ASSERT_TRUE(data.ok()) << data.status();
  // Trajectory 2 (q 0.2, p -2.2: E = 0.03 + 4.84 > 3) rotates backwards.
  const Eigen::MatrixXd& q = data->q[2];
  EXPECT_LT(q(q.rows() - 1, 0), -6 * M_PI);
  for (Eigen::Index j = 1; j < q.rows(); ++j) EXPECT_LT(q(j, 0), q(j - 1, 0));
  // Trajectory 0 (released at 1) librates within [-1, 1].
  EXPECT_LE(data->q[0].cwiseAbs().maxCoeff(), 1 + 1e-12);
}

TEST(PendulumSystemTest, EvolveEqualsGenerate) {
  const SimulationConfig config = MixedConfig();
  const Eigen::VectorXd t = Times(config);
  absl::StatusOr<GeneratedTrajectories> data = Pendulum().Generate(config, t);
  ASSERT_TRUE(data.ok()) << data.status();
  const int num_trajectories = config.num_trajectories();
  // The configured states, which are also the first samples exactly.
  Eigen::MatrixXd initial(num_trajectories, 2);
  for (int k = 0; k < num_trajectories; ++k) {
    initial(k, 0) = data->parameters.Find("initial_q")->values[k];
    initial(k, 1) = data->parameters.Find("initial_p")->values[k];
    EXPECT_EQ(initial(k, 0), config.pendulum().initial_states(k).q(0));
    EXPECT_EQ(initial(k, 1), config.pendulum().initial_states(k).p(0));
    EXPECT_EQ(data->q[k](0, 0), initial(k, 0));
    EXPECT_EQ(data->p[k](0, 0), initial(k, 1));
  }
  for (int j : {0, 1, 57, 399}) {
    absl::StatusOr<Eigen::MatrixXd> evolved =
        Pendulum().Evolve(data->parameters, initial, t(j));
    ASSERT_TRUE(evolved.ok()) << evolved.status();
    for (int k = 0; k < num_trajectories; ++k) {
      // Bit for bit: the same orbit, the same time.
      EXPECT_EQ((*evolved)(k, 0), data->q[k](j, 0)) << k << " " << j;
      EXPECT_EQ((*evolved)(k, 1), data->p[k](j, 0)) << k << " " << j;
    }
  }
  // From a state mid-trajectory, to rounding.
  Eigen::MatrixXd middle(num_trajectories, 2);
  for (int k = 0; k < num_trajectories; ++k) {
    middle(k, 0) = data->q[k](100, 0);
    middle(k, 1) = data->p[k](100, 0);
  }
  absl::StatusOr<Eigen::MatrixXd> later =
      Pendulum().Evolve(data->parameters, middle, t(350) - t(100));
  ASSERT_TRUE(later.ok()) << later.status();
  for (int k = 0; k < num_trajectories; ++k) {
    EXPECT_NEAR((*later)(k, 0), data->q[k](350, 0), 1e-10) << k;
    EXPECT_NEAR((*later)(k, 1), data->p[k](350, 0), 1e-10) << k;
  }
  // Bad input is an error (or NaN for Energy, which has no status), not a
  // crash.
  EXPECT_TRUE(Pendulum()
                  .Energy(data->parameters, Eigen::MatrixXd::Zero(2, 3))
                  .array()
                  .isNaN()
                  .all());
  EXPECT_FALSE(Pendulum().Evolve(data->parameters, initial, -1).ok());
  EXPECT_FALSE(
      Pendulum().Evolve(data->parameters, Eigen::MatrixXd::Zero(2, 3), 1).ok());
  Eigen::MatrixXd top(1, 2);
  top << M_PI, 0;
  absl::StatusOr<Eigen::MatrixXd> refused =
      Pendulum().Evolve(data->parameters, top, 1);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("state 0: state (q 3.14159, p 0)"));
}

TEST(PendulumSystemTest, ActionsAndFrequenciesMatchEachTrajectory) {
  const SimulationConfig config = MixedConfig();
  absl::StatusOr<GeneratedTrajectories> data =
      Pendulum().Generate(config, Times(config));
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->true_actions.rows(), 4);
  ASSERT_EQ(data->true_actions.cols(), 1);
  // Distinct orbits, distinct actions: the quantity the model must learn.
  EXPECT_NE(data->true_actions(0, 0), data->true_actions(1, 0));
  for (int k = 0; k < 4; ++k) {
    Eigen::MatrixXd states(data->q[k].rows(), 2);
    states << data->q[k], data->p[k];
    Eigen::MatrixXd actions, frequencies;
    ASSERT_TRUE(Pendulum()
                    .ActionsAndFrequencies(data->parameters, states, &actions,
                                           &frequencies)
                    .ok());
    ASSERT_EQ(actions.rows(), states.rows());
    ASSERT_EQ(actions.cols(), 1);
    for (Eigen::Index j = 0; j < states.rows(); ++j) {
      EXPECT_NEAR(actions(j, 0), data->true_actions(k, 0),
                  1e-10 * data->true_actions(k, 0));
      EXPECT_NEAR(frequencies(j, 0), data->true_frequencies(k, 0),
                  1e-10 * data->true_frequencies(k, 0));
    }
  }
  // Stored once, by the dataset at its root: not in the parameter group.
  EXPECT_EQ(data->parameters.Find("true_actions"), nullptr);
  EXPECT_EQ(data->parameters.Find("true_frequencies"), nullptr);
}

TEST(PendulumSystemTest, ParameterGroupAndDescribe) {
  const SimulationConfig config = MixedConfig();
  absl::StatusOr<GeneratedTrajectories> data =
      Pendulum().Generate(config, Times(config));
  ASSERT_TRUE(data.ok()) << data.status();
  std::vector<std::string> names;
  for (const NamedArray& array : data->parameters.arrays) {
    names.push_back(array.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"mass", "length", "gravity",
                                             "initial_q", "initial_p"}));
  EXPECT_EQ(data->parameters.Find("initial_p")->values,
            (std::vector<double>{0, 1.9, -2.2, 0.4}));
  EXPECT_EQ(Pendulum().Describe(data->parameters), "pendulum: m 0.5, l 1, g 3");
  EXPECT_TRUE(Pendulum().CheckParameters(data->parameters, 1, 4).ok());

  EXPECT_THAT(
      std::string(Pendulum().CheckParameters(data->parameters, 1, 5).message()),
      HasSubstr("parameters/initial_q has shape [4], expected [5]"));
  EXPECT_THAT(
      std::string(Pendulum().CheckParameters(data->parameters, 2, 4).message()),
      HasSubstr("the pendulum has 1 degree of freedom"));
  ParameterGroup bad = data->parameters;
  bad.arrays[0].values[0] = -1;
  bad.arrays.erase(bad.arrays.begin() + 2);
  bad.arrays.push_back({"k_pair", {}, {0.5}});
  // The dataset's root holds these; a group that repeats them is not ours.
  bad.arrays.push_back({"true_actions", {4, 1}, {1, 2, 3, 4}});
  const std::string message(Pendulum().CheckParameters(bad, 1, 4).message());
  EXPECT_THAT(message, HasSubstr("parameters/mass must be > 0, got -1"));
  EXPECT_THAT(message, HasSubstr("parameters/gravity is missing"));
  EXPECT_THAT(message, HasSubstr("parameters/k_pair is not a pendulum "
                                 "parameter"));
  EXPECT_THAT(message, HasSubstr("parameters/true_actions is not a pendulum "
                                 "parameter"));
}

TEST(PendulumSystemTest, DefaultConfigFrequencyFallsWithAmplitude) {
  absl::StatusOr<ExperimentConfig> config =
      ReadExperimentConfig("configs/pendulum/default.pbtxt");
  ASSERT_TRUE(config.ok()) << config.status();
  const SimulationConfig& simulation = config->experiment.simulation();
  absl::StatusOr<GeneratedTrajectories> data =
      Pendulum().Generate(simulation, Times(simulation));
  ASSERT_TRUE(data.ok()) << data.status();
  const double omega0 = std::sqrt(9.81);
  for (int k = 1; k < 16; ++k) {
    EXPECT_LT(data->true_frequencies(k, 0), data->true_frequencies(k - 1, 0));
    EXPECT_GT(data->true_actions(k, 0), data->true_actions(k - 1, 0));
  }
  std::printf("default: omega / omega0 from %.4f to %.4f\n",
              data->true_frequencies(0, 0) / omega0,
              data->true_frequencies(15, 0) / omega0);
  // Small swing: the harmonic limit, omega -> omega0, I -> E / omega0.
  EXPECT_NEAR(data->true_frequencies(0, 0) / omega0, 1 - 0.1 * 0.1 / 16, 1e-5);
}

}  // namespace
}  // namespace aanet::data_gen
