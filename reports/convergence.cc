#include "reports/convergence.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "proto/experiment.pb.h"
#include "train/jump_schedule.h"

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
        if (!std::isfinite(losses.back())) ++curve.num_non_finite[jump];
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

JudgingWindows ChooseWindows(int64_t num_steps, int64_t ramp_end) {
  const double s = static_cast<double>(num_steps);
  const double after_ramp = std::max(0.0, s - static_cast<double>(ramp_end));
  const double length = std::min(kWindowFraction * s, after_ramp / 2);
  return {s - 2 * length, s - length, s};
}

JudgingWindows WindowsOfPoint(const std::string& config_text, int64_t num_steps,
                              int num_train_samples) {
  Experiment config;
  if (!google::protobuf::TextFormat::ParseFromString(config_text, &config) ||
      !config.training().has_max_jump()) {
    return ChooseWindows(num_steps, 0);
  }
  const TrainingConfig& t = config.training();
  int max_jump = t.max_jump();
  if (num_train_samples > 1)
    max_jump = std::min(max_jump, num_train_samples - 1);
  const int ramp_steps = t.has_jump_ramp_steps() ? t.jump_ramp_steps()
                                                 : static_cast<int>(num_steps);
  return ChooseWindows(
      num_steps, train::RampEndStep(t.jump_schedule(), ramp_steps, max_jump));
}

std::string VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kConverged:
      return "converged";
    case Verdict::kImproving:
      return "improving";
    case Verdict::kWorse:
      return "worse";
    case Verdict::kDiverged:
      return "diverged";
    case Verdict::kTooFewEvaluations:
      return "too few evaluations";
  }
  return "";
}

std::vector<ConvergenceVerdict> JudgeConvergence(
    const TrainingCurve& curve, const JudgingWindows& windows) {
  std::vector<ConvergenceVerdict> verdicts;
  for (const auto& [jump, losses] : curve.test_losses) {
    std::vector<double> earlier, later;
    for (size_t i = 0; i < curve.steps.size(); ++i) {
      const double step = static_cast<double>(curve.steps[i]);
      if (!std::isfinite(losses[i])) continue;
      if (step > windows.earlier_begin && step <= windows.later_begin) {
        earlier.push_back(losses[i]);
      }
      if (step > windows.later_begin && step <= windows.later_end) {
        later.push_back(losses[i]);
      }
    }
    ConvergenceVerdict v;
    v.jump = jump;
    v.windows = windows;
    v.earlier_count = static_cast<int>(earlier.size());
    v.later_count = static_cast<int>(later.size());
    if (!earlier.empty()) v.earlier = Median(earlier);
    if (!later.empty()) v.later = Median(later);
    if (!earlier.empty() && !later.empty()) {
      v.improvement = (v.earlier - v.later) / v.earlier;
    }
    auto bad = curve.num_non_finite.find(jump);
    if (bad != curve.num_non_finite.end() && bad->second > 0) {
      v.verdict = Verdict::kDiverged;
    } else if (v.earlier_count < kMinEvaluationsPerWindow ||
               v.later_count < kMinEvaluationsPerWindow) {
      v.verdict = Verdict::kTooFewEvaluations;
    } else if (v.improvement >= kConvergenceThreshold) {
      v.verdict = Verdict::kImproving;
    } else if (v.improvement <= -kConvergenceThreshold) {
      v.verdict = Verdict::kWorse;
    } else {
      v.verdict = Verdict::kConverged;
    }
    verdicts.push_back(v);
  }
  return verdicts;
}

}  // namespace aanet::reports
