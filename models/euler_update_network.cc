#include "models/euler_update_network.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "autodiff/ops.h"
#include "status/status_macros.h"

namespace aanet {

absl::StatusOr<std::unique_ptr<EulerUpdateNetwork>> EulerUpdateNetwork::Create(
    const EulerUpdateNetworkConfig& config, const std::string& field_path,
    const ModelContext& context, Random& random) {
  std::unique_ptr<EulerUpdateNetwork> model(
      new EulerUpdateNetwork(context.num_degrees_of_freedom));
  AANET_ASSIGN_OR_RETURN(
      std::unique_ptr<CoordinateEncoder> encoder,
      CreateEncoder(config.encoder(), absl::StrCat(field_path, ".encoder"),
                    context, model->parameters_, random));
  model->encoder_ = std::move(encoder);
  AANET_ASSIGN_OR_RETURN(
      model->derivative_net_,
      CreateDerivativeNet(model->parameters_, config.derivative_net(),
                          field_path, context.num_degrees_of_freedom, random));
  return model;
}

ForwardResult EulerUpdateNetwork::Forward(ad::Tape& tape, ad::Var states,
                                          double dt) const {
  ad::Var latents = encoder_->Encode(tape, states);
  ad::Var evolved =
      ad::Add(latents, ad::Scale(derivative_net_->Forward(tape, latents), dt));
  return {encoder_->Decode(tape, evolved), std::nullopt};
}

GridForwardResult EulerUpdateNetwork::ForwardGrid(ad::Tape& tape,
                                                  ad::Var states, double dt,
                                                  int num_jumps) const {
  // One Euler step of j * dt per jump, by definition of the model: the
  // encoding and the derivative are shared, the steps are not chained.
  ad::Var latents = encoder_->Encode(tape, states);
  ad::Var derivative = derivative_net_->Forward(tape, latents);
  GridForwardResult grid;
  for (int j = 1; j <= num_jumps; ++j) {
    grid.predictions.push_back(encoder_->Decode(
        tape, ad::Add(latents, ad::Scale(derivative, j * dt))));
  }
  return grid;
}

Eigen::MatrixXd EulerUpdateNetwork::Predict(const Eigen::MatrixXd& states,
                                            double dt) const {
  Eigen::MatrixXd latents = encoder_->EncodeValues(states);
  latents += dt * derivative_net_->Evaluate(latents);
  return encoder_->DecodeValues(latents);
}

}  // namespace aanet
