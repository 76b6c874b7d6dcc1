// Section 10, training length (issue 22; the published code's
// performance_vs_steps): each model's test loss against the training step
// on log-log axes, read from the logged curve (metrics.jsonl) of one long
// run per model and dataset, with the default study's budget marked. Shown
// only when the sweep has equal-step runs longer than that budget
// (configs/sweeps/training_length.pbtxt; the paper budget's 50,000-step
// runs too).
//
// The jump curriculum ramps over training.jump_ramp_steps, num_steps by
// default, so a run's loss at step s is read mid-curriculum: it is not
// what a run of s steps would reach. The section says so and gives, per
// run, the largest jump its schedule allowed by the default budget.
#ifndef AANET_REPORTS_SECTIONS_TRAINING_LENGTH_H_
#define AANET_REPORTS_SECTIONS_TRAINING_LENGTH_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reports/aggregate.h"
#include "reports/convergence.h"
#include "reports/gnuplot.h"
#include "reports/section.h"

namespace aanet::reports {

// The steps configs/sweeps/quick.pbtxt (the default study) gives every
// equal-step model; training_length_test checks it against that file.
inline constexpr int64_t kDefaultStudySteps = 2000;

// One long run: the chosen point of a model on a dataset, and its curve.
struct LongRun {
  const StudyPoint* point = nullptr;
  std::string dataset;                  // DatasetInfo.label
  absl::StatusOr<TrainingCurve> curve;  // an error: no readable log
  // From the config its evaluation records: the schedule's largest jump at
  // the default budget's last step and at the end, and the step after
  // which the ramp has reached the end's (RampEndStep).
  int max_jump_at_default = 0;
  int max_jump = 0;
  int64_t ramp_end_step = 0;
  // Test jump -> the logged loss at the last evaluation at or before the
  // default budget, at the end, and the lowest logged (NaN if none).
  std::map<int, double> loss_at_default;
  std::map<int, double> loss_at_end;
  std::map<int, double> lowest_loss;
  std::map<int, int64_t> lowest_step;
};

// Per dataset (in the sweep's order) and model, the long run shown: among
// the model's evaluated equal-step points on that dataset with more than
// kDefaultStudySteps steps, a reference point if there is one, else the
// sample count closest to 100, then the lowest seed. Reads each one's
// metrics.jsonl under the sweep directory.
std::vector<LongRun> ComputeTrainingLength(const ReportContext& context);

Table TrainingLengthMarkdown(const std::vector<LongRun>& runs);
Table TrainingLengthCsv(const std::vector<LongRun>& runs);
// A panel per dataset and test jump: a curve per model, log-log, the
// default budget a dashed vertical line.
Figure TrainingLengthFigure(const std::vector<LongRun>& runs);

absl::StatusOr<Section> TrainingLengthSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_TRAINING_LENGTH_H_
