#include "data_gen/harmonic.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/experiment.pb.h"
#include "rng/random.h"

namespace aanet::data_gen {
namespace {

using ::testing::HasSubstr;

HarmonicSystem MakeSystem(std::vector<double> masses,
                          std::vector<double> k_wall, double k_pair) {
  HarmonicSystem system;
  system.masses = Eigen::Map<Eigen::VectorXd>(masses.data(), masses.size());
  system.k_wall = Eigen::Map<Eigen::VectorXd>(k_wall.data(), k_wall.size());
  system.k_pair = k_pair;
  return system;
}

// A random system with mass ratios up to 10 and springs over two decades.
HarmonicSystem RandomSystem(int n, Random* random) {
  HarmonicSystem system;
  system.masses.resize(n);
  system.k_wall.resize(n);
  for (int i = 0; i < n; ++i) {
    system.masses(i) = random->Uniform(0.5, 5.0);
    system.k_wall(i) = random->Uniform(0.01, 1.0);
  }
  // Sometimes uncoupled, otherwise weak to strong coupling.
  system.k_pair = random->Uniform() < 0.2 ? 0.0 : random->Uniform(0.0, 2.0);
  return system;
}

// A config equal to the published study's defaults, with n particles.
HarmonicOscillatorConfig DefaultConfig(int n) {
  HarmonicOscillatorConfig config;
  config.set_num_particles(n);
  config.mutable_masses()->set_min(1);
  config.mutable_masses()->set_max(5);
  config.mutable_k_wall()->set_min(0.005);
  config.mutable_k_wall()->set_max(0.01);
  config.set_k_pair(0.5);
  config.mutable_amplitudes()->set_min(1);
  config.mutable_amplitudes()->set_max(10);
  config.mutable_phases()->set_min(0);
  config.mutable_phases()->set_max(1);
  return config;
}

TEST(NormalModesTest, SingleParticleFrequencyIsSqrtKOverM) {
  const HarmonicSystem system = MakeSystem({2.5}, {0.3}, 0.7);
  absl::StatusOr<NormalModes> modes = ComputeNormalModes(system);
  ASSERT_TRUE(modes.ok()) << modes.status();
  ASSERT_EQ(modes->frequencies.size(), 1);
  EXPECT_NEAR(modes->frequencies(0), std::sqrt(0.3 / 2.5), 1e-15);
  ASSERT_EQ(modes->eigenvectors.rows(), 1);
  ASSERT_EQ(modes->eigenvectors.cols(), 1);
  EXPECT_EQ(modes->eigenvectors(0, 0), 1.0);
}

TEST(NormalModesTest, TwoEqualMassesHaveInPhaseAndAntiPhaseModes) {
  const double m = 2.0, k = 0.5, kp = 0.7;
  const HarmonicSystem system = MakeSystem({m, m}, {k, k}, kp);
  absl::StatusOr<NormalModes> modes = ComputeNormalModes(system);
  ASSERT_TRUE(modes.ok()) << modes.status();
  EXPECT_NEAR(modes->frequencies(0), std::sqrt(k / m), 1e-15);
  EXPECT_NEAR(modes->frequencies(1), std::sqrt((k + 2 * kp) / m), 1e-15);
  const double h = 1.0 / std::sqrt(2.0);
  // In phase: (1, 1)/sqrt(2). Anti-phase: a tie in magnitude, so the first
  // component is made positive: (1, -1)/sqrt(2).
  EXPECT_NEAR(modes->eigenvectors(0, 0), h, 1e-15);
  EXPECT_NEAR(modes->eigenvectors(1, 0), h, 1e-15);
  EXPECT_NEAR(modes->eigenvectors(0, 1), h, 1e-15);
  EXPECT_NEAR(modes->eigenvectors(1, 1), -h, 1e-15);
}

TEST(NormalModesTest, DynamicsMatrixIsEquation12) {
  const HarmonicSystem system = MakeSystem({1, 2, 4}, {0.5, 1, 2}, 0.25);
  const Eigen::MatrixXd m = DynamicsMatrix(system);
  ASSERT_EQ(m.rows(), 3);
  ASSERT_EQ(m.cols(), 3);
  // Diagonal -(k_wall_i + (n-1) k_pair) / m_i; off-diagonal k_pair / m_i.
  EXPECT_DOUBLE_EQ(m(0, 0), -(0.5 + 0.5) / 1);
  EXPECT_DOUBLE_EQ(m(1, 1), -(1 + 0.5) / 2);
  EXPECT_DOUBLE_EQ(m(2, 2), -(2 + 0.5) / 4);
  EXPECT_DOUBLE_EQ(m(0, 1), 0.25 / 1);
  EXPECT_DOUBLE_EQ(m(0, 2), 0.25 / 1);
  EXPECT_DOUBLE_EQ(m(1, 0), 0.25 / 2);
  EXPECT_DOUBLE_EQ(m(2, 1), 0.25 / 4);
  const Eigen::MatrixXd k = StiffnessMatrix(system);
  EXPECT_TRUE(k.isApprox(k.transpose()));
  EXPECT_LE(
      (m + system.masses.cwiseInverse().asDiagonal() * k).cwiseAbs().maxCoeff(),
      1e-15);
}

TEST(NormalModesTest, RandomSystemsSatisfyEigenEquation) {
  Random random(20240611);
  for (int n = 1; n <= 8; ++n) {
    for (int trial = 0; trial < 25; ++trial) {
      SCOPED_TRACE(testing::Message() << "n=" << n << " trial=" << trial);
      const HarmonicSystem system = RandomSystem(n, &random);
      absl::StatusOr<NormalModes> modes = ComputeNormalModes(system);
      ASSERT_TRUE(modes.ok()) << modes.status();
      const Eigen::MatrixXd& v = modes->eigenvectors;
      const Eigen::VectorXd& omega = modes->frequencies;
      ASSERT_EQ(omega.size(), n);
      ASSERT_EQ(v.rows(), n);
      ASSERT_EQ(v.cols(), n);
      const Eigen::MatrixXd m = DynamicsMatrix(system);
      // M V = -V diag(omega^2), relative to the sizes involved.
      const double residual =
          (m * v + v * omega.cwiseAbs2().asDiagonal()).norm();
      EXPECT_LE(residual, 1e-12 * m.norm() * v.norm());
      for (int k = 0; k < n; ++k) {
        EXPECT_NEAR(v.col(k).norm(), 1.0, 1e-14);
        EXPECT_GT(omega(k), 0.0);
        if (k > 0) {
          EXPECT_LE(omega(k - 1), omega(k));
        }
        // Sign convention: the first largest-magnitude component is > 0.
        Eigen::Index largest = 0;
        for (int i = 1; i < n; ++i) {
          if (std::abs(v(i, k)) > std::abs(v(largest, k))) largest = i;
        }
        EXPECT_GT(v(largest, k), 0.0);
      }
      // Modes are orthogonal in the mass inner product.
      const Eigen::MatrixXd gram =
          v.transpose() * system.masses.asDiagonal() * v;
      for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
          if (i != j) {
            EXPECT_NEAR(gram(i, j), 0.0, 1e-12 * gram.diagonal().maxCoeff());
          }
        }
      }
    }
  }
}

TEST(NormalModesTest, InvalidSystemsNameTheItem) {
  struct Case {
    HarmonicSystem system;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {MakeSystem({1, -2}, {1, 1}, 0), "masses[1]: must be finite and > 0"},
      {MakeSystem({1, 0}, {1, 1}, 0), "masses[1]"},
      {MakeSystem({1, 1}, {0, 1}, 0), "k_wall[0]: must be finite and > 0"},
      {MakeSystem({1, 1}, {1, -1}, 0), "k_wall[1]"},
      {MakeSystem({1, 1}, {1, 1}, -0.5), "k_pair: must be finite and >= 0"},
      {MakeSystem({1, 1}, {1, 1}, NAN), "k_pair"},
      {MakeSystem({1, INFINITY}, {1, 1}, 0), "masses[1]"},
      {MakeSystem({1, 1}, {1}, 0), "k_wall: must have 2 entries"},
      {MakeSystem({}, {}, 0), "masses: must have at least one entry"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<NormalModes> modes = ComputeNormalModes(c.system);
    ASSERT_FALSE(modes.ok()) << c.expected;
    EXPECT_EQ(modes.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(modes.status().message(), HasSubstr(c.expected));
  }
}

TEST(TrajectoryTest, MomentumIsMassTimesVelocityAndQSolvesEquation11) {
  Random random(7);
  const HarmonicSystem system = RandomSystem(4, &random);
  absl::StatusOr<NormalModes> modes = ComputeNormalModes(system);
  ASSERT_TRUE(modes.ok()) << modes.status();
  Eigen::VectorXd a(4), phi(4);
  a << 1.5, 2.0, 0.5, 3.0;
  phi << 0.1, 2.0, -1.0, 0.7;
  // Central differences at t0 with step h: q' to O(h^2), q'' to O(h^2).
  const double t0 = 3.7, h = 1e-4;
  Eigen::VectorXd t(3);
  t << t0 - h, t0, t0 + h;
  absl::StatusOr<Trajectory> traj =
      EvaluateTrajectory(system, *modes, a, phi, t);
  ASSERT_TRUE(traj.ok()) << traj.status();
  ASSERT_EQ(traj->q.rows(), 3);
  ASSERT_EQ(traj->q.cols(), 4);
  const Eigen::RowVectorXd velocity =
      (traj->q.row(2) - traj->q.row(0)) / (2 * h);
  const Eigen::RowVectorXd momentum =
      velocity.cwiseProduct(system.masses.transpose());
  EXPECT_LE((momentum - traj->p.row(1)).cwiseAbs().maxCoeff(), 1e-6);
  const Eigen::VectorXd acceleration =
      ((traj->q.row(2) - 2 * traj->q.row(1) + traj->q.row(0)) / (h * h))
          .transpose();
  const Eigen::VectorXd q = traj->q.row(1).transpose();
  // Eq. 11 written out: m_i q_i'' = -k_wall_i q_i + sum_j k_pair (q_j - q_i).
  for (int i = 0; i < 4; ++i) {
    double force = -system.k_wall(i) * q(i);
    for (int j = 0; j < 4; ++j) force += system.k_pair * (q(j) - q(i));
    EXPECT_NEAR(system.masses(i) * acceleration(i), force, 1e-5);
  }
  // At t = 0: q(0) = V (A cos(phi)) exactly as documented.
  absl::StatusOr<Trajectory> at_zero =
      EvaluateTrajectory(system, *modes, a, phi, Eigen::VectorXd::Zero(1));
  ASSERT_TRUE(at_zero.ok());
  const Eigen::VectorXd expected_q0 =
      modes->eigenvectors * a.cwiseProduct(phi.array().cos().matrix());
  EXPECT_LE((at_zero->q.row(0).transpose() - expected_q0).cwiseAbs().maxCoeff(),
            1e-14);
}

TEST(TrajectoryTest, SizeMismatchIsAnError) {
  const HarmonicSystem system = MakeSystem({1, 2}, {1, 1}, 0.1);
  absl::StatusOr<NormalModes> modes = ComputeNormalModes(system);
  ASSERT_TRUE(modes.ok());
  absl::StatusOr<Trajectory> traj =
      EvaluateTrajectory(system, *modes, Eigen::VectorXd::Ones(3),
                         Eigen::VectorXd::Zero(2), Eigen::VectorXd::Zero(5));
  ASSERT_FALSE(traj.ok());
  EXPECT_EQ(traj.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(traj.status().message(), HasSubstr("amplitudes [3]"));
}

TEST(EnergyTest, MatchesHandComputedValue) {
  const HarmonicSystem system = MakeSystem({1, 2, 4}, {1, 2, 3}, 0.5);
  Eigen::MatrixXd q(2, 3), p(2, 3);
  q << 1, -1, 2,  //
      0, 0, 0;
  p << 2, 2, 4,  //
      0, 0, 2;
  // Kinetic 4/2 + 4/4 + 16/8 = 5; wall (1 + 2 + 12)/2 = 7.5;
  // pair 0.5/2 * (4 + 1 + 9) = 3.5.
  EXPECT_DOUBLE_EQ(Energy(system, q.row(0), p.row(0)), 16.0);
  const Eigen::VectorXd energy = TrajectoryEnergy(system, q, p);
  ASSERT_EQ(energy.size(), 2);
  EXPECT_DOUBLE_EQ(energy(0), 16.0);
  EXPECT_DOUBLE_EQ(energy(1), 0.5);  // 4 / (2 * 4)
}

TEST(EnergyTest, EqualsSumOfModeEnergies) {
  Random random(11);
  for (int n = 1; n <= 6; ++n) {
    const HarmonicSystem system = RandomSystem(n, &random);
    absl::StatusOr<NormalModes> modes = ComputeNormalModes(system);
    ASSERT_TRUE(modes.ok());
    Eigen::VectorXd a(n), phi(n);
    for (int k = 0; k < n; ++k) {
      a(k) = random.Uniform(1, 10);
      phi(k) = random.Uniform(0, 6);
    }
    absl::StatusOr<Trajectory> traj = EvaluateTrajectory(
        system, *modes, a, phi, Eigen::VectorXd::LinSpaced(50, 0, 200));
    ASSERT_TRUE(traj.ok());
    // Mode k carries omega_k^2 A_k^2 (v_k^T diag(m) v_k) / 2.
    double expected = 0;
    for (int k = 0; k < n; ++k) {
      const Eigen::VectorXd v = modes->eigenvectors.col(k);
      expected += 0.5 * std::pow(modes->frequencies(k) * a(k), 2) *
                  v.dot(system.masses.cwiseProduct(v));
    }
    const Eigen::VectorXd energy = TrajectoryEnergy(system, traj->q, traj->p);
    for (int s = 0; s < energy.size(); ++s) {
      EXPECT_NEAR(energy(s), expected, 1e-12 * expected) << "n=" << n;
    }
  }
}

TEST(LinspaceTest, MatchesNumpy) {
  const Eigen::VectorXd one = Linspace(3.0, 7.0, 1);
  ASSERT_EQ(one.size(), 1);
  EXPECT_EQ(one(0), 3.0);
  const Eigen::VectorXd five = Linspace(1.0, 5.0, 5);
  ASSERT_EQ(five.size(), 5);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(five(i), 1.0 + i);
  const Eigen::VectorXd k = Linspace(0.005, 0.01, 4);
  const double step = (0.01 - 0.005) / 3;
  EXPECT_EQ(k(0), 0.005);
  EXPECT_EQ(k(1), 1 * step + 0.005);
  EXPECT_EQ(k(2), 2 * step + 0.005);
  EXPECT_EQ(k(3), 0.01);  // numpy sets the endpoint exactly
  const Eigen::VectorXd same = Linspace(2.0, 2.0, 3);
  EXPECT_TRUE((same.array() == 2.0).all());
}

TEST(SampleParametersTest, OneShufflePermutesSystemAndFirstTrajectory) {
  const int n = 5;
  const uint64_t seed = 42;
  HarmonicOscillatorConfig config = DefaultConfig(n);
  absl::StatusOr<HarmonicParameters> params =
      SampleHarmonicParameters(config, 3, seed);
  ASSERT_TRUE(params.ok()) << params.status();
  ASSERT_EQ(params->masses.size(), n);
  ASSERT_EQ(params->k_wall.size(), n);
  ASSERT_EQ(params->amplitudes.rows(), 3);
  ASSERT_EQ(params->amplitudes.cols(), n);
  ASSERT_EQ(params->phases.rows(), 3);
  ASSERT_EQ(params->phases.cols(), n);
  EXPECT_EQ(params->k_pair, 0.5);

  const std::vector<int> perm = Random(seed).Permutation(n);
  // The permutation must not be the identity, or this test proves nothing.
  std::vector<int> identity = {0, 1, 2, 3, 4};
  ASSERT_NE(perm, identity);
  const Eigen::VectorXd m = Linspace(1, 5, n), kw = Linspace(0.005, 0.01, n),
                        a = Linspace(1, 10, n), ph = Linspace(0, 1, n);
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(params->masses(i), m(perm[i]));
    EXPECT_EQ(params->k_wall(i), kw(perm[i]));
    EXPECT_EQ(params->amplitudes(0, i), a(perm[i]));
    EXPECT_EQ(params->phases(0, i), ph(perm[i]));
  }
  for (int k = 1; k < 3; ++k) {
    const std::vector<int> perm_k =
        Random(Random::DeriveSeed(seed, k)).Permutation(n);
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(params->amplitudes(k, i), a(perm_k[i]));
      EXPECT_EQ(params->phases(k, i), ph(perm_k[i]));
    }
  }
  // Different trajectories get different shuffles (for this seed).
  EXPECT_NE(params->amplitudes.row(1), params->amplitudes.row(2));
}

TEST(SampleParametersTest, UniformDrawsEveryTrajectoryFromItsStream) {
  const int n = 3;
  const uint64_t seed = 9;
  HarmonicOscillatorConfig config = DefaultConfig(n);
  config.set_trajectory_sampling(UNIFORM);
  absl::StatusOr<HarmonicParameters> params =
      SampleHarmonicParameters(config, 4, seed);
  ASSERT_TRUE(params.ok()) << params.status();
  const std::vector<int> perm = Random(seed).Permutation(n);
  const Eigen::VectorXd m = Linspace(1, 5, n);
  for (int i = 0; i < n; ++i) EXPECT_EQ(params->masses(i), m(perm[i]));
  for (int k = 0; k < 4; ++k) {
    Random stream(Random::DeriveSeed(seed, k));
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(params->amplitudes(k, i), stream.Uniform(1, 10));
    }
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(params->phases(k, i), stream.Uniform(0, 1));
    }
  }
  EXPECT_GE(params->amplitudes.minCoeff(), 1.0);
  EXPECT_LE(params->amplitudes.maxCoeff(), 10.0);
}

TEST(SampleParametersTest, DeterministicPerSeedAndSeedChangesShuffle) {
  const HarmonicOscillatorConfig config = DefaultConfig(4);
  absl::StatusOr<HarmonicParameters> a = SampleHarmonicParameters(config, 2, 1);
  absl::StatusOr<HarmonicParameters> b = SampleHarmonicParameters(config, 2, 1);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->masses, b->masses);
  EXPECT_EQ(a->amplitudes, b->amplitudes);
  EXPECT_EQ(a->phases, b->phases);
  bool some_seed_differs = false;
  for (uint64_t seed = 2; seed < 12; ++seed) {
    absl::StatusOr<HarmonicParameters> c =
        SampleHarmonicParameters(config, 2, seed);
    ASSERT_TRUE(c.ok());
    // Always a permutation of the same linspace.
    Eigen::VectorXd sorted = c->masses;
    std::sort(sorted.data(), sorted.data() + sorted.size());
    EXPECT_EQ(sorted, Linspace(1, 5, 4));
    if (c->masses != a->masses) some_seed_differs = true;
  }
  EXPECT_TRUE(some_seed_differs);
}

TEST(ValidateConfigTest, ErrorsNameTheFieldPath) {
  struct Case {
    std::string name;
    std::function<void(HarmonicOscillatorConfig*)> mutate;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"negative mass", [](auto* c) { c->mutable_masses()->set_min(-1); },
       "simulation.harmonic.masses.min: must be > 0, got -1"},
      {"zero particles", [](auto* c) { c->set_num_particles(0); },
       "simulation.harmonic.num_particles: must be >= 1, got 0"},
      {"no particles", [](auto* c) { c->clear_num_particles(); },
       "simulation.harmonic.num_particles: required"},
      {"no masses", [](auto* c) { c->clear_masses(); },
       "simulation.harmonic.masses: required"},
      {"no k_wall max", [](auto* c) { c->mutable_k_wall()->clear_max(); },
       "simulation.harmonic.k_wall.max: required"},
      {"zero k_wall", [](auto* c) { c->mutable_k_wall()->set_min(0); },
       "simulation.harmonic.k_wall.min: must be > 0, got 0"},
      {"max < min", [](auto* c) { c->mutable_masses()->set_max(0.5); },
       "simulation.harmonic.masses: max must be >= min, got min 1, max 0.5"},
      {"no k_pair", [](auto* c) { c->clear_k_pair(); },
       "simulation.harmonic.k_pair: required"},
      {"negative k_pair", [](auto* c) { c->set_k_pair(-0.1); },
       "simulation.harmonic.k_pair: must be finite and >= 0, got -0.1"},
      {"no amplitudes", [](auto* c) { c->clear_amplitudes(); },
       "simulation.harmonic.amplitudes: required"},
      {"nan phase", [](auto* c) { c->mutable_phases()->set_min(NAN); },
       "simulation.harmonic.phases.min: must be finite, got nan"},
      {"bad enum",
       [](auto* c) {
         c->set_trajectory_sampling(static_cast<TrajectorySampling>(7));
       },
       "simulation.harmonic.trajectory_sampling: unknown value 7"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    HarmonicOscillatorConfig config = DefaultConfig(2);
    ASSERT_TRUE(ValidateHarmonicConfig(config).ok());
    c.mutate(&config);
    const absl::Status status = ValidateHarmonicConfig(config);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(c.expected));
    absl::StatusOr<HarmonicParameters> params =
        SampleHarmonicParameters(config, 1, 0);
    EXPECT_FALSE(params.ok());
    EXPECT_THAT(params.status().message(), HasSubstr(c.expected));
  }
}

TEST(ValidateConfigTest, ReportsEveryProblemAndNumTrajectories) {
  HarmonicOscillatorConfig config;  // nothing set
  const absl::Status status = ValidateHarmonicConfig(config);
  for (const char* field : {"num_particles", "masses", "k_wall", "k_pair",
                            "amplitudes", "phases"}) {
    EXPECT_THAT(
        status.message(),
        HasSubstr(std::string("simulation.harmonic.") + field + ": required"));
  }
  absl::StatusOr<HarmonicParameters> params =
      SampleHarmonicParameters(DefaultConfig(2), 0, 0);
  ASSERT_FALSE(params.ok());
  EXPECT_THAT(params.status().message(),
              HasSubstr("simulation.num_trajectories: must be >= 1, got 0"));
}

// DefaultConfig(n) with masses and k_wall given explicitly and two initial
// states instead of amplitudes and phases.
HarmonicOscillatorConfig ExplicitConfig() {
  HarmonicOscillatorConfig config = DefaultConfig(3);
  config.mutable_masses()->Clear();
  for (double m : {1.0, 2.0, 7.0}) config.mutable_masses()->add_values(m);
  config.mutable_k_wall()->Clear();
  for (double k : {0.01, 0.02, 0.03}) config.mutable_k_wall()->add_values(k);
  config.clear_amplitudes();
  config.clear_phases();
  for (int k = 0; k < 2; ++k) {
    InitialState* state = config.add_initial_states();
    for (int i = 0; i < 3; ++i) {
      state->add_q(k == 0 ? 1.0 - i : 0.1 * i);
      state->add_p(k == 0 ? 0.0 : 0.5 - i);
    }
  }
  return config;
}

TEST(ExplicitValuesTest, UsedInTheOrderGivenWithoutShuffle) {
  for (uint64_t seed : {0, 1, 2, 3}) {
    absl::StatusOr<HarmonicParameters> params =
        SampleHarmonicParameters(ExplicitConfig(), 2, seed);
    ASSERT_TRUE(params.ok()) << params.status();
    EXPECT_EQ(params->masses, Eigen::Vector3d(1, 2, 7)) << seed;
    EXPECT_EQ(params->k_wall, Eigen::Vector3d(0.01, 0.02, 0.03)) << seed;
  }
}

TEST(ExplicitValuesTest, ExplicitMassesLeaveTheOtherDrawsUnchanged) {
  // Giving the masses a range would have produced explicitly gives the same
  // parameters: the shuffle is drawn either way.
  const HarmonicOscillatorConfig ranged = DefaultConfig(3);
  absl::StatusOr<HarmonicParameters> drawn =
      SampleHarmonicParameters(ranged, 2, 5);
  ASSERT_TRUE(drawn.ok());
  HarmonicOscillatorConfig explicit_masses = ranged;
  explicit_masses.mutable_masses()->Clear();
  for (double m : drawn->masses)
    explicit_masses.mutable_masses()->add_values(m);
  absl::StatusOr<HarmonicParameters> given =
      SampleHarmonicParameters(explicit_masses, 2, 5);
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->masses, drawn->masses);
  EXPECT_EQ(given->k_wall, drawn->k_wall);
  EXPECT_EQ(given->amplitudes, drawn->amplitudes);
  EXPECT_EQ(given->phases, drawn->phases);
}

TEST(ExplicitValuesTest, TrajectoriesStartAtTheGivenStates) {
  const HarmonicOscillatorConfig config = ExplicitConfig();
  absl::StatusOr<HarmonicParameters> params =
      SampleHarmonicParameters(config, 2, 0);
  ASSERT_TRUE(params.ok()) << params.status();
  absl::StatusOr<NormalModes> modes = ComputeNormalModes(params->system());
  ASSERT_TRUE(modes.ok());
  for (int k = 0; k < 2; ++k) {
    absl::StatusOr<Trajectory> trajectory = EvaluateTrajectory(
        params->system(), *modes, params->amplitudes.row(k).transpose(),
        params->phases.row(k).transpose(), Eigen::VectorXd::Zero(1));
    ASSERT_TRUE(trajectory.ok());
    for (int i = 0; i < 3; ++i) {
      EXPECT_NEAR(trajectory->q(0, i), config.initial_states(k).q(i), 1e-12);
      EXPECT_NEAR(trajectory->p(0, i), config.initial_states(k).p(i), 1e-12);
    }
  }
}

TEST(StateToModesTest, InvertsTheClosedFormOnRandomSystems) {
  Random random(24);
  for (int trial = 0; trial < 40; ++trial) {
    const int n = 1 + trial % 8;
    const HarmonicSystem system = RandomSystem(n, &random);
    absl::StatusOr<NormalModes> modes = ComputeNormalModes(system);
    ASSERT_TRUE(modes.ok());
    Eigen::VectorXd q0(n), p0(n);
    for (int i = 0; i < n; ++i) {
      q0(i) = random.Uniform(-3.0, 3.0);
      p0(i) = random.Uniform(-3.0, 3.0);
    }
    const ModeCoordinates mode = StateToModes(system, *modes, q0, p0);
    EXPECT_TRUE((mode.amplitudes.array() >= 0).all());
    absl::StatusOr<Trajectory> start = EvaluateTrajectory(
        system, *modes, mode.amplitudes, mode.phases, Eigen::VectorXd::Zero(1));
    ASSERT_TRUE(start.ok());
    EXPECT_LE((start->q.row(0).transpose() - q0).cwiseAbs().maxCoeff(), 1e-12)
        << "n=" << n;
    EXPECT_LE((start->p.row(0).transpose() - p0).cwiseAbs().maxCoeff(), 1e-12)
        << "n=" << n;
  }
}

TEST(StateToModesTest, RecoversGivenAmplitudesAndPhases) {
  const HarmonicSystem system = MakeSystem({1, 2, 7}, {0.01, 0.01, 0.01}, 0.2);
  absl::StatusOr<NormalModes> modes = ComputeNormalModes(system);
  ASSERT_TRUE(modes.ok());
  const Eigen::Vector3d a(1.5, 0.25, 4);
  const Eigen::Vector3d phi(0.3, -2.0, 3.0);
  absl::StatusOr<Trajectory> start =
      EvaluateTrajectory(system, *modes, a, phi, Eigen::VectorXd::Zero(1));
  ASSERT_TRUE(start.ok());
  const ModeCoordinates mode = StateToModes(
      system, *modes, start->q.row(0).transpose(), start->p.row(0).transpose());
  EXPECT_LE((mode.amplitudes - a).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LE((mode.phases - phi).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(ExplicitValuesTest, ErrorsNameTheField) {
  struct Case {
    std::string name;
    std::function<void(HarmonicOscillatorConfig*)> mutate;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"too few masses", [](auto* c) { c->mutable_masses()->add_values(3); },
       "simulation.harmonic.masses.values: has 4 values, num_particles is 3"},
      {"range and values", [](auto* c) { c->mutable_k_wall()->set_min(1); },
       "simulation.harmonic.k_wall: give either min and max or values, not "
       "both"},
      {"zero mass value",
       [](auto* c) { c->mutable_masses()->set_values(1, 0); },
       "simulation.harmonic.masses.values[1]: must be > 0, got 0"},
      {"amplitude values",
       [](auto* c) {
         c->clear_initial_states();
         *c->mutable_amplitudes() = DefaultConfig(3).amplitudes();
         *c->mutable_phases() = DefaultConfig(3).phases();
         c->mutable_amplitudes()->add_values(1);
       },
       "simulation.harmonic.amplitudes.values: not supported"},
      {"states and amplitudes",
       [](auto* c) {
         *c->mutable_amplitudes() = DefaultConfig(3).amplitudes();
       },
       "simulation.harmonic.initial_states: give either initial_states or "
       "amplitudes and phases, not both"},
      {"states and UNIFORM",
       [](auto* c) { c->set_trajectory_sampling(UNIFORM); },
       "simulation.harmonic.initial_states: trajectory_sampling UNIFORM"},
      {"short q",
       [](auto* c) { c->mutable_initial_states(1)->mutable_q()->RemoveLast(); },
       "simulation.harmonic.initial_states[1].q: has 2 values, num_particles "
       "is 3"},
      {"infinite p",
       [](auto* c) { c->mutable_initial_states(0)->set_p(2, INFINITY); },
       "simulation.harmonic.initial_states[0].p[2]: must be finite, got inf"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    HarmonicOscillatorConfig config = ExplicitConfig();
    ASSERT_TRUE(ValidateHarmonicConfig(config).ok());
    c.mutate(&config);
    const absl::Status status = ValidateHarmonicConfig(config);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(c.expected));
  }
  absl::StatusOr<HarmonicParameters> params =
      SampleHarmonicParameters(ExplicitConfig(), 3, 0);
  ASSERT_FALSE(params.ok());
  EXPECT_THAT(params.status().message(),
              HasSubstr("simulation.harmonic.initial_states: has 2 states, "
                        "num_trajectories is 3"));
}

}  // namespace
}  // namespace aanet::data_gen
