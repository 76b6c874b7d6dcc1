#include "models/model.h"

#include <algorithm>
#include <new>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "models/action_angle_network.h"
#include "models/euler_update_network.h"
#include "models/hamiltonian_neural_network.h"
#include "models/neural_ode.h"
#include "status/status_macros.h"

namespace aanet {

std::vector<Eigen::MatrixXd> Model::PredictGrid(const Eigen::MatrixXd& states,
                                                double dt,
                                                int num_jumps) const {
  std::vector<Eigen::MatrixXd> grid;
  grid.reserve(std::max(num_jumps, 0));
  for (int j = 1; j <= num_jumps; ++j) grid.push_back(Predict(states, j * dt));
  return grid;
}

GridForwardResult Model::ForwardGrid(ad::Tape& tape, ad::Var states, double dt,
                                     int num_jumps) const {
  GridForwardResult grid;
  grid.predictions.reserve(std::max(num_jumps, 0));
  for (int j = 1; j <= num_jumps; ++j) {
    ForwardResult forward = Forward(tape, states, j * dt);
    if (j == 1) grid.actions = forward.actions;
    grid.predictions.push_back(forward.prediction);
  }
  return grid;
}

namespace {

template <typename Concrete>
absl::StatusOr<std::unique_ptr<Model>> Upcast(
    absl::StatusOr<std::unique_ptr<Concrete>> model) {
  AANET_RETURN_IF_ERROR(model);
  return std::unique_ptr<Model>(*std::move(model));
}

// Checks every size field below `message` (num_layers and the like, widths)
// against the bounds in model.h, naming the field path.
absl::Status CheckSizes(const google::protobuf::Message& message,
                        const std::string& path) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    const std::string field_path = absl::StrCat(path, ".", field->name());
    if (field->cpp_type() ==
        google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) continue;  // none in model configs
      AANET_RETURN_IF_ERROR(
          CheckSizes(reflection->GetMessage(message, field), field_path));
      continue;
    }
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_INT32) {
      continue;
    }
    const bool is_width = absl::StrContains(field->name(), "width");
    const bool is_layers = absl::StrContains(field->name(), "layers");
    if (!is_width && !is_layers) continue;
    const int limit = is_width ? kMaxModelWidth : kMaxModelLayers;
    const int count =
        field->is_repeated() ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      const int value = field->is_repeated()
                            ? reflection->GetRepeatedInt32(message, field, i)
                            : reflection->GetInt32(message, field);
      if (value > limit) {
        return absl::InvalidArgumentError(absl::StrCat(
            field_path, field->is_repeated() ? absl::StrCat("[", i, "]") : "",
            ": must be <= ", limit, ", got ", value));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Model>> CreateUnchecked(
    const ModelConfig& config, const ModelContext& context, Random& random);

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
  if (context.num_degrees_of_freedom < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_degrees_of_freedom must be >= 1, got ",
                     context.num_degrees_of_freedom));
  }
  if (absl::Status sizes = CheckSizes(config, "model"); !sizes.ok()) {
    return sizes;
  }
  try {
    return CreateUnchecked(config, context, random);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        "model: too large to allocate (reduce its widths or layers)");
  }
}

namespace {

absl::StatusOr<std::unique_ptr<Model>> CreateUnchecked(
    const ModelConfig& config, const ModelContext& context, Random& random) {
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

}  // namespace
}  // namespace aanet
