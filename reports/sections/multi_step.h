// Section 8, multi-step training (issue 22): where a sweep's points vary
// training.prediction_targets, single-step training (the loss at the drawn
// jump J only) against multi-step training (the mean of the losses at every
// jump 1..J from the same input states; models/prediction_loss.h), per
// model: the test loss against Δt, both curves in one panel per model, and
// a table of the test loss at a few jumps (mean ± std over seeds), the
// ratio multi / single, and the failed points of each mode.
//
// A point's mode is read from the training config its evaluation records
// (EvaluationReport.config_text, training.prediction_targets), else, for a
// point without an evaluation (a failed one), from its axis value
// "training.prediction_targets=..." (SweepPoint.axis_values); never from
// the model's name. The two modes of one model pair up as the sweep's axis
// names them: the model's name without the axis's "@prediction_targets=
// <value>" suffix (the suffix as the axis value gives it), on the same
// dataset and training-set size.
#ifndef AANET_REPORTS_SECTIONS_MULTI_STEP_H_
#define AANET_REPORTS_SECTIONS_MULTI_STEP_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/experiment.pb.h"
#include "reports/aggregate.h"
#include "reports/gnuplot.h"
#include "reports/section.h"
#include "reports/study.h"

namespace aanet::reports {

// The prediction targets `point` was trained with: its evaluation's config
// (unset field: SINGLE_STEP, the default), else its axis value; nullopt if
// neither says (a failed point of a sweep without the axis).
std::optional<TrainingConfig::PredictionTargets> PointPredictionTargets(
    const StudyPoint& point);

// The name of `point`'s model without the axis suffix of
// training.prediction_targets, if its axis values have that axis.
std::string ModelWithoutTargetsAxis(const SweepPoint& point);

// One model on one dataset and training-set size, in both modes.
struct MultiStepPair {
  std::string model;  // ModelWithoutTargetsAxis
  std::string dataset;
  int num_train_samples = 0;
  const Cell* single = nullptr;  // nullptr: no evaluated point
  const Cell* multi = nullptr;
  // Points of each mode in the sweep, and those that FAILED (no evaluation).
  int points_single = 0, points_multi = 0;
  int failed_single = 0, failed_multi = 0;
  int num_steps = 0;            // the largest of its points
  std::optional<int> max_jump;  // the trained range (TrainedMaxJump)
};

// One jump of a pair: the test loss of each mode over its seeds.
struct MultiStepRow {
  const MultiStepPair* pair = nullptr;
  int jump = 0;
  double dt = 0;
  MeanStd single, multi;  // count 0: that mode has no value at this jump
  bool failed_predictions = false;  // some seed of either mode
};

struct MultiStep {
  // Whether the sweep's points use both modes; the section is empty if not.
  bool varies = false;
  std::vector<MultiStepPair> pairs;  // by model, dataset, samples
  // The table's rows: per pair, jump 1, the trained max_jump, 10 times it
  // and the largest jump both modes evaluated, where both evaluated them.
  std::vector<MultiStepRow> table_rows;
  // Every jump either mode evaluated, per pair (the figure and the CSV).
  std::vector<MultiStepRow> all_rows;
  int max_seeds = 0;  // the most evaluated seeds of any cell of a pair
};

MultiStep ComputeMultiStep(const ReportContext& context);

Table MultiStepMarkdown(const MultiStep& data);
Table MultiStepCsv(const MultiStep& data);
// One panel per pair: the test loss against Δt of both modes.
Figure MultiStepFigure(const MultiStep& data);

absl::StatusOr<Section> MultiStepSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_MULTI_STEP_H_
