// The report's header: what was run (sweep, budget, machine, models,
// datasets, sample counts, seeds, evaluated jumps, reference points), the
// models' point counts and the failed points with their errors.
#ifndef AANET_REPORTS_SECTIONS_HEADER_H_
#define AANET_REPORTS_SECTIONS_HEADER_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "proto/sweep.pb.h"
#include "reports/section.h"

namespace aanet::reports {

// What the header counts over a sweep's points.
struct PointSummary {
  std::map<SweepPoint::Status, int> counts;
  std::map<std::string, std::map<SweepPoint::Status, int>> model_counts;
  std::set<int> samples;
  std::set<uint64_t> seeds;
  std::map<std::string, std::string> kind_of_model;
  std::map<std::string, std::set<int>> steps_of_model;
  // Jumps evaluated at the is_reference points and at every other point.
  std::set<int> reference_jumps;
  std::set<int> other_jumps;
  double point_seconds = 0;  // sum of the points' wall times
  // "dataset, n samples" of every is_reference point.
  std::set<std::string> marked_references;
};

PointSummary SummarizePoints(const StudyData& study);

// The table of facts: sweep, budget, configs, machine, points, datasets...
Table FactsTable(const ReportContext& context, const PointSummary& summary);

// The datasets of the study, once (DatasetsOf): name, system, parameters,
// trajectories x samples, time step, hash prefix; the reference dataset
// marked. Values older records lack read "—".
Table DatasetsTable(const StudyData& study);

// Per model: kind, config, num_steps, the point count of each status and
// its flow encoder (FlowEncoderLabel of its first evaluation's config).
Table ModelsTable(const ReportContext& context, const PointSummary& summary);

// Every failed point with its error.
Table FailedPointsTable(const StudyData& study);

// How the flow encoder of a recorded model config (EvaluationReport's
// config_text) stands to the published code (models/README.md, "Two
// decisions that differ from the published code"): "ours: symplectic skip
// gate, pair scale", "published: per-coordinate gate, no pair scale", any
// other combination spelled out, or "—" for a model without a flow encoder
// or a config that does not parse.
std::string FlowEncoderLabel(const std::string& config_text);

// A warning when cells have a single evaluated seed, where the tables show
// no ± and the figures no error bars: such differences between models can
// be seed noise. Empty if every cell has two seeds or more.
std::string SingleSeedWarning(const ReportContext& context);

// The header section (title, facts, notes, models, failed points).
absl::StatusOr<Section> HeaderSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_HEADER_H_
