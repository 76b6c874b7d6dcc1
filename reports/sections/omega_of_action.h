// Section 5b, omega(I): does the Action-Angle Network learn its angular
// frequency as a function of the action? Per trajectory (trained and held
// out), the learned frequency against the true one, and learned frequency
// against learned action in physical units beside the true omega(I), from
// the evaluations' trajectory_frequencies (eval/README.md). Only where a
// system's frequency depends on its amplitude (the pendulum) is there a
// function to learn; the section appears whenever evaluations carry them.
//
// One run per dataset: a FIGURE_ONLY point (proto/sweep.proto: trained as
// long as the figure needs, outside every comparison) if there is one, else
// the equal-step Action-Angle Network's reference point, else its first
// point; the section says which, its steps, and whether it converged
// (reports/convergence.h).
#ifndef AANET_REPORTS_SECTIONS_OMEGA_OF_ACTION_H_
#define AANET_REPORTS_SECTIONS_OMEGA_OF_ACTION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reports/convergence.h"
#include "reports/gnuplot.h"
#include "reports/section.h"
#include "reports/study.h"

namespace aanet::reports {

// One latent pair of one trajectory. NaN where a value is unknown (a system
// without true values; actions not converted).
struct OmegaRow {
  int trajectory = 0;
  bool held_out = false;
  int pair = 0;  // rank in sorted-frequency order
  double true_frequency = 0;
  double learned = 0;
  double learned_std = 0;
  double relative_error = 0;  // |learned - true| / true
  double true_action = 0;
  double learned_action = 0;
  double learned_action_std = 0;
};

// The run chosen for one dataset and what it says.
struct OmegaRun {
  const StudyPoint* point = nullptr;
  std::string dataset;    // label
  std::string chosen_as;  // why this run, for the text
  std::string action_conversion;
  std::vector<OmegaRow> rows;
  // Whether its training converged; empty with `curve_error` set if its
  // training curve could not be read.
  std::vector<ConvergenceVerdict> verdicts;
  std::string curve_error;
};

// One run per dataset whose points carry trajectory frequencies, in the
// study's dataset order.
std::vector<OmegaRun> ComputeOmegaOfAction(const ReportContext& context);

Table OmegaTable(const OmegaRun& run);
Table OmegaCsv(const std::vector<OmegaRun>& runs);
// Two panels per run: learned against true omega, and omega against action
// (learned and true on the same axes); held-out trajectories another point
// type.
Figure OmegaFigure(const std::vector<OmegaRun>& runs);
// "converged" or what did not (e.g. "jump 10: improving (...)"), for the
// text.
std::string ConvergenceText(const OmegaRun& run);

// An empty section when no evaluation carries trajectory frequencies.
absl::StatusOr<Section> OmegaOfActionSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_OMEGA_OF_ACTION_H_
