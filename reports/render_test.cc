#include "reports/render.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/section.h"

namespace aanet::reports {
namespace {

using ::testing::ElementsAre;

TEST(RenderTest, MarkdownTableEscapesEveryCell) {
  const Table table{{"a", "mean |ΔH|"}, {{"x|y", "two\nlines"}}};
  EXPECT_EQ(MarkdownTable(table),
            "| a | mean \\|ΔH\\| |\n|---|---|\n| x\\|y | two lines |\n\n");
}

TEST(RenderTest, CsvQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  const Table table{{"model", "error"}, {{"m", "x, y"}, {"n", ""}}};
  EXPECT_EQ(CsvText(table), "model,error\nm,\"x, y\"\nn,\n");
}

TEST(RenderTest, MarkdownOfBlocksRegistersFiguresWithPanels) {
  Figure empty;
  empty.name = "fig_empty";
  Figure drawn;
  drawn.name = "fig_drawn";
  drawn.panels.push_back(PlotPanel{"t", "x", "y", false, false});
  Section first;
  first.blocks.push_back(TextBlock("## One\n\n"));
  first.blocks.push_back(TableBlock({{"h"}, {{"v"}}}));
  first.blocks.push_back(FigureBlock(empty, "nothing"));
  Section second;
  second.blocks.push_back(FigureBlock(drawn, "a figure"));
  const std::vector<Section> sections = {first, second};
  std::vector<const Figure*> figures;
  EXPECT_EQ(RenderMarkdown(sections, &figures),
            "## One\n\n| h |\n|---|\n| v |\n\n"
            "*No positive finite values to plot.*\n\n"
            "![a figure](fig_drawn.png)\n\n");
  ASSERT_EQ(figures.size(), 1u);
  EXPECT_EQ(figures[0]->name, "fig_drawn");
}

}  // namespace
}  // namespace aanet::reports
