// The constant-step Dormand-Prince solve with its exact gradient in memory
// linear in the batch and constant in the number of steps (apart from one
// state per step): "discretise, then differentiate" by recomputation.
//
// SolveConstantSteps integrates y' = F(y) from 0 to t1 with the steps
// Solve(kConstant) takes (dormand_prince.h) and keeps the state at the start
// of every step. BackpropConstantSteps then walks the steps in reverse: it
// re-evaluates one step's stages, keeping what the field's backward pass
// needs, and applies the adjoint of that step,
//   y_{n+1} = y_n + h sum_i b_i k_i,   k_i = F(Y_i),
//   Y_i = y_n + h sum_{j<i} a_ij k_j,
// so that dL/dy_n and the field's parameter gradients are exactly those of
// the discrete solve (the same numbers a tape through every stage gives),
// while only one step's stage activations are ever alive. The cost of a
// training step is thus linear in t1 / h, and its memory is independent of
// it but for the checkpoints (one state per step).
//
// The field is any type with
//   using Scalar = float or double;
//   using State = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
//   void Evaluate(const State& y, State& f);            // f = F(y)
//   void EvaluateStage(int step, int stage, const State& y, State& f);
//       // the same, keeping what BackwardStage(step, stage, ...) needs
//       // (stage in [0, kNumStages - 1)): for every step if KeepsStep(step),
//       // else until the next step's stages are evaluated
//   bool KeepsStep(int step);
//       // whether the forward pass's stages of `step` are still held when
//       // the backward pass reaches it; if not, it recomputes them
//   void BackwardStage(int step, int stage, const State& f_bar, State& y_bar);
//       // y_bar = (dF/dy)^T f_bar at that stage's y, and adds
//       // (dF/dtheta)^T f_bar to the field's parameter gradients
// A field that keeps steps within a memory budget trades memory for the
// recomputation of those steps (about a third of a training step's cost).
// State arithmetic is in Scalar: float fields integrate in single precision.
#ifndef AANET_ODE_CHECKPOINTED_SOLVE_H_
#define AANET_ODE_CHECKPOINTED_SOLVE_H_

#include <array>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ode/dormand_prince.h"
#include "status/status_macros.h"

namespace aanet::ode {

namespace internal {

// y + h * sum_{i < n} c[i] * k[i] over the non-zero c[i], summed in the order
// StateOps<Eigen::MatrixXd>::Combine uses (so double fields reproduce
// Solve()'s states bit for bit).
template <typename State>
void CombineInto(const State& y, double h, const double* c, int n,
                 const State* k, State& out) {
  using Scalar = typename State::Scalar;
  bool any = false;
  for (int i = 0; i < n; ++i) {
    if (c[i] == 0.0) continue;
    if (any) {
      out.noalias() += static_cast<Scalar>(c[i]) * k[i];
    } else {
      out.noalias() = static_cast<Scalar>(c[i]) * k[i];
      any = true;
    }
  }
  if (!any) {
    out = y;
    return;
  }
  out = y + static_cast<Scalar>(h) * out;
}

// The size of step i of `num_steps` over [0, t1] (Solve's kConstant rule).
inline double ConstantStepSize(int i, int num_steps, double t1, double step) {
  const double t = i * step;
  const double t_next = i + 1 == num_steps ? t1 : (i + 1) * step;
  return t_next - t;
}

}  // namespace internal

// Integrates from 0 to t1 >= 0 in constant steps of options.step (mode must
// be kConstant) and returns y(t1); if `checkpoints` is not null it receives
// the state at the start of every step (y_0 .. y_{N-1}). Errors as Solve():
// invalid options or interval, too many steps, non-finite y0 or states.
// `first_step` numbers the steps for the field only (EvaluateStage,
// KeepsStep, BackwardStage see first_step + n): a solve through a grid of
// segments (LatentOdeModel::ForwardGrid) numbers its segments' steps on, so
// that the field keeps the activations of all of them as of one solve.
template <typename Field>
absl::StatusOr<typename Field::State> SolveConstantSteps(
    Field& field, const typename Field::State& y0, double t1,
    const SolverOptions& options,
    std::vector<typename Field::State>* checkpoints = nullptr,
    int first_step = 0) {
  using State = typename Field::State;
  AANET_RETURN_IF_ERROR(ValidateOptions(options));
  if (options.mode != StepMode::kConstant) {
    return absl::InvalidArgumentError(
        "mode: SolveConstantSteps needs constant steps");
  }
  AANET_RETURN_IF_ERROR(internal::ValidateInterval(0.0, t1));
  if (!y0.allFinite()) return internal::NonFiniteInitialStateError();
  if (checkpoints != nullptr) checkpoints->clear();
  if (t1 == 0.0) return y0;
  AANET_ASSIGN_OR_RETURN(
      const int num_steps,
      internal::ConstantStepCount(0.0, t1, options.step, options.max_steps));
  if (checkpoints != nullptr) checkpoints->reserve(num_steps);

  // With checkpoints (training) every stage goes through EvaluateStage so
  // that the field can keep it for the backward pass.
  const bool for_backward = checkpoints != nullptr;
  constexpr int kStages = internal::kNumStages;
  std::array<State, kStages> k;
  State y = y0;
  State stage_y;
  auto evaluate = [&](int step, int stage, const State& at, State& f) {
    if (for_backward) {
      field.EvaluateStage(step, stage, at, f);
    } else {
      field.Evaluate(at, f);
    }
  };
  evaluate(first_step, 0, y, k[0]);
  for (int n = 0; n < num_steps; ++n) {
    if (checkpoints != nullptr) checkpoints->push_back(y);
    const double h = internal::ConstantStepSize(n, num_steps, t1, options.step);
    for (int i = 1; i < kStages - 1; ++i) {
      internal::CombineInto(y, h, internal::kA[i], i, k.data(), stage_y);
      evaluate(first_step + n, i, stage_y, k[i]);
    }
    internal::CombineInto(y, h, internal::kA[kStages - 1], kStages - 1,
                          k.data(), stage_y);
    if (!stage_y.allFinite()) {
      return internal::NonFiniteError("state", n * options.step, h);
    }
    y.swap(stage_y);
    // First same as last: the next step's first stage is F(y_{n+1}).
    if (n + 1 < num_steps) evaluate(first_step + n + 1, 0, y, k[0]);
  }
  return y;
}

// dL/dy0 from y_bar = dL/dy(t1), for the solve SolveConstantSteps did with
// the same field parameters, t1, options and first_step (it must have
// succeeded), whose checkpoints are given. Adds the parameter gradients
// through field.BackwardStage.
template <typename Field>
typename Field::State BackpropConstantSteps(
    Field& field, const std::vector<typename Field::State>& checkpoints,
    double t1, const SolverOptions& options, const typename Field::State& y_bar,
    int first_step = 0) {
  using State = typename Field::State;
  using Scalar = typename State::Scalar;
  constexpr int kStages = internal::kNumStages - 1;  // b_7 = 0: no 7th stage
  const int num_steps = static_cast<int>(checkpoints.size());
  std::array<State, kStages> k, k_bar;  // k: recomputed stages
  State stage_y, stage_bar;
  State adjoint = y_bar;
  for (int n = num_steps - 1; n >= 0; --n) {
    const State& y = checkpoints[n];
    const double h = internal::ConstantStepSize(n, num_steps, t1, options.step);
    const int step = first_step + n;  // the field's number
    if (!field.KeepsStep(step)) {
      // Recompute the step's stages, keeping each stage's activations.
      field.EvaluateStage(step, 0, y, k[0]);
      for (int i = 1; i < kStages; ++i) {
        internal::CombineInto(y, h, internal::kA[i], i, k.data(), stage_y);
        field.EvaluateStage(step, i, stage_y, k[i]);
      }
    }
    // y_{n+1} = y_n + h sum_i b_i k_i: dL/dk_i = h b_i dL/dy_{n+1}.
    for (int i = 0; i < kStages; ++i) {
      k_bar[i] = static_cast<Scalar>(h * internal::kB5[i]) * adjoint;
    }
    // Stage i's input Y_i = y_n + h sum_{j<i} a_ij k_j, in reverse order.
    for (int i = kStages - 1; i >= 0; --i) {
      field.BackwardStage(step, i, k_bar[i], stage_bar);
      adjoint += stage_bar;
      for (int j = 0; j < i; ++j) {
        if (internal::kA[i][j] == 0.0) continue;
        k_bar[j].noalias() +=
            static_cast<Scalar>(h * internal::kA[i][j]) * stage_bar;
      }
    }
  }
  return adjoint;
}

}  // namespace aanet::ode

#endif  // AANET_ODE_CHECKPOINTED_SOLVE_H_
