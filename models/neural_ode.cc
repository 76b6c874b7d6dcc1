#include "models/neural_ode.h"

#include <utility>
#include <vector>

#include "models/latent_fields.h"
#include "models/latent_solve.h"
#include "status/status_macros.h"

namespace aanet {

absl::StatusOr<std::unique_ptr<NeuralOde>> NeuralOde::Create(
    const NeuralOdeConfig& config, const std::string& field_path,
    const ModelContext& context, Random& random) {
  std::unique_ptr<NeuralOde> model(
      new NeuralOde(context.num_degrees_of_freedom));
  AANET_RETURN_IF_ERROR(model->Init(config.encoder(), config.solver(),
                                    field_path, context, random));
  AANET_ASSIGN_OR_RETURN(
      model->derivative_net_,
      CreateDerivativeNet(model->parameters_, config.derivative_net(),
                          field_path, context.num_degrees_of_freedom, random));
  if (model->solver_options().mode == ode::StepMode::kConstant) {
    const Mlp& field = *model->derivative_net_;
    std::vector<int> ids = field.weight_ids();
    ids.insert(ids.end(), field.bias_ids().begin(), field.bias_ids().end());
    if (config.solver().precision() == OdeSolverConfig::FLOAT64) {
      model->SetConstantStepSolve(
          std::make_unique<CheckpointedLatentSolve<NeuralOdeField<double>>>(
              NeuralOdeField<double>(field), model->solver_options(),
              &model->parameters_, std::move(ids)));
    } else {
      model->SetConstantStepSolve(
          std::make_unique<CheckpointedLatentSolve<NeuralOdeField<float>>>(
              NeuralOdeField<float>(field), model->solver_options(),
              &model->parameters_, std::move(ids)));
    }
  }
  return model;
}

}  // namespace aanet
