// The Euler Update Network baseline (paper appendix A.1):
//   encode:  latent = E(q, p)        (the symplectic flow, or the MLP encoder)
//   evolve:  latent += dt * F(latent), one forward-Euler step with a learned
//            derivative F (an MLP [2n] -> ... -> [2n])
//   decode:  (q, p) = D(latent)
// Its cost does not depend on dt, but a single Euler step cannot follow an
// oscillation far past the trained jumps.
#ifndef AANET_MODELS_EULER_UPDATE_NETWORK_H_
#define AANET_MODELS_EULER_UPDATE_NETWORK_H_

#include <memory>
#include <string>

#include "models/encoder.h"
#include "models/mlp.h"
#include "models/model.h"

namespace aanet {

class EulerUpdateNetwork : public Model {
 public:
  static absl::StatusOr<std::unique_ptr<EulerUpdateNetwork>> Create(
      const EulerUpdateNetworkConfig& config, const std::string& field_path,
      const ModelContext& context, Random& random);

  std::string kind() const override { return "euler_update"; }

  ForwardResult Forward(ad::Tape& tape, ad::Var states,
                        double dt) const override;
  // Encodes once and decodes every jump: the same arithmetic per jump as
  // Forward, so each prediction equals Forward's bit for bit.
  GridForwardResult ForwardGrid(ad::Tape& tape, ad::Var states, double dt,
                                int num_jumps) const override;
  Eigen::MatrixXd Predict(const Eigen::MatrixXd& states,
                          double dt) const override;

  const CoordinateEncoder& encoder() const { return *encoder_; }

 private:
  explicit EulerUpdateNetwork(int num_degrees_of_freedom)
      : Model(num_degrees_of_freedom) {}

  std::unique_ptr<CoordinateEncoder> encoder_;
  std::unique_ptr<Mlp> derivative_net_;
};

}  // namespace aanet

#endif  // AANET_MODELS_EULER_UPDATE_NETWORK_H_
