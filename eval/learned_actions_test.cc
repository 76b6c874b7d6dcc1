#include "eval/learned_actions.h"

#include <cmath>
#include <string>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "models/checkpoint.h"
#include "models/predictor.h"
#include "models/random_checkpoint.h"
#include "testing/test_util.h"

namespace aanet::eval {
namespace {

using ::aanet::test_util::TempPath;
using ::testing::HasSubstr;

std::string ActionAngleConfig(const std::string& flow_extra) {
  return absl::StrCat(
      R"pb(
        model { action_angle {
          encoder { flow { num_layers: 4 hidden_width: 6 activation: "sigmoid"
                           weight_init_stddev: 0.5
      )pb",
      flow_extra, R"pb(
        }
        }
        angular_velocity_net { hidden_widths: 4 activation: "sigmoid" }
      }
    }
    training { num_train_samples: 50 num_test_samples: 50 }
  )pb");
}

// A model with every parameter random (so the flow is far from the
// identity) and the scaler (mean, scale).
Predictor RandomPredictor(const std::string& name, const std::string& config,
                          const Eigen::RowVectorXd& mean,
                          const Eigen::RowVectorXd& scale) {
  absl::StatusOr<Checkpoint> checkpoint =
      aanet::testing::RandomCheckpoint(config, mean, scale, 0.5, 11);
  EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
  const std::string path = TempPath(name);
  EXPECT_TRUE(WriteCheckpoint(*checkpoint, path).ok());
  absl::StatusOr<Predictor> predictor = Predictor::Load(path);
  EXPECT_TRUE(predictor.ok()) << predictor.status();
  return *std::move(predictor);
}

// One period of uncoupled oscillators (masses m, springs k), sampled at S
// points: q_i = A_i cos(w_i t), p_i = -m_i w_i A_i sin(w_i t), all modes of
// one frequency so that the loop closes. Returns the states [S, 2n].
Eigen::MatrixXd OnePeriod(const Eigen::VectorXd& m, const Eigen::VectorXd& k,
                          const Eigen::VectorXd& amplitude, int samples) {
  const int n = static_cast<int>(m.size());
  const double w = std::sqrt(k[0] / m[0]);
  Eigen::MatrixXd states(samples, 2 * n);
  for (int s = 0; s < samples; ++s) {
    const double t = 2 * M_PI / w * s / samples;
    for (int i = 0; i < n; ++i) {
      states(s, i) = amplitude[i] * std::cos(w * t);
      states(s, n + i) = -m[i] * w * amplitude[i] * std::sin(w * t);
    }
  }
  return states;
}

TEST(LearnedActionsTest, LoopActionOfACircleIsItsAreaOverTwoPi) {
  const int s = 1000;
  Eigen::VectorXd radii = Eigen::VectorXd::Constant(s, 1.5);
  Eigen::VectorXd angles(s);
  for (int i = 0; i < s; ++i) angles[i] = -2 * M_PI * i / s;
  // A polygon of s sides inscribed in the circle: pi r^2 sin(2 pi/s)/(2 pi/s).
  const double polygon = 0.5 * s * 1.5 * 1.5 * std::sin(2 * M_PI / s);
  EXPECT_NEAR(LoopAction(radii, angles), polygon / (2 * M_PI), 1e-12);
  EXPECT_NEAR(LoopAction(radii, angles), 1.5 * 1.5 / 2, 1e-5);
}

// The conversion holds for ANY exactly symplectic flow, trained or not: the
// latent loop of one period, whatever its shape, has the physical action
// J = E / w = m w A^2 / 2 times 1 / C.
TEST(LearnedActionsTest, AnySymplecticFlowKeepsTheActionUpToTheScale) {
  Eigen::RowVectorXd mean(2), scale(2);
  mean << 0.3, -0.1;
  scale << 1.7, 0.6;
  const Predictor predictor =
      RandomPredictor("one_dof.h5", ActionAngleConfig(""), mean, scale);
  absl::StatusOr<double> c = PhysicalActionScale(predictor);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_NEAR(*c, 1.7 * 0.6, 1e-15);

  const Eigen::VectorXd m = Eigen::VectorXd::Constant(1, 2.0);
  const Eigen::VectorXd k = Eigen::VectorXd::Constant(1, 3.0);
  const Eigen::VectorXd a = Eigen::VectorXd::Constant(1, 1.2);
  const Eigen::MatrixXd states = OnePeriod(m, k, a, 20000);
  absl::StatusOr<ActionAngleState> latent = predictor.Inspect(states);
  ASSERT_TRUE(latent.ok()) << latent.status();
  // The random flow really deforms the loop: its radius is not constant.
  EXPECT_GT(
      latent->actions.col(0).maxCoeff() - latent->actions.col(0).minCoeff(),
      0.05);
  const double w = std::sqrt(3.0 / 2.0);
  const double truth = 2.0 * w * 1.2 * 1.2 / 2;
  EXPECT_NEAR(*c * LoopAction(latent->actions.col(0), latent->angles.col(0)),
              truth, 1e-6 * truth);
  // On a circle (radius r throughout) the loop action is r^2 / 2, which is
  // what PhysicalActions converts.
  EXPECT_NEAR(PhysicalActions(Eigen::MatrixXd::Constant(1, 1, 2.0), 0.5)(0, 0),
              1.0, 1e-15);
}

// With n = 2 and the pair scale, the latent symplectic form is the physical
// one over C for every pair together: the sum of the pairs' signed loop
// areas over 2 pi, times C, is the physical action of the loop, however the
// flow mixes the pairs.
TEST(LearnedActionsTest, PairScaleMakesOneFactorForTwoDegreesOfFreedom) {
  Eigen::RowVectorXd mean(4), scale(4);
  mean << 0.1, -0.2, 0, 1;
  scale << 2, 1, 3, 0.5;  // products 6 and 0.5: unequal
  const Predictor predictor =
      RandomPredictor("two_dof.h5", ActionAngleConfig(""), mean, scale);
  absl::StatusOr<double> c = PhysicalActionScale(predictor);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_NEAR(*c, std::sqrt(6.0 * 0.5), 1e-14);

  Eigen::VectorXd m(2), k(2), a(2);
  m << 2, 0.5;
  k << 3, 0.75;  // one frequency, so the loop closes
  a << 1.2, 0.7;
  const Eigen::MatrixXd states = OnePeriod(m, k, a, 20000);
  absl::StatusOr<ActionAngleState> latent = predictor.Inspect(states);
  ASSERT_TRUE(latent.ok()) << latent.status();
  double signed_area = 0;
  const Eigen::Index s = states.rows();
  for (int pair = 0; pair < 2; ++pair) {
    for (Eigen::Index j = 0; j < s; ++j) {
      const Eigen::Index next = (j + 1) % s;
      const double r0 = latent->actions(j, pair),
                   r1 = latent->actions(next, pair);
      const double t0 = latent->angles(j, pair),
                   t1 = latent->angles(next, pair);
      signed_area += 0.5 * (r0 * std::cos(t0) * r1 * std::sin(t1) -
                            r1 * std::cos(t1) * r0 * std::sin(t0));
    }
  }
  const double w = std::sqrt(1.5);
  const double truth = 2.0 * w * 1.2 * 1.2 / 2 + 0.5 * w * 0.7 * 0.7 / 2;
  EXPECT_NEAR(*c * std::abs(signed_area) / (2 * M_PI), truth, 1e-6 * truth);
}

TEST(LearnedActionsTest, RefusedWhereNoOneConstantConverts) {
  Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(4);
  Eigen::RowVectorXd scale = Eigen::RowVectorXd::Ones(4);
  const Predictor published = RandomPredictor(
      "published.h5",
      ActionAngleConfig(
          "conditioner: PUBLISHED_PER_COORDINATE_GATE symplectic_pair_scale: "
          "false"),
      mean, scale);
  EXPECT_THAT(PhysicalActionScale(published).status().message(),
              HasSubstr("symplectic form"));
  const Predictor no_pair_scale = RandomPredictor(
      "no_pair_scale.h5", ActionAngleConfig("symplectic_pair_scale: false"),
      mean, scale);
  EXPECT_THAT(PhysicalActionScale(no_pair_scale).status().message(),
              HasSubstr("pair scale"));
  const Predictor euler = RandomPredictor(
      "euler.h5", R"pb(
        model {
          euler_update {
            encoder {
              flow {
                num_layers: 2
                hidden_width: 4
                activation: "relu"
                weight_init_stddev: 0.1
              }
            }
            derivative_net { hidden_widths: 4 activation: "relu" }
          }
        }
        training { num_train_samples: 50 num_test_samples: 50 }
      )pb",
      mean, scale);
  EXPECT_EQ(PhysicalActionScale(euler).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace aanet::eval
