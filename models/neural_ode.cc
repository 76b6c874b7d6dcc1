#include "models/neural_ode.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace aanet {

absl::StatusOr<std::unique_ptr<NeuralOde>> NeuralOde::Create(
    const NeuralOdeConfig& config, const std::string& field_path,
    const ModelContext& context, Random& random) {
  std::unique_ptr<NeuralOde> model(new NeuralOde(context.num_particles));
  absl::Status init = model->Init(config.encoder(), config.solver(), field_path,
                                  context, random);
  if (!init.ok()) return init;
  const int latent_size = 2 * context.num_particles;
  absl::StatusOr<Mlp> net = CreateMlpFromConfig(
      model->parameters_, "derivative_net", config.derivative_net(),
      absl::StrCat(field_path, ".derivative_net"), latent_size, latent_size,
      random);
  if (!net.ok()) return net.status();
  model->derivative_net_ = std::make_unique<Mlp>(*std::move(net));
  return model;
}

}  // namespace aanet
