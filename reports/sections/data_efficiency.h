// Section 2, data efficiency (the paper's Figure 2): the test prediction
// loss against the number of training samples, at the jumps every point was
// evaluated at (the sweep config's `evaluation.jumps`), one table per
// k_pair and one log-log panel per (k_pair, jump).
#ifndef AANET_REPORTS_SECTIONS_DATA_EFFICIENCY_H_
#define AANET_REPORTS_SECTIONS_DATA_EFFICIENCY_H_

#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "reports/aggregate.h"
#include "reports/gnuplot.h"
#include "reports/section.h"

namespace aanet::reports {

// The loss of every evaluated jump of one cell, over its seeds.
struct CellLosses {
  const Cell* cell = nullptr;
  std::vector<JumpStatistic> losses;
};

struct DataEfficiency {
  std::vector<CellLosses> cells;  // every cell, in the context's order
  std::set<double> k_pairs;
  // The jumps shown: the sweep config's `evaluation.jumps` (else the jumps
  // every cell was evaluated at) that some cell evaluated, ascending; if
  // none is, the smallest evaluated jump. Empty if nothing was evaluated.
  std::vector<int> jumps;
};

DataEfficiency ComputeDataEfficiency(const ReportContext& context);

// Every cell and every evaluated jump (data_efficiency.csv).
Table DataEfficiencyCsv(const DataEfficiency& data);
// The cells of one k_pair at the shown jumps.
Table DataEfficiencyTable(const DataEfficiency& data, double k_pair);
Figure DataEfficiencyFigure(const DataEfficiency& data,
                            const ReportContext& context);

absl::StatusOr<Section> DataEfficiencySection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_DATA_EFFICIENCY_H_
