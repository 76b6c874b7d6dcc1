#include "models/latent_ode.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "autodiff/ops.h"
#include "status/status_macros.h"

namespace aanet {
namespace ode {

ad::Var StateOps<ad::Var>::Combine(const ad::Var& y, double h,
                                   absl::Span<const double> coefficients,
                                   absl::Span<const ad::Var* const> k) {
  ad::Tape& tape = *y.tape();
  // Inputs: the scaled coefficients (a constant the backward pass reads, as
  // captures must stay small), y, then the stages with nonzero coefficients.
  std::vector<ad::Var> inputs;
  std::vector<double> scaled;
  for (size_t i = 0; i < coefficients.size(); ++i) {
    if (coefficients[i] == 0.0) continue;
    scaled.push_back(h * coefficients[i]);
    inputs.push_back(*k[i]);
  }
  ad::Var weights = tape.Scratch(1, static_cast<Eigen::Index>(scaled.size()));
  for (size_t i = 0; i < scaled.size(); ++i) {
    tape.MutableValue(weights)(0, static_cast<Eigen::Index>(i)) = scaled[i];
  }
  inputs.insert(inputs.begin(), {weights, y});
  ad::Var out =
      tape.AddNode(y.rows(), y.cols(), inputs, [](ad::BackwardContext& c) {
        const Eigen::MatrixXd& w = c.input(0);
        for (int i = 0; i < w.cols(); ++i) {
          c.AccumulateGrad(2 + i, w(0, i) * c.grad());
        }
        c.MoveGradTo(1);
      });
  Eigen::MatrixXd& value = tape.MutableValue(out);
  value = y.value();
  for (size_t i = 0; i < scaled.size(); ++i) {
    value += scaled[i] * inputs[2 + i].value();
  }
  return out;
}

}  // namespace ode

absl::StatusOr<ode::SolverOptions> SolverOptionsFromConfig(
    const OdeSolverConfig& config, const std::string& field_path) {
  ode::SolverOptions options;
  options.mode = config.mode() == OdeSolverConfig::ADAPTIVE
                     ? ode::StepMode::kAdaptive
                     : ode::StepMode::kConstant;
  if (config.has_step()) {
    options.step = config.step();
  } else if (options.mode == ode::StepMode::kAdaptive) {
    options.step = 0;  // chosen automatically
  }
  if (config.has_rtol()) options.rtol = config.rtol();
  if (config.has_atol()) options.atol = config.atol();
  if (config.has_max_steps()) options.max_steps = config.max_steps();
  if (config.precision() == OdeSolverConfig::FLOAT32 &&
      options.mode == ode::StepMode::kAdaptive) {
    return absl::InvalidArgumentError(absl::StrCat(
        field_path,
        ".precision: FLOAT32 needs constant steps (mode: CONSTANT); adaptive "
        "solves run in float64"));
  }
  absl::Status valid = ode::ValidateOptions(options);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_path, ".", valid.message()));
  }
  return options;
}

absl::Status LatentOdeModel::Init(const EncoderConfig& encoder,
                                  const OdeSolverConfig& solver,
                                  const std::string& field_path,
                                  const ModelContext& context, Random& random) {
  AANET_ASSIGN_OR_RETURN(
      ode::SolverOptions options,
      SolverOptionsFromConfig(solver, absl::StrCat(field_path, ".solver")));
  solver_options_ = options;
  AANET_ASSIGN_OR_RETURN(
      std::unique_ptr<CoordinateEncoder> built,
      CreateEncoder(encoder, absl::StrCat(field_path, ".encoder"), context,
                    parameters_, random));
  encoder_ = std::move(built);
  return absl::OkStatus();
}

void LatentOdeModel::NoteSolve(const absl::Status& status) const {
  last_failure_ = status.ok() ? ""
                              : absl::StrCat("the latent ODE solve failed: ",
                                             status.message());
}

ForwardResult LatentOdeModel::Forward(ad::Tape& tape, ad::Var states,
                                      double dt) const {
  ad::Var latents = encoder_->Encode(tape, states);
  absl::StatusOr<ad::Var> evolved =
      constant_step_solve_ != nullptr
          ? constant_step_solve_->SolveOnTape(tape, latents, dt)
          : ode::Solve([&](double, const ad::Var& y) { return Field(tape, y); },
                       latents, 0.0, dt, solver_options_);
  NoteSolve(evolved.status());
  if (!evolved.ok()) {
    return {tape.Constant(Eigen::MatrixXd::Constant(
                states.rows(), states.cols(),
                std::numeric_limits<double>::quiet_NaN())),
            std::nullopt};
  }
  return {encoder_->Decode(tape, *evolved), std::nullopt};
}

GridForwardResult LatentOdeModel::ForwardGrid(ad::Tape& tape, ad::Var states,
                                              double dt, int num_jumps) const {
  GridForwardResult grid;
  grid.predictions.reserve(std::max(num_jumps, 0));
  ad::Var latents = encoder_->Encode(tape, states);
  absl::Status status = absl::OkStatus();
  if (constant_step_solve_ != nullptr) {
    LatentSolve::Grid solved =
        constant_step_solve_->SolveGridOnTape(tape, latents, dt, num_jumps);
    for (ad::Var& state : solved.states) {
      grid.predictions.push_back(encoder_->Decode(tape, state));
    }
    status = solved.status;
  } else {
    for (int j = 1; j <= num_jumps; ++j) {
      absl::StatusOr<ad::Var> evolved =
          ode::Solve([&](double, const ad::Var& y) { return Field(tape, y); },
                     latents, 0.0, dt, solver_options_);
      status = evolved.status();
      if (!status.ok()) break;
      latents = *evolved;
      grid.predictions.push_back(encoder_->Decode(tape, latents));
    }
  }
  while (static_cast<int>(grid.predictions.size()) < num_jumps) {
    grid.predictions.push_back(tape.Constant(
        Eigen::MatrixXd::Constant(states.rows(), states.cols(),
                                  std::numeric_limits<double>::quiet_NaN())));
  }
  NoteSolve(status);
  return grid;
}

std::string LatentOdeModel::precision() const {
  return constant_step_solve_ != nullptr ? constant_step_solve_->precision()
                                         : "float64";
}

absl::StatusOr<Eigen::MatrixXd> LatentOdeModel::SolveLatent(
    const Eigen::MatrixXd& latents, double dt, ode::SolveStats* stats) const {
  return ode::Solve(
      [&](double, const Eigen::MatrixXd& y) { return FieldValues(y); }, latents,
      0.0, dt, solver_options_, stats);
}

Eigen::MatrixXd LatentOdeModel::Predict(const Eigen::MatrixXd& states,
                                        double dt) const {
  const Eigen::MatrixXd latents = encoder_->EncodeValues(states);
  absl::StatusOr<Eigen::MatrixXd> evolved =
      constant_step_solve_ != nullptr ? constant_step_solve_->Solve(latents, dt)
                                      : SolveLatent(latents, dt);
  NoteSolve(evolved.status());
  if (!evolved.ok()) {
    return Eigen::MatrixXd::Constant(states.rows(), states.cols(),
                                     std::numeric_limits<double>::quiet_NaN());
  }
  return encoder_->DecodeValues(*evolved);
}

std::vector<Eigen::MatrixXd> LatentOdeModel::PredictGrid(
    const Eigen::MatrixXd& states, double dt, int num_jumps) const {
  std::vector<Eigen::MatrixXd> grid;
  grid.reserve(std::max(num_jumps, 0));
  Eigen::MatrixXd latents = encoder_->EncodeValues(states);
  absl::Status status = absl::OkStatus();
  for (int j = 1; j <= num_jumps; ++j) {
    if (status.ok()) {
      absl::StatusOr<Eigen::MatrixXd> evolved =
          constant_step_solve_ != nullptr
              ? constant_step_solve_->Solve(latents, dt)
              : SolveLatent(latents, dt);
      status = evolved.status();
      if (status.ok()) {
        latents = *std::move(evolved);
        grid.push_back(encoder_->DecodeValues(latents));
        continue;
      }
    }
    grid.push_back(
        Eigen::MatrixXd::Constant(states.rows(), states.cols(),
                                  std::numeric_limits<double>::quiet_NaN()));
  }
  NoteSolve(status);
  return grid;
}

}  // namespace aanet
