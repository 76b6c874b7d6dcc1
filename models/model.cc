#include "models/model.h"

#include "absl/status/status.h"
#include "models/action_angle_network.h"

namespace aanet {

absl::StatusOr<std::unique_ptr<Model>> CreateModel(const ModelConfig& config,
                                                   const ModelContext& context,
                                                   Random& random) {
  switch (config.model_case()) {
    case ModelConfig::kActionAngle: {
      absl::StatusOr<std::unique_ptr<ActionAngleNetwork>> model =
          ActionAngleNetwork::Create(config.action_angle(),
                                     "model.action_angle", context, random);
      if (!model.ok()) return model.status();
      return std::unique_ptr<Model>(*std::move(model));
    }
    case ModelConfig::MODEL_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "model: no model set (expected 'action_angle { ... }')");
}

}  // namespace aanet
