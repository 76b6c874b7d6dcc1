// The planar double pendulum, registered as the System "double_pendulum":
// mass m1 on a massless rod of length l1 hung from a fixed pivot, mass m2 on
// a rod of length l2 hung from m1, under gravity g. q = (theta1, theta2), the
// rods' angles from the downward vertical in radians, kept unwrapped
// (continuous); p = (p1, p2) their canonical momenta,
//   p1 = (m1 + m2) l1^2 theta1' + m2 l1 l2 theta2' cos(theta1 - theta2),
//   p2 = m2 l2^2 theta2' + m2 l1 l2 theta1' cos(theta1 - theta2),
// as in the published code (ameya98/ActionAngleNetworks), which integrates
// the Lagrangian form and converts; we integrate Hamilton's equations in
// (theta, p) directly. With d = theta1 - theta2,
//   H = [m2 l2^2 p1^2 + (m1 + m2) l1^2 p2^2 - 2 m2 l1 l2 p1 p2 cos d]
//       / [2 m2 l1^2 l2^2 (m1 + m2 sin^2 d)]
//       - (m1 + m2) g l1 cos theta1 - m2 g l2 cos theta2
//       + (m1 + m2) g l1 + m2 g l2.
// The last line is a constant chosen, as for the pendulum, so that the
// recorded energy is zero at rest at the bottom and a relative energy change
// means something. Not integrable: there are no true actions or frequencies.
//
// Trajectories are integrated with the project's adaptive Dormand-Prince
// (ode/) at rtol kRelativeTolerance and atol kAbsoluteTolerance, one sample
// interval at a time from the previous sample, each state alone, so that
// Evolve(sample j, time_step) reproduces sample j + 1 bit for bit.
#ifndef AANET_DATA_GEN_SYSTEMS_DOUBLE_PENDULUM_H_
#define AANET_DATA_GEN_SYSTEMS_DOUBLE_PENDULUM_H_

#include <string>
#include <string_view>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data_gen/system.h"
#include "proto/experiment.pb.h"

namespace aanet::data_gen {
namespace double_pendulum {

struct Parameters {
  double mass_1 = 1;
  double mass_2 = 1;
  double length_1 = 1;
  double length_2 = 1;
  double gravity = 9.81;
};

inline constexpr double kRelativeTolerance = 1e-12;
inline constexpr double kAbsoluteTolerance = 1e-14;

// H of one state (theta1, theta2, p1, p2), zero at rest at the bottom.
double Energy(const Parameters& parameters, const Eigen::Vector4d& state);

// Hamilton's equations: (dH/dp1, dH/dp2, -dH/dtheta1, -dH/dtheta2).
Eigen::Vector4d Field(const Parameters& parameters,
                      const Eigen::Vector4d& state);

// The state a time dt >= 0 after `state`, by the adaptive Dormand-Prince at
// the tolerances above.
absl::StatusOr<Eigen::Vector4d> Advance(const Parameters& parameters,
                                        const Eigen::Vector4d& state,
                                        double dt);

// The initial states [K, 4] of a valid config's trajectories, in order.
absl::StatusOr<Eigen::MatrixXd> InitialStates(
    const aanet::SimulationConfig& config);

}  // namespace double_pendulum

class DoublePendulumSystem : public System {
 public:
  std::string_view name() const override { return "double_pendulum"; }
  absl::Status ValidateConfig(
      const aanet::SimulationConfig& config) const override;
  int DegreesOfFreedom(
      const aanet::SimulationConfig& /*config*/) const override {
    return 2;
  }
  absl::StatusOr<GeneratedTrajectories> Generate(
      const aanet::SimulationConfig& config,
      const Eigen::VectorXd& t) const override;
  absl::Status CheckParameters(const ParameterGroup& parameters,
                               int num_degrees_of_freedom,
                               int num_trajectories) const override;
  Eigen::VectorXd Energy(const ParameterGroup& parameters,
                         const Eigen::MatrixXd& states) const override;
  absl::StatusOr<Eigen::MatrixXd> Evolve(const ParameterGroup& parameters,
                                         const Eigen::MatrixXd& states,
                                         double dt) const override;
  // Unimplemented: the double pendulum is not integrable.
  absl::Status ActionsAndFrequencies(
      const ParameterGroup& parameters, const Eigen::MatrixXd& states,
      Eigen::MatrixXd* actions, Eigen::MatrixXd* frequencies) const override;
  std::string Describe(const ParameterGroup& parameters) const override;
};

}  // namespace aanet::data_gen

#endif  // AANET_DATA_GEN_SYSTEMS_DOUBLE_PENDULUM_H_
