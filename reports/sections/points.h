// points.csv: every point of the sweep, its status, files and error.
#ifndef AANET_REPORTS_SECTIONS_POINTS_H_
#define AANET_REPORTS_SECTIONS_POINTS_H_

#include "absl/status/statusor.h"
#include "reports/section.h"

namespace aanet::reports {

Table PointsCsv(const StudyData& study);

// A section of no Markdown, only points.csv.
absl::StatusOr<Section> PointsSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_POINTS_H_
