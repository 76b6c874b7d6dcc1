// The Action-Angle Network's actions in physical units, so that learned
// actions can be set beside a system's true ones (the omega(I) figure).
//
// The network's "action" of pair i is the latent radius r_i =
// sqrt(x_i^2 + y_i^2) (models/action_angle_network.h), so the latent circle
// it moves on encloses the area pi r_i^2 and stands for the action
// r_i^2 / 2 of those latent coordinates. The map from physical (q, p) to the
// flow's latent pair is: standardise q_i and p_i (subtract the mean, divide
// by sigma_q_i and sigma_p_i), which multiplies pair i's symplectic form by
// 1 / (sigma_q_i sigma_p_i); the pair scale s_i = sqrt(sigma_q_i sigma_p_i
// / C) (models/symplectic_flow.h), which multiplies it by s_i^2, making it
// 1 / C for every pair, with C the geometric mean of the products; then the
// flow, which is exactly symplectic and keeps every loop's area. Loop areas
// therefore shrink by the one constant C from physical to latent units, and
//   physical action J_i = C r_i^2 / 2.
// Without the pair scale (the published model) the factor of pair i is
// sigma_q_i sigma_p_i, one constant only for n = 1, where both agree.
#ifndef AANET_EVAL_LEARNED_ACTIONS_H_
#define AANET_EVAL_LEARNED_ACTIONS_H_

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "models/predictor.h"

namespace aanet::eval {

// C above for `predictor`'s checkpoint. FailedPrecondition, naming the
// reason, where no one constant converts the actions: a model other than the
// Action-Angle Network, an encoder that is not a flow, or a flow that is not
// exactly symplectic (PUBLISHED_PER_COORDINATE_GATE), or no pair scale with
// n > 1.
absl::StatusOr<double> PhysicalActionScale(const Predictor& predictor);

// J = scale * r^2 / 2 elementwise: latent radii [B, n] to physical actions.
Eigen::MatrixXd PhysicalActions(const Eigen::MatrixXd& latent_radii,
                                double scale);

// The action of a closed loop sampled as polar points (radius, angle), [S]
// each, around it once: |enclosed area| / (2 pi) by the shoelace formula on
// x = r cos(angle), y = r sin(angle), the last point joined to the first.
// Holds for any simple loop, not only circles about the origin: the check
// that the conversion above is exact for any symplectic flow.
double LoopAction(const Eigen::VectorXd& radii, const Eigen::VectorXd& angles);

}  // namespace aanet::eval

#endif  // AANET_EVAL_LEARNED_ACTIONS_H_
