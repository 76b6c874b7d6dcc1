#include "sweep/eta.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <queue>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "cli/progress.h"

namespace aanet::sweep {
namespace {

double Mean(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / values.size();
}

// Progress a running point gained in this run; 0 if none yet.
double Gained(const RunningPoint& p) {
  return std::max(0.0, p.progress - p.start_progress);
}

// T_m of every model that has one (eta.h).
std::map<std::string, double> PointSeconds(const EtaInputs& inputs) {
  std::map<std::string, double> seconds;
  for (const auto& [model, completed] : inputs.completed_seconds) {
    if (!completed.empty()) seconds[model] = Mean(completed);
  }
  std::map<std::string, std::vector<double>> projected;
  for (const RunningPoint& p : inputs.running) {
    if (seconds.count(p.model) == 0 && Gained(p) > 0) {
      projected[p.model].push_back(p.elapsed_seconds / Gained(p));
    }
  }
  for (const auto& [model, values] : projected) seconds[model] = Mean(values);
  return seconds;
}

}  // namespace

std::optional<Eta> EstimateEta(const EtaInputs& inputs) {
  const std::map<std::string, double> point_seconds = PointSeconds(inputs);
  auto known = [&](const std::string& model) -> std::optional<double> {
    auto it = point_seconds.find(model);
    if (it == point_seconds.end()) return std::nullopt;
    return it->second;
  };
  Eta eta;
  bool any_known = false;
  // When each worker becomes free, earliest first.
  std::priority_queue<double, std::vector<double>, std::greater<double>> free;
  for (const RunningPoint& p : inputs.running) {
    std::optional<double> left;
    const std::optional<double> t = known(p.model);
    // A resumed point had only the rest of its work to do in this run.
    if (t.has_value()) {
      left = std::max(0.0, *t * (1 - p.start_progress) - p.elapsed_seconds);
    }
    if (Gained(p) > 0) {
      const double own =
          p.elapsed_seconds * std::max(0.0, 1 - p.progress) / Gained(p);
      left = std::max(left.value_or(0.0), own);
    }
    any_known |= left.has_value();
    eta.lower_bound |= !left.has_value();
    free.push(left.value_or(0.0));
  }
  while (static_cast<int>(free.size()) < std::max(1, inputs.parallel)) {
    free.push(0.0);
  }
  for (const std::string& model : inputs.pending) {
    const std::optional<double> t = known(model);
    any_known |= t.has_value();
    eta.lower_bound |= !t.has_value();
    const double start = free.top();
    free.pop();
    free.push(start + t.value_or(0.0));
  }
  if (!any_known && !(inputs.running.empty() && inputs.pending.empty())) {
    return std::nullopt;
  }
  while (!free.empty()) {
    eta.seconds = std::max(eta.seconds, free.top());
    free.pop();
  }
  return eta;
}

std::string FormatEta(const std::optional<Eta>& eta) {
  if (!eta.has_value()) return "?";
  return absl::StrCat(eta->lower_bound ? ">" : "",
                      FormatDuration(eta->seconds));
}

double TrainingProgress(const std::string& point_directory, int64_t num_steps) {
  if (num_steps <= 0) return 0;
  std::ifstream in(std::filesystem::path(point_directory) / "metrics.jsonl",
                   std::ios::binary | std::ios::ate);
  if (!in) return 0;
  const std::streamoff size = in.tellg();
  const std::streamoff tail = std::min<std::streamoff>(size, 4096);
  std::string text(static_cast<size_t>(tail), '\0');
  in.seekg(size - tail);
  if (!in.read(text.data(), tail)) return 0;
  // The last whole evaluation line (the trainer writes `{"step": N, ...}`);
  // a line still being written, or cut by the tail, does not count.
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    const absl::string_view line = absl::StripAsciiWhitespace(*it);
    constexpr absl::string_view kPrefix = "{\"step\": ";
    if (!absl::StartsWith(line, kPrefix) || !absl::EndsWith(line, "}")) {
      continue;
    }
    absl::string_view rest = line.substr(kPrefix.size());
    rest = rest.substr(0, rest.find(','));
    int64_t step = 0;
    if (!absl::SimpleAtoi(rest, &step)) continue;
    return std::clamp(static_cast<double>(step) / num_steps, 0.0, 1.0);
  }
  return 0;
}

}  // namespace aanet::sweep
