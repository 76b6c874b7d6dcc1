#include "sweep/runner.h"

#include <signal.h>
#include <string.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/progress.h"
#include "fileio/directory_lock.h"
#include "status/status_macros.h"
#include "sweep/eta.h"
#include "sweep/interrupt.h"
#include "sweep/prepare.h"

namespace aanet::sweep {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The local worker pool: starts the prepared points on `backend`, at most
// `parallelism` at a time, and records each one's outcome as it finishes.
class WorkerPool {
 public:
  WorkerPool(PreparedSweep& sweep, WorkerBackend& backend,
             std::string executable, int parallelism, ProgressLine& progress)
      : sweep_(sweep),
        backend_(backend),
        executable_(std::move(executable)),
        parallelism_(parallelism),
        progress_(progress) {}

  // Runs until every point finished or the sweep is interrupted.
  absl::Status Run(Clock::time_point start) {
    SweepResults& results = sweep_.results;
    const int total = results.points_size();
    const int to_run = static_cast<int>(sweep_.to_run.size());
    progress_.Print(absl::StrFormat(
        "sweep %s: %d points, %d to run (%d already done), %d in parallel",
        results.name(), total, to_run, total - to_run, parallelism_));
    while ((next_ < sweep_.to_run.size() || !running_.empty()) &&
           !Interrupted()) {
      AANET_RETURN_IF_ERROR(StartWorkers());
      const std::optional<WorkerBackend::Finished> done = backend_.Poll();
      // A worker stopped by the same Ctrl-C as the sweep has not failed.
      if (Interrupted()) break;
      if (done.has_value() && running_.count(done->id) > 0) {
        Record(*done);
        results.set_wall_seconds(Since(start));
        AANET_RETURN_IF_ERROR(WriteResults(results, sweep_.plan.sweep_dir));
      } else if (!done.has_value()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      ShowProgress(start);
    }
    return absl::OkStatus();
  }

  int running() const { return static_cast<int>(running_.size()); }
  int failed() const { return counts_.failed; }
  int finished() const { return counts_.finished_this_run; }

 private:
  absl::Status StartWorkers() {
    while (next_ < sweep_.to_run.size() &&
           static_cast<int>(running_.size()) < parallelism_) {
      const int index = sweep_.to_run[next_++];
      AANET_ASSIGN_OR_RETURN(
          const int64_t id,
          backend_.Start(executable_, sweep_.plan.points[index].directory));
      running_[id] = {index, Clock::now()};
      // A resumed point starts past 0: the ETA counts this run's progress.
      start_progress_[id] =
          TrainingProgress(sweep_.plan.points[index].directory,
                           sweep_.results.points(index).num_steps());
    }
    return absl::OkStatus();
  }

  // Marks the point of a finished worker DONE or FAILED.
  void Record(const WorkerBackend::Finished& done) {
    const auto [index, started] = running_[done.id];
    running_.erase(done.id);
    start_progress_.erase(done.id);
    SweepPoint& point = *sweep_.results.mutable_points(index);
    const std::string& dir = sweep_.plan.points[index].directory;
    point.set_wall_seconds(Since(started));
    if (done.exited_zero && fs::exists(fs::path(dir) / "evaluation.json")) {
      point.set_status(SweepPoint::DONE);
      // Only points with results time a point (a failure takes a second for
      // a bad config, hours for a killed task).
      counts_.eta.completed_seconds[point.model()].push_back(
          point.wall_seconds());
    } else {
      point.set_status(SweepPoint::FAILED);
      point.set_error(
          done.signal != 0
              ? absl::StrCat("worker killed by signal ", done.signal)
              : WorkerError(dir));
      ++counts_.failed;
      progress_.Print(absl::StrFormat("FAILED %s: %s (log: %s/log.txt)",
                                      Describe(point), point.error(), dir));
    }
    ++counts_.finished_this_run;
  }

  void ShowProgress(Clock::time_point start) {
    const int total = sweep_.results.points_size();
    const int to_run = static_cast<int>(sweep_.to_run.size());
    counts_.total = total;
    counts_.done = total - to_run + counts_.finished_this_run - counts_.failed;
    counts_.running = static_cast<int>(running_.size());
    counts_.pending = to_run - static_cast<int>(next_);
    counts_.eta.parallel = parallelism_;
    counts_.eta.running.clear();
    counts_.eta.pending.clear();
    std::vector<std::string> names;
    for (const auto& [id, job] : running_) {
      const SweepPoint& point = sweep_.results.points(job.first);
      names.push_back(Describe(point));
      counts_.eta.running.push_back(
          {point.model(), Since(job.second), start_progress_[id],
           TrainingProgress(sweep_.plan.points[job.first].directory,
                            point.num_steps())});
    }
    for (size_t k = next_; k < sweep_.to_run.size(); ++k) {
      counts_.eta.pending.push_back(
          sweep_.results.points(sweep_.to_run[k]).model());
    }
    progress_.Update(
        absl::StrCat(ProgressText(sweep_.results.name(), counts_, Since(start)),
                     "  [", absl::StrJoin(names, "; "), "]"));
  }

  PreparedSweep& sweep_;
  WorkerBackend& backend_;
  const std::string executable_;
  const int parallelism_;
  ProgressLine& progress_;
  size_t next_ = 0;  // into sweep_.to_run
  std::map<int64_t, std::pair<int, Clock::time_point>> running_;
  std::map<int64_t, double> start_progress_;  // TrainingProgress at start
  SweepCounts counts_;
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
  AANET_ASSIGN_OR_RETURN(
      SweepPlan plan,
      PlanSweep(config.config, options.workspace, options.output_root));
  const int parallelism =
      options.parallelism > 0
          ? options.parallelism
          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::string executable = options.worker_executable;
  if (executable.empty()) executable = fs::read_symlink("/proc/self/exe");
  // One sweep at a time per sweep root, for this process's life.
  AANET_ASSIGN_OR_RETURN(DirectoryLock lock,
                         DirectoryLock::Acquire(plan.sweep_dir));
  std::unique_ptr<WorkerBackend> local;
  WorkerBackend* backend = options.backend;
  if (backend == nullptr) {
    local = MakeLocalBackend();
    backend = local.get();
  }
  InterruptHandlers handlers;
  ProgressLine progress(stderr, 30.0);
  AANET_ASSIGN_OR_RETURN(
      PreparedSweep sweep,
      PrepareSweep(std::move(plan), config, parallelism, {}, progress));

  WorkerPool pool(sweep, *backend, executable, parallelism, progress);
  AANET_RETURN_IF_ERROR(pool.Run(start));
  SweepResults& results = sweep.results;
  if (Interrupted()) {
    // Points still running stay PENDING: a rerun resumes them.
    const int signal = InterruptSignal();
    const bool stop =
        backend->on_interrupt() == WorkerBackend::OnInterrupt::kStopWorkers;
    const int left_running = pool.running();
    const int stopped = stop ? backend->StopAll() : 0;
    progress.Finish();
    results.set_wall_seconds(Since(start));
    AANET_RETURN_IF_ERROR(WriteResults(results, sweep.plan.sweep_dir));
    const int total = results.points_size();
    const int to_run = static_cast<int>(sweep.to_run.size());
    return absl::CancelledError(absl::StrFormat(
        "interrupted by %s; %s %d running point(s); %d of %d points done; "
        "rerun the same command to continue",
        strsignal(signal), stop ? "stopped" : "left",
        stop ? stopped : left_running,
        total - to_run + pool.finished() - pool.failed(), total));
  }
  progress.Finish();
  results.set_wall_seconds(Since(start));
  AANET_RETURN_IF_ERROR(WriteResults(results, sweep.plan.sweep_dir));
  return results;
}

}  // namespace aanet::sweep
