// The published code's MLP encoder and decoder (docs/published_settings.md,
// "Models").
//
// One half, a CoordinateMap, takes (q, p) [B, n] each to (q', p') [B, n]:
//   hq = position_in(q)            MLP n  -> [L] * k
//   hp = momentum_in(p)            MLP n  -> [L] * k
//   h  = transform([hq, hp])       MLP 2L -> [L] * k
//   q' = position_out(h)           MLP L  -> [L] * k + [n]
//   p' = momentum_out(h)           MLP L  -> [L] * k + [n]
// with L = hidden_width, k = num_encoder_layers (encoder) or
// num_decoder_layers (decoder), the activation after every layer but each
// MLP's last, and residual connections wherever a layer's input and output
// widths match (mlp.h). The encoder is one CoordinateMap from states to
// latents, the decoder another from latents to states; nothing ties them
// together but training. For n = 2, L = 100, k = 1 the pair has 82,608
// parameters (the Neural ODE's ~100K is this plus its derivative net).
#ifndef AANET_MODELS_MLP_ENCODER_H_
#define AANET_MODELS_MLP_ENCODER_H_

#include <memory>
#include <string>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "models/encoder.h"
#include "models/mlp.h"

namespace aanet {

class MlpEncoder : public CoordinateEncoder {
 public:
  // Parameters: "encoder/{position_in,momentum_in,transform,position_out,
  // momentum_out}/layer_<i>/{W,b}" and the same under "decoder/".
  static absl::StatusOr<std::unique_ptr<MlpEncoder>> Create(
      const MlpEncoderConfig& config, const std::string& field_path,
      int num_degrees_of_freedom, ad::ParameterStore& store, Random& random);

  ad::Var Encode(ad::Tape& tape, ad::Var states) const override;
  ad::Var Decode(ad::Tape& tape, ad::Var latents) const override;
  Eigen::MatrixXd EncodeValues(const Eigen::MatrixXd& states) const override;
  Eigen::MatrixXd DecodeValues(const Eigen::MatrixXd& latents) const override;
  bool is_exact_inverse() const override { return false; }

 private:
  struct CoordinateMap {
    Mlp position_in, momentum_in, transform, position_out, momentum_out;

    ad::Var Apply(ad::Tape& tape, ad::Var coordinates) const;
    Eigen::MatrixXd Apply(const Eigen::MatrixXd& coordinates) const;
  };

  static absl::StatusOr<CoordinateMap> CreateMap(const std::string& name,
                                                 int num_degrees_of_freedom,
                                                 int width, int num_layers,
                                                 ad::Activation activation,
                                                 ad::ParameterStore& store,
                                                 Random& random);

  MlpEncoder(CoordinateMap encoder, CoordinateMap decoder)
      : encoder_(std::move(encoder)), decoder_(std::move(decoder)) {}

  CoordinateMap encoder_;
  CoordinateMap decoder_;
};

}  // namespace aanet

#endif  // AANET_MODELS_MLP_ENCODER_H_
