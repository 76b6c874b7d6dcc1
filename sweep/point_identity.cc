#include "sweep/point_identity.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "models/latent_ode.h"
#include "models/model.h"
#include "rng/random.h"
#include "status/status_macros.h"
#include "train/training_options.h"

namespace aanet::sweep {
namespace {

void Line(std::string& text, const std::string& name,
          const std::string& value) {
  absl::StrAppend(&text, name, ": ", value, "\n");
}

// The flow settings of an encoder config, with their defaults resolved.
void FlowSettings(const EncoderConfig& encoder, std::string& text) {
  if (!encoder.has_flow()) return;
  const SymplecticFlowConfig& flow = encoder.flow();
  Line(text, "model.flow.conditioner",
       ShearConditioner_Name(flow.conditioner()));
  Line(text, "model.flow.symplectic_pair_scale",
       !flow.has_symplectic_pair_scale() || flow.symplectic_pair_scale()
           ? "true"
           : "false");
}

}  // namespace

absl::StatusOr<std::string> ResolvedSettings(const Experiment& experiment,
                                             const SimulationConfig& simulation,
                                             int degrees_of_freedom) {
  std::string text;
  Line(text, "result_semantics", kResultSemantics);

  AANET_ASSIGN_OR_RETURN(const train::TrainingOptions o,
                         train::ResolveTrainingOptions(
                             experiment.training(), simulation.num_samples()));
  Line(text, "training.num_steps", absl::StrCat(o.num_steps));
  Line(text, "training.batch_size", absl::StrCat(o.batch_size));
  Line(text, "training.batch_rule",
       TrainingConfig::BatchRule_Name(o.batch_rule));
  Line(text, "training.learning_rate", absl::StrCat(o.learning_rate));
  Line(text, "training.num_train_samples", absl::StrCat(o.num_train_samples));
  Line(text, "training.num_test_samples", absl::StrCat(o.num_test_samples));
  Line(text, "training.max_jump", absl::StrCat(o.max_jump));
  Line(text, "training.jump_schedule", JumpSchedule_Name(o.jump_schedule));
  Line(text, "training.jump_ramp_steps", absl::StrCat(o.jump_ramp_steps));
  Line(text, "training.action_variance_weight",
       absl::StrCat(o.action_variance_weight));
  Line(text, "training.eval_every", absl::StrCat(o.eval_every));
  // Only when on, so that the points of sweeps that leave it off keep their
  // identity.
  if (o.eval_every_after_ramp > 0) {
    Line(text, "training.eval_every_after_ramp",
         absl::StrCat(o.eval_every_after_ramp));
  }
  Line(text, "training.test_jumps", absl::StrJoin(o.test_jumps, " "));
  Line(text, "training.best_state",
       TrainingConfig::BestStateRule_Name(o.best_state));
  Line(text, "training.selection_jumps", absl::StrJoin(o.selection_jumps, " "));
  Line(text, "training.seed", absl::StrCat(o.seed));

  const ModelConfig& model_config = experiment.model();
  Random random(0);
  AANET_ASSIGN_OR_RETURN(
      const std::unique_ptr<Model> model,
      CreateModel(model_config, ModelContext{degrees_of_freedom, {}}, random));
  Line(text, "model.kind", model->kind());
  Line(text, "model.num_parameters",
       absl::StrCat(model->parameters().NumScalars()));
  if (const auto* latent = dynamic_cast<const LatentOdeModel*>(model.get())) {
    const ode::SolverOptions& solver = latent->solver_options();
    Line(text, "model.solver",
         absl::StrCat(
             solver.mode == ode::StepMode::kConstant ? "constant" : "adaptive",
             " step ", solver.step, " rtol ", solver.rtol, " atol ",
             solver.atol, " max_steps ", solver.max_steps));
    Line(text, "model.solver.precision", latent->precision());
  }
  switch (model_config.model_case()) {
    case ModelConfig::kActionAngle:
      FlowSettings(model_config.action_angle().encoder(), text);
      break;
    case ModelConfig::kEulerUpdate:
      FlowSettings(model_config.euler_update().encoder(), text);
      break;
    default:
      break;
  }
  return text;
}

}  // namespace aanet::sweep
