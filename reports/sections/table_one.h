// Section 1, Table 1 measured: per model at its reference point, the
// parameter count, the inference-time growth between the smallest and the
// largest evaluated jump, and the mean relative and absolute |ΔH| at those
// jumps.
#ifndef AANET_REPORTS_SECTIONS_TABLE_ONE_H_
#define AANET_REPORTS_SECTIONS_TABLE_ONE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reports/aggregate.h"
#include "reports/gnuplot.h"
#include "reports/section.h"

namespace aanet::reports {

// A metric at the two jumps a comparison uses: the smallest evaluated jump
// (jump 1 when evaluated) and the largest (the largest of the sweep's
// `reference_jumps`, 400 by default).
struct SmallAndLarge {
  JumpStatistic small;
  JumpStatistic large;
};

// The smallest and largest jump of `statistics` (ascending, as
// AggregateJumpMetric returns them); nullopt if it has fewer than
// `min_jumps`.
std::optional<SmallAndLarge> SmallAndLargeJump(
    const std::vector<JumpStatistic>& statistics, size_t min_jumps);

// One model's row, at its reference cell.
struct TableOneRow {
  const Cell* cell = nullptr;
  double num_parameters = 0;  // mean over seeds
  // Median single-state time (seconds) at the smallest and the largest
  // timed jump, failed timings included (they have no time: a jump where
  // every seed failed has a NaN mean); unset unless two jumps were timed.
  std::optional<SmallAndLarge> timing;
  // Mean |ΔH|; unset if no jump was evaluated.
  std::optional<SmallAndLarge> energy;
  // Mean |ΔH| / |H| (RelativeEnergyChange); unset if no jump has it.
  std::optional<SmallAndLarge> relative_energy;
  // "solve failed at jump 400 in 1 of 2 seeds" if a seed's single-state
  // timing failed at the smallest or the largest timed jump (there is then
  // no growth: a failed solve is never timed); empty otherwise.
  std::string timing_failure;
  // timing's large / small mean; NaN without timing or with a failure.
  double Growth() const;
  // The valid prediction time (eval/vpt.h) over the seeds that measured it
  // (vpt_seeds of them; the others are left out): each seed's median over
  // its start states and its censored fraction, mean and std over seeds;
  // the start states whose solve failed, summed; J dt (the largest of the
  // seeds', one per study).
  int vpt_seeds = 0;
  MeanStd vpt_median;
  MeanStd vpt_censored;
  int vpt_failed = 0;
  int vpt_start_states = 0;
  double vpt_max_time = 0;
};

// The evaluation's mean over test pairs of |H(predicted) - H(input)| /
// |H(input)|, H the system's true Hamiltonian in original units (the input's
// energy is the conserved one): `mean_relative_energy_change`. nullopt for
// an evaluation written before that field existed (0 there while the
// absolute change is not).
std::optional<double> RelativeEnergyChange(const JumpMetrics& metrics);

// One row per model that has a reference cell, in the order of the models.
std::vector<TableOneRow> ComputeTableOne(const ReportContext& context);

Table TableOneMarkdown(const std::vector<TableOneRow>& rows);
// The valid prediction time per model (the rows with vpt_seeds > 0), and
// its CSV (vpt.csv); no rows if no evaluation measured it.
Table VptMarkdown(const std::vector<TableOneRow>& rows);
Table VptCsv(const std::vector<TableOneRow>& rows);
Table TableOneCsv(const std::vector<TableOneRow>& rows);
// Three panels: parameters, growth, energy change; log y, one x per model.
Figure TableOneFigure(const std::vector<TableOneRow>& rows);
// The note under the figure: values it cannot draw (a failed timing, a
// non-finite or non-positive value) and failed predictions at the |ΔH|
// jumps; empty if there are none.
std::string TableOneFigureNote(const std::vector<TableOneRow>& rows);

absl::StatusOr<Section> TableOneSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_TABLE_ONE_H_
