// Checks Kepler orbits by independent methods: Kepler's equation by its
// residual, trajectories against the project's adaptive Dormand-Prince on
// Hamilton's equations in Cartesian coordinates, conservation of energy and
// angular momentum, the period 2 pi a^(3/2) / sqrt(k), the f-and-g
// propagation from arbitrary states against the closed form from elements,
// and the polar form against the Cartesian one.
#include "data_gen/systems/kepler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data_gen/system.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "ode/dormand_prince.h"
#include "proto/experiment.pb.h"
#include "proto/text_config.h"

namespace aanet::data_gen {
namespace {

using kepler::Elements;
using kepler::Parameters;
using kepler::State;
using ::testing::HasSubstr;

constexpr double kEps = std::numeric_limits<double>::epsilon();
const Parameters kUnit = {1, 1};
const Parameters kGeneral = {2.5, 0.7};  // m != 1: the published -k/r breaks

double Period(const Parameters& s, double a) {
  return 2 * M_PI * std::pow(a, 1.5) / std::sqrt(s.k);
}

Eigen::Vector4d Vec(const State& s) { return {s.x, s.y, s.px, s.py}; }
State FromVec(const Eigen::Vector4d& v) { return {v(0), v(1), v(2), v(3)}; }

TEST(KeplerEquationTest, ResidualAtMachinePrecision) {
  for (double e : {0.0, 0.3, 0.6, 0.9}) {
    double worst = 0;
    int count = 0;
    // Densely over one turn, and far out (reduced by whole turns).
    for (double m = -4; m <= 4; m += 1e-3) {
      for (double shift : {0.0, 2 * M_PI * 7, -2 * M_PI * 31}) {
        const double mean = m + shift;
        absl::StatusOr<double> ecc = kepler::SolveKeplerEquation(mean, e);
        ASSERT_TRUE(ecc.ok()) << ecc.status();
        // In ulp of the equation's terms: evaluating the residual rounds
        // by about that much.
        const double terms =
            std::abs(*ecc) + e * std::abs(std::sin(*ecc)) + std::abs(mean);
        const double residual =
            std::abs(*ecc - e * std::sin(*ecc) - mean) / (kEps * terms);
        worst = std::max(worst, residual);
        ++count;
      }
    }
    std::printf("e %.1f: worst residual %.2f ulp of the terms over %d M\n", e,
                worst, count);
    EXPECT_LE(worst, 6) << "e " << e;
  }
  // e = 0: E = M exactly.
  EXPECT_EQ(*kepler::SolveKeplerEquation(1.234, 0), 1.234);
  EXPECT_FALSE(kepler::SolveKeplerEquation(1, 1).ok());
  EXPECT_FALSE(kepler::SolveKeplerEquation(1, -0.1).ok());
  EXPECT_FALSE(kepler::SolveKeplerEquation(std::nan(""), 0.5).ok());
  // Beyond the configs' 0.9 the bracketed Newton still converges.
  for (double e : {0.95, 0.999}) {
    for (double m : {-3.0, -1e-3, 0.0, 1e-8, 0.5, 3.1}) {
      absl::StatusOr<double> ecc = kepler::SolveKeplerEquation(m, e);
      ASSERT_TRUE(ecc.ok()) << ecc.status();
      EXPECT_LE(std::abs(*ecc - e * std::sin(*ecc) - m), 4 * kEps * M_PI)
          << e << " " << m;
    }
  }
}

// Integrates q' = p / m, p' = -k m q / r^3 with the project's adaptive
// Dormand-Prince from `start` and returns the largest deviation from
// `closed(t)` over `times`, relative to max |q| and max |p|.
template <typename Closed>
double MaxDeviationFromDormandPrince(const Parameters& s, const State& start,
                                     const std::vector<double>& times,
                                     Closed closed) {
  auto field = [&](double, const Eigen::MatrixXd& y) {
    Eigen::MatrixXd dy(1, 4);
    const double r = std::hypot(y(0, 0), y(0, 1));
    const double f = -s.k * s.mass / (r * r * r);
    dy << y(0, 2) / s.mass, y(0, 3) / s.mass, f * y(0, 0), f * y(0, 1);
    return dy;
  };
  ode::SolverOptions options;
  options.mode = ode::StepMode::kAdaptive;
  options.step = 0;
  options.rtol = 1e-13;
  options.atol = 1e-13;
  options.max_steps = 10000000;
  Eigen::MatrixXd y(1, 4);
  y << start.x, start.y, start.px, start.py;
  double t = 0, max_q = 0, max_p = 0, dev_q = 0, dev_p = 0;
  for (double next : times) {
    absl::StatusOr<Eigen::MatrixXd> solved =
        ode::Solve(field, y, t, next, options);
    EXPECT_TRUE(solved.ok()) << solved.status();
    if (!solved.ok()) return 1;
    y = *solved;
    t = next;
    const State c = closed(t);
    max_q = std::max({max_q, std::abs(c.x), std::abs(c.y)});
    max_p = std::max({max_p, std::abs(c.px), std::abs(c.py)});
    dev_q = std::max({dev_q, std::abs(c.x - y(0, 0)), std::abs(c.y - y(0, 1))});
    dev_p =
        std::max({dev_p, std::abs(c.px - y(0, 2)), std::abs(c.py - y(0, 3))});
  }
  return std::max(dev_q / max_q, dev_p / max_p);
}

TEST(KeplerPhysicsTest, ClosedFormMatchesDormandPrince) {
  for (const Parameters& s : {kUnit, kGeneral}) {
    for (double e : {0.0, 0.3, 0.6, 0.9}) {
      for (double a : {1.0, 2.5}) {
        const Elements el = {a, e, 0.3, 0.7};
        const double period = Period(s, a);
        std::vector<double> times;
        for (int j = 1; j <= 150; ++j) times.push_back(3 * period * j / 150);
        const State start = *kepler::StateAt(s, el, 0);
        const double from_elements =
            MaxDeviationFromDormandPrince(s, start, times, [&](double t) {
              absl::StatusOr<State> state = kepler::StateAt(s, el, t);
              EXPECT_TRUE(state.ok()) << state.status();
              return *state;
            });
        // The same through f and g from the first state.
        const double from_state =
            MaxDeviationFromDormandPrince(s, start, times, [&](double t) {
              absl::StatusOr<State> state = kepler::Propagate(s, start, t);
              EXPECT_TRUE(state.ok()) << state.status();
              return *state;
            });
        std::printf(
            "m %.1f k %.1f a %.1f e %.1f: max relative deviation %.3g "
            "(elements), %.3g (f and g)\n",
            s.mass, s.k, a, e, from_elements, from_state);
        // Three periods through a pericentre at (1 - e) a: the
        // integrator's own error (rtol 1e-13), which grows like 1 / (1 - e).
        EXPECT_LT(from_elements, 5e-11 / (1 - e)) << "a " << a << " e " << e;
        EXPECT_LT(from_state, 5e-11 / (1 - e)) << "a " << a << " e " << e;
      }
    }
  }
  // Arbitrary states: clockwise, and more eccentric than any config.
  for (const State& start :
       {State{1.0, 0.5, 0.3, -0.9}, State{-0.4, 1.2, 0.05, 0.02},
        State{2.0, 0.0, 0.0, -0.2}}) {
    absl::StatusOr<kepler::Orbit> orbit = kepler::OrbitOf(kUnit, start);
    ASSERT_TRUE(orbit.ok()) << orbit.status();
    const double period = Period(kUnit, orbit->elements.semi_major_axis);
    std::vector<double> times;
    for (int j = 1; j <= 100; ++j) times.push_back(2.5 * period * j / 100);
    const double deviation = MaxDeviationFromDormandPrince(
        kUnit, start, times,
        [&](double t) { return *kepler::Propagate(kUnit, start, t); });
    std::printf("state e %.3f L %.3f: max relative deviation %.3g\n",
                orbit->elements.eccentricity, orbit->angular_momentum,
                deviation);
    EXPECT_LT(deviation, 5e-11 / (1 - orbit->elements.eccentricity));
  }
}

TEST(KeplerPhysicsTest, PeriodIsTwoPiASqrtAOverSqrtK) {
  for (const Parameters& s : {kUnit, kGeneral}) {
    for (double e : {0.0, 0.45, 0.9}) {
      const Elements el = {1.7, e, -0.4, 2.0};
      const double period = Period(s, 1.7);
      for (double t : {0.0, 0.37, 5.0}) {
        const Eigen::Vector4d now = Vec(*kepler::StateAt(s, el, t));
        const Eigen::Vector4d later = Vec(*kepler::StateAt(s, el, t + period));
        const double scale = now.cwiseAbs().maxCoeff();
        EXPECT_LT((later - now).cwiseAbs().maxCoeff(), 1e-12 * scale)
            << e << " " << t;
        // Half a period later it is elsewhere (the test can fail).
        const Eigen::Vector4d half =
            Vec(*kepler::StateAt(s, el, t + period / 2));
        EXPECT_GT((half - now).cwiseAbs().maxCoeff(), 0.1 * scale);
        // f and g agree: a whole period brings a state back.
        const Eigen::Vector4d propagated =
            Vec(*kepler::Propagate(s, FromVec(now), period));
        EXPECT_LT((propagated - now).cwiseAbs().maxCoeff(), 1e-12 * scale);
      }
    }
  }
}

TEST(KeplerPhysicsTest, OrbitOfRecoversElementsActionsAndFrequencies) {
  for (const Parameters& s : {kUnit, kGeneral}) {
    for (double e : {0.0, 0.2, 0.9}) {
      const Elements el = {2.2, e, 0.8, 1.1};
      const double n = kepler::MeanMotion(s, 2.2);
      const double l = s.mass * std::sqrt(s.k * 2.2 * (1 - e * e));
      const double j_r = s.mass * std::sqrt(s.k * 2.2) - l;
      for (double t : {0.0, 1.0, 4.5, 13.0}) {
        const State state = *kepler::StateAt(s, el, t);
        absl::StatusOr<kepler::Orbit> orbit = kepler::OrbitOf(s, state);
        ASSERT_TRUE(orbit.ok()) << orbit.status();
        EXPECT_NEAR(orbit->elements.semi_major_axis, 2.2, 1e-13);
        EXPECT_NEAR(orbit->elements.eccentricity, e, 1e-13);
        EXPECT_NEAR(orbit->actions[1], l, 1e-13 * l);
        EXPECT_NEAR(orbit->actions[0], j_r, 1e-13 * l);
        EXPECT_GE(orbit->actions[0], 0);
        EXPECT_NEAR(orbit->frequencies[0], n, 1e-13 * n);
        EXPECT_EQ(orbit->frequencies[1], orbit->frequencies[0]);
        if (e > 0) {
          EXPECT_NEAR(orbit->elements.pericentre_angle, 1.1, 1e-12);
          // The state's time is the orbit's t = 0; t0 is defined up to
          // whole periods.
          const double dt0 = orbit->elements.pericentre_time - (0.8 - t);
          const double period = Period(s, 2.2);
          EXPECT_NEAR(dt0 - period * std::round(dt0 / period), 0, 1e-11);
        }
      }
    }
  }
  // A clockwise orbit: L < 0 and dH/dL = -n.
  absl::StatusOr<kepler::Orbit> clockwise =
      kepler::OrbitOf(kUnit, State{1, 0, 0, -0.8});
  ASSERT_TRUE(clockwise.ok());
  EXPECT_DOUBLE_EQ(clockwise->actions[1], -0.8);
  EXPECT_EQ(clockwise->frequencies[1], -clockwise->frequencies[0]);
}

TEST(KeplerPhysicsTest, PolarAndCartesianFormsAgree) {
  for (double e : {0.0, 0.5, 0.9}) {
    const Elements el = {1.3, e, 0.2, 5.9};
    for (double t = 0; t < 20; t += 0.37) {
      double r, phi, p_r, p_phi;
      ASSERT_TRUE(
          kepler::PolarStateAt(kGeneral, el, t, &r, &phi, &p_r, &p_phi).ok());
      EXPECT_GE(phi, 0);
      EXPECT_LT(phi, 2 * M_PI);
      const Eigen::Vector4d cartesian = Vec(*kepler::StateAt(kGeneral, el, t));
      const Eigen::Vector4d converted =
          kepler::ToCartesian(Eigen::Vector4d(r, phi, p_r, p_phi));
      EXPECT_LT((converted - cartesian).cwiseAbs().maxCoeff(), 1e-13 * 4)
          << e << " " << t;
      const Eigen::Vector4d back = kepler::ToPolar(cartesian);
      EXPECT_NEAR(back(0), r, 1e-13);
      // phi near 0 may come back near 2 pi: compare on the circle.
      EXPECT_NEAR(std::remainder(back(1) - phi, 2 * M_PI), 0, 1e-13);
      EXPECT_NEAR(back(2), p_r, 1e-13);
      EXPECT_NEAR(back(3), p_phi, 1e-13);
    }
  }
}

TEST(KeplerPhysicsTest, RefusesUnboundRadialAndSingularStates) {
  // Escape speed at r = 1 with k = 1 is sqrt(2).
  absl::StatusOr<State> unbound =
      kepler::Propagate(kUnit, State{1, 0, 0, 1.5}, 1);
  ASSERT_FALSE(unbound.ok());
  EXPECT_THAT(std::string(unbound.status().message()),
              HasSubstr("is not bound: energy"));
  EXPECT_FALSE(kepler::OrbitOf(kUnit, State{1, 0, 0, std::sqrt(2.0)}).ok());
  absl::StatusOr<State> radial =
      kepler::Propagate(kUnit, State{1, 1, 0.1, 0.1}, 1);
  ASSERT_FALSE(radial.ok());
  EXPECT_THAT(std::string(radial.status().message()),
              HasSubstr("angular momentum 0"));
  EXPECT_FALSE(kepler::OrbitOf(kUnit, State{0, 0, 1, 0}).ok());
  EXPECT_FALSE(kepler::OrbitOf(kUnit, State{std::nan(""), 0, 1, 0}).ok());
  EXPECT_FALSE(kepler::Propagate(kUnit, State{1, 0, 0, 1}, INFINITY).ok());
}

SimulationConfig ParseSimulation(const std::string& text) {
  SimulationConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config))
      << text;
  return config;
}

const System& Kepler() {
  absl::StatusOr<const System*> system = FindSystem("kepler");
  EXPECT_TRUE(system.ok()) << system.status();
  static const KeplerSystem fallback;
  return system.ok() ? **system : fallback;
}

std::string ValidationError(const std::string& text) {
  absl::Status status = Kepler().ValidateConfig(ParseSimulation(text));
  return status.ok() ? "OK" : std::string(status.message());
}

Eigen::VectorXd Times(const SimulationConfig& config) {
  Eigen::VectorXd t(config.num_samples());
  for (int j = 0; j < t.size(); ++j) t(j) = j * config.time_step();
  return t;
}

GeneratedTrajectories MustGenerate(const SimulationConfig& config) {
  absl::StatusOr<GeneratedTrajectories> data =
      Kepler().Generate(config, Times(config));
  EXPECT_TRUE(data.ok()) << data.status();
  return data.ok() ? *data : GeneratedTrajectories();
}

Eigen::MatrixXd StatesOf(const GeneratedTrajectories& data, int k) {
  Eigen::MatrixXd states(data.q[k].rows(), 4);
  states << data.q[k], data.p[k];
  return states;
}

// 12 orbits: a in {1, 2, 3} x e in {0, 0.3, 0.6, 0.9}, general m and k.
const char kGrid[] =
    "kepler { mass: 2.5 k: 0.7 semi_major_axis { min: 1 max: 3 } "
    "eccentricity { min: 0 max: 0.9 } pericentre_time { min: 0 max: 2 } "
    "pericentre_angle { min: 0.5 max: 6 } %s } "
    "num_samples: 300 time_step: 0.25 num_trajectories: 12 seed: 3";

SimulationConfig GridConfig(const std::string& extra = "") {
  char text[1024];
  std::snprintf(text, sizeof(text), kGrid, extra.c_str());
  return ParseSimulation(text);
}

TEST(KeplerSystemTest, RegisteredAndReachedThroughTheConfig) {
  absl::StatusOr<const System*> found = FindSystem("kepler");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ((*found)->name(), "kepler");
  const SimulationConfig config = GridConfig();
  absl::StatusOr<const System*> by_config = SystemFor(config);
  ASSERT_TRUE(by_config.ok()) << by_config.status();
  EXPECT_EQ(*by_config, *found);
  EXPECT_EQ((*found)->DegreesOfFreedom(config), 2);
  EXPECT_EQ((*found)->ConservedQuantityNames(),
            std::vector<std::string>{"angular_momentum"});
}

TEST(KeplerSystemTest, GridOrderAndTrueActions) {
  const GeneratedTrajectories data = MustGenerate(GridConfig());
  const NamedArray* a = data.parameters.Find("semi_major_axis");
  const NamedArray* e = data.parameters.Find("eccentricity");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(e, nullptr);
  // a varies slowest.
  EXPECT_EQ(a->values,
            (std::vector<double>{1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}));
  EXPECT_EQ(e->values[0], 0);
  EXPECT_EQ(e->values[3], 0.9);
  EXPECT_DOUBLE_EQ(e->values[5], 0.3);
  for (int k = 0; k < 12; ++k) {
    const double n = std::sqrt(0.7) / std::pow(a->values[k], 1.5);
    const double l =
        2.5 * std::sqrt(0.7 * a->values[k] * (1 - std::pow(e->values[k], 2)));
    EXPECT_NEAR(data.true_frequencies(k, 0), n, 1e-15 * n);
    EXPECT_EQ(data.true_frequencies(k, 1), data.true_frequencies(k, 0));
    EXPECT_NEAR(data.true_actions(k, 1), l, 1e-14 * l);
    EXPECT_NEAR(data.true_actions(k, 0),
                2.5 * std::sqrt(0.7 * a->values[k]) - l, 1e-14 * l);
  }
  EXPECT_EQ(data.true_actions(0, 0), 0);  // e = 0: J_r = 0 exactly
}

TEST(KeplerSystemTest, EnergyAndAngularMomentumConserved) {
  for (const std::string extra : {"", "coordinates: POLAR_WRAPPED"}) {
    const GeneratedTrajectories data = MustGenerate(GridConfig(extra));
    double worst_energy = 0, worst_l = 0;
    for (size_t k = 0; k < data.q.size(); ++k) {
      const Eigen::MatrixXd states = StatesOf(data, k);
      const Eigen::VectorXd energy = Kepler().Energy(data.parameters, states);
      const Eigen::VectorXd l =
          Kepler().ConservedQuantities(data.parameters, states).col(0);
      worst_energy =
          std::max(worst_energy, (energy.array() - energy(0)).abs().maxCoeff() /
                                     std::abs(energy(0)));
      worst_l = std::max(worst_l,
                         (l.array() - l(0)).abs().maxCoeff() / std::abs(l(0)));
      // H = -k m / (2 a) whatever m (the published -k / r would not be).
      const double a = data.parameters.Find("semi_major_axis")->values[k];
      EXPECT_NEAR(energy(0), -0.7 * 2.5 / (2 * a), 1e-13);
      EXPECT_NEAR(l(0), data.true_actions(k, 1), 1e-13);
    }
    std::printf("%s: worst relative drift: energy %.3g, L %.3g\n",
                extra.empty() ? "cartesian" : "polar", worst_energy, worst_l);
    EXPECT_LT(worst_energy, 1e-12);
    EXPECT_LT(worst_l, 1e-12);
  }
}

TEST(KeplerSystemTest, PolarDatasetIsTheCartesianOneConverted) {
  const GeneratedTrajectories cartesian = MustGenerate(GridConfig());
  const GeneratedTrajectories polar =
      MustGenerate(GridConfig("coordinates: POLAR_WRAPPED"));
  EXPECT_EQ(cartesian.true_actions, polar.true_actions);
  EXPECT_EQ(polar.parameters.Find("coordinates")->values[0], 1);
  EXPECT_EQ(cartesian.parameters.Find("coordinates")->values[0], 0);
  int wraps = 0;
  for (size_t k = 0; k < cartesian.q.size(); ++k) {
    const Eigen::MatrixXd c = StatesOf(cartesian, k), p = StatesOf(polar, k);
    const double scale = c.cwiseAbs().maxCoeff();
    for (Eigen::Index j = 0; j < c.rows(); ++j) {
      const Eigen::Vector4d converted = kepler::ToCartesian(p.row(j));
      ASSERT_LT((converted - c.row(j).transpose()).cwiseAbs().maxCoeff(),
                1e-13 * scale)
          << k << " " << j;
      ASSERT_GE(p(j, 1), 0);
      ASSERT_LT(p(j, 1), 2 * M_PI);
      if (j > 0 && std::abs(p(j, 1) - p(j - 1, 1)) > M_PI) ++wraps;
    }
  }
  // The wrap puts jumps into the polar data, about one per revolution.
  EXPECT_GT(wraps, 12);
  EXPECT_EQ(Kepler().Describe(polar.parameters),
            "kepler: m 2.5, k 0.7, polar_wrapped");
  EXPECT_EQ(Kepler().Describe(cartesian.parameters),
            "kepler: m 2.5, k 0.7, cartesian");
}

TEST(KeplerSystemTest, EvolveEqualsGenerate) {
  for (const std::string extra : {"", "coordinates: POLAR_WRAPPED"}) {
    const SimulationConfig config = GridConfig(extra);
    const Eigen::VectorXd t = Times(config);
    const GeneratedTrajectories data = MustGenerate(config);
    Eigen::MatrixXd first(12, 4);
    for (int k = 0; k < 12; ++k) first.row(k) = StatesOf(data, k).row(0);
    for (int j : {0, 1, 57, 299}) {
      absl::StatusOr<Eigen::MatrixXd> evolved =
          Kepler().Evolve(data.parameters, first, t(j));
      ASSERT_TRUE(evolved.ok()) << evolved.status();
      for (int k = 0; k < 12; ++k) {
        const Eigen::VectorXd sample = StatesOf(data, k).row(j);
        const Eigen::VectorXd got = evolved->row(k);
        if (j == 0) {
          EXPECT_EQ(got, sample);  // dt = 0 is the identity
          continue;
        }
        Eigen::VectorXd diff = got - sample;
        if (!extra.empty()) diff(1) = std::remainder(diff(1), 2 * M_PI);
        // e = 0 (k % 4 == 0) and e = 0.9 (k % 4 == 3) included.
        EXPECT_LT(diff.cwiseAbs().maxCoeff(),
                  1e-12 * sample.cwiseAbs().maxCoeff())
            << extra << " trajectory " << k << " sample " << j;
      }
    }
    // From the middle of a trajectory.
    Eigen::MatrixXd middle(12, 4);
    for (int k = 0; k < 12; ++k) middle.row(k) = StatesOf(data, k).row(100);
    absl::StatusOr<Eigen::MatrixXd> later =
        Kepler().Evolve(data.parameters, middle, t(250) - t(100));
    ASSERT_TRUE(later.ok()) << later.status();
    for (int k = 0; k < 12; ++k) {
      Eigen::VectorXd diff =
          later->row(k).transpose() - StatesOf(data, k).row(250).transpose();
      if (!extra.empty()) diff(1) = std::remainder(diff(1), 2 * M_PI);
      EXPECT_LT(diff.cwiseAbs().maxCoeff(), 1e-11) << extra << " " << k;
    }
  }
}

TEST(KeplerSystemTest, ActionsAndFrequenciesOfEveryStateMatchTheOrbit) {
  for (const std::string extra : {"", "coordinates: POLAR_WRAPPED"}) {
    const GeneratedTrajectories data = MustGenerate(GridConfig(extra));
    for (int k = 0; k < 12; ++k) {
      Eigen::MatrixXd actions, frequencies;
      ASSERT_TRUE(Kepler()
                      .ActionsAndFrequencies(data.parameters, StatesOf(data, k),
                                             &actions, &frequencies)
                      .ok());
      ASSERT_EQ(actions.cols(), 2);
      const double l = data.true_actions(k, 1);
      for (Eigen::Index j = 0; j < actions.rows(); ++j) {
        EXPECT_NEAR(actions(j, 0), data.true_actions(k, 0), 1e-12 * l)
            << k << " " << j;
        EXPECT_NEAR(actions(j, 1), l, 1e-12 * l) << k << " " << j;
        EXPECT_NEAR(frequencies(j, 0), data.true_frequencies(k, 0),
                    1e-12 * data.true_frequencies(k, 0));
        EXPECT_NEAR(frequencies(j, 1), data.true_frequencies(k, 1),
                    1e-12 * data.true_frequencies(k, 0));
      }
    }
  }
}

TEST(KeplerSystemTest, InitialStatesBothCoordinatesAndDirections) {
  // A clockwise and a counter-clockwise orbit, given in polar form.
  const SimulationConfig config = ParseSimulation(
      "kepler { coordinates: POLAR_WRAPPED "
      "initial_states { q: [1.5, 7.0] p: [0.2, -1.1] } "
      "initial_states { q: [0.8, -0.5] p: [-0.3, 0.9] } } "
      "num_samples: 200 time_step: 0.1 num_trajectories: 2");
  ASSERT_EQ(ValidationError(config.DebugString()), "OK");
  const Eigen::VectorXd t = Times(config);
  const GeneratedTrajectories data = MustGenerate(config);
  // Stored with phi wrapped; otherwise as given.
  EXPECT_NEAR(data.q[0](0, 1), 7.0 - 2 * M_PI, 1e-15);
  EXPECT_NEAR(data.q[1](0, 1), 2 * M_PI - 0.5, 1e-15);
  EXPECT_EQ(data.p[0](0, 1), -1.1);
  EXPECT_NEAR(data.true_actions(0, 1), -1.1, 1e-15);
  EXPECT_LT(data.true_frequencies(0, 1), 0);
  EXPECT_GT(data.true_frequencies(1, 1), 0);
  Eigen::MatrixXd first(2, 4);
  for (int k = 0; k < 2; ++k) first.row(k) = StatesOf(data, k).row(0);
  for (int j : {1, 100, 199}) {
    absl::StatusOr<Eigen::MatrixXd> evolved =
        Kepler().Evolve(data.parameters, first, t(j));
    ASSERT_TRUE(evolved.ok());
    for (int k = 0; k < 2; ++k) {
      // Bit for bit: generation is this very evolution.
      EXPECT_EQ(evolved->row(k), StatesOf(data, k).row(j)) << k << " " << j;
    }
  }
  // The clockwise orbit's phi falls (away from the wrap).
  int falling = 0;
  for (Eigen::Index j = 1; j < 200; ++j) {
    falling += data.q[0](j, 1) < data.q[0](j - 1, 1);
  }
  EXPECT_GT(falling, 190);
}

TEST(KeplerSystemTest, PublishedDefaultIsOneCircularOrbit) {
  // The published default: a = 2, e = 0; its linspace of one value gives
  // m = k = 1 and t0 = 0.
  const SimulationConfig config = ParseSimulation(
      "kepler { mass: 1 k: 1 semi_major_axis { min: 2 max: 2 } "
      "eccentricity { min: 0 max: 0 } pericentre_time { min: 0 max: 1 } "
      "sampling: ORBIT_PUBLISHED_LINSPACE_SHUFFLED "
      "coordinates: POLAR_WRAPPED } "
      "num_samples: 1000 time_step: 1 num_trajectories: 1 seed: 0");
  const GeneratedTrajectories data = MustGenerate(config);
  ASSERT_EQ(data.q.size(), 1u);
  EXPECT_EQ(data.parameters.Find("pericentre_time")->values[0], 0);
  const Eigen::MatrixXd states = StatesOf(data, 0);
  for (Eigen::Index j = 0; j < states.rows(); ++j) {
    EXPECT_NEAR(states(j, 0), 2, 1e-15);
    EXPECT_NEAR(states(j, 2), 0, 1e-15);
    EXPECT_NEAR(states(j, 3), std::sqrt(2.0), 1e-15);
    // phi = n t wrapped, n = 2^(-3/2).
    EXPECT_NEAR(std::remainder(states(j, 1) - j / std::pow(2, 1.5), 2 * M_PI),
                0, 1e-12);
  }
}

TEST(KeplerSystemTest, PublishedSamplingShufflesEveryRangeAlike) {
  const SimulationConfig config = ParseSimulation(
      "kepler { semi_major_axis { min: 1 max: 8 } eccentricity { min: 0 "
      "max: 0.7 } sampling: ORBIT_PUBLISHED_LINSPACE_SHUFFLED } "
      "num_samples: 3 time_step: 1 num_trajectories: 8 seed: 5");
  const GeneratedTrajectories data = MustGenerate(config);
  const std::vector<double>& a =
      data.parameters.Find("semi_major_axis")->values;
  const std::vector<double>& e = data.parameters.Find("eccentricity")->values;
  std::vector<double> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_NE(a, sorted);  // shuffled
  // One shared permutation: e is the same linspace index as a.
  for (int k = 0; k < 8; ++k) EXPECT_NEAR(e[k], (a[k] - 1) * 0.1, 1e-15);
}

TEST(KeplerSystemTest, DeepMindTwoBodyOrbitsAreCircularAndClockwise) {
  const SimulationConfig config = ParseSimulation(
      "kepler { mass: 0.5 k: 2 two_body_position_box { min: 0.5 max: 1.5 } }"
      " num_samples: 400 time_step: 0.05 num_trajectories: 8 seed: 0");
  const GeneratedTrajectories data = MustGenerate(config);
  for (int k = 0; k < 8; ++k) {
    const Eigen::MatrixXd states = StatesOf(data, k);
    // Body 1 at half the relative position, in the suite's box.
    EXPECT_GE(states(0, 0) / 2, 0.5);
    EXPECT_LE(states(0, 0) / 2, 1.5);
    EXPECT_GE(states(0, 1) / 2, 0.5);
    EXPECT_LE(states(0, 1) / 2, 1.5);
    const double r0 = std::hypot(states(0, 0), states(0, 1));
    // The suite's body-1 velocity (y, -x) / (2 |(x, y)|^1.5), m1 = 1, is the
    // relative momentum (reduced mass 1/2 times twice the velocity).
    const double bx = states(0, 0) / 2, by = states(0, 1) / 2;
    const double b = std::hypot(bx, by);
    EXPECT_NEAR(states(0, 2), by / (2 * std::pow(b, 1.5)), 1e-15);
    EXPECT_NEAR(states(0, 3), -bx / (2 * std::pow(b, 1.5)), 1e-15);
    for (Eigen::Index j = 0; j < states.rows(); ++j) {
      EXPECT_NEAR(std::hypot(states(j, 0), states(j, 1)), r0, 1e-13);
    }
    EXPECT_LT(data.parameters.Find("eccentricity")->values[k], 1e-14);
    EXPECT_LT(data.true_actions(k, 1), 0);  // clockwise, as the suite's
    EXPECT_LT(data.true_actions(k, 0), 1e-14);
  }
}

TEST(KeplerSystemTest, EvolveRefusesBadInput) {
  const GeneratedTrajectories data = MustGenerate(GridConfig());
  Eigen::MatrixXd states(1, 4);
  states << 1, 0, 0, 1;
  EXPECT_FALSE(Kepler().Evolve(data.parameters, states, -1).ok());
  EXPECT_FALSE(
      Kepler().Evolve(data.parameters, Eigen::MatrixXd::Zero(2, 3), 1).ok());
  EXPECT_TRUE(Kepler()
                  .Energy(data.parameters, Eigen::MatrixXd::Zero(2, 3))
                  .array()
                  .isNaN()
                  .all());
  Eigen::MatrixXd unbound(2, 4);
  unbound << 1, 0, 0, 1, 1, 0, 0, 10;
  absl::StatusOr<Eigen::MatrixXd> refused =
      Kepler().Evolve(data.parameters, unbound, 1);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("state 1: state (x 1, y 0, p_x 0, p_y 10) is not "
                        "bound"));
  Eigen::MatrixXd actions, frequencies;
  EXPECT_FALSE(Kepler()
                   .ActionsAndFrequencies(data.parameters, unbound, &actions,
                                          &frequencies)
                   .ok());
}

TEST(KeplerSystemTest, ValidationErrorsNameTheField) {
  const std::string tail = " num_samples: 10 time_step: 0.1";
  EXPECT_EQ(ValidationError(GridConfig().DebugString()), "OK");
  EXPECT_THAT(ValidationError("kepler { semi_major_axis { min: 1 max: 2 } "
                              "eccentricity { min: 0 max: 0.95 } } "
                              "num_trajectories: 4"),
              HasSubstr("simulation.kepler.eccentricity.max: must be in "
                        "[0, 0.9], got 0.95"));
  EXPECT_THAT(ValidationError("kepler { semi_major_axis { min: 0 max: 2 } "
                              "eccentricity { min: 0 max: 0.5 } } "
                              "num_trajectories: 4"),
              HasSubstr("simulation.kepler.semi_major_axis.min: must be > 0, "
                        "got 0"));
  EXPECT_THAT(ValidationError("kepler { semi_major_axis { values: [1, -2] } "
                              "eccentricity { values: [0, 0.1] } } "
                              "num_trajectories: 2"),
              HasSubstr("simulation.kepler.semi_major_axis.values[1]: must "
                        "be > 0, got -2"));
  EXPECT_THAT(ValidationError("kepler { semi_major_axis { values: [1, 2] } "
                              "eccentricity { min: 0 max: 0.2 } } "
                              "num_trajectories: 3"),
              HasSubstr("simulation.kepler.semi_major_axis.values: has 2 "
                        "values, num_trajectories is 3"));
  EXPECT_THAT(ValidationError("kepler { semi_major_axis { min: 1 max: 2 } "
                              "eccentricity { min: 0 max: 0.5 } "
                              "num_eccentricities: 4 } num_trajectories: 6"),
              HasSubstr("simulation.kepler.num_eccentricities: must divide "
                        "num_trajectories 6"));
  EXPECT_THAT(ValidationError("kepler { semi_major_axis { min: 1 max: 2 } } "
                              "num_trajectories: 4"),
              HasSubstr("simulation.kepler.eccentricity: give min and max"));
  EXPECT_THAT(ValidationError("kepler { semi_major_axis { min: 1 } "
                              "eccentricity { min: 0 max: 0.5 } } "
                              "num_trajectories: 4"),
              HasSubstr("simulation.kepler.semi_major_axis: give min and max "
                        "(min == max for one value)"));
  EXPECT_THAT(
      ValidationError("kepler { semi_major_axis { min: 1 max: 2 } "
                      "eccentricity { min: 0 max: 0.5 } "
                      "initial_states { q: [1, 0] p: [0, 1] } } "
                      "num_trajectories: 1"),
      HasSubstr("simulation.kepler: give exactly one of the orbital "
                "elements (semi_major_axis and eccentricity), "
                "two_body_position_box or initial_states, got the orbital "
                "elements and initial_states"));
  EXPECT_THAT(ValidationError("kepler { mass: 1 } num_trajectories: 1"),
              HasSubstr("got none"));
  EXPECT_THAT(ValidationError("kepler { mass: -1 k: 0 semi_major_axis { "
                              "min: 1 max: 2 } eccentricity { min: 0 max: "
                              "0.5 } } num_trajectories: 4"),
              HasSubstr("simulation.kepler.mass: must be > 0, got -1; "
                        "simulation.kepler.k: must be > 0, got 0"));
  EXPECT_THAT(ValidationError("kepler { two_body_position_box { min: -1 max: "
                              "1 } } num_trajectories: 2"),
              HasSubstr("simulation.kepler.two_body_position_box: the box "
                        "[-1, 1]^2 contains the origin"));
  EXPECT_THAT(ValidationError("kepler { initial_states { q: [1, 0] p: [0, "
                              "1] } } num_trajectories: 2"),
              HasSubstr("simulation.kepler.initial_states: has 1 states, "
                        "num_trajectories is 2"));
  EXPECT_THAT(ValidationError("kepler { initial_states { q: [1] p: [0, 1] } "
                              "} num_trajectories: 1"),
              HasSubstr("simulation.kepler.initial_states[0].q: has 1 "
                        "values, expected 2"));
  EXPECT_THAT(ValidationError("kepler { initial_states { q: [1, 0] p: [0, "
                              "3] } } num_trajectories: 1"),
              HasSubstr("simulation.kepler.initial_states[0]: state (x 1, y "
                        "0, p_x 0, p_y 3) is not bound"));
  EXPECT_THAT(ValidationError("kepler { initial_states { q: [1, 0] p: [0.5, "
                              "0] } } num_trajectories: 1"),
              HasSubstr("simulation.kepler.initial_states[0]: state (x 1, y "
                        "0, p_x 0.5, p_y 0) has angular momentum 0"));
  EXPECT_THAT(ValidationError("kepler { coordinates: POLAR_WRAPPED "
                              "initial_states { q: [-1, 0] p: [0, 1] } } "
                              "num_trajectories: 1"),
              HasSubstr("simulation.kepler.initial_states[0].q[0]: r must be "
                        "> 0"));
  EXPECT_THAT(ValidationError("kepler { semi_major_axis { min: 1 max: 2 } "
                              "eccentricity { min: 0 max: 0.5 } } "
                              "num_trajectories: 0"),
              HasSubstr("simulation.num_trajectories: must be >= 1, got 0"));
}

TEST(KeplerSystemTest, ParameterGroupAndCheckParameters) {
  const GeneratedTrajectories data = MustGenerate(GridConfig());
  std::vector<std::string> names;
  for (const NamedArray& array : data.parameters.arrays) {
    names.push_back(array.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "mass", "k", "coordinates", "semi_major_axis",
                       "eccentricity", "pericentre_time", "pericentre_angle"}));
  EXPECT_TRUE(Kepler().CheckParameters(data.parameters, 2, 12).ok());
  EXPECT_THAT(
      std::string(Kepler().CheckParameters(data.parameters, 2, 5).message()),
      HasSubstr("parameters/semi_major_axis has shape [12], expected [5]"));
  EXPECT_THAT(
      std::string(Kepler().CheckParameters(data.parameters, 1, 12).message()),
      HasSubstr("a Kepler orbit has 2 degrees of freedom"));
  ParameterGroup bad = data.parameters;
  bad.arrays[0].values[0] = -1;
  bad.arrays[2].values[0] = 3;
  bad.arrays.erase(bad.arrays.begin() + 1);
  bad.arrays.push_back({"gravity", {}, {9.81}});
  const std::string message(Kepler().CheckParameters(bad, 2, 12).message());
  EXPECT_THAT(message, HasSubstr("parameters/mass must be > 0, got -1"));
  EXPECT_THAT(message, HasSubstr("parameters/k is missing"));
  EXPECT_THAT(message, HasSubstr("parameters/coordinates must be 0 "
                                 "(cartesian) or 1 (polar_wrapped), got 3"));
  EXPECT_THAT(message, HasSubstr("parameters/gravity is not a kepler "
                                 "parameter"));
}

SimulationConfig ShippedSimulation(const std::string& path) {
  absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(path);
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? config->experiment.simulation() : SimulationConfig();
}

TEST(KeplerShippedConfigsTest, DefaultAndPolarAreTheSameGridOfOrbits) {
  const SimulationConfig config =
      ShippedSimulation("configs/kepler/default.pbtxt");
  EXPECT_TRUE(Kepler().ValidateConfig(config).ok());
  EXPECT_EQ(config.kepler().coordinates(), CARTESIAN);
  const GeneratedTrajectories cartesian = MustGenerate(config);
  const GeneratedTrajectories polar =
      MustGenerate(ShippedSimulation("configs/kepler/polar.pbtxt"));
  ASSERT_EQ(cartesian.q.size(), 16u);
  ASSERT_EQ(polar.q.size(), 16u);
  const std::vector<double>& a =
      cartesian.parameters.Find("semi_major_axis")->values;
  const std::vector<double>& e =
      cartesian.parameters.Find("eccentricity")->values;
  EXPECT_EQ(a[0], 1);
  EXPECT_EQ(a[15], 3);
  EXPECT_EQ(e[0], 0);
  EXPECT_EQ(e[15], 0.6);
  EXPECT_EQ(polar.parameters.Find("eccentricity")->values, e);
  double worst = 0;
  for (int k = 0; k < 16; ++k) {
    const Eigen::MatrixXd c = StatesOf(cartesian, k), p = StatesOf(polar, k);
    for (Eigen::Index j = 0; j < c.rows(); j += 7) {
      const Eigen::Vector4d converted = kepler::ToCartesian(p.row(j));
      worst = std::max(
          worst, (converted - c.row(j).transpose()).cwiseAbs().maxCoeff());
    }
    const Eigen::VectorXd energy = Kepler().Energy(cartesian.parameters, c);
    EXPECT_LT((energy.array() - energy(0)).abs().maxCoeff(),
              1e-12 * std::abs(energy(0)));
  }
  EXPECT_LT(worst, 1e-12);
}

TEST(KeplerShippedConfigsTest, PublishedConfigGivesThePublishedCircularOrbit) {
  const SimulationConfig config =
      ShippedSimulation("configs/kepler/published.pbtxt");
  const GeneratedTrajectories data = MustGenerate(config);
  ASSERT_EQ(data.q.size(), 1u);
  EXPECT_EQ(Kepler().Describe(data.parameters),
            "kepler: m 1, k 1, polar_wrapped");
  EXPECT_EQ(data.parameters.Find("pericentre_time")->values[0], 0);
  const Eigen::MatrixXd states = StatesOf(data, 0);
  ASSERT_EQ(states.rows(), 1000);
  for (Eigen::Index j = 0; j < states.rows(); ++j) {
    EXPECT_NEAR(states(j, 0), 2, 1e-15);
    EXPECT_NEAR(states(j, 2), 0, 1e-15);
    EXPECT_NEAR(states(j, 3), std::sqrt(2.0), 1e-15);
    EXPECT_GE(states(j, 1), 0);
    EXPECT_LT(states(j, 1), 2 * M_PI);
  }
}

TEST(KeplerShippedConfigsTest, DeepMindTwoBodyOrbitsAreCircular) {
  const SimulationConfig config =
      ShippedSimulation("configs/kepler/deepmind_two_body.pbtxt");
  EXPECT_EQ(config.time_step(), 0.05);
  const GeneratedTrajectories data = MustGenerate(config);
  ASSERT_EQ(data.q.size(), 32u);
  for (int k = 0; k < 32; ++k) {
    const Eigen::MatrixXd states = StatesOf(data, k);
    // |r| = 2 |(x, y)|, (x, y) body 1's position in the suite's box.
    const double bx = states(0, 0) / 2, by = states(0, 1) / 2;
    EXPECT_TRUE(bx >= 0.5 && bx <= 1.5 && by >= 0.5 && by <= 1.5) << k;
    const double r0 = 2 * std::hypot(bx, by);
    for (Eigen::Index j = 0; j < states.rows(); j += 10) {
      EXPECT_NEAR(std::hypot(states(j, 0), states(j, 1)), r0, 1e-13 * r0);
    }
    EXPECT_LT(data.parameters.Find("eccentricity")->values[k], 1e-14);
    EXPECT_LT(data.true_actions(k, 1), 0);
  }
}

}  // namespace
}  // namespace aanet::data_gen
