#include "sweep/prepare.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "data_gen/dataset.h"
#include "fileio/text_file.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "proto/text_config.h"
#include "status/status_macros.h"

namespace aanet::sweep {
namespace {

namespace fs = std::filesystem;

// Reuses an existing dataset file only if it was generated from the same
// config text; otherwise (re)generates it.
absl::Status EnsureDataset(const PlannedDataset& dataset,
                           ProgressLine& progress) {
  // A killed writer's (data_gen's or a sweep's) temporary, even when the
  // dataset itself is reused.
  RemoveStaleTemporaries(dataset.path);
  if (fs::exists(dataset.path)) {
    absl::StatusOr<data_gen::Dataset> existing =
        data_gen::ReadDataset(dataset.path);
    if (existing.ok() && existing->config_text == dataset.config_text) {
      return absl::OkStatus();
    }
  }
  absl::StatusOr<data_gen::Dataset> generated =
      data_gen::GenerateDataset(dataset.experiment, dataset.config_text);
  if (!generated.ok()) {
    return absl::Status(
        generated.status().code(),
        absl::StrCat(dataset.config_path, ": ", generated.status().message()));
  }
  AANET_RETURN_IF_ERROR(data_gen::WriteDataset(*generated, dataset.path));
  progress.Print(absl::StrCat("generated ", dataset.path));
  return absl::OkStatus();
}

// Wall seconds of the points an earlier run finished, by directory, from
// its sweep_results.json (empty if there is none or it does not parse).
std::map<std::string, double> EarlierWallSeconds(const std::string& sweep_dir) {
  std::map<std::string, double> seconds;
  absl::StatusOr<std::string> earlier =
      ReadFileToString((fs::path(sweep_dir) / "sweep_results.json").string());
  SweepResults previous;
  google::protobuf::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = true;
  if (earlier.ok() &&
      google::protobuf::util::JsonStringToMessage(*earlier, &previous, parse)
          .ok()) {
    for (const SweepPoint& p : previous.points()) {
      seconds[p.directory()] = p.wall_seconds();
    }
  }
  return seconds;
}

}  // namespace

absl::StatusOr<PreparedSweep> PrepareSweep(
    SweepPlan plan, const SweepConfigFile& config, int parallelism,
    const std::function<bool(int index)>& in_progress, ProgressLine& progress,
    bool dry_run) {
  for (const PlannedDataset& dataset : plan.datasets) {
    AANET_RETURN_IF_ERROR(EnsureDataset(dataset, progress));
  }
  std::map<std::string, double> earlier_seconds =
      EarlierWallSeconds(plan.sweep_dir);

  PreparedSweep prepared;
  SweepResults& results = prepared.results;
  results.set_name(config.config.name());
  results.set_sweep_config_text(config.text);
  results.set_parallelism(parallelism);
  results.set_machine(MachineDescription());
  for (size_t i = 0; i < plan.points.size(); ++i) {
    const PlannedPoint& planned = plan.points[i];
    SweepPoint& point = *results.add_points();
    point = planned.point;
    const fs::path dir(planned.directory);
    std::string spec_text;
    google::protobuf::TextFormat::PrintToString(planned.spec, &spec_text);
    absl::StatusOr<std::string> existing =
        ReadFileToString((dir / "point.pbtxt").string());
    const bool same = existing.ok() && *existing == spec_text;
    if (same && fs::exists(dir / "evaluation.json")) {
      point.set_status(SweepPoint::SKIPPED);
      point.set_wall_seconds(earlier_seconds[point.directory()]);
      continue;
    }
    if (in_progress && in_progress(static_cast<int>(i))) {
      if (!same) {
        return absl::FailedPreconditionError(absl::StrCat(
            planned.directory,
            ": point.pbtxt changed while a worker still runs the old one; "
            "wait for it to finish or cancel it first"));
      }
      continue;
    }
    if (dry_run) {
      // Nothing to change on disk.
    } else if (!same) {
      // A changed point starts over; an unchanged one resumes its run.
      std::error_code ec;
      fs::remove_all(dir, ec);
      AANET_RETURN_IF_ERROR(
          WriteTextFileAtomically((dir / "point.pbtxt").string(), spec_text));
    } else {
      fs::remove(dir / "log.txt");
    }
    prepared.to_run.push_back(static_cast<int>(i));
  }
  prepared.plan = std::move(plan);
  if (!dry_run) {
    AANET_RETURN_IF_ERROR(WriteResults(results, prepared.plan.sweep_dir));
  }
  return prepared;
}

absl::Status WriteResults(const SweepResults& results,
                          const std::string& sweep_dir) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  if (!google::protobuf::util::MessageToJsonString(results, &json, options)
           .ok()) {
    return absl::InternalError("cannot serialise the sweep results");
  }
  return WriteTextFileAtomically(
      (fs::path(sweep_dir) / "sweep_results.json").string(), json);
}

std::string WorkerError(const std::string& point_directory) {
  std::ifstream in(fs::path(point_directory) / "log.txt");
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last.empty() ? "worker exited without a message" : last;
}

std::string Describe(const SweepPoint& point) {
  return absl::StrFormat("%s %s n=%d seed %d", point.model(), point.dataset(),
                         point.num_train_samples(), point.seed());
}

std::string ProgressText(const std::string& name, const SweepCounts& counts,
                         double elapsed_seconds) {
  const std::string eta = FormatEta(EstimateEta(counts.eta));
  return absl::StrFormat(
      "sweep %s: %d/%d done, %d running, %d pending, %d failed, elapsed %s, "
      "ETA %s",
      name, counts.done, counts.total, counts.running, counts.pending,
      counts.failed, FormatDuration(elapsed_seconds), eta);
}

std::string MachineDescription() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  return absl::StrFormat("%d cores, %s",
                         static_cast<int>(std::thread::hardware_concurrency()),
                         model);
}

}  // namespace aanet::sweep
