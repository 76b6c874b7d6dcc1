#include "reports/convergence.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
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

// A metrics line as the trainer writes it.
std::string Line(int step, double loss1, double loss10, int best_step) {
  return "{\"step\": " + std::to_string(step) +
         ", \"jump\": 3, \"train_loss\": 1, \"test_loss\": {\"1\": " +
         std::to_string(loss1) + ", \"10\": " + std::to_string(loss10) +
         "}, \"selection_loss\": 1, \"best_step\": " +
         std::to_string(best_step) + ", \"best_loss\": 1}\n";
}

TEST(ConvergenceTest, ReadsTheCurveAndJudgesEachJump) {
  // Jump 1 flattens out (converged); jump 10 still halves in the last fifth.
  std::string text;
  for (int step = 100; step <= 1000; step += 100) {
    const double loss1 = 1.0 / std::min(step, 600);
    const double loss10 = 1000.0 / (step * step);
    text += Line(step, loss1, loss10, step);
  }
  absl::StatusOr<TrainingCurve> curve =
      ReadTrainingCurve(WriteFile("metrics.jsonl", text));
  ASSERT_TRUE(curve.ok()) << curve.status();
  ASSERT_EQ(curve->steps.size(), 10u);
  EXPECT_EQ(curve->steps.back(), 1000);
  EXPECT_EQ(curve->best_step, 1000);
  ASSERT_EQ(curve->test_losses.size(), 2u);
  EXPECT_NEAR(curve->test_losses.at(10)[0], 0.1, 1e-6);

  const std::vector<ConvergenceVerdict> verdicts =
      JudgeConvergence(*curve, 1000);
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_EQ(verdicts[0].jump, 1);
  EXPECT_TRUE(verdicts[0].judged);
  EXPECT_TRUE(verdicts[0].converged);
  EXPECT_NEAR(verdicts[0].improvement, 0, 1e-6);
  EXPECT_EQ(verdicts[1].jump, 10);
  EXPECT_FALSE(verdicts[1].converged);
  // (1000/800^2 - 1000/1000^2) / (1000/800^2) = 1 - 0.64.
  EXPECT_NEAR(verdicts[1].improvement, 0.36, 1e-3);
}

TEST(ConvergenceTest, NoVerdictWithoutEvaluationsInBothWindows) {
  const std::string path = WriteFile(
      "short.jsonl", Line(500, 0.1, 0.2, 500) + Line(1000, 0.1, 0.2, 500));
  absl::StatusOr<TrainingCurve> curve = ReadTrainingCurve(path);
  ASSERT_TRUE(curve.ok());
  for (const ConvergenceVerdict& v : JudgeConvergence(*curve, 1000)) {
    EXPECT_FALSE(v.judged);
    EXPECT_FALSE(v.converged);
  }
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
