#include "reports/sections/points.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "reports/format.h"

namespace aanet::reports {

Table PointsCsv(const StudyData& study) {
  Table csv{{"model", "model_kind", "dataset", "dataset_hash", "system",
             "axis_values", "num_train_samples", "seed", "num_steps", "status",
             "wall_seconds", "directory", "evaluation_file", "num_parameters",
             "error"},
            {}};
  for (const StudyPoint& p : study.points) {
    const SweepPoint& point = p.point;
    csv.rows.push_back(
        {point.model(), point.model_kind(), point.dataset(),
         point.dataset_hash(), point.system(),
         absl::StrJoin(point.axis_values(), " "),
         absl::StrCat(point.num_train_samples()), absl::StrCat(point.seed()),
         absl::StrCat(point.num_steps()), StatusName(point.status()),
         Num(point.wall_seconds()), point.directory(), point.evaluation_file(),
         p.evaluation.has_value() ? absl::StrCat(p.evaluation->num_parameters())
                                  : std::string(),
         point.error()});
  }
  return csv;
}

absl::StatusOr<Section> PointsSection(const ReportContext& context) {
  Section section;
  section.csv_files.push_back({"points.csv", PointsCsv(context.study)});
  return section;
}

}  // namespace aanet::reports
