// Encoders and decoders between standardised states and a model's latent
// space, as one swappable part of every model (paper section 2: "encode,
// evolve, decode").
//
// States are rows [q, p] ([B, 2n]); latents are rows [latent positions,
// latent momenta] ([B, 2n]). Two kinds (proto EncoderConfig):
//   flow  the symplectic G-SympNet flow of symplectic_flow.h, preceded by the
//         fixed SymplecticPairScale; the decoder is its exact inverse.
//   mlp   the published code's MLP encoder and decoder (mlp_encoder.h); the
//         decoder is learned, so decode(encode(x)) = x only approximately.
#ifndef AANET_MODELS_ENCODER_H_
#define AANET_MODELS_ENCODER_H_

#include <memory>
#include <string>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "autodiff/parameters.h"
#include "autodiff/tape.h"
#include "models/model.h"
#include "proto/experiment.pb.h"
#include "rng/random.h"

namespace aanet {

// An encoder and its decoder frozen for one state at a time (prediction):
// a snapshot of the parameters in the layout of fast one-state kernels.
// Encode and Decode allocate nothing and may run on many threads at once.
class FrozenOneStateCodec {
 public:
  virtual ~FrozenOneStateCodec() = default;
  // state [2n] -> latent [2n], and back.
  virtual void Encode(const double* state, double* latent) const = 0;
  virtual void Decode(const double* latent, double* state) const = 0;
};

class CoordinateEncoder {
 public:
  virtual ~CoordinateEncoder() = default;

  // Differentiable maps [B, 2n] -> [B, 2n].
  virtual ad::Var Encode(ad::Tape& tape, ad::Var states) const = 0;
  virtual ad::Var Decode(ad::Tape& tape, ad::Var latents) const = 0;

  // The same maps on values, without a tape.
  virtual Eigen::MatrixXd EncodeValues(const Eigen::MatrixXd& states) const = 0;
  virtual Eigen::MatrixXd DecodeValues(
      const Eigen::MatrixXd& latents) const = 0;

  // True if Decode is Encode's exact inverse (up to rounding).
  virtual bool is_exact_inverse() const = 0;

  // True if the maps run on the float32 kernels (a flow of precision
  // float32), which the Action-Angle Network's angular-velocity net follows.
  virtual bool is_float32() const { return false; }

  // The maps frozen for one state, or nullptr if this encoder has no
  // one-state kernels (they exist for the float32 sigmoid flow).
  virtual std::unique_ptr<FrozenOneStateCodec> FreezeOneState() const {
    return nullptr;
  }
};

// Builds the encoder `config` describes, adding its parameters to `store`
// under "encoder/..." (and "decoder/..." for a learned decoder). Errors name
// fields under `field_path`, e.g. "model.neural_ode.encoder.mlp.hidden_width:
// must be set and >= 1".
absl::StatusOr<std::unique_ptr<CoordinateEncoder>> CreateEncoder(
    const EncoderConfig& config, const std::string& field_path,
    const ModelContext& context, ad::ParameterStore& store, Random& random);

}  // namespace aanet

#endif  // AANET_MODELS_ENCODER_H_
