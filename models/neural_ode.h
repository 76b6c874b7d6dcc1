// The Neural ODE baseline (paper appendix A.1; Chen et al. 2018):
//   encode:  latent = E(q, p)                       (MLP encoder, published)
//   evolve:  latent' = F(latent), solved from 0 to dt (Dormand-Prince 5(4))
//   decode:  (q, p) = D(latent)
// F is an MLP [2n] -> ... -> [2n]. With the published constant steps of 0.1
// the cost of a prediction grows linearly with dt.
#ifndef AANET_MODELS_NEURAL_ODE_H_
#define AANET_MODELS_NEURAL_ODE_H_

#include <memory>
#include <string>

#include "models/latent_ode.h"
#include "models/mlp.h"

namespace aanet {

class NeuralOde : public LatentOdeModel {
 public:
  static absl::StatusOr<std::unique_ptr<NeuralOde>> Create(
      const NeuralOdeConfig& config, const std::string& field_path,
      const ModelContext& context, Random& random);

  std::string kind() const override { return "neural_ode"; }

  ad::Var Field(ad::Tape& tape, ad::Var latents) const override {
    return derivative_net_->Forward(tape, latents);
  }
  Eigen::MatrixXd FieldValues(const Eigen::MatrixXd& latents) const override {
    return derivative_net_->Evaluate(latents);
  }

 private:
  explicit NeuralOde(int num_degrees_of_freedom)
      : LatentOdeModel(num_degrees_of_freedom) {}

  std::unique_ptr<Mlp> derivative_net_;
};

}  // namespace aanet

#endif  // AANET_MODELS_NEURAL_ODE_H_
