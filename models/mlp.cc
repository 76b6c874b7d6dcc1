#include "models/mlp.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "autodiff/activation_kernels.h"
#include "autodiff/init.h"
#include "status/status_macros.h"

namespace aanet {

absl::StatusOr<Mlp> Mlp::Create(ad::ParameterStore& store,
                                const std::string& name, int input_size,
                                const std::vector<int>& hidden_widths,
                                int output_size, ad::Activation activation,
                                Random& random) {
  std::vector<int> widths;
  widths.push_back(input_size);
  widths.insert(widths.end(), hidden_widths.begin(), hidden_widths.end());
  widths.push_back(output_size);
  for (int width : widths) {
    if (width < 1) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: layer widths must be >= 1, got %d", name, width));
    }
  }
  std::vector<int> weight_ids, bias_ids;
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    const std::string prefix = absl::StrFormat("%s/layer_%02d", name, i);
    weight_ids.push_back(store.Add(
        prefix + "/W", ad::LecunNormal(widths[i], widths[i + 1], random)));
    bias_ids.push_back(
        store.Add(prefix + "/b", ad::ZerosInit(1, widths[i + 1])));
  }
  return Mlp(&store, std::move(widths), std::move(weight_ids),
             std::move(bias_ids), activation);
}

absl::StatusOr<Mlp> CreateMlpFromConfig(ad::ParameterStore& store,
                                        const std::string& name,
                                        const MlpConfig& config,
                                        const std::string& field_path,
                                        int input_size, int output_size,
                                        Random& random) {
  absl::StatusOr<ad::Activation> activation =
      ad::ParseActivation(config.activation());
  if (!activation.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s.activation: %s", field_path, activation.status().message()));
  }
  absl::StatusOr<Mlp> mlp =
      Mlp::Create(store, name, input_size,
                  std::vector<int>(config.hidden_widths().begin(),
                                   config.hidden_widths().end()),
                  output_size, *activation, random);
  if (!mlp.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s.hidden_widths: %s", field_path, mlp.status().message()));
  }
  return mlp;
}

absl::StatusOr<std::unique_ptr<Mlp>> CreateDerivativeNet(
    ad::ParameterStore& store, const MlpConfig& config,
    const std::string& model_field_path, int num_degrees_of_freedom,
    Random& random) {
  const int latent_size = 2 * num_degrees_of_freedom;
  AANET_ASSIGN_OR_RETURN(
      Mlp net,
      CreateMlpFromConfig(store, "derivative_net", config,
                          absl::StrCat(model_field_path, ".derivative_net"),
                          latent_size, latent_size, random));
  return std::make_unique<Mlp>(std::move(net));
}

ad::Var Mlp::Forward(ad::Tape& tape, ad::Var inputs) const {
  ad::Var h = inputs;
  for (int i = 0; i < num_layers(); ++i) {
    ad::Var z = ad::Add(ad::MatMul(h, tape.Param(*store_, weight_ids_[i])),
                        tape.Param(*store_, bias_ids_[i]));
    if (i + 1 < num_layers()) z = ad::Activate(activation_, z);
    h = is_residual(i) ? ad::Add(z, h) : z;
  }
  return h;
}

Eigen::MatrixXd Mlp::Evaluate(const Eigen::MatrixXd& inputs) const {
  Eigen::MatrixXd outputs;
  EvaluateInto(inputs, outputs);
  return outputs;
}

void Mlp::EvaluateInto(const Eigen::MatrixXd& inputs,
                       Eigen::MatrixXd& outputs) const {
  // Layers alternate between `outputs` and z by swapping storage, so that
  // both keep their sizes from one call to the next.
  Eigen::MatrixXd& h = outputs;
  h = inputs;
  thread_local Eigen::MatrixXd z;
  for (int i = 0; i < num_layers(); ++i) {
    z.noalias() = h * store_->value(weight_ids_[i]);
    z.rowwise() += store_->value(bias_ids_[i]).row(0);
    if (i + 1 < num_layers()) ad::ActivationInto(activation_, z, z);
    if (is_residual(i)) {
      h += z;
    } else {
      h.swap(z);
    }
  }
}

void Mlp::EvaluateRow(const double* input, double* output) const {
  // h is the layer's input, z its output; both are [1, width] buffers.
  thread_local ad::Matrix h, z;
  h = Eigen::Map<const Eigen::RowVectorXd>(input, input_size());
  for (int i = 0; i < num_layers(); ++i) {
    const ad::Matrix& w = store_->value(weight_ids_[i]);  // [in, out]
    const ad::Matrix& b = store_->value(bias_ids_[i]);    // [1, out]
    const int in = widths_[i];
    const int out = widths_[i + 1];
    z.resize(1, out);
    const Eigen::Map<const Eigen::VectorXd> h_column(h.data(), in);
    for (int j = 0; j < out; ++j) {
      // Column j of w is contiguous; Eigen's dot product is vectorised.
      z(0, j) = b(0, j) + w.col(j).dot(h_column);
    }
    if (i + 1 < num_layers()) ad::ActivationInto(activation_, z, z);
    if (is_residual(i)) {
      h += z;
    } else {
      h.swap(z);
    }
  }
  std::copy(h.data(), h.data() + output_size(), output);
}

std::optional<ad::internal::PackedSigmoidNet> Mlp::PackOneState() const {
  if (num_layers() != 2 || activation_ != ad::Activation::kSigmoid ||
      input_size() != output_size() || is_residual(0)) {
    return std::nullopt;
  }
  return ad::internal::PackedSigmoidNet(
      store_->value(weight_ids_[0]), store_->value(bias_ids_[0]),
      store_->value(weight_ids_[1]), store_->value(bias_ids_[1]));
}

ad::Var Mlp::InputGradient(ad::Tape& tape, ad::Var inputs) const {
  // Forward, keeping the pre-activations.
  std::vector<ad::Var> pre_activations;
  ad::Var h = inputs;
  for (int i = 0; i < num_layers(); ++i) {
    ad::Var z = ad::Add(ad::MatMul(h, tape.Param(*store_, weight_ids_[i])),
                        tape.Param(*store_, bias_ids_[i]));
    pre_activations.push_back(z);
    ad::Var activated = i + 1 < num_layers() ? ad::Activate(activation_, z) : z;
    h = is_residual(i) ? ad::Add(activated, h) : activated;
  }
  // Backward by hand from d(sum outputs)/d(outputs) = 1.
  ad::Var g =
      tape.Constant(Eigen::MatrixXd::Ones(inputs.rows(), output_size()));
  for (int i = num_layers() - 1; i >= 0; --i) {
    ad::Var gz = i + 1 < num_layers()
                     ? ad::Mul(g, ad::ActivationDerivative(activation_,
                                                           pre_activations[i]))
                     : g;
    ad::Var g_in =
        ad::MatMulTransposeB(gz, tape.Param(*store_, weight_ids_[i]));
    g = is_residual(i) ? ad::Add(g_in, g) : g_in;
  }
  return g;
}

Eigen::MatrixXd Mlp::InputGradientValues(const Eigen::MatrixXd& inputs) const {
  std::vector<Eigen::MatrixXd> pre_activations(num_layers());
  Eigen::MatrixXd h = inputs;
  for (int i = 0; i < num_layers(); ++i) {
    Eigen::MatrixXd& z = pre_activations[i];
    z.noalias() = h * store_->value(weight_ids_[i]);
    z.rowwise() += store_->value(bias_ids_[i]).row(0);
    Eigen::MatrixXd activated = z;
    if (i + 1 < num_layers()) ad::ActivationInto(activation_, z, activated);
    if (is_residual(i)) {
      h += activated;
    } else {
      h.swap(activated);
    }
  }
  Eigen::MatrixXd g = Eigen::MatrixXd::Ones(inputs.rows(), output_size());
  Eigen::MatrixXd derivative, g_in;
  for (int i = num_layers() - 1; i >= 0; --i) {
    if (i + 1 < num_layers()) {
      ad::ActivationDerivativeInto(activation_, pre_activations[i], derivative);
      g_in.noalias() = g.cwiseProduct(derivative) *
                       store_->value(weight_ids_[i]).transpose();
    } else {
      g_in.noalias() = g * store_->value(weight_ids_[i]).transpose();
    }
    if (is_residual(i)) {
      g += g_in;
    } else {
      g.swap(g_in);
    }
  }
  return g;
}

}  // namespace aanet
