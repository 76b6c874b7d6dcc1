// A multilayer perceptron as the published code builds it: dense layers with
// an activation after every layer but the last, and a residual connection
// around every layer whose input and output widths match.
//
// Shapes: inputs [B, input_size] -> outputs [B, output_size]; rows are
// states. Weights are LeCun-normal, biases zero (flax defaults; see
// docs/published_settings.md).
#ifndef AANET_MODELS_MLP_H_
#define AANET_MODELS_MLP_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "autodiff/internal/shear_stack_one_state.h"
#include "autodiff/ops.h"
#include "autodiff/parameters.h"
#include "autodiff/tape.h"
#include "proto/experiment.pb.h"
#include "rng/random.h"

namespace aanet {

class Mlp {
 public:
  // Adds the layers' parameters to `store` as "<name>/layer_<i>/{W,b}".
  // Widths must be >= 1.
  static absl::StatusOr<Mlp> Create(ad::ParameterStore& store,
                                    const std::string& name, int input_size,
                                    const std::vector<int>& hidden_widths,
                                    int output_size, ad::Activation activation,
                                    Random& random);

  // Differentiable forward pass.
  ad::Var Forward(ad::Tape& tape, ad::Var inputs) const;

  // Whether ForwardOnShearKernel takes this net: one sigmoid hidden layer
  // from n inputs to n outputs, n <= 4 and n != width (no residual), as the
  // Action-Angle Network's angular-velocity net.
  bool HasShearKernelShape() const;
  // Forward's function as one tape node on the shear-stack kernels
  // (autodiff/internal/shear_stack.h: the net is one layer whose fixed half
  // is the input and whose updated half starts at the output bias, with a
  // zero gate and its output weights in W a's place): float32 (T = float,
  // the arithmetic of the float32 flow, bit-identical on every instruction
  // set) or float64 (T = double, the portable reference that the float32
  // node is checked against). Requires HasShearKernelShape().
  template <typename T>
  ad::Var ForwardOnShearKernel(ad::Tape& tape, ad::Var inputs) const;

  // The same function on values, without a tape.
  Eigen::MatrixXd Evaluate(const Eigen::MatrixXd& inputs) const;
  // The same into `outputs`, which must not be `inputs`: a caller that passes
  // the same `outputs` for inputs of one shape allocates nothing after the
  // first call (the other buffer is per thread).
  void EvaluateInto(const Eigen::MatrixXd& inputs,
                    Eigen::MatrixXd& outputs) const;

  // The same for one row: input [input_size] into output [output_size]
  // (which must not overlap it), in double, without Eigen's general
  // products (whose set-up outweighs a row's work) and, after a thread's
  // first call, without allocating. Equal to Evaluate's row to rounding:
  // the sums run in another order.
  void EvaluateRow(const double* input, double* output) const;

  // This net in float32 for one row at a time, packed once, when it has the
  // shape the kernel takes (autodiff/internal/shear_stack_one_state.h): one
  // sigmoid hidden layer from n inputs to n outputs, n != width (the
  // Action-Angle Network's angular-velocity net); nullopt otherwise.
  std::optional<ad::internal::PackedSigmoidNet> PackOneState() const;

  // d(sum of the outputs of row b)/d(inputs of row b) for every row: the
  // input-gradient [B, input_size] (for output_size 1, e.g. dH/dz of a
  // Hamiltonian network). Written with ordinary differentiable ops
  // (ActivationDerivative, MatMulTransposeB), so a loss of it can itself be
  // differentiated with respect to the parameters and the inputs.
  ad::Var InputGradient(ad::Tape& tape, ad::Var inputs) const;
  // The same on values.
  Eigen::MatrixXd InputGradientValues(const Eigen::MatrixXd& inputs) const;

  int input_size() const { return widths_.front(); }
  int output_size() const { return widths_.back(); }
  ad::Activation activation() const { return activation_; }
  // Input, hidden and output widths.
  const std::vector<int>& widths() const { return widths_; }
  // The store ids of layer i's weight [widths[i], widths[i+1]] and bias.
  const std::vector<int>& weight_ids() const { return weight_ids_; }
  const std::vector<int>& bias_ids() const { return bias_ids_; }
  const ad::ParameterStore& store() const { return *store_; }

 private:
  Mlp(ad::ParameterStore* store, std::vector<int> widths,
      std::vector<int> weight_ids, std::vector<int> bias_ids,
      ad::Activation activation)
      : store_(store),
        widths_(std::move(widths)),
        weight_ids_(std::move(weight_ids)),
        bias_ids_(std::move(bias_ids)),
        activation_(activation) {}

  int num_layers() const { return static_cast<int>(weight_ids_.size()); }
  bool is_residual(int layer) const {
    return widths_[layer] == widths_[layer + 1];
  }

  ad::ParameterStore* store_;
  std::vector<int> widths_;      // input, hidden..., output
  std::vector<int> weight_ids_;  // [widths_[i], widths_[i+1]]
  std::vector<int> bias_ids_;    // [1, widths_[i+1]]
  ad::Activation activation_;
};

// Mlp::Create with the widths and activation of `config` (proto MlpConfig);
// errors name the fields under `field_path`, e.g.
// "model.neural_ode.derivative_net.activation: unknown activation ...".
absl::StatusOr<Mlp> CreateMlpFromConfig(ad::ParameterStore& store,
                                        const std::string& name,
                                        const MlpConfig& config,
                                        const std::string& field_path,
                                        int input_size, int output_size,
                                        Random& random);

// The latent derivative network f: R^2n -> R^2n of the Euler Update Network
// (z + dt f(z)) and the Neural ODE (dz/dt = f(z)): CreateMlpFromConfig under
// the parameter name "derivative_net", errors under
// `model_field_path`.derivative_net.
absl::StatusOr<std::unique_ptr<Mlp>> CreateDerivativeNet(
    ad::ParameterStore& store, const MlpConfig& config,
    const std::string& model_field_path, int num_degrees_of_freedom,
    Random& random);

}  // namespace aanet

#endif  // AANET_MODELS_MLP_H_
