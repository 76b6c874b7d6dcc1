// The latent ODE solve of LatentOdeModel with constant steps: values through
// ode::SolveConstantSteps, and on a tape as ONE node whose backward pass is
// ode::BackpropConstantSteps, recomputing each step's stages in turn. The
// gradient is the exact gradient of the discrete solve, as a tape through
// every stage would give, but a training step's cost grows linearly with dt
// and its memory holds one step's activations plus one state per step.
//
// The node's inputs are the latents, its checkpoints (a constant) and the
// field's parameters as Param leaves, so that it always takes part in the
// backward pass; its backward function adds the parameter gradients into the
// ParameterStore directly (as Param leaves would) and hands only dL/dlatents
// to the tape.
//
// The arithmetic of the solve is the field's Scalar: MlpField<float> solves
// in single precision from double latents and parameters (a mixed-precision
// solve; the encoder, the decoder, the loss and Adam stay in double).
#ifndef AANET_MODELS_LATENT_SOLVE_H_
#define AANET_MODELS_LATENT_SOLVE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "autodiff/parameters.h"
#include "autodiff/tape.h"
#include "ode/checkpointed_solve.h"
#include "ode/dormand_prince.h"
#include "status/status_macros.h"

namespace aanet {

class LatentSolve {
 public:
  virtual ~LatentSolve() = default;
  // z(dt) for latents z(0) [B, 2n].
  virtual absl::StatusOr<Eigen::MatrixXd> Solve(const Eigen::MatrixXd& latents,
                                                double dt) = 0;
  // The same as one differentiable node.
  virtual absl::StatusOr<ad::Var> SolveOnTape(ad::Tape& tape, ad::Var latents,
                                              double dt) = 0;
  // z(dt), z(2 dt), ..., z(num_jumps dt) as one solve through the grid, one
  // node per segment [(j-1) dt, j dt] chained from the last: the steps of
  // num_jumps SolveOnTape calls chained the same way, but numbered on
  // across segments for the field, which so keeps the activations of the
  // grid's steps within its budget as of one solve (a multi-step training
  // step then recomputes no more than a single-step one to num_jumps dt). A
  // failed segment ends the grid: fewer than num_jumps states and the
  // error.
  struct Grid {
    std::vector<ad::Var> states;
    absl::Status status;
  };
  virtual Grid SolveGridOnTape(ad::Tape& tape, ad::Var latents, double dt,
                               int num_jumps) = 0;
  // "float32" or "float64".
  virtual std::string precision() const = 0;
};

template <typename Field>
class CheckpointedLatentSolve : public LatentSolve {
 public:
  using State = typename Field::State;
  using Scalar = typename Field::Scalar;

  // `store` holds the field's parameters (ids `parameter_ids`); both must
  // outlive this object. options.mode must be kConstant.
  CheckpointedLatentSolve(Field field, ode::SolverOptions options,
                          ad::ParameterStore* store,
                          std::vector<int> parameter_ids)
      : field_(std::move(field)),
        options_(options),
        store_(store),
        parameter_ids_(std::move(parameter_ids)) {}

  absl::StatusOr<Eigen::MatrixXd> Solve(const Eigen::MatrixXd& latents,
                                        double dt) override {
    if (dt == 0.0) return latents;  // exactly, whatever the precision
    field_.Load();
    AANET_ASSIGN_OR_RETURN(
        State solved,
        ode::SolveConstantSteps(field_, State(latents.template cast<Scalar>()),
                                dt, options_));
    return solved.template cast<double>();
  }

  absl::StatusOr<ad::Var> SolveOnTape(ad::Tape& tape, ad::Var latents,
                                      double dt) override {
    if (dt == 0.0) return latents;
    field_.Load();
    ++solves_;
    return SegmentOnTape(tape, latents, dt, 0);
  }

  Grid SolveGridOnTape(ad::Tape& tape, ad::Var latents, double dt,
                       int num_jumps) override {
    Grid grid;
    field_.Load();
    ++solves_;  // one solve: its segments share the field's kept steps
    int first_step = 0;
    for (int j = 1; j <= num_jumps; ++j) {
      if (dt == 0.0) {
        grid.states.push_back(latents);
        continue;
      }
      absl::StatusOr<ad::Var> next =
          SegmentOnTape(tape, latents, dt, first_step);
      if (!next.ok()) {
        grid.status = next.status();
        break;
      }
      first_step += static_cast<int>(checkpoints_.size());
      latents = *next;
      grid.states.push_back(latents);
    }
    return grid;
  }

  std::string precision() const override {
    return sizeof(Scalar) == 4 ? "float32" : "float64";
  }

  Field& field() { return field_; }

 private:
  // One node from `latents` over dt, its steps numbered from `first_step`
  // for the field, as part of solve number solves_.
  absl::StatusOr<ad::Var> SegmentOnTape(ad::Tape& tape, ad::Var latents,
                                        double dt, int first_step) {
    AANET_ASSIGN_OR_RETURN(
        State solved,
        ode::SolveConstantSteps(field_,
                                State(latents.value().template cast<Scalar>()),
                                dt, options_, &checkpoints_, first_step));
    const Eigen::Index rows = latents.rows();
    const Eigen::Index cols = latents.cols();
    // The checkpoints travel with the node, one row per step, after a row
    // whose first entry numbers this solve: the field's kept activations
    // belong to the latest solve only.
    ad::Var saved = tape.Scratch(
        static_cast<Eigen::Index>(checkpoints_.size()) + 1, rows * cols);
    Eigen::MatrixXd& saved_values = tape.MutableValue(saved);
    saved_values.row(0).setZero();
    saved_values(0, 0) = static_cast<double>(solves_);
    for (size_t n = 0; n < checkpoints_.size(); ++n) {
      saved_values.row(static_cast<Eigen::Index>(n) + 1) =
          checkpoints_[n].template cast<double>().reshaped().transpose();
    }
    std::vector<ad::Var> inputs = {latents, saved};
    for (int id : parameter_ids_) inputs.push_back(tape.Param(*store_, id));
    struct Capture {
      CheckpointedLatentSolve* self;
      double dt;
      int first_step;
    };
    const Capture capture{this, dt, first_step};
    ad::Var out =
        tape.AddNode(rows, cols, inputs, [capture](ad::BackwardContext& c) {
          capture.self->Backward(c, capture.dt, capture.first_step);
        });
    tape.MutableValue(out) = solved.template cast<double>();
    return out;
  }

  void Backward(ad::BackwardContext& c, double dt, int first_step) {
    const Eigen::MatrixXd& saved = c.input(1);
    const Eigen::Index rows = c.value().rows();
    const Eigen::Index cols = c.value().cols();
    checkpoints_.resize(saved.rows() - 1);
    for (Eigen::Index n = 0; n + 1 < saved.rows(); ++n) {
      checkpoints_[n] = saved.row(n + 1)
                            .transpose()
                            .reshaped(rows, cols)
                            .template cast<Scalar>();
    }
    if (saved(0, 0) != static_cast<double>(solves_)) field_.ForgetSteps();
    field_.Load();
    const State latents_bar = ode::BackpropConstantSteps(
        field_, checkpoints_, dt, options_,
        State(c.grad().template cast<Scalar>()), first_step);
    field_.AddGradientsTo(*store_);
    c.AccumulateGrad(0, latents_bar.template cast<double>());
  }

  Field field_;
  ode::SolverOptions options_;
  ad::ParameterStore* store_;
  std::vector<int> parameter_ids_;
  std::vector<State> checkpoints_;
  int64_t solves_ = 0;  // SolveOnTape calls so far
};

}  // namespace aanet

#endif  // AANET_MODELS_LATENT_SOLVE_H_
