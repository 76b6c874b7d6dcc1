// Conservation of the Action-Angle Network's learned actions, measured: the
// network's actions of the TRUE states of a trajectory, against time. The
// evolved actions are constant by construction and would prove nothing; the
// encoded true states are flat only if the encoder found conserved
// quantities (the paper's claim, arXiv 2211.15338).
//
// The measure per latent pair is the relative variation of its action
// J = r^2 / 2 (r the latent radius, models/action_angle_network.h) over a
// trajectory: the population standard deviation over time divided by the
// magnitude of the mean over time. It does not depend on the unit of the
// action (eval/learned_actions.h's constant C cancels), so it is comparable
// across models and datasets.
#ifndef AANET_EVAL_ACTION_CONSERVATION_H_
#define AANET_EVAL_ACTION_CONSERVATION_H_

#include <vector>

#include "Eigen/Core"

namespace aanet::eval {

// Per column of `actions` [T, n] (T >= 1): std over the rows / |mean over
// the rows|. NaN for a column with a non-finite value (never a made-up
// number); +inf for a mean of 0 with a spread, 0 for a constant 0.
Eigen::VectorXd RelativeVariation(const Eigen::MatrixXd& actions);

// The latent radii [T, n] as actions r^2 / 2 (latent units).
Eigen::MatrixXd LatentActions(const Eigen::MatrixXd& latent_radii);

// The median and the maximum over trajectories, per latent pair, of
// per-trajectory relative variations (each [n]). A trajectory with a
// non-finite variation in any pair is left out and counted, never
// averaged in. Median and max are NaN when no trajectory is left.
struct VariationSummary {
  int num_trajectories = 0;  // given
  int num_non_finite = 0;    // left out
  Eigen::VectorXd median;    // [n]
  Eigen::VectorXd max;       // [n]
};
VariationSummary SummarizeVariation(
    const std::vector<Eigen::VectorXd>& variations, int num_pairs);

}  // namespace aanet::eval

#endif  // AANET_EVAL_ACTION_CONSERVATION_H_
