// The interface every model of the study implements, and the factory that
// builds one from its config.
//
// A model maps standardised states [B, 2n] (rows are states [q, p]) to the
// standardised states a time dt later. Training builds the prediction on a
// tape (Forward) to differentiate it; inference evaluates the same function
// on plain values (Predict), which is faster and needs no tape.
#ifndef AANET_MODELS_MODEL_H_
#define AANET_MODELS_MODEL_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "autodiff/parameters.h"
#include "autodiff/tape.h"
#include "proto/experiment.pb.h"
#include "rng/random.h"

namespace aanet {

struct ForwardResult {
  ad::Var prediction;  // [B, 2n]
  // [B, n] for models with actions (the Action-Angle Network); the trainer
  // regularises their batch variance.
  std::optional<ad::Var> actions;
};

// Predictions at every grid point from the same input states, for
// multi-step training (TrainingConfig.EVERY_STEP_TO_JUMP, train/loss.h).
struct GridForwardResult {
  std::vector<ad::Var> predictions;  // at dt, 2 dt, ..., each [B, 2n]
  // [B, n], the encoded actions of the input states, once (the regulariser
  // takes them once, not once per grid point); models with actions only.
  std::optional<ad::Var> actions;
};

class Model {
 public:
  virtual ~Model() = default;

  // The config's model name: "action_angle", ...
  virtual std::string kind() const = 0;

  // Differentiable prediction of `states` [B, 2n] advanced by dt.
  virtual ForwardResult Forward(ad::Tape& tape, ad::Var states,
                                double dt) const = 0;

  // Differentiable predictions of `states` [B, 2n] at dt, 2 dt, ...,
  // num_jumps * dt (num_jumps >= 1): the j-th equals Forward(states, j * dt)
  // (bit for bit for the direct models, to rounding for the integrating
  // ones, as PredictGrid). By default one Forward per jump, the actions those
  // of the first; the Action-Angle and Euler Update Networks encode once and
  // decode every jump, the integrating models take one solve through the
  // grid, so that a grid costs them about one solve to num_jumps * dt.
  virtual GridForwardResult ForwardGrid(ad::Tape& tape, ad::Var states,
                                        double dt, int num_jumps) const;

  // The same prediction on values. Not thread-safe (models keep per-thread
  // scratch buffers, but share parameters with training).
  virtual Eigen::MatrixXd Predict(const Eigen::MatrixXd& states,
                                  double dt) const = 0;

  // Predictions of `states` [B, 2n] at dt, 2 dt, ..., num_jumps * dt
  // (num_jumps >= 0 entries, each [B, 2n]), for error-against-time curves
  // (eval/vpt.h). By default one Predict per jump, which is what the direct
  // models (the Action-Angle and Euler Update Networks) compute anyway; the
  // integrating models override it with one solve through the grid.
  virtual std::vector<Eigen::MatrixXd> PredictGrid(
      const Eigen::MatrixXd& states, double dt, int num_jumps) const;

  // Why the last Forward or Predict produced non-finite states, if the model
  // knows (e.g. "the latent ODE solve failed: ..."); empty otherwise.
  virtual std::string last_failure() const { return ""; }

  ad::ParameterStore& parameters() { return parameters_; }
  const ad::ParameterStore& parameters() const { return parameters_; }
  int num_degrees_of_freedom() const { return num_degrees_of_freedom_; }

 protected:
  explicit Model(int num_degrees_of_freedom)
      : num_degrees_of_freedom_(num_degrees_of_freedom) {}

  ad::ParameterStore parameters_;

 private:
  int num_degrees_of_freedom_;
};

// What a model is told about the data it models.
struct ModelContext {
  int num_degrees_of_freedom = 0;
  // The per-coordinate deviations [2n] the states were standardised with
  // (StandardScaler::scale()); empty means unit scales. Flow encoders use
  // them to keep the map from physical coordinates symplectic (see
  // SymplecticPairScale in symplectic_flow.h).
  Eigen::RowVectorXd coordinate_scale;
};

// Bounds on a model's sizes, far above the published ones (width 100, 20
// layers), so that a typo fails validation instead of exhausting memory:
// every int32 field of a model config whose name contains "width" (e.g.
// hidden_width, hidden_widths) is at most kMaxModelWidth, every one whose
// name contains "layers" at most kMaxModelLayers.
inline constexpr int kMaxModelWidth = 10000;
inline constexpr int kMaxModelLayers = 1000;

// Builds the model `config` describes, initialising its parameters from
// `random`. Errors name the config field, e.g.
// "model.action_angle.encoder.flow.num_layers: must be set and >= 1",
// "model.neural_ode.mlp.hidden_widths[0]: must be <= 10000, got 2000000000";
// ResourceExhausted "model: too large to allocate" if memory runs out anyway.
absl::StatusOr<std::unique_ptr<Model>> CreateModel(const ModelConfig& config,
                                                   const ModelContext& context,
                                                   Random& random);

// The kind() of the model `config` describes ("action_angle",
// "euler_update", "neural_ode", "hamiltonian"), or "" if no model is set.
std::string ModelKind(const ModelConfig& config);

}  // namespace aanet

#endif  // AANET_MODELS_MODEL_H_
