// Models that integrate a learned latent ODE (the Neural ODE and the
// Hamiltonian Neural Network): encode, solve latent' = F(latent) from 0 to dt
// with Dormand-Prince 5(4) (ode/dormand_prince.h), decode.
//
// Training differentiates the discrete solve exactly, as the published
// code's diffrax solve did (step sizes are constants, chosen from values
// only). With constant steps (the published setting) the solve is one tape
// node that recomputes each step's stages in its backward pass
// (latent_solve.h): cost linear in dt, memory independent of it but for one
// state per step, in float32 or float64 (OdeSolverConfig.precision).
// Adaptive solves record every stage on the tape (one fused node per stage
// combination), in float64. Inference (Predict) runs the same solver code on
// values, so both paths take identical steps and give identical numbers.
//
// A failed solve (an adaptive solve exceeding max_steps or its step size
// underflowing, or a non-finite state) yields NaN states: the trainer then
// stops at that step with its non-finite-loss error, and inference callers
// see NaN rather than a silently wrong number.
#ifndef AANET_MODELS_LATENT_ODE_H_
#define AANET_MODELS_LATENT_ODE_H_

#include <memory>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "autodiff/tape.h"
#include "models/encoder.h"
#include "models/latent_solve.h"
#include "models/model.h"
#include "ode/dormand_prince.h"
#include "proto/experiment.pb.h"

namespace aanet {
namespace ode {

// Stage combinations y + h sum_i c_i k_i as one tape node each.
template <>
struct StateOps<ad::Var> {
  static ad::Var Combine(const ad::Var& y, double h,
                         absl::Span<const double> coefficients,
                         absl::Span<const ad::Var* const> k);
  static const Eigen::MatrixXd& Values(const ad::Var& y) { return y.value(); }
};

}  // namespace ode

// The solver settings `config` gives, with the published defaults (constant
// steps of 0.1). Errors name fields under `field_path`.
absl::StatusOr<ode::SolverOptions> SolverOptionsFromConfig(
    const OdeSolverConfig& config, const std::string& field_path);

class LatentOdeModel : public Model {
 public:
  ForwardResult Forward(ad::Tape& tape, ad::Var states,
                        double dt) const override;
  Eigen::MatrixXd Predict(const Eigen::MatrixXd& states,
                          double dt) const override;
  // The tape form of PredictGrid, with the same steps: encode once, one
  // solve node per segment [(j-1) dt, j dt] chained from the last (with
  // constant steps LatentSolve::SolveGridOnTape, whose segments share the
  // field's kept activations as one solve; adaptive: the tape solve), decode
  // at every grid point. A training step at jump J then costs about one
  // solve to J dt, as single-step training does, plus J decodes. A failed
  // segment leaves its grid point and every later one NaN.
  GridForwardResult ForwardGrid(ad::Tape& tape, ad::Var states, double dt,
                                int num_jumps) const override;
  // One integration through the grid: the latents are encoded once, solved
  // over [0, dt], then on from each grid state over the next dt, and decoded
  // at every grid point, so the cost is that of one solve to num_jumps * dt.
  // The latent field is autonomous, so with constant steps that divide dt
  // the steps are those of Predict(states, j * dt) (step sizes equal to
  // rounding: the states agree to ~1e-12 in float64, models/README.md); with
  // a step that does not divide dt each segment's last step is shortened to
  // land on the grid point, and adaptive steps restart their control at each
  // grid point, so the states differ from per-jump predictions by the
  // solver's own error. A failed solve leaves that grid point and every
  // later one NaN (last_failure() says why).
  std::vector<Eigen::MatrixXd> PredictGrid(const Eigen::MatrixXd& states,
                                           double dt,
                                           int num_jumps) const override;

  // The latent vector field F [B, 2n] -> [B, 2n] (autonomous).
  virtual ad::Var Field(ad::Tape& tape, ad::Var latents) const = 0;
  virtual Eigen::MatrixXd FieldValues(const Eigen::MatrixXd& latents) const = 0;

  // Integrates the latent field from 0 to dt on values, in float64 through
  // FieldValues and ode::Solve: the reference the fast paths are checked
  // against.
  absl::StatusOr<Eigen::MatrixXd> SolveLatent(
      const Eigen::MatrixXd& latents, double dt,
      ode::SolveStats* stats = nullptr) const;

  const CoordinateEncoder& encoder() const { return *encoder_; }
  const ode::SolverOptions& solver_options() const { return solver_options_; }
  // "float32" or "float64": the arithmetic of Forward's and Predict's solve.
  std::string precision() const;
  std::string last_failure() const override { return last_failure_; }

 protected:
  explicit LatentOdeModel(int num_degrees_of_freedom)
      : Model(num_degrees_of_freedom) {}

  // Builds the encoder and reads the solver settings; call from Create()
  // before adding the field's parameters, so that parameter order is
  // encoder, field, (decoder).
  absl::Status Init(const EncoderConfig& encoder, const OdeSolverConfig& solver,
                    const std::string& field_path, const ModelContext& context,
                    Random& random);

  // Installs the constant-step solve Forward and Predict use (call from
  // Create() after adding the field's parameters); without one (adaptive
  // steps) they solve through Field/FieldValues in float64.
  void SetConstantStepSolve(std::unique_ptr<LatentSolve> solve) {
    constant_step_solve_ = std::move(solve);
  }

 private:
  // Records (or clears) the outcome of the last solve for last_failure().
  void NoteSolve(const absl::Status& status) const;

  std::unique_ptr<CoordinateEncoder> encoder_;
  ode::SolverOptions solver_options_;
  // Scratch state only (buffers, caches): mutable so that the const Forward
  // and Predict can use it, like last_failure_.
  mutable std::unique_ptr<LatentSolve> constant_step_solve_;
  mutable std::string last_failure_;
};

}  // namespace aanet

#endif  // AANET_MODELS_LATENT_ODE_H_
