#include "sweep/runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/progress.h"
#include "data_gen/dataset.h"
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

// Starts `executable --sweep_point=DIR` with stdout and stderr appended to
// DIR/log.txt. Returns the pid, or -1.
pid_t StartWorker(const std::string& executable, const std::string& dir) {
  const std::string log = (fs::path(dir) / "log.txt").string();
  const std::string flag = "--sweep_point=" + dir;
  const pid_t pid = fork();
  if (pid != 0) return pid;
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  char* const argv[] = {const_cast<char*>(executable.c_str()),
                        const_cast<char*>(flag.c_str()), nullptr};
  execv(executable.c_str(), argv);
  _exit(127);
}

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
  std::map<pid_t, std::pair<int, Clock::time_point>> running;
  size_t next = 0;
  progress.Print(absl::StrFormat(
      "sweep %s: %d points, %d to run (%d already done), %d in parallel",
      results.name(), total, to_run, total - to_run, parallelism));
  while (next < queue.size() || !running.empty()) {
    while (next < queue.size() &&
           static_cast<int>(running.size()) < parallelism) {
      const int index = queue[next++];
      const pid_t pid = StartWorker(executable, plan->points[index].directory);
      if (pid < 0) return absl::InternalError("cannot start a worker (fork)");
      running[pid] = {index, Clock::now()};
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0 && running.count(pid) > 0) {
      const auto [index, started] = running[pid];
      running.erase(pid);
      SweepPoint& point = *results.mutable_points(index);
      const fs::path dir(plan->points[index].directory);
      point.set_wall_seconds(Since(started));
      const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                      fs::exists(dir / "evaluation.json");
      if (ok) {
        point.set_status(SweepPoint::DONE);
      } else {
        point.set_status(SweepPoint::FAILED);
        point.set_error(
            WIFSIGNALED(status)
                ? absl::StrCat("worker killed by signal ", WTERMSIG(status))
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
    } else if (pid <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    std::vector<std::string> names;
    for (const auto& [p, job] : running) {
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
  progress.Finish();
  results.set_wall_seconds(Since(start));
  written = WriteResults(results, plan->sweep_dir);
  if (!written.ok()) return written;
  return results;
}

}  // namespace aanet::sweep
