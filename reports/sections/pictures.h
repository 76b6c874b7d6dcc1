// Section 5d, pictures of the dynamics (issue 22; the published code made
// videos of this): for the pictured trajectory of the reference dataset
// (eval/trajectories.h: the first held-out trajectory, else trajectory 0,
// from the first state of its test window, far past the trained range),
// the truth against each model's one-shot predictions and its recursive
// rollout, in the (q_i, p_i) planes, as a PNG and an animated GIF. The
// evaluations write the arrays (trajectories.h5 beside evaluation.json, the
// first seed of each reference point); this section reads them.
#ifndef AANET_REPORTS_SECTIONS_PICTURES_H_
#define AANET_REPORTS_SECTIONS_PICTURES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "eval/trajectories.h"
#include "reports/aggregate.h"
#include "reports/gnuplot.h"
#include "reports/section.h"

namespace aanet::reports {

// One model's pictured trajectory.
struct PicturedRun {
  const Cell* cell = nullptr;
  const StudyPoint* point = nullptr;
  std::string path;  // its trajectories.h5
  // Absent when the file cannot be read; `error` says why (the report says
  // so instead of failing).
  std::optional<eval::PicturedArrays> arrays;
  std::string error;
};

// The pictured runs of one dataset, in model order.
struct PicturedDataset {
  std::string dataset;  // DatasetInfo.label
  std::string system;   // DatasetInfo.system
  std::vector<PicturedRun> runs;
};

// Every dataset (in the sweep's order) with a point whose evaluation
// records a pictured trajectory (EvaluationReport.pictured_trajectory with
// a file); one run per model, its first such point.
std::vector<PicturedDataset> ComputePictures(const ReportContext& context);

// Per run: the trajectory, rows from the dataset, and per kind (one-shot,
// rollout) the rows that are not finite and the error at the last row
// (mean over coordinates of ((predicted - true) / sigma)^2, sigma each
// coordinate's standard deviation along the true trajectory), "not
// finite" where it is not.
Table PicturesTable(const PicturedDataset& data);
// The same for every dataset, one row per run, numbers in full.
Table PicturesCsv(const std::vector<PicturedDataset>& data);

// One panel per model and degree of freedom, the truth (black), the
// one-shot predictions (points) and the rollout (dashed) in the model's
// colour; axes at the truth's range with a margin (predictions beyond it
// are cut). `index` numbers the dataset in the figure's name. No panels if
// no run was read.
Figure PhaseSpaceFigure(const PicturedDataset& data, int index,
                        const ReportContext& context);
// The animation: one panel per degree of freedom, the truth and every
// model's one-shot prediction moving along, about 50 frames.
Figure PhaseSpaceAnimation(const PicturedDataset& data, int index,
                           const ReportContext& context);

// An empty section when no evaluation records a pictured trajectory.
absl::StatusOr<Section> PicturesSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_PICTURES_H_
