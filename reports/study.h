// A finished sweep as the report sees it: the sweep's index of points
// (sweep_results.json, proto/sweep.proto) and the evaluation of every point
// that has one (evaluation.json, proto/evaluation.proto).
#ifndef AANET_REPORTS_STUDY_H_
#define AANET_REPORTS_STUDY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/evaluation.pb.h"
#include "proto/sweep.pb.h"

namespace aanet::reports {

// The file a sweep writes its index to, inside the sweep directory.
inline constexpr char kSweepResultsFile[] = "sweep_results.json";

// One point of a sweep and its evaluation.
struct StudyPoint {
  SweepPoint point;
  // Set for DONE and SKIPPED points (read from point.evaluation_file);
  // empty for FAILED and PENDING points.
  std::optional<EvaluationReport> evaluation;
};

// Everything a report is made from.
struct StudyData {
  std::string sweep_dir;  // as given to LoadSweep
  SweepResults results;   // sweep_results.json as read
  // One per results.points(), in the same order.
  std::vector<StudyPoint> points;
};

// Reads `<sweep_dir>/sweep_results.json` and the evaluation file of every
// DONE or SKIPPED point (its evaluation_file, relative to `sweep_dir`).
// Both are protobuf JSON; unknown fields are ignored so that newer writers
// stay readable. A missing or unparsable sweep_results.json, a DONE/SKIPPED
// point without an evaluation_file, and a missing or corrupt evaluation file
// are errors naming the file (and the point).
absl::StatusOr<StudyData> LoadSweep(const std::string& sweep_dir);

// A short human-readable name of a point, e.g.
// "neural_ode on harmonic_k_pair_0.1, 100 samples, seed 3".
std::string PointLabel(const SweepPoint& point);

// The upper-case name of a point's status, e.g. "DONE".
std::string StatusName(SweepPoint::Status status);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_STUDY_H_
