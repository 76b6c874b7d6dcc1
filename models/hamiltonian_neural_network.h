// The Hamiltonian Neural Network baseline (paper appendix A.1; Greydanus et
// al. 2019):
//   encode:  (Q, P) = E(q, p)                       (MLP encoder, published)
//   evolve:  a learned scalar H(Q, P) (an MLP [2n] -> ... -> [1]) defines
//            Q' = dH/dP, P' = -dH/dQ, solved from 0 to dt (Dormand-Prince)
//   decode:  (q, p) = D(Q, P)
// dH/dz is computed exactly by Mlp::InputGradient, written with
// differentiable ops, so training differentiates through it (second order).
// The field is divergence-free and conserves H along its exact flow.
#ifndef AANET_MODELS_HAMILTONIAN_NEURAL_NETWORK_H_
#define AANET_MODELS_HAMILTONIAN_NEURAL_NETWORK_H_

#include <memory>
#include <string>

#include "models/latent_ode.h"
#include "models/mlp.h"

namespace aanet {

class HamiltonianNeuralNetwork : public LatentOdeModel {
 public:
  static absl::StatusOr<std::unique_ptr<HamiltonianNeuralNetwork>> Create(
      const HamiltonianNeuralNetworkConfig& config,
      const std::string& field_path, const ModelContext& context,
      Random& random);

  std::string kind() const override { return "hamiltonian"; }

  // (dH/dP, -dH/dQ) for latents [Q, P].
  ad::Var Field(ad::Tape& tape, ad::Var latents) const override;
  Eigen::MatrixXd FieldValues(const Eigen::MatrixXd& latents) const override;

  // The learned Hamiltonian [B, 1] of latents [B, 2n].
  Eigen::MatrixXd Hamiltonian(const Eigen::MatrixXd& latents) const {
    return hamiltonian_net_->Evaluate(latents);
  }

 private:
  explicit HamiltonianNeuralNetwork(int num_degrees_of_freedom)
      : LatentOdeModel(num_degrees_of_freedom) {}

  std::unique_ptr<Mlp> hamiltonian_net_;
};

}  // namespace aanet

#endif  // AANET_MODELS_HAMILTONIAN_NEURAL_NETWORK_H_
