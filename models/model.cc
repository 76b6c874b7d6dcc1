#include "models/model.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "models/action_angle_network.h"
#include "models/euler_update_network.h"
#include "models/hamiltonian_neural_network.h"
#include "models/neural_ode.h"

namespace aanet {
namespace {

template <typename Concrete>
absl::StatusOr<std::unique_ptr<Model>> Upcast(
    absl::StatusOr<std::unique_ptr<Concrete>> model) {
  if (!model.ok()) return model.status();
  return std::unique_ptr<Model>(*std::move(model));
}

}  // namespace

std::string ModelKind(const ModelConfig& config) {
  switch (config.model_case()) {
    case ModelConfig::kActionAngle:
      return "action_angle";
    case ModelConfig::kEulerUpdate:
      return "euler_update";
    case ModelConfig::kNeuralOde:
      return "neural_ode";
    case ModelConfig::kHamiltonian:
      return "hamiltonian";
    case ModelConfig::MODEL_NOT_SET:
      break;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<Model>> CreateModel(const ModelConfig& config,
                                                   const ModelContext& context,
                                                   Random& random) {
  if (context.num_particles < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "num_particles must be >= 1, got ", context.num_particles));
  }
  switch (config.model_case()) {
    case ModelConfig::kActionAngle:
      return Upcast(ActionAngleNetwork::Create(
          config.action_angle(), "model.action_angle", context, random));
    case ModelConfig::kEulerUpdate:
      return Upcast(EulerUpdateNetwork::Create(
          config.euler_update(), "model.euler_update", context, random));
    case ModelConfig::kNeuralOde:
      return Upcast(NeuralOde::Create(config.neural_ode(), "model.neural_ode",
                                      context, random));
    case ModelConfig::kHamiltonian:
      return Upcast(HamiltonianNeuralNetwork::Create(
          config.hamiltonian(), "model.hamiltonian", context, random));
    case ModelConfig::MODEL_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "model: no model set (expected one of 'action_angle { ... }', "
      "'euler_update { ... }', 'neural_ode { ... }', 'hamiltonian { ... }')");
}

}  // namespace aanet
