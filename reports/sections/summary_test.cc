#include "reports/sections/summary.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/format.h"
#include "reports/sections/testing.h"
#include "reports/synthetic_sweep.h"

namespace aanet::reports {
namespace {

using ::testing::HasSubstr;

TEST(SummaryTest, OneRowPerModelAtItsReferencePointFromTheData) {
  absl::StatusOr<Table> table = SummaryTable(SyntheticContext());
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->rows.size(), SyntheticContext().models.size());
  const std::vector<std::string>* aa = FindRow(*table, {"action_angle_flow"});
  ASSERT_NE(aa, nullptr);
  EXPECT_EQ(CellAt(*table, *aa, "reference point"),
            "harmonic_k_pair_0.5, 100 samples");
  // The synthetic formula's losses over the two seeds, as the sections
  // print a mean ± std.
  const double f = SyntheticLoss("action_angle_flow", 0.5, 100, 1);
  EXPECT_EQ(CellAt(*table, *aa, "loss, jump 1"),
            MeanPm(ComputeMeanStd(
                {SyntheticSeedFactor(1) * f, SyntheticSeedFactor(2) * f})));
  EXPECT_THAT(CellAt(*table, *aa, "loss, largest jump"), HasSubstr("(jump "));
  EXPECT_THAT(CellAt(*table, *aa, "frequency relative error (section 5)"),
              HasSubstr("mode 0: "));
  const std::vector<std::string>* node = FindRow(*table, {"neural_ode"});
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(CellAt(*table, *node, "frequency relative error (section 5)"),
            "n/a");
  EXPECT_FALSE(CellAt(*table, *node, "convergence (section 6)").empty());
}

// A dataset without true frequencies (a system that is not integrable, or
// imported trajectories): nothing to compare the learned ones with, said
// so rather than "no frequency matches".
TEST(SummaryTest, NoTrueFrequenciesSaysSo) {
  StudyData study = SyntheticStudy();
  for (StudyPoint& p : study.points) {
    if (p.evaluation.has_value()) p.evaluation->clear_true_frequencies();
  }
  const ReportContext context(study, DefaultOptions());
  absl::StatusOr<Table> table = SummaryTable(context);
  ASSERT_TRUE(table.ok()) << table.status();
  const std::vector<std::string>* aa = FindRow(*table, {"action_angle_flow"});
  ASSERT_NE(aa, nullptr);
  EXPECT_EQ(CellAt(*table, *aa, "frequency relative error (section 5)"),
            "n/a: the dataset has no true frequencies");
}

TEST(SummaryTest, AFailedSolveShowsAsFailed) {
  absl::StatusOr<Table> table = SummaryTable(FailedSolveContext());
  ASSERT_TRUE(table.ok()) << table.status();
  bool any_failed = false;
  for (const std::vector<std::string>& row : table->rows) {
    for (const std::string& cell : row) {
      any_failed = any_failed || absl::StrContains(cell, "failed");
    }
  }
  EXPECT_TRUE(any_failed);
}

TEST(HeadingAnchorTest, AsGithubMakesThem) {
  EXPECT_EQ(HeadingAnchor("2b. Equal steps, equal compute and the published "
                          "budget"),
            "2b-equal-steps-equal-compute-and-the-published-budget");
  EXPECT_EQ(HeadingAnchor("1. Table 1, measured"), "1-table-1-measured");
  EXPECT_EQ(HeadingAnchor("Appendix: other parts of this study"),
            "appendix-other-parts-of-this-study");
  EXPECT_EQ(HeadingAnchor("snake_case (x)"), "snake_case-x");
  EXPECT_EQ(HeadingAnchor("3. Inference time vs Δt (Figure 3a)"),
            "3-inference-time-vs-δt-figure-3a");
  EXPECT_EQ(HeadingAnchor("ÄΩ"), "äω");
}

TEST(TableOfContentsTest, LinksEverySectionHeadingOnce) {
  Section a, b;
  a.blocks.push_back(TextBlock("# Title\n\n## Summary\n\ntext\n"));
  b.blocks.push_back(TextBlock("## 1. Table 1, measured\n\n### Sub\n"));
  b.blocks.push_back(TableBlock(Table{{"## not a heading"}, {}}));
  b.blocks.push_back(TextBlock("```text\n## in code\n```\n## Summary\n"));
  const Block contents = TableOfContents({a, b});
  EXPECT_EQ(contents.text,
            "## Contents\n\n"
            "- [Summary](#summary)\n"
            "- [1. Table 1, measured](#1-table-1-measured)\n"
            "- [Summary](#summary-1)\n\n");
}

}  // namespace
}  // namespace aanet::reports
