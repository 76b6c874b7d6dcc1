// Models that integrate a learned latent ODE (the Neural ODE and the
// Hamiltonian Neural Network): encode, solve latent' = F(latent) from 0 to dt
// with Dormand-Prince 5(4) (ode/dormand_prince.h), decode.
//
// Training differentiates the discrete solve exactly: every stage of every
// step is recorded on the tape (one fused node per stage combination), and
// the step sizes, chosen from values only, are constants, as the published
// code's diffrax solve did. The same solver code runs on plain matrices for
// inference (Predict), so both paths take identical steps.
//
// A failed solve (an adaptive solve exceeding max_steps or its step size
// underflowing, or a non-finite state) yields NaN states: the trainer then
// stops at that step with its non-finite-loss error, and inference callers
// see NaN rather than a silently wrong number.
#ifndef AANET_MODELS_LATENT_ODE_H_
#define AANET_MODELS_LATENT_ODE_H_

#include <memory>
#include <string>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "models/autodiff/tape.h"
#include "models/encoder.h"
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

// The solver settings `config` gives, with reference.md's defaults (constant
// steps of 0.1). Errors name fields under `field_path`.
absl::StatusOr<ode::SolverOptions> SolverOptionsFromConfig(
    const OdeSolverConfig& config, const std::string& field_path);

class LatentOdeModel : public Model {
 public:
  ForwardResult Forward(ad::Tape& tape, ad::Var states,
                        double dt) const override;
  Eigen::MatrixXd Predict(const Eigen::MatrixXd& states,
                          double dt) const override;

  // The latent vector field F [B, 2n] -> [B, 2n] (autonomous).
  virtual ad::Var Field(ad::Tape& tape, ad::Var latents) const = 0;
  virtual Eigen::MatrixXd FieldValues(const Eigen::MatrixXd& latents) const = 0;

  // Integrates the latent field from 0 to dt on values.
  absl::StatusOr<Eigen::MatrixXd> SolveLatent(
      const Eigen::MatrixXd& latents, double dt,
      ode::SolveStats* stats = nullptr) const;

  const CoordinateEncoder& encoder() const { return *encoder_; }
  const ode::SolverOptions& solver_options() const { return solver_options_; }
  std::string last_failure() const override { return last_failure_; }

 protected:
  explicit LatentOdeModel(int num_particles) : Model(num_particles) {}

  // Builds the encoder and reads the solver settings; call from Create()
  // before adding the field's parameters, so that parameter order is
  // encoder, field, (decoder).
  absl::Status Init(const EncoderConfig& encoder, const OdeSolverConfig& solver,
                    const std::string& field_path, const ModelContext& context,
                    Random& random);

 private:
  // Records (or clears) the outcome of the last solve for last_failure().
  void NoteSolve(const absl::Status& status) const;

  std::unique_ptr<CoordinateEncoder> encoder_;
  ode::SolverOptions solver_options_;
  mutable std::string last_failure_;
};

}  // namespace aanet

#endif  // AANET_MODELS_LATENT_ODE_H_
