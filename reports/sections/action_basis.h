// Section 5c, learned actions up to a change of basis (not in the paper):
// for each dataset whose Action-Angle Network evaluations carry an
// ActionBasis (eval/action_basis.h: a dataset with true actions), the
// integer unimodular M that best explains learned = M true, its residual
// beside the best real matrix's, and per trajectory the learned frequencies
// mapped into the true basis (M^T omega) beside the true ones, with the
// spurious precession where two true frequencies are equal (truly 0).
// Degenerate frequencies make the action-angle map non-unique, which is why
// actions are compared only up to such an M.
//
// One run per dataset, chosen as section 5b chooses (a FIGURE_ONLY point,
// else the equal-step reference point, else the first with a basis).
#ifndef AANET_REPORTS_SECTIONS_ACTION_BASIS_H_
#define AANET_REPORTS_SECTIONS_ACTION_BASIS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/evaluation.pb.h"
#include "reports/section.h"
#include "reports/study.h"

namespace aanet::reports {

// The basis of one dataset's chosen run.
struct BasisRun {
  const StudyPoint* point = nullptr;
  std::string dataset;    // label
  std::string chosen_as;  // why this run
  const ActionBasis* basis = nullptr;
  // Over the degenerate trajectories the fit used: the mean and the
  // largest |precession per orbit| (radians); count 0 if none.
  double mean_abs_precession_per_orbit = 0;
  double max_abs_precession_per_orbit = 0;
  int num_degenerate = 0;
  // The same trajectories' basis-free check: the difference of the two
  // learned frequencies in the network's own basis, 2 pi ||omega_j| -
  // |omega_i|| / omega_true per orbit (radians), mean and largest. Zero for
  // a network that learned the true actions up to a permutation; the only
  // precession figure that means anything when M does not explain the
  // actions.
  double mean_abs_learned_difference_per_orbit = 0;
  double max_abs_learned_difference_per_orbit = 0;
};

std::vector<BasisRun> ComputeActionBases(const ReportContext& context);

// "[[1, 1], [0, 1]]" of a row-major n x n list.
std::string MatrixText(const google::protobuf::RepeatedField<int32_t>& values,
                       int n);
// What the fit says, in words: M, its determinant, both residuals, whether
// it explains the actions, and what the data leave undetermined.
std::string BasisText(const BasisRun& run);
// Per trajectory: true and learned actions, true and mapped frequencies,
// the precession.
Table BasisTable(const BasisRun& run);
Table BasisCsv(const std::vector<BasisRun>& runs);

// An empty section when no evaluation carries a basis.
absl::StatusOr<Section> ActionBasisSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_ACTION_BASIS_H_
