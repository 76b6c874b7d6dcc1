#include "models/hamiltonian_neural_network.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "models/autodiff/ops.h"

namespace aanet {

absl::StatusOr<std::unique_ptr<HamiltonianNeuralNetwork>>
HamiltonianNeuralNetwork::Create(const HamiltonianNeuralNetworkConfig& config,
                                 const std::string& field_path,
                                 const ModelContext& context, Random& random) {
  std::unique_ptr<HamiltonianNeuralNetwork> model(
      new HamiltonianNeuralNetwork(context.num_particles));
  absl::Status init = model->Init(config.encoder(), config.solver(), field_path,
                                  context, random);
  if (!init.ok()) return init;
  absl::StatusOr<Mlp> net = CreateMlpFromConfig(
      model->parameters_, "hamiltonian_net", config.hamiltonian_net(),
      absl::StrCat(field_path, ".hamiltonian_net"), 2 * context.num_particles,
      1, random);
  if (!net.ok()) return net.status();
  model->hamiltonian_net_ = std::make_unique<Mlp>(*std::move(net));
  return model;
}

ad::Var HamiltonianNeuralNetwork::Field(ad::Tape& tape, ad::Var latents) const {
  const int n = num_particles();
  ad::Var dh = hamiltonian_net_->InputGradient(tape, latents);
  return ad::ConcatCols(
      {ad::ColSlice(dh, n, n), ad::Neg(ad::ColSlice(dh, 0, n))});
}

Eigen::MatrixXd HamiltonianNeuralNetwork::FieldValues(
    const Eigen::MatrixXd& latents) const {
  const int n = num_particles();
  const Eigen::MatrixXd dh = hamiltonian_net_->InputGradientValues(latents);
  Eigen::MatrixXd field(latents.rows(), 2 * n);
  field << dh.rightCols(n), -dh.leftCols(n);
  return field;
}

}  // namespace aanet
