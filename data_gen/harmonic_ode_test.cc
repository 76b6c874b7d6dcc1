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
#include "data_gen/harmonic.h"
#include "gtest/gtest.h"
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
