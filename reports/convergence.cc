#include "reports/convergence.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace aanet::reports {
namespace {

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

// The JSON writer spells non-finite values as strings ("NaN", "Infinity").
double NumberOf(const google::protobuf::Value& value) {
  if (value.kind_case() == google::protobuf::Value::kNumberValue) {
    return value.number_value();
  }
  if (value.kind_case() == google::protobuf::Value::kStringValue) {
    const std::string& s = value.string_value();
    if (s == "Infinity") return HUGE_VAL;
    if (s == "-Infinity") return -HUGE_VAL;
  }
  return std::nan("");
}

}  // namespace

absl::StatusOr<TrainingCurve> ReadTrainingCurve(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  TrainingCurve curve;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    google::protobuf::Struct object;
    if (!google::protobuf::util::JsonStringToMessage(line, &object).ok() ||
        !object.fields().contains("step")) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_number,
                       ": not a metrics line (a JSON object with "
                       "\"step\")"));
    }
    const auto& fields = object.fields();
    curve.steps.push_back(static_cast<int64_t>(NumberOf(fields.at("step"))));
    if (fields.contains("test_loss")) {
      for (const auto& [jump_text, loss] :
           fields.at("test_loss").struct_value().fields()) {
        int jump = 0;
        if (!absl::SimpleAtoi(jump_text, &jump)) continue;
        std::vector<double>& losses = curve.test_losses[jump];
        // A jump missing from earlier lines is padded with NaN.
        losses.resize(curve.steps.size() - 1, std::nan(""));
        losses.push_back(NumberOf(loss));
      }
    }
    if (fields.contains("best_step")) {
      curve.best_step = static_cast<int64_t>(NumberOf(fields.at("best_step")));
    }
  }
  for (auto& [jump, losses] : curve.test_losses) {
    losses.resize(curve.steps.size(), std::nan(""));
  }
  return curve;
}

std::vector<ConvergenceVerdict> JudgeConvergence(const TrainingCurve& curve,
                                                 int64_t num_steps) {
  std::vector<ConvergenceVerdict> verdicts;
  const double s = static_cast<double>(num_steps);
  for (const auto& [jump, losses] : curve.test_losses) {
    std::vector<double> earlier, later;
    for (size_t i = 0; i < curve.steps.size(); ++i) {
      const double step = static_cast<double>(curve.steps[i]);
      if (!std::isfinite(losses[i])) continue;
      if (step > 0.7 * s && step <= 0.8 * s) earlier.push_back(losses[i]);
      if (step > 0.9 * s && step <= s) later.push_back(losses[i]);
    }
    ConvergenceVerdict verdict;
    verdict.jump = jump;
    verdict.judged = !earlier.empty() && !later.empty();
    if (verdict.judged) {
      verdict.earlier = Median(earlier);
      verdict.later = Median(later);
      verdict.improvement = (verdict.earlier - verdict.later) / verdict.earlier;
      verdict.converged = verdict.improvement < kConvergenceThreshold;
    }
    verdicts.push_back(verdict);
  }
  return verdicts;
}

}  // namespace aanet::reports
