// Section 4b, chaos: for every dataset of a system without true frequencies
// (the double pendulum), the largest Lyapunov exponent of each trajectory's
// first state (data_gen/lyapunov.h: the running estimate lambda(t), its
// verdict and the Lyapunov time 1 / lambda), and that dataset's prediction
// error against Δt for every model, with the Lyapunov time marked as a
// vertical line, or "regular: no finite Lyapunov time".
//
// lambda(t) is computed here, from the dataset file the evaluations name
// (EvaluationReport.dataset_path), through the System's Evolve, over
// ReportOptions::lyapunov_horizon time units (1,000 by default: about 2 s
// per trajectory of the double pendulum). A dataset file the report cannot
// read is named instead of failing the report.
#ifndef AANET_REPORTS_SECTIONS_LYAPUNOV_H_
#define AANET_REPORTS_SECTIONS_LYAPUNOV_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data_gen/lyapunov.h"
#include "reports/aggregate.h"
#include "reports/gnuplot.h"
#include "reports/section.h"

namespace aanet::reports {

struct DatasetChaos {
  std::string dataset;      // the cells' dataset label
  std::string system;       // e.g. "double_pendulum"
  std::string description;  // System::Describe
  std::string error;        // why it has no estimate; empty if it has one
  std::vector<data_gen::LyapunovEstimate> trajectories;  // per trajectory
  // The shortest Lyapunov time of its chaotic trajectories; unset if every
  // trajectory is regular.
  std::optional<double> lyapunov_time;
  // Every model's cell on this dataset (the one with the most evaluated
  // jumps, then the most training samples), in model order.
  std::vector<const Cell*> cells;
};

// The datasets of `context` whose files have no true frequencies, in the
// sweep's order, each with its estimates (horizon: the options').
std::vector<DatasetChaos> ComputeChaos(const ReportContext& context);

// Per dataset and trajectory: lambda(T), slope, verdict, Lyapunov time.
Table ChaosMarkdown(const std::vector<DatasetChaos>& data);
Table ChaosCsv(const std::vector<DatasetChaos>& data);
// lambda(t) against t, log-log, one series per trajectory.
Figure LambdaFigure(const DatasetChaos& data, int index);
// Every model's test loss against Δt on this dataset, the Lyapunov time a
// vertical line (a label saying "regular" when there is none).
Figure ChaosErrorVsDtFigure(const DatasetChaos& data, int index,
                            const ReportContext& context);

absl::StatusOr<Section> LyapunovSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_LYAPUNOV_H_
