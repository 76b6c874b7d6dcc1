#include "reports/format.h"

#include <cmath>
#include <set>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aanet::reports {
namespace {

using ::testing::ElementsAre;

TEST(FormatTest, Numbers) {
  EXPECT_EQ(Num(1.0 / 3), "0.333333");
  EXPECT_EQ(Num(NAN), "nan");
  EXPECT_EQ(Short(1.0 / 3), "0.3333");
  EXPECT_EQ(Short(12345.0), "1.234e+04");
}

TEST(FormatTest, MeanPmSaysWhatIsUndefined) {
  EXPECT_EQ(MeanPm(MeanStd()), "—");
  EXPECT_EQ(MeanPm({2, NAN, 1}), "2 ± —");
  EXPECT_EQ(MeanPm({2, std::sqrt(2.0), 2}), "2 ± 1.414");
  EXPECT_EQ(MeanPmScaled({2e-6, 1e-6, 2}, 1e6), "2 ± 1");
}

TEST(FormatTest, MarkdownText) {
  EXPECT_EQ(MarkdownCell("a|b\nc\rd"), "a\\|b c d");
  EXPECT_EQ(Code("x|y"), "`x\\|y`");
}

TEST(FormatTest, Seconds) {
  EXPECT_EQ(FormatSeconds(59.5), "59.5 s");
  EXPECT_EQ(FormatSeconds(125), "125 s (2min 05s)");
  EXPECT_EQ(FormatSeconds(3723), "3723 s (1h 02min 03s)");
  EXPECT_EQ(FormatSeconds(INFINITY), "inf s");
}

TEST(FormatTest, Sets) {
  EXPECT_EQ(JoinSet(std::set<int>{}), "—");
  EXPECT_EQ(JoinSet(std::set<int>{10, 1}), "1, 10");
}

TEST(FormatTest, CellPoint) {
  Cell cell;
  cell.dataset = "harmonic_k_pair_0.5";
  cell.num_train_samples = 100;
  EXPECT_EQ(CellPoint(cell), "harmonic_k_pair_0.5, 100 samples");
}

TEST(FormatTest, ErrorBarsOnALogAxis) {
  EXPECT_TRUE(Plottable(1e-9));
  EXPECT_FALSE(Plottable(0));
  EXPECT_FALSE(Plottable(NAN));
  EXPECT_FALSE(Plottable(INFINITY));
  EXPECT_THAT(ErrorBarRow(10, {2, 1, 2}), ElementsAre(10, 2, 1, 3));
  // A lower end at or below zero is cut at a tenth of the mean.
  EXPECT_THAT(ErrorBarRow(10, {2, 3, 2}), ElementsAre(10, 2, 0.2, 5));
  // Without a std the bar is empty.
  EXPECT_THAT(ErrorBarRow(10, {2, NAN, 1}), ElementsAre(10, 2, 2, 2));
}

}  // namespace
}  // namespace aanet::reports
