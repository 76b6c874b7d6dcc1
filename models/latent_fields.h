// The latent vector fields of the Neural ODE and the Hamiltonian Neural
// Network in the form the checkpointed solver needs (ode/checkpointed_solve.h:
// Evaluate, EvaluateStage, KeepsStep, BackwardStage), plus the parameter
// plumbing: Load reads the current parameters from the model's store,
// AddGradientsTo adds what BackwardStage accumulated.
//
// FusedField<T, Form> evaluates an Mlp with the fused float/double kernels
// (autodiff/fused_mlp.h) in one of two forms:
//   MlpForm          F(z) = MLP(z)                 the Neural ODE
//   HamiltonianForm  F(z) = (dH/dp, -dH/dq),       the HNN, for H = MLP(z)
//                    z = [q, p]                   with one output
// and keeps the activations of as many whole steps of the forward pass as
// kKeptActivationBytes allows, so that the backward pass recomputes only the
// rest. TapeField evaluates any field written with tape ops
// (LatentOdeModel::Field) in double, one stage at a time on a small private
// tape: the HNN with an activation whose second derivative is not zero.
#ifndef AANET_MODELS_LATENT_FIELDS_H_
#define AANET_MODELS_LATENT_FIELDS_H_

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "autodiff/fused_mlp.h"
#include "autodiff/parameters.h"
#include "autodiff/tape.h"
#include "models/mlp.h"
#include "ode/dormand_prince.h"

namespace aanet {

// Stages of one step the checkpointed solver differentiates
// (Dormand-Prince, b_7 = 0).
inline constexpr int kCheckpointedStages = ode::internal::kNumStages - 1;

// Memory a FusedField may spend on keeping the forward pass's activations of
// whole steps for the backward pass (later steps are recomputed): 128 MiB,
// about 120 steps of the published Neural ODE or HNN at batch 100 in float32
// (relu' kept as bytes, FusedMlp), so jump 10 (100 steps) recomputes none
// and its peak memory stays under 200 MB.
inline constexpr size_t kKeptActivationBytes = size_t{128} << 20;

// F(z) = MLP(z).
struct MlpForm {
  template <typename T>
  using Cache = ad::MlpActivations<T>;

  template <typename T>
  static void Evaluate(const ad::FusedMlp<T>& mlp, const ad::PaddedMatrix<T>& z,
                       ad::PaddedMatrix<T>& f, Cache<T>* cache) {
    mlp.Forward(z, f, cache);
  }
  // z_bar = (dF/dz)^T f_bar; adds the parameter gradients into `grads`.
  template <typename T>
  static void Backward(const ad::FusedMlp<T>& mlp, const Cache<T>& cache,
                       ad::PaddedMatrix<T>& f_bar, ad::PaddedMatrix<T>& z_bar,
                       ad::MlpGradients<T>& grads) {
    mlp.Backward(cache, f_bar, z_bar, grads);
  }
};

// F(z) = J dH/dz with J = [[0, I], [-I, 0]], for a piecewise-linear
// activation (FusedMlp::InputGradient); dF/dz is then zero.
struct HamiltonianForm {
  template <typename T>
  using Cache = ad::MlpGradientActivations<T>;

  template <typename T>
  static void Evaluate(const ad::FusedMlp<T>& mlp, const ad::PaddedMatrix<T>& z,
                       ad::PaddedMatrix<T>& f, Cache<T>* cache);
  template <typename T>
  static void Backward(const ad::FusedMlp<T>& mlp, const Cache<T>& cache,
                       ad::PaddedMatrix<T>& f_bar, ad::PaddedMatrix<T>& z_bar,
                       ad::MlpGradients<T>& grads);
};

template <typename T, typename Form>
class FusedField {
 public:
  using Scalar = T;
  using State = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

  // `mlp` (and its store) must outlive the field.
  explicit FusedField(const Mlp& mlp);

  void Load();
  void Evaluate(const State& y, State& f);
  void EvaluateStage(int step, int stage, const State& y, State& f);
  bool KeepsStep(int step) const { return step < kept_steps_; }
  void BackwardStage(int step, int stage, const State& f_bar, State& y_bar);
  // Drops the kept steps (their activations no longer match the solve being
  // differentiated): the backward pass recomputes every step.
  void ForgetSteps() { kept_steps_ = 0; }
  // Adds the accumulated parameter gradients into `store` (the Mlp's) and
  // zeroes them.
  void AddGradientsTo(ad::ParameterStore& store);

 private:
  using Cache = typename Form::template Cache<T>;
  int Slot(int step) const { return step < kept_steps_ ? step : kept_steps_; }

  const Mlp& mlp_;
  ad::FusedMlp<T> fused_;
  // Slots [0, kept_steps_) hold the steps 0.. of the last solve; the last
  // slot is shared by the later steps.
  std::vector<std::array<Cache, kCheckpointedStages>> steps_;
  int kept_steps_ = 0;
  ad::MlpGradients<T> gradients_;
  ad::PaddedMatrix<T> in_, out_;
};

template <typename T>
using NeuralOdeField = FusedField<T, MlpForm>;
template <typename T>
using HamiltonianField = FusedField<T, HamiltonianForm>;

class TapeField {
 public:
  using Scalar = double;
  using State = Eigen::MatrixXd;
  // Builds F on a tape; its Param leaves must read `store`.
  using OnTape = std::function<ad::Var(ad::Tape&, ad::Var)>;
  using OnValues = std::function<Eigen::MatrixXd(const Eigen::MatrixXd&)>;

  TapeField(OnTape on_tape, OnValues on_values)
      : on_tape_(std::move(on_tape)),
        on_values_(std::move(on_values)),
        tape_(std::make_unique<ad::Tape>()) {}

  void Load() {}
  void Evaluate(const State& y, State& f) { f = on_values_(y); }
  // Keeps the stage's input only; the backward pass rebuilds the stage on
  // the tape from it.
  void EvaluateStage(int step, int stage, const State& y, State& f);
  bool KeepsStep(int) const { return false; }
  // The Param leaves of the stage's tape add their gradients into the store
  // directly.
  void BackwardStage(int step, int stage, const State& f_bar, State& y_bar);
  void ForgetSteps() {}
  void AddGradientsTo(ad::ParameterStore&) {}

 private:
  OnTape on_tape_;
  OnValues on_values_;
  std::array<State, kCheckpointedStages> stage_inputs_;
  std::unique_ptr<ad::Tape> tape_;  // a tape never moves; the field may
};

}  // namespace aanet

#endif  // AANET_MODELS_LATENT_FIELDS_H_
