#include "sweep/slurm_runner.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/progress.h"
#include "fileio/directory_lock.h"
#include "fileio/fnv1a.h"
#include "fileio/text_file.h"
#include "proto/text_config.h"
#include "status/status_macros.h"
#include "sweep/command.h"
#include "sweep/eta.h"
#include "sweep/interrupt.h"

namespace aanet::sweep {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr char kTaskRecord[] = "slurm_tasks.txt";

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string FirstLine(const std::string& text) {
  const std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? "(no message)" : line;
}

class CommandClient : public SlurmClient {
 public:
  absl::StatusOr<std::string> Submit(const std::string& script) override {
    AANET_ASSIGN_OR_RETURN(CommandResult result,
                           RunCommand({"sbatch", "--parsable", script}));
    if (result.exit_code != 0) {
      return absl::UnavailableError(
          absl::StrCat("sbatch ", script, ": ", FirstLine(result.err)));
    }
    return ParseSbatchJobId(result.out);
  }

  absl::StatusOr<std::map<std::string, QueuedTask>> Queue(
      const std::vector<std::string>& job_ids) override {
    std::map<std::string, QueuedTask> tasks;
    for (const std::string& job : job_ids) {
      AANET_ASSIGN_OR_RETURN(
          CommandResult result,
          RunCommand({"squeue", "-h", "-r", "-j", job, "-o", "%i|%T|%r|%S"}));
      if (result.exit_code != 0) {
        // A job the controller no longer knows has no live task.
        if (absl::StrContains(result.err, "Invalid job id")) continue;
        return absl::UnavailableError(
            absl::StrCat("squeue -j ", job, ": ", FirstLine(result.err)));
      }
      tasks.merge(ParseSqueue(result.out));
    }
    return tasks;
  }

  std::optional<TaskEnd> Ended(const std::string& task) override {
    absl::StatusOr<CommandResult> sacct =
        RunCommand({"sacct", "-n", "-P", "-X", "-j", task, "-o",
                    "JobID,State,ExitCode,Reason"});
    if (sacct.ok() && sacct->exit_code == 0) {
      if (std::optional<TaskEnd> end = ParseSacct(sacct->out, task)) {
        return end;
      }
    }
    absl::StatusOr<CommandResult> scontrol =
        RunCommand({"scontrol", "-o", "show", "job", task});
    if (scontrol.ok() && scontrol->exit_code == 0) {
      return ParseScontrolJob(scontrol->out);
    }
    return std::nullopt;
  }

  absl::Status Cancel(const std::vector<std::string>& tasks) override {
    if (tasks.empty()) return absl::OkStatus();
    std::vector<std::string> argv = {"scancel"};
    argv.insert(argv.end(), tasks.begin(), tasks.end());
    AANET_ASSIGN_OR_RETURN(CommandResult result, RunCommand(argv));
    if (result.exit_code != 0) {
      return absl::UnavailableError(
          absl::StrCat("scancel: ", FirstLine(result.err)));
    }
    return absl::OkStatus();
  }
};

// A point's Slurm history (slurm_tasks.txt): its latest task and whether
// that task's end has been recorded.
struct TaskRecord {
  std::string task;  // "1234_5"; empty: never submitted
  bool ended = false;
};

TaskRecord ReadTaskRecord(const std::string& point_directory) {
  TaskRecord record;
  std::ifstream in(fs::path(point_directory) / kTaskRecord);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> words = absl::StrSplit(line, ' ');
    if (words.size() < 2) continue;
    if (words[0] == "submitted") {
      record = {words[1], false};
    } else if (words[0] == "ended" && words[1] == record.task) {
      record.ended = true;
    }
  }
  return record;
}

absl::Status AppendTaskRecord(const std::string& point_directory,
                              const std::string& line) {
  // Not through a link planted in a shared sweep directory.
  return AppendToFile((fs::path(point_directory) / kTaskRecord).string(),
                      line + "\n");
}

std::string JobOf(const std::string& task) {
  return task.substr(0, task.find('_'));
}

std::string Now() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::Now(),
                          absl::LocalTimeZone());
}

// Copies the worker into <sweep>/slurm/bin/worker-<hash> (once per content)
// and records it in <sweep>/slurm/staged.txt. Returns the staged path.
absl::StatusOr<std::string> StageWorker(const std::string& executable,
                                        const fs::path& slurm_dir) {
  // The staged worker's identity (fileio/fnv1a.h).
  AANET_ASSIGN_OR_RETURN(const std::string hash, HashFile(executable));
  const fs::path staged = slurm_dir / "bin" / ("worker-" + hash);
  if (!fs::exists(staged)) {
    std::error_code ec;
    fs::create_directories(staged.parent_path(), ec);
    const fs::path temporary =
        staged.string() + ".tmp-" + std::to_string(getpid());
    // Removed first and then created anew (copy_file without overwrite
    // creates exclusively), so a link planted under this name is not
    // written through.
    fs::remove(temporary, ec);
    fs::copy_file(executable, temporary, ec);
    if (!ec) fs::rename(temporary, staged, ec);
    if (ec) {
      fs::remove(temporary);
      return absl::InternalError(absl::StrCat("cannot stage the worker into ",
                                              staged.string(), " (",
                                              ec.message(), ")"));
    }
    chmod(staged.c_str(), 0755);
    // Best effort, as before: the manifest is for people.
    AppendToFile((slurm_dir / "staged.txt").string(),
                 absl::StrCat(Now(), " ", staged.string(), " fnv1a64=", hash,
                              " from ", executable, "\n"))
        .IgnoreError();
  }
  return staged.string();
}

// Whether the filesystem under `dir` takes a new file (the output root the
// nodes must share).
absl::Status CheckWritable(const fs::path& dir) {
  const fs::path probe = dir / (".write-probe-" + std::to_string(getpid()));
  std::error_code ec;
  fs::create_directories(dir, ec);
  // Created exclusively: never through a link planted under the name.
  fs::remove(probe, ec);
  const int fd =
      open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
           0644);
  bool ok = false;
  if (fd >= 0) {
    ok = write(fd, "probe\n", 6) == 6;
    ok = close(fd) == 0 && ok;
  }
  fs::remove(probe, ec);
  if (!ok) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir.string(),
        ": cannot write there; the Slurm backend needs an output root that "
        "this machine and every node can write (--output_root)"));
  }
  return absl::OkStatus();
}

// What the backend knows of every point, as one object the steps share.
class SlurmSweep {
 public:
  SlurmSweep(const RunnerOptions& options, const SlurmRunOptions& slurm,
             SlurmClient& client, std::ostream& out)
      : options_(options), slurm_(slurm), client_(client), out_(out) {}

  // Plans, locks the sweep root, reads each point's task and asks squeue
  // which are still live, then prepares the points (prepare.h).
  absl::Status Prepare(const SweepConfigFile& config, ProgressLine& progress,
                       bool dry_run) {
    AANET_ASSIGN_OR_RETURN(
        SweepPlan plan,
        PlanSweep(config.config, options_.workspace, options_.output_root));
    AANET_RETURN_IF_ERROR(CheckWritable(plan.sweep_dir));
    AANET_ASSIGN_OR_RETURN(DirectoryLock lock,
                           DirectoryLock::Acquire(plan.sweep_dir));
    lock_.emplace(std::move(lock));
    records_.clear();
    std::set<std::string> jobs;
    for (const PlannedPoint& point : plan.points) {
      records_.push_back(ReadTaskRecord(point.directory));
      if (!records_.back().task.empty() && !records_.back().ended) {
        jobs.insert(JobOf(records_.back().task));
      }
    }
    if (!jobs.empty()) {
      AANET_ASSIGN_OR_RETURN(queue_, client_.Queue(std::vector<std::string>(
                                         jobs.begin(), jobs.end())));
    }
    AANET_ASSIGN_OR_RETURN(
        sweep_, PrepareSweep(
                    std::move(plan), config, /*parallelism=*/0,
                    [&](int i) { return IsLive(i); }, progress, dry_run));
    for (int i = 0; i < static_cast<int>(records_.size()); ++i) {
      SweepPoint& point = *sweep_.results.mutable_points(i);
      point.set_slurm_task(records_[i].task);
      if (IsLive(i)) {
        point.set_slurm_state(queue_.at(records_[i].task).state);
        tracked_.insert(i);
      }
    }
    return absl::OkStatus();
  }

  // Records how the tasks of points about to be resubmitted ended.
  absl::Status RecordEarlierEnds(bool dry_run) {
    for (int i : sweep_.to_run) {
      const TaskRecord& record = records_[i];
      if (record.task.empty() || record.ended) continue;
      const std::string why = EndReason(i);
      out_ << absl::StrFormat("%s: Slurm task %s ended without results: %s\n",
                              Describe(sweep_.results.points(i)), record.task,
                              why);
      if (!dry_run) {
        AANET_RETURN_IF_ERROR(
            AppendTaskRecord(sweep_.plan.points[i].directory,
                             absl::StrCat("ended ", record.task, " ", why)));
      }
    }
    return absl::OkStatus();
  }

  // The job-array script for the points to run.
  std::string Script(const std::string& worker) const {
    std::vector<std::string> dirs;
    for (int i : sweep_.to_run) dirs.push_back(sweep_.plan.points[i].directory);
    return JobArrayScript(slurm_.sbatch, "aanet-" + sweep_.results.name(),
                          worker, dirs, (SlurmDir() / "logs").string());
  }

  // Stages the worker, writes the script and submits it; records the tasks.
  absl::Status Submit(const std::string& executable) {
    AANET_ASSIGN_OR_RETURN(const std::string worker,
                           StageWorker(executable, SlurmDir()));
    std::error_code ec;
    fs::create_directories(SlurmDir() / "logs", ec);
    const std::string script_path =
        (SlurmDir() / absl::StrCat("array-", Now(), ".sh")).string();
    AANET_RETURN_IF_ERROR(WriteTextFileAtomically(script_path, Script(worker)));
    AANET_ASSIGN_OR_RETURN(const std::string job, client_.Submit(script_path));
    const std::string when = Now();
    for (size_t k = 0; k < sweep_.to_run.size(); ++k) {
      const int i = sweep_.to_run[k];
      const std::string task = absl::StrCat(job, "_", k);
      records_[i] = {task, false};
      SweepPoint& point = *sweep_.results.mutable_points(i);
      point.set_slurm_task(task);
      point.set_slurm_state("PENDING");
      point.clear_error();
      point.set_status(SweepPoint::PENDING);
      tracked_.insert(i);
      AANET_RETURN_IF_ERROR(AppendTaskRecord(
          sweep_.plan.points[i].directory,
          absl::StrCat("submitted ", task, " ", when, " ", worker)));
    }
    out_ << absl::StrFormat(
        "submitted Slurm job %s: %d task(s), script %s, Slurm logs in %s\n",
        job, static_cast<int>(sweep_.to_run.size()), script_path,
        (SlurmDir() / "logs").string());
    out_.flush();  // the job id, before the wait starts
    return WriteResults(sweep_.results, sweep_.plan.sweep_dir);
  }

  // Polls squeue until every tracked point finished or a signal arrives.
  absl::Status Wait(ProgressLine& progress) {
    const Clock::time_point start = Clock::now();
    bool warned = false;
    while (!tracked_.empty() && !Interrupted()) {
      absl::StatusOr<std::map<std::string, QueuedTask>> queue =
          client_.Queue(TrackedJobs());
      if (!queue.ok()) {
        // The controller may be busy; judge nothing this round.
        if (!warned) progress.Print(std::string(queue.status().message()));
        warned = true;
      } else {
        queue_ = *std::move(queue);
        bool changed = false;
        for (auto it = tracked_.begin(); it != tracked_.end();) {
          const bool ended = Update(*it, progress);
          changed |= ended;
          it = ended ? tracked_.erase(it) : std::next(it);
        }
        if (changed) {
          AANET_RETURN_IF_ERROR(
              WriteResults(sweep_.results, sweep_.plan.sweep_dir));
        }
      }
      progress.Update(
          ProgressText(sweep_.results.name(), Counts(), Since(start)));
      if (tracked_.empty()) break;
      const auto until =
          Clock::now() + std::chrono::milliseconds(
                             static_cast<int64_t>(slurm_.poll_seconds * 1000));
      while (Clock::now() < until && !Interrupted()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    progress.Finish();
    return WriteResults(sweep_.results, sweep_.plan.sweep_dir);
  }

  // Cancels the live tasks; their points become FAILED.
  absl::Status Cancel() {
    std::vector<std::string> tasks;
    for (int i : tracked_) tasks.push_back(records_[i].task);
    AANET_RETURN_IF_ERROR(client_.Cancel(tasks));
    for (int i : tracked_) {
      SweepPoint& point = *sweep_.results.mutable_points(i);
      point.set_status(SweepPoint::FAILED);
      point.set_error(absl::StrCat("cancelled by --cancel (Slurm task ",
                                   records_[i].task, ")"));
      point.set_slurm_state("");
      AANET_RETURN_IF_ERROR(
          AppendTaskRecord(sweep_.plan.points[i].directory,
                           absl::StrCat("ended ", records_[i].task,
                                        " CANCELLED cancelled by --cancel")));
    }
    out_ << absl::StrFormat(
        "cancelled %d Slurm task(s)%s\n", static_cast<int>(tasks.size()),
        tasks.empty() ? "" : absl::StrCat(": ", absl::StrJoin(tasks, " ")));
    tracked_.clear();
    return WriteResults(sweep_.results, sweep_.plan.sweep_dir);
  }

  // The message for an interrupted wait.
  std::string LeftRunning() const {
    return absl::StrFormat(
        "interrupted; Slurm job(s) %s keep running (%d point(s) pending or "
        "running); rerun the same command to pick up their results, or add "
        "--cancel to cancel them",
        absl::StrJoin(TrackedJobs(), ", "), static_cast<int>(tracked_.size()));
  }

  PreparedSweep& sweep() { return sweep_; }
  int num_tracked() const { return static_cast<int>(tracked_.size()); }
  std::vector<std::string> TrackedJobs() const {
    std::set<std::string> jobs;
    for (int i : tracked_) jobs.insert(JobOf(records_[i].task));
    return std::vector<std::string>(jobs.begin(), jobs.end());
  }

 private:
  fs::path SlurmDir() const {
    return fs::path(sweep_.plan.sweep_dir) / "slurm";
  }

  bool IsLive(int i) const {
    const TaskRecord& record = records_[i];
    if (record.task.empty() || record.ended) return false;
    const auto it = queue_.find(record.task);
    return it != queue_.end() && sweep::IsLive(it->second.state);
  }

  // Why point i's task ended without results: "<STATE> <reason>".
  std::string EndReason(int i) {
    const std::string& task = records_[i].task;
    std::optional<TaskEnd> end = client_.Ended(task);
    // Slurm creates a task's output file when the task starts.
    absl::StatusOr<std::string> log =
        ReadFileToString((SlurmDir() / "logs" / (task + ".out")).string());
    if ((!end.has_value() || !KillReason(*end).has_value()) && log.ok()) {
      if (std::optional<TaskEnd> stepd = ParseSlurmstepd(*log)) end = stepd;
    }
    if (end.has_value()) {
      if (std::optional<std::string> killed = KillReason(*end)) {
        return absl::StrCat(end->state, " ", *killed);
      }
    } else if (!log.ok()) {
      return "UNKNOWN left the queue before it started, and Slurm kept no "
             "record of why (cancelled while pending? a cluster without "
             "accounting forgets such tasks)";
    }
    return absl::StrCat(end.has_value() ? end->state : "ENDED", " ",
                        WorkerError(sweep_.plan.points[i].directory));
  }

  // Updates tracked point i from the queue; true once it finished.
  bool Update(int i, ProgressLine& progress) {
    SweepPoint& point = *sweep_.results.mutable_points(i);
    const auto it = queue_.find(records_[i].task);
    if (it != queue_.end() && sweep::IsLive(it->second.state)) {
      point.set_slurm_state(it->second.state);
      if (it->second.state == "RUNNING" && started_.count(i) == 0) {
        absl::Time start;
        std::string error;
        started_[i] = absl::ParseTime("%Y-%m-%dT%H:%M:%S", it->second.start,
                                      absl::LocalTimeZone(), &start, &error)
                          ? start
                          : absl::Now();
        // A resumed point starts past 0: the ETA counts this run's progress.
        start_progress_[i] =
            TrainingProgress(sweep_.plan.points[i].directory,
                             sweep_.results.points(i).num_steps());
      }
      return false;
    }
    point.set_slurm_state("");
    const bool seen_running = started_.count(i) > 0;
    if (seen_running) {
      point.set_wall_seconds(absl::ToDoubleSeconds(absl::Now() - started_[i]));
    }
    const std::string& dir = sweep_.plan.points[i].directory;
    if (fs::exists(fs::path(dir) / "evaluation.json")) {
      point.set_status(SweepPoint::DONE);
      if (seen_running) {
        completed_seconds_[point.model()].push_back(point.wall_seconds());
      }
      return true;
    }
    const std::string why = EndReason(i);
    point.set_status(SweepPoint::FAILED);
    point.set_error(absl::StrCat("Slurm task ", records_[i].task, ": ",
                                 why.substr(why.find(' ') + 1)));
    records_[i].ended = true;
    AppendTaskRecord(dir, absl::StrCat("ended ", records_[i].task, " ", why))
        .IgnoreError();  // the results file records it too
    progress.Print(absl::StrFormat("FAILED %s: %s (log: %s/log.txt)",
                                   Describe(point), point.error(), dir));
    return true;
  }

  SweepCounts Counts() const {
    SweepCounts counts;
    counts.total = sweep_.results.points_size();
    for (int i = 0; i < sweep_.results.points_size(); ++i) {
      const SweepPoint& point = sweep_.results.points(i);
      if (point.status() == SweepPoint::DONE ||
          point.status() == SweepPoint::SKIPPED) {
        ++counts.done;
      } else if (point.status() == SweepPoint::FAILED) {
        ++counts.failed;
      } else if (point.slurm_state() == "RUNNING") {
        ++counts.running;
        const auto started = started_.find(i);
        const auto start_progress = start_progress_.find(i);
        counts.eta.running.push_back(
            {point.model(),
             started == started_.end()
                 ? 0.0
                 : absl::ToDoubleSeconds(absl::Now() - started->second),
             start_progress == start_progress_.end() ? 0.0
                                                     : start_progress->second,
             TrainingProgress(sweep_.plan.points[i].directory,
                              point.num_steps())});
      } else {
        ++counts.pending;
        counts.eta.pending.push_back(point.model());
      }
    }
    counts.eta.completed_seconds = completed_seconds_;
    // As many at once as run now: the cluster's share is not known.
    counts.eta.parallel = std::max(1, counts.running);
    return counts;
  }

  const RunnerOptions& options_;
  const SlurmRunOptions& slurm_;
  SlurmClient& client_;
  std::ostream& out_;
  std::optional<DirectoryLock> lock_;
  PreparedSweep sweep_;
  std::vector<TaskRecord> records_;  // by point index
  std::map<std::string, QueuedTask> queue_;
  std::set<int> tracked_;  // points with a live task
  std::map<int, absl::Time> started_;
  // Per model, the wall seconds of the points seen running that ended with
  // results (for the ETA), and the training progress of each point when it
  // was first seen running.
  std::map<std::string, std::vector<double>> completed_seconds_;
  std::map<int, double> start_progress_;
};

}  // namespace

std::unique_ptr<SlurmClient> MakeSlurmCommandClient() {
  return std::make_unique<CommandClient>();
}

namespace {

// slurm.client, or a command client kept alive by `own`.
SlurmClient& ClientOf(const SlurmRunOptions& slurm,
                      std::unique_ptr<SlurmClient>& own) {
  if (slurm.client != nullptr) return *slurm.client;
  own = MakeSlurmCommandClient();
  return *own;
}

}  // namespace

int NumUnfinished(const SweepResults& results) {
  return static_cast<int>(std::count_if(
      results.points().begin(), results.points().end(),
      [](const SweepPoint& p) { return p.status() == SweepPoint::PENDING; }));
}

absl::StatusOr<SweepResults> RunSweepOnSlurm(const SweepConfigFile& config,
                                             const RunnerOptions& options,
                                             const SlurmRunOptions& slurm) {
  std::unique_ptr<SlurmClient> own_client;
  SlurmClient& client = ClientOf(slurm, own_client);
  std::ostream& out = slurm.out != nullptr ? *slurm.out : std::cout;
  AANET_RETURN_IF_ERROR(SplitExtraOptions(slurm.sbatch.extra).status());
  std::string executable = options.worker_executable;
  if (executable.empty()) executable = fs::read_symlink("/proc/self/exe");

  // Caught from the start: an interrupt before submitting submits nothing.
  InterruptHandlers handlers;
  ProgressLine progress(stderr, 30.0);
  SlurmSweep sweep(options, slurm, client, out);
  AANET_RETURN_IF_ERROR(sweep.Prepare(config, progress, slurm.dry_run));
  AANET_RETURN_IF_ERROR(sweep.RecordEarlierEnds(slurm.dry_run));
  const PreparedSweep& prepared = sweep.sweep();
  const int total = prepared.results.points_size();
  const int to_run = static_cast<int>(prepared.to_run.size());
  out << absl::StrFormat(
      "sweep %s on Slurm: %d points: %d finished, %d with a live task, %d to "
      "submit\n",
      prepared.results.name(), total, total - to_run - sweep.num_tracked(),
      sweep.num_tracked(), to_run);
  if (to_run > 0 && slurm.plan) {
    AANET_ASSIGN_OR_RETURN(const std::string plan, slurm.plan(prepared));
    out << plan << std::flush;
  }
  if (slurm.dry_run) {
    if (to_run > 0) {
      out << "--dry_run: the job array that would be submitted "
             "(nothing submitted):\n"
          << sweep.Script("<sweep dir>/slurm/bin/worker-<hash>");
    }
    return prepared.results;
  }
  if (to_run > 0) {
    if (Interrupted()) {
      return absl::CancelledError(
          absl::StrCat("interrupted by ", strsignal(InterruptSignal()),
                       " before submitting; nothing submitted"));
    }
    AANET_RETURN_IF_ERROR(sweep.Submit(executable));
  }
  if (!slurm.wait) {
    if (sweep.num_tracked() > 0) {
      out << absl::StrFormat(
          "--no_wait: %d point(s) queued or running in Slurm job(s) %s; rerun "
          "the same command to pick up their results, or add --cancel to "
          "cancel them\n",
          sweep.num_tracked(), absl::StrJoin(sweep.TrackedJobs(), ", "));
    }
    return prepared.results;
  }
  const auto start = std::chrono::steady_clock::now();
  AANET_RETURN_IF_ERROR(sweep.Wait(progress));
  sweep.sweep().results.set_wall_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count());
  AANET_RETURN_IF_ERROR(
      WriteResults(sweep.sweep().results, sweep.sweep().plan.sweep_dir));
  if (Interrupted()) return absl::CancelledError(sweep.LeftRunning());
  return sweep.sweep().results;
}

absl::StatusOr<SweepResults> CancelSweepOnSlurm(const SweepConfigFile& config,
                                                const RunnerOptions& options,
                                                const SlurmRunOptions& slurm) {
  std::unique_ptr<SlurmClient> own_client;
  SlurmClient& client = ClientOf(slurm, own_client);
  std::ostream& out = slurm.out != nullptr ? *slurm.out : std::cout;
  ProgressLine progress(stderr, 30.0);
  SlurmSweep sweep(options, slurm, client, out);
  // A dry preparation: cancelling changes no point directory but the record.
  AANET_RETURN_IF_ERROR(sweep.Prepare(config, progress, /*dry_run=*/true));
  AANET_RETURN_IF_ERROR(sweep.Cancel());
  return sweep.sweep().results;
}

}  // namespace aanet::sweep
