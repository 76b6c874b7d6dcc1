#include "reports/study.h"

#include <filesystem>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "reports/files.h"
#include "status/status_macros.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;

// Parses protobuf JSON at `path` into `message`, ignoring unknown fields.
absl::Status ParseJsonFile(const std::string& path, const std::string& what,
                           google::protobuf::Message* message) {
  AANET_ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (google::protobuf::util::Status parsed =
          google::protobuf::util::JsonStringToMessage(text, message, options);
      !parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not ", what, " (",
        std::string(parsed.message().data(), parsed.message().size()), ")"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string StatusName(SweepPoint::Status status) {
  return SweepPoint::Status_Name(status);
}

std::string PointLabel(const SweepPoint& point) {
  return absl::StrFormat("%s on %s, %d samples, seed %d", point.model(),
                         point.dataset(), point.num_train_samples(),
                         point.seed());
}

absl::StatusOr<StudyData> LoadSweep(const std::string& sweep_dir) {
  StudyData study;
  study.sweep_dir = sweep_dir;
  const std::string results_path =
      (fs::path(sweep_dir) / kSweepResultsFile).string();
  AANET_RETURN_IF_ERROR(
      ParseJsonFile(results_path, "a sweep results file", &study.results));
  study.points.reserve(study.results.points_size());
  for (const SweepPoint& point : study.results.points()) {
    StudyPoint study_point;
    study_point.point = point;
    if (point.status() == SweepPoint::DONE ||
        point.status() == SweepPoint::SKIPPED) {
      if (point.evaluation_file().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            results_path, ": point ", PointLabel(point), " is ",
            StatusName(point.status()), " but has no evaluation_file"));
      }
      const std::string evaluation_path =
          (fs::path(sweep_dir) / point.evaluation_file()).string();
      EvaluationReport evaluation;
      if (absl::Status parsed = ParseJsonFile(
              evaluation_path, "an evaluation report", &evaluation);
          !parsed.ok()) {
        return absl::Status(parsed.code(),
                            absl::StrCat(parsed.message(), " (evaluation of ",
                                         PointLabel(point), ")"));
      }
      study_point.evaluation = std::move(evaluation);
    }
    study.points.push_back(std::move(study_point));
  }
  return study;
}

}  // namespace aanet::reports
