#include "eval/learned_actions.h"

#include <cmath>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "models/predictor.h"
#include "proto/experiment.pb.h"

namespace aanet::eval {

absl::StatusOr<double> PhysicalActionScale(const Predictor& predictor) {
  const ModelConfig& model = predictor.experiment().model();
  if (!model.has_action_angle()) {
    return absl::FailedPreconditionError(
        "learned actions in physical units: only the Action-Angle Network "
        "has actions");
  }
  const EncoderConfig& encoder = model.action_angle().encoder();
  if (!encoder.has_flow()) {
    return absl::FailedPreconditionError(
        "learned actions in physical units: the encoder is not a symplectic "
        "flow, so its latent areas are not the physical ones");
  }
  if (encoder.flow().conditioner() == PUBLISHED_PER_COORDINATE_GATE) {
    return absl::FailedPreconditionError(
        "learned actions in physical units: the published per-coordinate "
        "gate keeps volume but not the symplectic form");
  }
  const bool pair_scale = !encoder.flow().has_symplectic_pair_scale() ||
                          encoder.flow().symplectic_pair_scale();
  const Eigen::RowVectorXd& sigma = predictor.scaler().scale();
  const int n = static_cast<int>(sigma.size()) / 2;
  if (!pair_scale && n > 1) {
    return absl::FailedPreconditionError(
        "learned actions in physical units: without the symplectic pair "
        "scale each pair has its own factor sigma_q sigma_p");
  }
  // The geometric mean of sigma_q_i sigma_p_i, as SymplecticPairScale
  // computes it (a mean of logarithms, which cannot overflow).
  double log_sum = 0;
  for (int i = 0; i < n; ++i) log_sum += std::log(sigma[i] * sigma[n + i]);
  return std::exp(log_sum / n);
}

Eigen::MatrixXd PhysicalActions(const Eigen::MatrixXd& latent_radii,
                                double scale) {
  return (0.5 * scale) * latent_radii.array().square().matrix();
}

double LoopAction(const Eigen::VectorXd& radii, const Eigen::VectorXd& angles) {
  const Eigen::Index s = radii.size();
  double twice_area = 0;
  for (Eigen::Index k = 0; k < s; ++k) {
    const Eigen::Index next = (k + 1) % s;
    const double x0 = radii[k] * std::cos(angles[k]);
    const double y0 = radii[k] * std::sin(angles[k]);
    const double x1 = radii[next] * std::cos(angles[next]);
    const double y1 = radii[next] * std::sin(angles[next]);
    twice_area += x0 * y1 - x1 * y0;
  }
  return std::abs(twice_area) / (4 * M_PI);
}

}  // namespace aanet::eval
