// Checks the closed-form normal-mode trajectories against an independent
// adaptive Dormand-Prince 5(4) integration of Eq. 11, written out here
// directly from the paper rather than through DynamicsMatrix.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include "Eigen/Core"
#include "boost/numeric/odeint.hpp"
#include "data_gen/dataset.h"
#include "data_gen/harmonic.h"
#include "gtest/gtest.h"
#include "proto/text_config.h"
#include "rng/random.h"

namespace aanet::data_gen {
namespace {

namespace odeint = boost::numeric::odeint;
using State = std::vector<double>;  // [q_0..q_{n-1}, p_0..p_{n-1}]

// Hamilton's equations of Eq. 11: q_i' = p_i / m_i,
// p_i' = -k_wall_i q_i + sum_{j != i} k_pair (q_j - q_i).
struct Equation11 {
  const HarmonicSystem& system;
  void operator()(const State& x, State& dxdt, double /*t*/) const {
    const int n = system.num_particles();
    for (int i = 0; i < n; ++i) {
      dxdt[i] = x[n + i] / system.masses(i);
      double force = -system.k_wall(i) * x[i];
      for (int j = 0; j < n; ++j) {
        if (j != i) force += system.k_pair * (x[j] - x[i]);
      }
      dxdt[n + i] = force;
    }
  }
};

struct Errors {
  double q = 0;  // max |q_ode - q| / max |q|
  double p = 0;  // max |p_ode - p| / max |p|
};

Errors CompareWithOde(int n, double k_pair, uint64_t seed) {
  Random random(seed);
  HarmonicSystem system;
  system.masses.resize(n);
  system.k_wall.resize(n);
  Eigen::VectorXd amplitudes(n), phases(n);
  for (int i = 0; i < n; ++i) {
    system.masses(i) = random.Uniform(1.0, 5.0);
    system.k_wall(i) = random.Uniform(0.005, 0.01);
    amplitudes(i) = random.Uniform(1.0, 10.0);
    phases(i) = random.Uniform(0.0, 2 * M_PI);
  }
  system.k_pair = k_pair;
  absl::StatusOr<NormalModes> modes = ComputeNormalModes(system);
  EXPECT_TRUE(modes.ok()) << modes.status();
  if (!modes.ok()) return {1, 1};

  const int num_times = 1001;  // t = 0, 1, ..., 1000
  const Eigen::VectorXd t = Eigen::VectorXd::LinSpaced(num_times, 0, 1000);
  absl::StatusOr<Trajectory> closed =
      EvaluateTrajectory(system, *modes, amplitudes, phases, t);
  EXPECT_TRUE(closed.ok()) << closed.status();
  if (!closed.ok()) return {1, 1};

  State x(2 * n);
  for (int i = 0; i < n; ++i) {
    x[i] = closed->q(0, i);
    x[n + i] = closed->p(0, i);
  }
  Eigen::MatrixXd q_ode(num_times, n), p_ode(num_times, n);
  int row = 0;
  std::vector<double> times(t.data(), t.data() + t.size());
  odeint::integrate_times(
      odeint::make_controlled(1e-13, 1e-13,
                              odeint::runge_kutta_dopri5<State>()),
      Equation11{system}, x, times.begin(), times.end(), 0.01,
      [&](const State& state, double /*time*/) {
        for (int i = 0; i < n; ++i) {
          q_ode(row, i) = state[i];
          p_ode(row, i) = state[n + i];
        }
        ++row;
      });
  EXPECT_EQ(row, num_times);
  Errors errors;
  errors.q = (q_ode - closed->q).cwiseAbs().maxCoeff() /
             closed->q.cwiseAbs().maxCoeff();
  errors.p = (p_ode - closed->p).cwiseAbs().maxCoeff() /
             closed->p.cwiseAbs().maxCoeff();
  return errors;
}

class HarmonicOdeTest : public testing::TestWithParam<std::tuple<int, double>> {
};

TEST_P(HarmonicOdeTest, ClosedFormMatchesDormandPrince) {
  const auto [n, k_pair] = GetParam();
  const Errors errors =
      CompareWithOde(n, k_pair, 10000 * n + std::lround(1000 * k_pair));
  std::printf("n=%d k_pair=%g: relative error q %.3g, p %.3g\n", n, k_pair,
              errors.q, errors.p);
  EXPECT_LE(errors.q, 1e-8) << "n=" << n << " k_pair=" << k_pair;
  EXPECT_LE(errors.p, 1e-8) << "n=" << n << " k_pair=" << k_pair;
  // Not vacuous: the two computations differ by rounding at least.
  EXPECT_GT(errors.q, 0.0);
}

INSTANTIATE_TEST_SUITE_P(
    Systems, HarmonicOdeTest,
    testing::Combine(testing::Values(1, 2, 3, 8),
                     testing::Values(0.0, 0.003, 0.1, 1.0)),
    [](const testing::TestParamInfo<std::tuple<int, double>>& info) {
      const int n = std::get<0>(info.param);
      const int k_pair_milli =
          static_cast<int>(std::lround(1000 * std::get<1>(info.param)));
      return "n" + std::to_string(n) + "_kpair" + std::to_string(k_pair_milli) +
             "milli";
    });

// Integrates Eq. 11 from state x (changed in place) and returns the states
// at `times` as rows of q and p [T, n].
Trajectory IntegrateEquation11(const HarmonicSystem& system, State x,
                               const std::vector<double>& times) {
  const int n = system.num_particles();
  Trajectory out;
  out.q.resize(times.size(), n);
  out.p.resize(times.size(), n);
  int row = 0;
  odeint::integrate_times(
      odeint::make_controlled(1e-13, 1e-13,
                              odeint::runge_kutta_dopri5<State>()),
      Equation11{system}, x, times.begin(), times.end(), 0.01,
      [&](const State& state, double /*time*/) {
        for (int i = 0; i < n; ++i) {
          out.q(row, i) = state[i];
          out.p(row, i) = state[n + i];
        }
        ++row;
      });
  EXPECT_EQ(row, static_cast<int>(times.size()));
  return out;
}

// The shipped example of a system named explicitly (masses 1, 2, 7 in that
// order, initial states given per particle): the dataset records what was
// asked for, starts where asked, follows Eq. 11 integrated numerically from
// the config's states (not from the closed form) and conserves energy.
TEST(ExplicitSystemTest, ExampleThreeMassesMatchesDormandPrince) {
  absl::StatusOr<ExperimentConfig> config =
      ReadExperimentConfig("configs/harmonic/example_three_masses.pbtxt");
  ASSERT_TRUE(config.ok()) << config.status();
  absl::StatusOr<Dataset> dataset =
      GenerateDataset(config->experiment, config->text);
  ASSERT_TRUE(dataset.ok()) << dataset.status();

  const std::vector<double>& masses =
      dataset->parameters.Find("masses")->values;
  EXPECT_EQ(masses, (std::vector<double>{1, 2, 7}));
  const std::vector<double>& k_wall =
      dataset->parameters.Find("k_wall")->values;
  EXPECT_EQ(k_wall, (std::vector<double>{0.01, 0.01, 0.01}));
  EXPECT_EQ(dataset->parameters.Find("k_pair")->values[0], 0.2);

  const aanet::HarmonicOscillatorConfig& harmonic =
      config->experiment.simulation().harmonic();
  ASSERT_EQ(dataset->num_trajectories(), harmonic.initial_states_size());
  HarmonicSystem system;
  system.masses = Eigen::Map<const Eigen::VectorXd>(masses.data(), 3);
  system.k_wall = Eigen::Map<const Eigen::VectorXd>(k_wall.data(), 3);
  system.k_pair = dataset->parameters.Find("k_pair")->values[0];
  const int n = system.num_particles();
  std::vector<double> times(dataset->t.data(),
                            dataset->t.data() + dataset->t.size());
  for (int k = 0; k < dataset->num_trajectories(); ++k) {
    const aanet::InitialState& start = harmonic.initial_states(k);
    State x(2 * n);
    for (int i = 0; i < n; ++i) {
      EXPECT_NEAR(dataset->q[k](0, i), start.q(i), 1e-12) << k << " q" << i;
      EXPECT_NEAR(dataset->p[k](0, i), start.p(i), 1e-12) << k << " p" << i;
      x[i] = start.q(i);
      x[n + i] = start.p(i);
    }
    const Trajectory ode = IntegrateEquation11(system, x, times);
    const double q_error = (ode.q - dataset->q[k]).cwiseAbs().maxCoeff() /
                           dataset->q[k].cwiseAbs().maxCoeff();
    const double p_error = (ode.p - dataset->p[k]).cwiseAbs().maxCoeff() /
                           dataset->p[k].cwiseAbs().maxCoeff();
    std::printf(
        "example_three_masses trajectory %d: relative error q %.3g, "
        "p %.3g\n",
        k, q_error, p_error);
    EXPECT_LE(q_error, 1e-8) << k;
    EXPECT_LE(p_error, 1e-8) << k;

    // Energy: the stored values stay at the Hamiltonian of the given start.
    const Eigen::RowVectorXd q0 =
        Eigen::Map<const Eigen::RowVectorXd>(start.q().data(), n);
    const Eigen::RowVectorXd p0 =
        Eigen::Map<const Eigen::RowVectorXd>(start.p().data(), n);
    const double e0 = Energy(system, q0, p0);
    ASSERT_GT(e0, 0.0);
    const double drift =
        (dataset->energy.row(k).array() - e0).abs().maxCoeff() / e0;
    EXPECT_LE(drift, 1e-12) << k;
  }
}

// The check above must be able to fail: a slightly wrong frequency (what a
// mis-scaled M would give) is caught.
TEST(HarmonicOdeSanityTest, DetectsWrongFrequency) {
  HarmonicSystem system;
  system.masses = Eigen::VectorXd::Constant(1, 2.0);
  system.k_wall = Eigen::VectorXd::Constant(1, 0.008);
  absl::StatusOr<NormalModes> modes = ComputeNormalModes(system);
  ASSERT_TRUE(modes.ok());
  NormalModes wrong = *modes;
  wrong.frequencies(0) *= 1 + 1e-9;
  const Eigen::VectorXd t = Eigen::VectorXd::LinSpaced(11, 0, 1000);
  const Eigen::VectorXd a = Eigen::VectorXd::Constant(1, 5.0);
  const Eigen::VectorXd phi = Eigen::VectorXd::Zero(1);
  absl::StatusOr<Trajectory> good =
      EvaluateTrajectory(system, *modes, a, phi, t);
  absl::StatusOr<Trajectory> bad = EvaluateTrajectory(system, wrong, a, phi, t);
  ASSERT_TRUE(good.ok() && bad.ok());
  // omega ~ 0.063, so after 1000 time units the phase is off by ~6e-8.
  EXPECT_GT((good->q - bad->q).cwiseAbs().maxCoeff() / 5.0, 1e-8);
}

}  // namespace
}  // namespace aanet::data_gen
