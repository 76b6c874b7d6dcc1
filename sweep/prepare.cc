#include "sweep/prepare.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "data_gen/dataset.h"
#include "fileio/file_lock.h"
#include "fileio/text_file.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "proto/text_config.h"
#include "status/status_macros.h"
#include "sweep/point_identity.h"

namespace aanet::sweep {
namespace {

namespace fs = std::filesystem;

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

// n, the width of the file's q: every system's dataset has it, so the
// sweep needs no system's config field.
int DegreesOfFreedom(const data_gen::Dataset& dataset) {
  return dataset.q.empty() ? 0 : static_cast<int>(dataset.q.front().cols());
}

}  // namespace

absl::Status EnsureDataset(PlannedDataset& dataset, ProgressLine& progress) {
  if (dataset.from_file) {
    // Used as it is (e.g. imported trajectories): read, never written, no lock
    // nor temporaries beside a file that is not ours.
    AANET_ASSIGN_OR_RETURN(const data_gen::Dataset file,
                           data_gen::ReadDataset(dataset.path));
    dataset.hash = data_gen::DatasetHash(file);
    dataset.degrees_of_freedom = DegreesOfFreedom(file);
    return absl::OkStatus();
  }
  const fs::path path(dataset.path);
  // Held from the check to the rename, so that two sweeps cannot both find
  // the file missing and write different contents one after the other.
  AANET_ASSIGN_OR_RETURN(
      FileLock lock,
      FileLock::Acquire(
          (path.parent_path() / ("." + path.filename().string() + ".lock"))
              .string()));
  // A killed writer's (data_gen's or a sweep's) temporary, even when the
  // dataset itself is reused.
  RemoveStaleTemporaries(dataset.path);
  std::optional<data_gen::Dataset> existing;
  if (fs::exists(path)) {
    absl::StatusOr<data_gen::Dataset> read =
        data_gen::ReadDataset(dataset.path);
    // An unreadable file trained nothing: it is replaced.
    if (read.ok()) existing = *std::move(read);
  }
  // The same config text gives the same numbers: no need to generate.
  if (existing.has_value() && existing->config_text == dataset.config_text) {
    dataset.hash = data_gen::DatasetHash(*existing);
    dataset.degrees_of_freedom = DegreesOfFreedom(*existing);
    return absl::OkStatus();
  }
  absl::StatusOr<data_gen::Dataset> generated =
      data_gen::GenerateDataset(dataset.experiment, dataset.config_text);
  if (!generated.ok()) {
    return absl::Status(
        generated.status().code(),
        absl::StrCat(dataset.config_path, ": ", generated.status().message()));
  }
  dataset.hash = data_gen::DatasetHash(*generated);
  dataset.degrees_of_freedom = DegreesOfFreedom(*generated);
  if (existing.has_value()) {
    const std::string hash = data_gen::DatasetHash(*existing);
    if (hash == dataset.hash) return absl::OkStatus();
    Experiment recorded;
    std::string origin = "another config";
    if (ParseTextProto(existing->config_text, dataset.path, &recorded).ok() &&
        !recorded.name().empty()) {
      origin = absl::StrCat("config '", recorded.name(), "'");
    }
    return absl::FailedPreconditionError(absl::StrCat(
        dataset.path, ": holds other contents (dataset hash ", hash, ", from ",
        origin, ") than dataset '", dataset.name, "' of this sweep (hash ",
        dataset.hash, ", ", dataset.config_path,
        "); give the dataset another name, use another --output_root, or "
        "remove the file"));
  }
  AANET_RETURN_IF_ERROR(data_gen::WriteDataset(*generated, dataset.path));
  progress.Print(absl::StrCat("generated ", dataset.path));
  return absl::OkStatus();
}

absl::StatusOr<PreparedSweep> PrepareSweep(
    SweepPlan plan, const SweepConfigFile& config, int parallelism,
    const std::function<bool(int index)>& in_progress, ProgressLine& progress,
    bool dry_run) {
  for (PlannedDataset& dataset : plan.datasets) {
    AANET_RETURN_IF_ERROR(EnsureDataset(dataset, progress));
  }
  // What depends on the dataset's file: its hash and, through its degrees of
  // freedom, the point's resolved settings (its identity).
  for (PlannedPoint& planned : plan.points) {
    const PlannedDataset& dataset = plan.datasets[planned.dataset_index];
    planned.point.set_dataset_hash(dataset.hash);
    absl::StatusOr<std::string> resolved =
        ResolvedSettings(planned.experiment, dataset.experiment.simulation(),
                         dataset.degrees_of_freedom);
    if (!resolved.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("model ", planned.point.model(), " on dataset ",
                       dataset.name, ": ", resolved.status().message()));
    }
    planned.spec.set_resolved_settings(*resolved);
  }
  std::map<std::string, double> earlier_seconds =
      EarlierWallSeconds(plan.sweep_dir);

  PreparedSweep prepared;
  SweepResults& results = prepared.results;
  results.set_name(config.config.name());
  results.set_sweep_config_text(config.text);
  results.set_parallelism(parallelism);
  results.set_machine(MachineDescription());
  results.set_reference_dataset(plan.reference_dataset);
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
