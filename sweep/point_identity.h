// A sweep point's identity beyond its config text: every setting that
// affects its result but that the config may leave to a default, resolved
// (sweep/README.md, "Reruns").
//
// A point whose point.pbtxt is unchanged and whose evaluation.json exists is
// skipped when the sweep is rerun. Defaults do not appear in the config
// text, so a change of default (say, the latent solve's precision or the
// best-state rule) would leave the text unchanged and silently reuse results
// computed under the old default. PointSpec.resolved_settings holds these
// settings as resolved now, so such a change reruns exactly the points it
// affects.
#ifndef AANET_SWEEP_POINT_IDENTITY_H_
#define AANET_SWEEP_POINT_IDENTITY_H_

#include <string>

#include "absl/status/statusor.h"
#include "proto/experiment.pb.h"

namespace aanet::sweep {

// Changes whenever a code change alters a point's numbers for an unchanged
// config without a resolved setting showing it (e.g. a different summation
// order in a kernel). Bump it with a dated note in sweep/README.md.
inline constexpr char kResultSemantics[] = "2026-11-30";

// One "name: value" line per setting: kResultSemantics, every training
// option as ResolveTrainingOptions resolves it for `simulation`'s dataset,
// and the model's resolved choices (kind, parameter count, latent-solve
// precision and steps, flow conditioner and pair scale) for a dataset of
// `degrees_of_freedom` n. n is passed, read from the generated dataset
// file (sweep/prepare.h), so that no system's config field is read here.
// Errors as building the model or resolving the options, naming the field.
absl::StatusOr<std::string> ResolvedSettings(const Experiment& experiment,
                                             const SimulationConfig& simulation,
                                             int degrees_of_freedom);

}  // namespace aanet::sweep

#endif  // AANET_SWEEP_POINT_IDENTITY_H_
