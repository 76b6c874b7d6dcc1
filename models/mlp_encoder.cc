#include "models/mlp_encoder.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "autodiff/ops.h"
#include "status/status_macros.h"

namespace aanet {

absl::StatusOr<MlpEncoder::CoordinateMap> MlpEncoder::CreateMap(
    const std::string& name, int num_degrees_of_freedom, int width,
    int num_layers, ad::Activation activation, ad::ParameterStore& store,
    Random& random) {
  const int n = num_degrees_of_freedom;
  // [L] * k as hidden widths + output: k - 1 hidden layers and an output of
  // width L, or k hidden layers and an output of width n.
  const std::vector<int> k_minus_one(num_layers - 1, width);
  const std::vector<int> k(num_layers, width);
  auto mlp = [&](const std::string& part, int input,
                 const std::vector<int>& hidden, int output) {
    return Mlp::Create(store, absl::StrFormat("%s/%s", name, part), input,
                       hidden, output, activation, random);
  };
  AANET_ASSIGN_OR_RETURN(Mlp position_in,
                         mlp("position_in", n, k_minus_one, width));
  AANET_ASSIGN_OR_RETURN(Mlp momentum_in,
                         mlp("momentum_in", n, k_minus_one, width));
  AANET_ASSIGN_OR_RETURN(Mlp transform,
                         mlp("transform", 2 * width, k_minus_one, width));
  AANET_ASSIGN_OR_RETURN(Mlp position_out, mlp("position_out", width, k, n));
  AANET_ASSIGN_OR_RETURN(Mlp momentum_out, mlp("momentum_out", width, k, n));
  return CoordinateMap{std::move(position_in), std::move(momentum_in),
                       std::move(transform), std::move(position_out),
                       std::move(momentum_out)};
}

absl::StatusOr<std::unique_ptr<MlpEncoder>> MlpEncoder::Create(
    const MlpEncoderConfig& config, const std::string& field_path,
    int num_degrees_of_freedom, ad::ParameterStore& store, Random& random) {
  if (!config.has_hidden_width() || config.hidden_width() < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s.hidden_width: must be set and >= 1, got %d",
                        field_path, config.hidden_width()));
  }
  if (!config.has_num_encoder_layers() || config.num_encoder_layers() < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s.num_encoder_layers: must be set and >= 1, got %d",
                        field_path, config.num_encoder_layers()));
  }
  if (!config.has_num_decoder_layers() || config.num_decoder_layers() < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s.num_decoder_layers: must be set and >= 1, got %d",
                        field_path, config.num_decoder_layers()));
  }
  absl::StatusOr<ad::Activation> activation =
      ad::ParseActivation(config.activation());
  if (!activation.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s.activation: %s", field_path, activation.status().message()));
  }
  AANET_ASSIGN_OR_RETURN(
      CoordinateMap encoder,
      CreateMap("encoder", num_degrees_of_freedom, config.hidden_width(),
                config.num_encoder_layers(), *activation, store, random));
  AANET_ASSIGN_OR_RETURN(
      CoordinateMap decoder,
      CreateMap("decoder", num_degrees_of_freedom, config.hidden_width(),
                config.num_decoder_layers(), *activation, store, random));
  return std::unique_ptr<MlpEncoder>(
      new MlpEncoder(std::move(encoder), std::move(decoder)));
}

ad::Var MlpEncoder::CoordinateMap::Apply(ad::Tape& tape,
                                         ad::Var coordinates) const {
  const int n = position_in.input_size();
  ad::Var positions =
      position_in.Forward(tape, ad::ColSlice(coordinates, 0, n));
  ad::Var momenta = momentum_in.Forward(tape, ad::ColSlice(coordinates, n, n));
  ad::Var shared =
      transform.Forward(tape, ad::ConcatCols({positions, momenta}));
  return ad::ConcatCols(
      {position_out.Forward(tape, shared), momentum_out.Forward(tape, shared)});
}

Eigen::MatrixXd MlpEncoder::CoordinateMap::Apply(
    const Eigen::MatrixXd& coordinates) const {
  const int n = position_in.input_size();
  const Eigen::MatrixXd positions =
      position_in.Evaluate(coordinates.leftCols(n));
  const Eigen::MatrixXd momenta =
      momentum_in.Evaluate(coordinates.rightCols(n));
  Eigen::MatrixXd joined(coordinates.rows(), positions.cols() + momenta.cols());
  joined << positions, momenta;
  const Eigen::MatrixXd shared = transform.Evaluate(joined);
  Eigen::MatrixXd result(coordinates.rows(), 2 * n);
  result << position_out.Evaluate(shared), momentum_out.Evaluate(shared);
  return result;
}

ad::Var MlpEncoder::Encode(ad::Tape& tape, ad::Var states) const {
  return encoder_.Apply(tape, states);
}
ad::Var MlpEncoder::Decode(ad::Tape& tape, ad::Var latents) const {
  return decoder_.Apply(tape, latents);
}
Eigen::MatrixXd MlpEncoder::EncodeValues(const Eigen::MatrixXd& states) const {
  return encoder_.Apply(states);
}
Eigen::MatrixXd MlpEncoder::DecodeValues(const Eigen::MatrixXd& latents) const {
  return decoder_.Apply(latents);
}

}  // namespace aanet
