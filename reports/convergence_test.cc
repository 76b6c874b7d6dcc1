#include "reports/convergence.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aanet::reports {
namespace {

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// A number as the trainer's JSON writer spells it.
std::string Json(double value) {
  if (std::isnan(value)) return "\"NaN\"";
  if (std::isinf(value)) return value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  return std::to_string(value);
}

// A metrics line as the trainer writes it.
std::string Line(int step, double loss1, double loss10, int best_step) {
  return "{\"step\": " + std::to_string(step) +
         ", \"jump\": 3, \"train_loss\": 1, \"test_loss\": {\"1\": " +
         Json(loss1) + ", \"10\": " + Json(loss10) +
         "}, \"selection_loss\": 1, \"best_step\": " +
         std::to_string(best_step) + ", \"best_loss\": 1}\n";
}

// A curve of 1,000 steps, evaluated every `every` steps; jump 10 follows
// `loss10`, jump 1 is flat.
TrainingCurve Curve(int every, const std::function<double(int)>& loss10) {
  TrainingCurve curve;
  for (int step = every; step <= 1000; step += every) {
    curve.steps.push_back(step);
    curve.test_losses[1].push_back(0.5);
    curve.test_losses[10].push_back(loss10(step));
  }
  return curve;
}

// The verdict at jump 10 over the last two tenths of 1,000 steps.
ConvergenceVerdict Jump10(const TrainingCurve& curve) {
  const std::vector<ConvergenceVerdict> verdicts =
      JudgeConvergence(curve, ChooseWindows(1000, 0));
  EXPECT_EQ(verdicts.size(), 2u);
  EXPECT_EQ(verdicts[0].jump, 1);
  return verdicts.back();
}

TEST(ConvergenceTest, WindowsAreTheLastTwoTenthsWhenTheRampEndsEarly) {
  const JudgingWindows w = ChooseWindows(2000, 1000);
  EXPECT_DOUBLE_EQ(w.earlier_begin, 1600);
  EXPECT_DOUBLE_EQ(w.later_begin, 1800);
  EXPECT_DOUBLE_EQ(w.later_end, 2000);
}

TEST(ConvergenceTest, WindowsHalveWhatFollowsALateRamp) {
  // The published ramp over 2,000 steps to jump 10 ends after 1,889.
  const JudgingWindows w = ChooseWindows(2000, 1889);
  EXPECT_DOUBLE_EQ(w.earlier_begin, 1889);
  EXPECT_DOUBLE_EQ(w.later_begin, 1944.5);
  EXPECT_DOUBLE_EQ(w.later_end, 2000);
  // From the config a point records.
  const JudgingWindows recorded =
      WindowsOfPoint("training { max_jump: 10 }", 2000, 100);
  EXPECT_DOUBLE_EQ(recorded.earlier_begin, 1889);
  // 5 training samples lower max_jump to 4: 1 + 3 s / 2000 >= 3.5 from 1667.
  EXPECT_DOUBLE_EQ(
      WindowsOfPoint("training { max_jump: 10 }", 2000, 5).earlier_begin, 1667);
  // A ramp over the first 1,000 steps leaves room for two tenths.
  EXPECT_DOUBLE_EQ(
      WindowsOfPoint("training { max_jump: 10 jump_ramp_steps: 1000 }", 2000,
                     100)
          .earlier_begin,
      1600);
  EXPECT_DOUBLE_EQ(WindowsOfPoint("not a config {", 2000, 100).earlier_begin,
                   1600);
}

TEST(ConvergenceTest, ConvergedWhenTheLossChangesByLessThanTheThreshold) {
  // 5 % lower in the last tenth.
  const ConvergenceVerdict v =
      Jump10(Curve(20, [](int step) { return step > 900 ? 0.95 : 1.0; }));
  EXPECT_EQ(v.verdict, Verdict::kConverged);
  EXPECT_EQ(v.earlier_count, 5);
  EXPECT_EQ(v.later_count, 5);
  EXPECT_NEAR(v.improvement, 0.05, 1e-12);
  EXPECT_EQ(VerdictName(v.verdict), "converged");
  // Jump 1 is flat.
  EXPECT_EQ(JudgeConvergence(Curve(20, [](int) { return 1.0; }),
                             ChooseWindows(1000, 0))
                .front()
                .verdict,
            Verdict::kConverged);
}

TEST(ConvergenceTest, ImprovingWhenTheLossStillFalls) {
  const ConvergenceVerdict v =
      Jump10(Curve(20, [](int step) { return 1000.0 / (step * step); }));
  EXPECT_EQ(v.verdict, Verdict::kImproving);
  // Medians at steps 860 and 960.
  EXPECT_NEAR(v.improvement, 1 - (860.0 * 860) / (960.0 * 960), 1e-12);
  EXPECT_EQ(VerdictName(v.verdict), "improving");
}

TEST(ConvergenceTest, AWorseLossIsWorseNeverConverged) {
  const ConvergenceVerdict v =
      Jump10(Curve(20, [](int step) { return step > 900 ? 1.5 : 1.0; }));
  EXPECT_EQ(v.verdict, Verdict::kWorse);
  EXPECT_NEAR(v.improvement, -0.5, 1e-12);
  EXPECT_EQ(VerdictName(v.verdict), "worse");
}

TEST(ConvergenceTest, ANonFiniteTestLossIsDiverged) {
  // Even outside the windows, and even if it recovered.
  const std::string path = WriteFile(
      "diverged.jsonl",
      Line(100, 0.5, HUGE_VAL, 100) + Line(200, 0.5, std::nan(""), 100) + [] {
        std::string text;
        for (int step = 820; step <= 1000; step += 20) {
          text += Line(step, 0.5, 1.0, 100);
        }
        return text;
      }());
  absl::StatusOr<TrainingCurve> curve = ReadTrainingCurve(path);
  ASSERT_TRUE(curve.ok()) << curve.status();
  EXPECT_EQ(curve->num_non_finite.at(10), 2);
  const ConvergenceVerdict v = Jump10(*curve);
  EXPECT_EQ(v.verdict, Verdict::kDiverged);
  EXPECT_EQ(VerdictName(v.verdict), "diverged");
}

TEST(ConvergenceTest, TooFewEvaluationsInAWindow) {
  // Every 50 steps: 2 evaluations per window of 100 steps.
  const ConvergenceVerdict v = Jump10(Curve(50, [](int) { return 1.0; }));
  EXPECT_EQ(v.earlier_count, 2);
  EXPECT_EQ(v.verdict, Verdict::kTooFewEvaluations);
  EXPECT_EQ(VerdictName(v.verdict), "too few evaluations");
  // A ramp that never ends leaves empty windows.
  const std::vector<ConvergenceVerdict> none = JudgeConvergence(
      Curve(10, [](int) { return 1.0; }), ChooseWindows(1000, 1000));
  for (const ConvergenceVerdict& n : none) {
    EXPECT_EQ(n.verdict, Verdict::kTooFewEvaluations);
  }
}

TEST(ConvergenceTest, ReadsTheCurve) {
  std::string text;
  for (int step = 100; step <= 1000; step += 100) {
    text += Line(step, 1.0 / step, 1000.0 / (step * step), step);
  }
  absl::StatusOr<TrainingCurve> curve =
      ReadTrainingCurve(WriteFile("metrics.jsonl", text));
  ASSERT_TRUE(curve.ok()) << curve.status();
  ASSERT_EQ(curve->steps.size(), 10u);
  EXPECT_EQ(curve->steps.back(), 1000);
  EXPECT_EQ(curve->best_step, 1000);
  ASSERT_EQ(curve->test_losses.size(), 2u);
  EXPECT_NEAR(curve->test_losses.at(10)[0], 0.1, 1e-6);
  EXPECT_TRUE(curve->num_non_finite.empty());
}

TEST(ConvergenceTest, MalformedLinesNameTheFileAndLine) {
  const std::string path = WriteFile("bad.jsonl", Line(1, 1, 1, 1) + "{\"ste");
  absl::StatusOr<TrainingCurve> curve = ReadTrainingCurve(path);
  ASSERT_FALSE(curve.ok());
  EXPECT_THAT(curve.status().message(), ::testing::HasSubstr("bad.jsonl:2"));
  EXPECT_FALSE(ReadTrainingCurve(path + ".missing").ok());
}

}  // namespace
}  // namespace aanet::reports
