#include "models/hamiltonian_neural_network.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "autodiff/ops.h"
#include "models/latent_fields.h"
#include "models/latent_solve.h"
#include "status/status_macros.h"

namespace aanet {

absl::StatusOr<std::unique_ptr<HamiltonianNeuralNetwork>>
HamiltonianNeuralNetwork::Create(const HamiltonianNeuralNetworkConfig& config,
                                 const std::string& field_path,
                                 const ModelContext& context, Random& random) {
  std::unique_ptr<HamiltonianNeuralNetwork> model(
      new HamiltonianNeuralNetwork(context.num_degrees_of_freedom));
  AANET_RETURN_IF_ERROR(model->Init(config.encoder(), config.solver(),
                                    field_path, context, random));
  AANET_ASSIGN_OR_RETURN(
      Mlp net,
      CreateMlpFromConfig(model->parameters_, "hamiltonian_net",
                          config.hamiltonian_net(),
                          absl::StrCat(field_path, ".hamiltonian_net"),
                          2 * context.num_degrees_of_freedom, 1, random));
  model->hamiltonian_net_ = std::make_unique<Mlp>(std::move(net));
  if (model->solver_options().mode != ode::StepMode::kConstant) {
    return model;  // adaptive steps: the whole solve on the float64 tape
  }
  const Mlp& field = *model->hamiltonian_net_;
  std::vector<int> ids = field.weight_ids();
  ids.insert(ids.end(), field.bias_ids().begin(), field.bias_ids().end());
  // The fused field needs sigma'' = 0 (relu, as published); other
  // activations differentiate the field on the float64 tape.
  const bool piecewise_linear =
      ad::FusedMlp<double>(field.widths(), field.activation())
          .IsPiecewiseLinear();
  const OdeSolverConfig::Precision precision = config.solver().precision();
  if (precision == OdeSolverConfig::FLOAT32 && !piecewise_linear) {
    return absl::InvalidArgumentError(absl::StrCat(
        field_path,
        ".solver.precision: FLOAT32 needs a piecewise-linear activation "
        "(relu, leaky_relu, identity) in hamiltonian_net, got \"",
        config.hamiltonian_net().activation(), "\"; use FLOAT64"));
  }
  if (!piecewise_linear) {
    const HamiltonianNeuralNetwork* self = model.get();
    model->SetConstantStepSolve(
        std::make_unique<CheckpointedLatentSolve<TapeField>>(
            TapeField([self](ad::Tape& tape,
                             ad::Var y) { return self->Field(tape, y); },
                      [self](const Eigen::MatrixXd& y) {
                        return self->FieldValues(y);
                      }),
            model->solver_options(), &model->parameters_, std::move(ids)));
  } else if (precision == OdeSolverConfig::FLOAT64) {
    model->SetConstantStepSolve(
        std::make_unique<CheckpointedLatentSolve<HamiltonianField<double>>>(
            HamiltonianField<double>(field), model->solver_options(),
            &model->parameters_, std::move(ids)));
  } else {
    model->SetConstantStepSolve(
        std::make_unique<CheckpointedLatentSolve<HamiltonianField<float>>>(
            HamiltonianField<float>(field), model->solver_options(),
            &model->parameters_, std::move(ids)));
  }
  return model;
}

ad::Var HamiltonianNeuralNetwork::Field(ad::Tape& tape, ad::Var latents) const {
  const int n = num_degrees_of_freedom();
  ad::Var dh = hamiltonian_net_->InputGradient(tape, latents);
  return ad::ConcatCols(
      {ad::ColSlice(dh, n, n), ad::Neg(ad::ColSlice(dh, 0, n))});
}

Eigen::MatrixXd HamiltonianNeuralNetwork::FieldValues(
    const Eigen::MatrixXd& latents) const {
  const int n = num_degrees_of_freedom();
  const Eigen::MatrixXd dh = hamiltonian_net_->InputGradientValues(latents);
  Eigen::MatrixXd field(latents.rows(), 2 * n);
  field << dh.rightCols(n), -dh.leftCols(n);
  return field;
}

}  // namespace aanet
