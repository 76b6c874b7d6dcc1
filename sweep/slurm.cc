#include "sweep/slurm.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace aanet::sweep {
namespace {

// A word for bash, in single quotes.
std::string Quoted(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// "5-9,12%2" (the inside of a folded task range) into task numbers.
std::vector<int> ExpandTaskRange(absl::string_view range) {
  std::vector<int> tasks;
  range = range.substr(0, range.find('%'));  // "%2": a concurrency limit
  for (absl::string_view part : absl::StrSplit(range, ',')) {
    std::vector<absl::string_view> ends = absl::StrSplit(part, '-');
    int first = 0, last = 0;
    if (ends.size() == 1 && absl::SimpleAtoi(ends[0], &first)) {
      tasks.push_back(first);
    } else if (ends.size() == 2 && absl::SimpleAtoi(ends[0], &first) &&
               absl::SimpleAtoi(ends[1], &last) && first <= last &&
               last - first < 1000000) {
      for (int t = first; t <= last; ++t) tasks.push_back(t);
    }
  }
  return tasks;
}

// The value of "Key=value" in scontrol's one-line output.
std::optional<std::string> ScontrolField(const std::string& out,
                                         const std::string& key) {
  for (absl::string_view word :
       absl::StrSplit(out, absl::ByAnyChar(" \n"), absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&word, key + "=")) return std::string(word);
  }
  return std::nullopt;
}

}  // namespace

std::string JobArrayScript(const SlurmOptions& options,
                           const std::string& job_name,
                           const std::string& worker,
                           const std::vector<std::string>& point_directories,
                           const std::string& log_dir) {
  std::string s = "#!/bin/bash\n";
  absl::StrAppend(&s, "#SBATCH --job-name=", job_name, "\n");
  absl::StrAppend(&s, "#SBATCH --array=0-",
                  static_cast<int>(point_directories.size()) - 1, "\n");
  absl::StrAppend(&s, "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n");
  absl::StrAppend(&s, "#SBATCH --output=", log_dir, "/%A_%a.out\n");
  if (!options.partition.empty()) {
    absl::StrAppend(&s, "#SBATCH --partition=", options.partition, "\n");
  }
  if (!options.time.empty()) {
    absl::StrAppend(&s, "#SBATCH --time=", options.time, "\n");
  }
  if (!options.mem.empty()) {
    absl::StrAppend(&s, "#SBATCH --mem=", options.mem, "\n");
  }
  absl::StatusOr<std::vector<std::string>> extra =
      SplitExtraOptions(options.extra);
  if (extra.ok()) {
    for (const std::string& word : *extra) {
      absl::StrAppend(&s, "#SBATCH ", word, "\n");
    }
  }
  absl::StrAppend(
      &s,
      "# Written by the sweep's Slurm backend: task i trains and evaluates\n"
      "# point i with the staged worker, on one core.\n"
      "set -u\n"
      "export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1\n"
      "points=(\n");
  for (const std::string& dir : point_directories) {
    absl::StrAppend(&s, "  ", Quoted(dir), "\n");
  }
  absl::StrAppend(&s, ")\n", "dir=${points[$SLURM_ARRAY_TASK_ID]}\n", "exec ",
                  Quoted(worker),
                  " --sweep_point=\"$dir\" >> \"$dir/log.txt\" 2>&1\n");
  return s;
}

absl::StatusOr<std::vector<std::string>> SplitExtraOptions(
    const std::string& extra) {
  std::vector<std::string> words =
      absl::StrSplit(extra, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
  for (const std::string& word : words) {
    if (!absl::StartsWith(word, "--")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--slurm_extra: '", word,
          "' is not an sbatch option (expected words like --account=x)"));
    }
  }
  return words;
}

absl::StatusOr<std::string> ParseSbatchJobId(const std::string& out) {
  absl::string_view id = absl::StripAsciiWhitespace(out);
  // The last line: sbatch may print warnings before it.
  if (const size_t newline = id.rfind('\n'); newline != id.npos) {
    id = id.substr(newline + 1);
  }
  id = id.substr(0, id.find(';'));
  int64_t number = 0;
  if (id.empty() || !absl::SimpleAtoi(id, &number)) {
    return absl::InternalError(absl::StrCat("sbatch printed '",
                                            absl::StripAsciiWhitespace(out),
                                            "', expected a job id"));
  }
  return std::string(id);
}

std::map<std::string, QueuedTask> ParseSqueue(const std::string& out) {
  std::map<std::string, QueuedTask> tasks;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    std::vector<std::string> fields = absl::StrSplit(line, '|');
    if (fields.size() < 3) continue;
    QueuedTask task{std::string(absl::StripAsciiWhitespace(fields[1])),
                    std::string(absl::StripAsciiWhitespace(fields[2])), ""};
    if (fields.size() >= 4 && fields[3] != "N/A") task.start = fields[3];
    const std::string id(absl::StripAsciiWhitespace(fields[0]));
    const size_t underscore = id.find('_');
    if (underscore == std::string::npos) continue;  // not an array task
    const std::string job = id.substr(0, underscore);
    absl::string_view tail = absl::string_view(id).substr(underscore + 1);
    if (absl::ConsumePrefix(&tail, "[") && absl::ConsumeSuffix(&tail, "]")) {
      for (int t : ExpandTaskRange(tail)) {
        tasks[absl::StrCat(job, "_", t)] = task;
      }
    } else {
      int t = 0;
      if (absl::SimpleAtoi(tail, &t)) tasks[absl::StrCat(job, "_", t)] = task;
    }
  }
  return tasks;
}

std::optional<TaskEnd> ParseSacct(const std::string& out,
                                  const std::string& task) {
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    std::vector<std::string> fields = absl::StrSplit(line, '|');
    if (fields.size() < 2 || fields[0] != task) continue;
    TaskEnd end;
    // "CANCELLED by 1000"
    end.state = std::string(
        absl::StripAsciiWhitespace(fields[1].substr(0, fields[1].find(' '))));
    if (fields.size() >= 3) end.detail = absl::StrCat("ExitCode=", fields[2]);
    if (fields.size() >= 4 && fields[3] != "None") {
      absl::StrAppend(&end.detail, " Reason=", fields[3]);
    }
    return end;
  }
  return std::nullopt;
}

std::optional<TaskEnd> ParseScontrolJob(const std::string& out) {
  std::optional<std::string> state = ScontrolField(out, "JobState");
  if (!state.has_value()) return std::nullopt;
  TaskEnd end;
  end.state = *state;
  std::vector<std::string> detail;
  if (std::optional<std::string> reason = ScontrolField(out, "Reason");
      reason.has_value() && *reason != "None") {
    detail.push_back(absl::StrCat("Reason=", *reason));
  }
  if (std::optional<std::string> code = ScontrolField(out, "ExitCode")) {
    detail.push_back(absl::StrCat("ExitCode=", *code));
  }
  end.detail = absl::StrJoin(detail, " ");
  return end;
}

std::optional<TaskEnd> ParseSlurmstepd(const std::string& log) {
  std::optional<TaskEnd> found;
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    if (!absl::StrContains(line, "slurmstepd")) continue;
    if (absl::StrContains(line, "oom-kill event") ||
        absl::StrContains(line, "oom_kill event") ||
        absl::StrContains(line, "OOM Killed")) {
      return TaskEnd{"OUT_OF_MEMORY", std::string(line)};
    }
    if (!absl::StrContains(line, "CANCELLED AT")) continue;
    TaskEnd end{"CANCELLED", std::string(absl::StripAsciiWhitespace(line))};
    if (absl::StrContains(line, "DUE TO TIME LIMIT")) {
      end.state = "TIMEOUT";
    } else if (absl::StrContains(line, "DUE TO NODE FAILURE")) {
      end.state = "NODE_FAIL";
    } else if (absl::StrContains(line, "DUE TO PREEMPTION")) {
      end.state = "PREEMPTED";
    }
    found = end;
  }
  return found;
}

std::optional<std::string> KillReason(const TaskEnd& end) {
  static const std::map<std::string, std::string>* const kReasons =
      new std::map<std::string, std::string>{
          {"TIMEOUT", "time limit"},        {"OUT_OF_MEMORY", "out of memory"},
          {"NODE_FAIL", "node failure"},    {"CANCELLED", "cancelled"},
          {"PREEMPTED", "preempted"},       {"BOOT_FAIL", "node boot failure"},
          {"DEADLINE", "deadline reached"},
      };
  const auto it = kReasons->find(end.state);
  if (it == kReasons->end()) return std::nullopt;
  return absl::StrCat(it->second, " (Slurm ", end.state, ")");
}

bool IsLive(const std::string& squeue_state) {
  // squeue lists finished tasks briefly too (COMPLETED, FAILED, ...).
  static const char* const kLive[] = {
      "PENDING",       "RUNNING",     "CONFIGURING", "COMPLETING", "REQUEUED",
      "REQUEUE_HOLD",  "RESIZING",    "SUSPENDED",   "STAGE_OUT",  "SIGNALING",
      "RESV_DEL_HOLD", "REQUEUE_FED", "STOPPED"};
  for (const char* live : kLive) {
    if (squeue_state == live) return true;
  }
  return false;
}

}  // namespace aanet::sweep
