// The simple pendulum, H = m g l (1 - cos q) + p^2 / (2 m l^2), in closed
// form (Jacobi elliptic functions), registered as the System "pendulum".
// README.md beside this file derives the formulas; in short, with
// omega0 = sqrt(g / l) and e = H / (2 m g l):
//
//   libration (e < 1), modulus k = sqrt(e) = sin(theta0 / 2):
//     q(t) = 2 pi n + 2 atan2(k sn(u, k), dn(u, k)),  u = omega0 t + phi,
//     p(t) = 2 m l^2 omega0 k cn(u, k),
//     omega = pi omega0 / (2 K(k)),
//     I = (8 / pi) m sqrt(g l^3) [E(k) - (1 - k^2) K(k)];
//   rotation (e > 1), k = sqrt(e) > 1, modulus 1 / k:
//     q(t) = 2 pi n + s 2 am(v, 1/k),  v = k omega0 t + psi,  s = sign(p),
//     p(t) = s 2 m l^2 omega0 k dn(v, 1/k),
//     omega = pi k omega0 / K(1/k),
//     I = (4 / pi) m sqrt(g l^3) k E(1/k).
//
// Conventions:
//   * Boost.Math's ellint_1(k, phi), ellint_2(k), jacobi_sn(k, u) (and cn,
//     dn) take the MODULUS k, not the parameter m = k^2 (pendulum_test checks
//     K(k) against the AGM formula pi / (2 AGM(1, sqrt(1 - k^2)))).
//   * q is stored unwrapped: a rotating pendulum's angle grows without bound,
//     and a librating one swings about the multiple of 2 pi nearest its
//     initial angle. A wrapped angle would jump by 2 pi once a revolution,
//     the discontinuity the published code's orbit wrapping put into its
//     data, which no smooth model can learn.
//   * The separatrix (e == 1) has an infinite period. States with
//     |e - 1| <= kSeparatrixTolerance are refused (see there).
#ifndef AANET_DATA_GEN_SYSTEMS_PENDULUM_H_
#define AANET_DATA_GEN_SYSTEMS_PENDULUM_H_

#include <string>
#include <string_view>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data_gen/system.h"
#include "proto/experiment.pb.h"

namespace aanet::data_gen {
namespace pendulum {

struct Parameters {
  double mass = 1;
  double length = 1;
  double gravity = 9.81;
};

// States whose energy is within this relative distance of the separatrix
// energy 2 m g l are refused. Near it the motion is ill-conditioned: the
// period grows like ln(1 / |e - 1|), and the rounding of the state's energy
// (about 1e-16 e) moves the phase by about 1e-16 / |e - 1| per radian of
// omega0 t, i.e. 1e-10 per radian at this tolerance. Above it the closed
// form stays accurate to that level.
inline constexpr double kSeparatrixTolerance = 1e-6;

// H = m g l (1 - cos q) + p^2 / (2 m l^2) (zero at rest).
double Energy(const Parameters& parameters, double q, double p);

// 2 m g l, the energy of the separatrix.
double SeparatrixEnergy(const Parameters& parameters);

// The orbit through one state, with everything the closed form needs.
struct Orbit {
  bool rotating = false;
  // Libration: the modulus k = sqrt(e) < 1. Rotation: k = sqrt(e) > 1 (the
  // elliptic functions then take the modulus 1 / k).
  double k = 0;
  double phase = 0;      // phi (libration) or psi (rotation) at t = 0
  double sign = 1;       // rotation: the direction, sign(p); libration: 1
  double offset = 0;     // libration: 2 pi n, the swing's centre; rotation: 0
  double action = 0;     // I
  double frequency = 0;  // omega, radians per time unit
  double initial_q = 0, initial_p = 0;  // the state it was made from
};

// The orbit through (q, p); InvalidArgument for non-finite values or a state
// within kSeparatrixTolerance of the separatrix.
absl::StatusOr<Orbit> OrbitOf(const Parameters& parameters, double q, double p);

// The state on `orbit` a time t (any real) after its initial state; t == 0
// gives the initial state exactly (the closed form reproduces it only to
// rounding), so that Evolve by 0 is the identity and a dataset's first
// sample is its configured state.
void StateAt(const Parameters& parameters, const Orbit& orbit, double t,
             double* q, double* p);

// The action and frequency of a librating orbit (0 < k < 1) or a rotating
// one (k > 1), from the formulas in the header comment.
double LibrationAction(const Parameters& parameters, double k);
double LibrationFrequency(const Parameters& parameters, double k);
double RotationAction(const Parameters& parameters, double k);
double RotationFrequency(const Parameters& parameters, double k);

// The Jacobi amplitude am(u, modulus) for any real u, continuous and
// increasing (Boost 1.74 has no jacobi_am): am(u + 2 K) = am(u) + pi.
double JacobiAmplitude(double modulus, double u);

// The initial states (q, p) of a valid config's trajectories, in order.
absl::Status InitialStates(const aanet::SimulationConfig& config,
                           Eigen::VectorXd* q, Eigen::VectorXd* p);

}  // namespace pendulum

class PendulumSystem : public System {
 public:
  std::string_view name() const override { return "pendulum"; }
  absl::Status ValidateConfig(
      const aanet::SimulationConfig& config) const override;
  int DegreesOfFreedom(
      const aanet::SimulationConfig& /*config*/) const override {
    return 1;
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
  absl::Status ActionsAndFrequencies(
      const ParameterGroup& parameters, const Eigen::MatrixXd& states,
      Eigen::MatrixXd* actions, Eigen::MatrixXd* frequencies) const override;
  std::string Describe(const ParameterGroup& parameters) const override;
};

}  // namespace aanet::data_gen

#endif  // AANET_DATA_GEN_SYSTEMS_PENDULUM_H_
