#include "models/encoder.h"

#include <memory>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "autodiff/ops.h"
#include "models/mlp_encoder.h"
#include "models/symplectic_flow.h"
#include "status/status_macros.h"

namespace aanet {
namespace {

// The pair scale, then the symplectic flow; decoding runs both backwards.
class FlowEncoder : public CoordinateEncoder {
 public:
  FlowEncoder(SymplecticFlow flow, Eigen::RowVectorXd pair_scale)
      : flow_(std::move(flow)),
        pair_scale_(std::move(pair_scale)),
        inverse_pair_scale_(pair_scale_.cwiseInverse()) {}

  ad::Var Encode(ad::Tape& tape, ad::Var states) const override {
    return flow_.Forward(tape, ad::Mul(states, tape.Constant(pair_scale_)));
  }
  ad::Var Decode(ad::Tape& tape, ad::Var latents) const override {
    return ad::Mul(flow_.Inverse(tape, latents),
                   tape.Constant(inverse_pair_scale_));
  }
  Eigen::MatrixXd EncodeValues(const Eigen::MatrixXd& states) const override {
    return flow_.ForwardValues(
        (states.array().rowwise() * pair_scale_.array()).matrix());
  }
  Eigen::MatrixXd DecodeValues(const Eigen::MatrixXd& latents) const override {
    return (flow_.InverseValues(latents).array().rowwise() *
            inverse_pair_scale_.array())
        .matrix();
  }
  bool is_exact_inverse() const override { return true; }
  bool is_float32() const override { return flow_.is_float32(); }

  std::unique_ptr<FrozenOneStateCodec> FreezeOneState() const override {
    if (pair_scale_.size() > kMaxState) return nullptr;
    std::optional<ad::internal::PackedShearStack> stack = flow_.PackOneState();
    if (!stack.has_value()) return nullptr;
    return std::make_unique<FrozenFlowCodec>(pair_scale_, inverse_pair_scale_,
                                             *std::move(stack));
  }

 private:
  // The pair scale in double, then the float32 one-state kernel of the
  // whole stack: the same maps as EncodeValues and DecodeValues, with the
  // flow in float32.
  class FrozenFlowCodec : public FrozenOneStateCodec {
   public:
    FrozenFlowCodec(Eigen::RowVectorXd pair_scale,
                    Eigen::RowVectorXd inverse_pair_scale,
                    ad::internal::PackedShearStack stack)
        : pair_scale_(std::move(pair_scale)),
          inverse_pair_scale_(std::move(inverse_pair_scale)),
          stack_(std::move(stack)) {}

    void Encode(const double* state, double* latent) const override {
      const int size = static_cast<int>(pair_scale_.size());
      float x[kMaxState];
      for (int i = 0; i < size; ++i) {
        x[i] = static_cast<float>(state[i] * pair_scale_[i]);
      }
      stack_.Forward(x);
      for (int i = 0; i < size; ++i) latent[i] = x[i];
    }
    void Decode(const double* latent, double* state) const override {
      const int size = static_cast<int>(pair_scale_.size());
      float x[kMaxState];
      for (int i = 0; i < size; ++i) x[i] = static_cast<float>(latent[i]);
      stack_.Inverse(x);
      for (int i = 0; i < size; ++i) {
        state[i] = static_cast<double>(x[i]) * inverse_pair_scale_[i];
      }
    }

   private:
    Eigen::RowVectorXd pair_scale_;
    Eigen::RowVectorXd inverse_pair_scale_;
    ad::internal::PackedShearStack stack_;
  };
  // States of more coordinates take the batched path (no frozen codec).
  static constexpr int kMaxState = 128;

  SymplecticFlow flow_;
  // Fixed multipliers [1, 2n] (SymplecticPairScale) and their inverses.
  Eigen::RowVectorXd pair_scale_;
  Eigen::RowVectorXd inverse_pair_scale_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<CoordinateEncoder>> CreateEncoder(
    const EncoderConfig& config, const std::string& field_path,
    const ModelContext& context, ad::ParameterStore& store, Random& random) {
  switch (config.kind_case()) {
    case EncoderConfig::kFlow: {
      AANET_ASSIGN_OR_RETURN(
          SymplecticFlow flow,
          SymplecticFlow::Create(store, "encoder", config.flow(),
                                 absl::StrCat(field_path, ".flow"),
                                 context.num_degrees_of_freedom, random));
      // Default on (ours); off reproduces the published code.
      const bool pair_scale = !config.flow().has_symplectic_pair_scale() ||
                              config.flow().symplectic_pair_scale();
      return std::unique_ptr<CoordinateEncoder>(new FlowEncoder(
          std::move(flow),
          pair_scale
              ? SymplecticPairScale(context.coordinate_scale,
                                    context.num_degrees_of_freedom)
              : Eigen::RowVectorXd::Ones(2 * context.num_degrees_of_freedom)));
    }
    case EncoderConfig::kMlp: {
      AANET_ASSIGN_OR_RETURN(
          std::unique_ptr<MlpEncoder> mlp,
          MlpEncoder::Create(config.mlp(), absl::StrCat(field_path, ".mlp"),
                             context.num_degrees_of_freedom, store, random));
      return std::unique_ptr<CoordinateEncoder>(std::move(mlp));
    }
    case EncoderConfig::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      field_path, ": must be set (expected 'flow { ... }' or 'mlp { ... }')"));
}

}  // namespace aanet
