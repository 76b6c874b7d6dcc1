// Section 9, model size (issue 22; the published code's
// performance_vs_parameters sweeps): per model of the sweep, its size read
// from the config its evaluations record (flow layers; MLP encoder,
// decoder and derivative- or Hamiltonian-net depths), the parameter count,
// the test loss at the sweep's jumps, the valid prediction time and the
// training time per step (timing.json of each point's run, train/trainer.h);
// one log-x figure of the test loss against the parameter count, a curve
// per model family (the model kind and its encoder). Shown only when some
// family comes in two or more sizes (configs/sweeps/model_size.pbtxt).
#ifndef AANET_REPORTS_SECTIONS_MODEL_SIZE_H_
#define AANET_REPORTS_SECTIONS_MODEL_SIZE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/experiment.pb.h"
#include "reports/aggregate.h"
#include "reports/gnuplot.h"
#include "reports/section.h"

namespace aanet::reports {

// The file the trainer writes the training time to (proto/timing.proto),
// in each point's run directory.
inline constexpr char kTimingFile[] = "timing.json";

// What sets a model's size, from its resolved config: e.g. "20 flow
// layers", "encoder 1, decoder 1, derivative net 4" (the published
// depth: hidden layers + the output layer). "—" for a model without one.
std::string ModelSizeText(const Experiment& experiment);

// The family a model's size varies within: its kind and encoder, e.g.
// "neural_ode (mlp)", "action_angle (flow)".
std::string ModelFamily(const Experiment& experiment);

// One model entry of the sweep at its reference cell.
struct ModelSizeRow {
  std::string model;           // SweepPoint.model
  std::string family;          // ModelFamily; "—" if no point was evaluated
  std::string size;            // ModelSizeText; "—" if no point was evaluated
  int64_t num_parameters = 0;  // EvaluationReport.num_parameters; 0: none
  int64_t num_steps = 0;
  std::string point;   // "harmonic_k_pair_0.5, 100 samples"
  int num_points = 0;  // of the model at that point, every status
  int num_failed = 0;  // FAILED (or PENDING: never finished)
  std::string first_error;
  std::map<int, MeanStd> test_loss;  // jump -> over the evaluated seeds
  MeanStd vpt;                       // of each seed's median VPT
  double vpt_max_time = 0;           // largest max_time over seeds
  MeanStd seconds_per_step;          // wall, from timing.json
  MeanStd cpu_seconds_per_step;      // CPU, from timing.json
  int timed_points = 0;              // points with a readable timing.json
};

struct ModelSizeStudy {
  std::vector<int> jumps;  // the jumps of the loss columns
  // Ordered by family, then parameter count; failed-only models last.
  std::vector<ModelSizeRow> rows;
  // Whether some family comes in two or more sizes (else no section).
  bool has_sizes = false;
};

// Every model of the sweep (equal-step cells) at its reference cell
// (ReferenceCell), with the timing files of its points read from
// `context.study.sweep_dir`; a missing or unreadable timing.json is left
// out of the means and counted by timed_points.
ModelSizeStudy ComputeModelSize(const ReportContext& context);

Table ModelSizeMarkdown(const ModelSizeStudy& study);
Table ModelSizeCsv(const ModelSizeStudy& study);
// Test loss at each jump against the parameter count (log-log), a curve
// per family; models without a finite positive loss are named in
// `left_out`.
Figure ModelSizeFigure(const ModelSizeStudy& study,
                       std::vector<std::string>* left_out);

absl::StatusOr<Section> ModelSizeSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_MODEL_SIZE_H_
