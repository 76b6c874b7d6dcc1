#include "sweep/runner.h"

#include <signal.h>
#include <string.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/progress.h"
#include "data_gen/dataset.h"
#include "fileio/directory_lock.h"
#include "fileio/text_file.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "proto/text_config.h"

namespace aanet::sweep {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
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

// Reuses an existing dataset file only if it was generated from the same
// config text; otherwise (re)generates it.
absl::Status EnsureDataset(const PlannedDataset& dataset, ProgressLine& out) {
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
  absl::Status written = data_gen::WriteDataset(*generated, dataset.path);
  if (!written.ok()) return written;
  out.Print(absl::StrCat("generated ", dataset.path));
  return absl::OkStatus();
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

// The last non-empty line of a worker's log: its error message.
std::string LastLine(const fs::path& log) {
  std::ifstream in(log);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last.empty() ? "worker exited without a message" : last;
}

std::string Describe(const SweepPoint& p) {
  return absl::StrFormat("%s %s n=%d seed %d", p.model(), p.dataset(),
                         p.num_train_samples(), p.seed());
}

// SIGINT/SIGTERM while a sweep runs: the signal number, 0 if none.
volatile sig_atomic_t interrupted = 0;
void OnSignal(int signal) { interrupted = signal; }

// Catches SIGINT and SIGTERM for its lifetime (without SA_RESTART, so that
// sleeps end early), restoring the earlier handlers after.
class InterruptHandlers {
 public:
  InterruptHandlers() {
    interrupted = 0;
    struct sigaction action = {};
    action.sa_handler = OnSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~InterruptHandlers() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ = {}, old_term_ = {};
};

}  // namespace

int NumFailed(const SweepResults& results) {
  return static_cast<int>(std::count_if(
      results.points().begin(), results.points().end(),
      [](const SweepPoint& p) { return p.status() == SweepPoint::FAILED; }));
}

absl::StatusOr<SweepResults> RunSweep(const SweepConfigFile& config,
                                      const RunnerOptions& options) {
  const Clock::time_point start = Clock::now();
  absl::StatusOr<SweepPlan> plan =
      PlanSweep(config.config, options.workspace, options.output_root);
  if (!plan.ok()) return plan.status();
  const int parallelism =
      options.parallelism > 0
          ? options.parallelism
          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::string executable = options.worker_executable;
  if (executable.empty()) executable = fs::read_symlink("/proc/self/exe");
  // One sweep at a time per sweep root, for this process's life.
  absl::StatusOr<DirectoryLock> lock = DirectoryLock::Acquire(plan->sweep_dir);
  if (!lock.ok()) return lock.status();
  std::unique_ptr<WorkerBackend> local;
  WorkerBackend* backend = options.backend;
  if (backend == nullptr) {
    local = MakeLocalBackend();
    backend = local.get();
  }
  InterruptHandlers handlers;

  ProgressLine progress(stderr, 30.0);
  for (const PlannedDataset& dataset : plan->datasets) {
    absl::Status ensured = EnsureDataset(dataset, progress);
    if (!ensured.ok()) return ensured;
  }

  // Wall times of points finished by an earlier run, kept for the report.
  std::map<std::string, double> earlier_seconds;
  {
    absl::StatusOr<std::string> earlier = ReadFileToString(
        (fs::path(plan->sweep_dir) / "sweep_results.json").string());
    SweepResults previous;
    google::protobuf::util::JsonParseOptions parse;
    parse.ignore_unknown_fields = true;
    if (earlier.ok() &&
        google::protobuf::util::JsonStringToMessage(*earlier, &previous, parse)
            .ok()) {
      for (const SweepPoint& p : previous.points()) {
        earlier_seconds[p.directory()] = p.wall_seconds();
      }
    }
  }

  SweepResults results;
  results.set_name(config.config.name());
  results.set_sweep_config_text(config.text);
  results.set_parallelism(parallelism);
  results.set_machine(MachineDescription());
  std::vector<int> queue;
  for (size_t i = 0; i < plan->points.size(); ++i) {
    const PlannedPoint& planned = plan->points[i];
    *results.add_points() = planned.point;
    const fs::path dir(planned.directory);
    std::string spec_text;
    google::protobuf::TextFormat::PrintToString(planned.spec, &spec_text);
    absl::StatusOr<std::string> existing =
        ReadFileToString((dir / "point.pbtxt").string());
    const bool same = existing.ok() && *existing == spec_text;
    if (same && fs::exists(dir / "evaluation.json")) {
      SweepPoint& point = *results.mutable_points(i);
      point.set_status(SweepPoint::SKIPPED);
      point.set_wall_seconds(earlier_seconds[point.directory()]);
      continue;
    }
    if (!same) {
      // A changed point starts over; an unchanged one resumes its run.
      std::error_code ec;
      fs::remove_all(dir, ec);
      absl::Status written =
          WriteTextFileAtomically((dir / "point.pbtxt").string(), spec_text);
      if (!written.ok()) return written;
    } else {
      fs::remove(dir / "log.txt");
    }
    queue.push_back(static_cast<int>(i));
  }
  absl::Status written = WriteResults(results, plan->sweep_dir);
  if (!written.ok()) return written;

  const int total = results.points_size();
  const int to_run = static_cast<int>(queue.size());
  int finished = 0, failed = 0;
  double finished_seconds = 0;
  std::map<int64_t, std::pair<int, Clock::time_point>> running;
  size_t next = 0;
  progress.Print(absl::StrFormat(
      "sweep %s: %d points, %d to run (%d already done), %d in parallel",
      results.name(), total, to_run, total - to_run, parallelism));
  while ((next < queue.size() || !running.empty()) && interrupted == 0) {
    while (next < queue.size() &&
           static_cast<int>(running.size()) < parallelism) {
      const int index = queue[next++];
      absl::StatusOr<int64_t> id =
          backend->Start(executable, plan->points[index].directory);
      if (!id.ok()) return id.status();
      running[*id] = {index, Clock::now()};
    }
    const std::optional<WorkerBackend::Finished> done = backend->Poll();
    // A worker stopped by the same Ctrl-C as the sweep has not failed.
    if (interrupted != 0) break;
    if (done.has_value() && running.count(done->id) > 0) {
      const auto [index, started] = running[done->id];
      running.erase(done->id);
      SweepPoint& point = *results.mutable_points(index);
      const fs::path dir(plan->points[index].directory);
      point.set_wall_seconds(Since(started));
      const bool ok = done->exited_zero && fs::exists(dir / "evaluation.json");
      if (ok) {
        point.set_status(SweepPoint::DONE);
      } else {
        point.set_status(SweepPoint::FAILED);
        point.set_error(
            done->signal != 0
                ? absl::StrCat("worker killed by signal ", done->signal)
                : LastLine(dir / "log.txt"));
        ++failed;
        progress.Print(absl::StrFormat("FAILED %s: %s (log: %s)",
                                       Describe(point), point.error(),
                                       (dir / "log.txt").string()));
      }
      ++finished;
      finished_seconds += point.wall_seconds();
      results.set_wall_seconds(Since(start));
      written = WriteResults(results, plan->sweep_dir);
      if (!written.ok()) return written;
    } else if (!done.has_value()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    std::vector<std::string> names;
    for (const auto& [id, job] : running) {
      names.push_back(Describe(results.points(job.first)));
    }
    std::string eta = "?";
    if (finished > 0) {
      const double per_point = finished_seconds / finished;
      eta =
          FormatDuration(per_point * (to_run - finished) /
                         std::min(parallelism, std::max(1, to_run - finished)));
    }
    progress.Update(absl::StrFormat(
        "sweep %s: %d/%d done, %d running, %d failed, elapsed %s, ETA %s  [%s]",
        results.name(), total - to_run + finished, total,
        static_cast<int>(running.size()), failed, FormatDuration(Since(start)),
        eta, absl::StrJoin(names, "; ")));
  }
  if (interrupted != 0) {
    // Points still running stay PENDING: a rerun resumes them.
    const int signal = interrupted;
    const bool stop =
        backend->on_interrupt() == WorkerBackend::OnInterrupt::kStopWorkers;
    const int stopped = stop ? backend->StopAll() : 0;
    progress.Finish();
    results.set_wall_seconds(Since(start));
    written = WriteResults(results, plan->sweep_dir);
    if (!written.ok()) return written;
    return absl::CancelledError(absl::StrFormat(
        "interrupted by %s; %s %d running point(s); %d of %d points done; "
        "rerun the same command to continue",
        strsignal(signal), stop ? "stopped" : "left",
        stop ? stopped : static_cast<int>(running.size()),
        total - to_run + finished - failed, total));
  }
  progress.Finish();
  results.set_wall_seconds(Since(start));
  written = WriteResults(results, plan->sweep_dir);
  if (!written.ok()) return written;
  return results;
}

}  // namespace aanet::sweep
