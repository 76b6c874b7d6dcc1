// Kepler orbits: a test mass m in the potential -k m / r,
// H = |p|^2 / (2 m) - k m / r, in the plane, in closed form; registered as
// the System "kepler". README.md beside this file gives the formulas; in
// short, for an orbit of semi-major axis a and eccentricity e (0 <= e < 1):
//
//   mean motion n = sqrt(k) a^(-3/2), mean anomaly M = n (t - t0),
//   Kepler's equation M = E - e sin E (solved by Newton's method),
//   r = a (1 - e cos E), true anomaly nu = 2 atan2(sqrt(1 + e) sin(E / 2),
//   sqrt(1 - e) cos(E / 2)), phi = nu + pericentre angle,
//   p_r = m a^2 n e sin E / r, p_phi = L = m sqrt(k a (1 - e^2)),
//   actions (J_r, L) with J_r = m sqrt(k a) - |L|, frequencies (n, sign(L) n).
//
// The potential is -k m / r, so k is the gravitational parameter (force per
// unit mass k / r^2) and the energy per unit mass is -k / (2 a) whatever m.
// (The published code's compute_hamiltonian uses -k / r, which is not
// conserved along its own trajectories when m != 1; not copied.)
//
// A state is Cartesian (x, y, p_x, p_y) or the published code's polar form
// (r, phi, p_r, p_phi) with phi wrapped to [0, 2 pi), as the parameter group
// says (KeplerCoordinates); everything converts to Cartesian internally.
#ifndef AANET_DATA_GEN_SYSTEMS_KEPLER_H_
#define AANET_DATA_GEN_SYSTEMS_KEPLER_H_

#include <string>
#include <string_view>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data_gen/system.h"
#include "proto/experiment.pb.h"

namespace aanet::data_gen {
namespace kepler {

struct Parameters {
  double mass = 1;
  double k = 1;
};

// One orbit's elements. For an orbit made from a state, the anomalies run in
// the direction of motion (clockwise when L < 0) and a circular orbit's
// pericentre is its position at t = 0 (pericentre_time 0).
struct Elements {
  double semi_major_axis = 1;
  double eccentricity = 0;
  double pericentre_time = 0;   // t0: the orbit is at its pericentre at t0
  double pericentre_angle = 0;  // polar angle of the pericentre
};

// A Cartesian state.
struct State {
  double x = 0, y = 0, px = 0, py = 0;
};

// E with E - e sin E = M, for 0 <= e <= 0.9 and any finite M, by Newton's
// method from E0 = M + e sin M (pi for e > 0.8) on M reduced to [-pi, pi],
// stopping when a step is below a few ulp; the result is the reduced root
// plus the multiple of 2 pi taken off M. InvalidArgument for e or M out of
// range, Internal if Newton does not converge in its bounded iterations.
absl::StatusOr<double> SolveKeplerEquation(double mean_anomaly,
                                           double eccentricity);

// The mean motion n = sqrt(k / a^3) (radians per time unit).
double MeanMotion(const Parameters& parameters, double semi_major_axis);

// The state on the orbit `elements` (counter-clockwise) at time t.
absl::StatusOr<State> StateAt(const Parameters& parameters,
                              const Elements& elements, double t);

// The polar form of the same orbit at t, read off the anomalies directly:
// (r, phi wrapped to [0, 2 pi), p_r, p_phi).
absl::Status PolarStateAt(const Parameters& parameters,
                          const Elements& elements, double t, double* r,
                          double* phi, double* p_r, double* p_phi);

// Coordinate changes. ToPolar wraps phi to [0, 2 pi).
Eigen::Vector4d ToPolar(const Eigen::Vector4d& cartesian);
Eigen::Vector4d ToCartesian(const Eigen::Vector4d& polar);

// H = |p|^2 / (2 m) - k m / r of a Cartesian state.
double Energy(const Parameters& parameters, const State& state);

// L = x p_y - y p_x.
double AngularMomentum(const State& state);

// The orbit through a state: its elements, actions (J_r, L) and
// frequencies (n, sign(L) n). InvalidArgument for a non-finite state, r = 0,
// an unbound state (H >= 0) or L = 0 (a radial orbit, which collides).
struct Orbit {
  Elements elements;
  double actions[2] = {0, 0};
  double frequencies[2] = {0, 0};
  double angular_momentum = 0;
};
absl::StatusOr<Orbit> OrbitOf(const Parameters& parameters, const State& state);

// The state a time dt (any finite real) after `state`, by Lagrange's f and g
// coefficients with Newton's method on the change of eccentric anomaly,
// using e cos E0 = 1 - r / a and e sin E0 = (r . v) / sqrt(k a): no
// singularity at e = 0. dt == 0 returns the state exactly. Errors as OrbitOf.
absl::StatusOr<State> Propagate(const Parameters& parameters,
                                const State& state, double dt);

// The initial Cartesian states of a valid config's trajectories that are not
// given by elements (two_body_position_box, initial_states), in order.
absl::StatusOr<std::vector<State>> InitialStates(
    const aanet::SimulationConfig& config);

// The elements of a valid config's trajectories given by elements, in order.
absl::StatusOr<std::vector<Elements>> ConfigElements(
    const aanet::SimulationConfig& config);

}  // namespace kepler

class KeplerSystem : public System {
 public:
  std::string_view name() const override { return "kepler"; }
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
  absl::Status ActionsAndFrequencies(
      const ParameterGroup& parameters, const Eigen::MatrixXd& states,
      Eigen::MatrixXd* actions, Eigen::MatrixXd* frequencies) const override;
  std::vector<std::string> ConservedQuantityNames() const override {
    return {"angular_momentum"};
  }
  Eigen::MatrixXd ConservedQuantities(
      const ParameterGroup& parameters,
      const Eigen::MatrixXd& states) const override;
  std::string Describe(const ParameterGroup& parameters) const override;
};

}  // namespace aanet::data_gen

#endif  // AANET_DATA_GEN_SYSTEMS_KEPLER_H_
