#include "models/mlp.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "models/autodiff/activation_kernels.h"
#include "models/autodiff/init.h"

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
  Eigen::MatrixXd h = inputs;
  Eigen::MatrixXd z;
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
  return h;
}

}  // namespace aanet
