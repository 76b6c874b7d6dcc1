// Section 5e, conservation of the learned actions (issue 22): the paper's
// claim that the Action-Angle Network's actions are conserved, measured on
// its actions of the TRUE states (eval/action_conservation.h): per latent
// pair, the relative variation std / |mean| over a trajectory's test window,
// summarised over the trained and the held-out trajectories (median and
// max), and along the pictured trajectory; and the pictured trajectory's
// actions against time. On a system without conserved actions (the double
// pendulum is not integrable) the variation should be large: the contrast
// is the result.
#ifndef AANET_REPORTS_SECTIONS_ACTION_CONSERVATION_H_
#define AANET_REPORTS_SECTIONS_ACTION_CONSERVATION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reports/aggregate.h"
#include "reports/gnuplot.h"
#include "reports/section.h"
#include "reports/sections/pictures.h"

namespace aanet::reports {

// The Action-Angle Network cells of one dataset with an action variation.
struct ConservationDataset {
  std::string dataset;  // DatasetInfo.label
  std::string system;
  // Whether any evaluation records true actions for the dataset (none for
  // a non-integrable system or imported trajectories).
  bool true_actions = false;
  // Per model, the reference cell if on this dataset, else the one closest
  // to the reference training-set size; its points with a variation.
  std::vector<const Cell*> cells;
};

// Every dataset (in the sweep's order) with an Action-Angle Network
// evaluation recording ActionConservation.
std::vector<ConservationDataset> ComputeConservation(
    const ReportContext& context);

// One row per model, seed and latent pair: median and max over the trained
// and the held-out trajectories, the pictured trajectory's, and the
// trajectories left out as not finite; "—" where there is none.
Table ConservationTable(const ConservationDataset& data);
// One row per dataset, model, seed, trajectory and latent pair.
Table ConservationCsv(const std::vector<ConservationDataset>& data);

// Per pictured Action-Angle Network run (`pictures`), one panel: each
// latent pair's action over its mean against time. No panels without one.
Figure ActionsFigure(const std::vector<PicturedDataset>& pictures,
                     const ReportContext& context);

// The text under a dataset's heading: what the numbers mean there (no true
// actions: large values expected) and what the budget can show.
std::string ConservationText(const ConservationDataset& data);

// An empty section when no evaluation records an action variation.
absl::StatusOr<Section> ActionConservationSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_ACTION_CONSERVATION_H_
