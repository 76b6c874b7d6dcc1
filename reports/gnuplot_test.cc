#include "reports/gnuplot.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/files.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string FreshDir(const std::string& name) {
  const fs::path dir = fs::path(std::getenv("TEST_TMPDIR")) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// gnuplot must be installed where the tests run (tools/setup.sh installs
// it): the figures cannot be checked otherwise.
std::string Gnuplot() {
  absl::StatusOr<std::string> gnuplot = FindGnuplot();
  if (!gnuplot.ok()) {
    ADD_FAILURE() << gnuplot.status().message();
    return "/usr/bin/gnuplot";
  }
  return *gnuplot;
}

Figure TwoPanelFigure() {
  DataBlocks data;
  Figure figure;
  figure.name = "fig_test";
  figure.columns = 2;
  PlotPanel left{"left's panel", "x", "y", true, true};
  left.series.push_back({"model_a",
                         data.Add("a", {{1, 2, 1, 3}, {10, 1, 0.5, 1.5}}),
                         "1:2:3:4", "yerrorlines", 1});
  left.series.push_back(
      {"", data.Add("b", {{1, 4}, {10, 3}}), "1:2", "linespoints", 2});
  left.commands.push_back(
      "set arrow from first 5, graph 0 to first 5, graph 1 nohead");
  PlotPanel right{"right", "x", "y", false, false};
  right.series.push_back({"b", 1, "1:2", "lines", 0});
  figure.panels = {left, right};
  figure.data = data.text();
  return figure;
}

TEST(DataBlocksTest, BlocksAreSeparatedByTwoBlankLines) {
  DataBlocks data;
  EXPECT_EQ(data.Add("first", {{1, 2.5}, {3, 1e-7}}), 0);
  EXPECT_EQ(data.Add("second", {{0.123456789012, 4}}), 1);
  EXPECT_EQ(data.size(), 2);
  EXPECT_EQ(data.text(),
            "# first\n1 2.5\n3 1e-07\n\n\n# second\n0.123456789 4\n");
}

TEST(GnuplotScriptTest, DescribesPanelsAndSeries) {
  absl::StatusOr<std::string> script =
      GnuplotScript(TwoPanelFigure(), "pngcairo");
  ASSERT_TRUE(script.ok()) << script.status();
  EXPECT_THAT(*script,
              HasSubstr("if (!exists(\"outfile\")) outfile = 'fig_test.png'"));
  EXPECT_THAT(*script,
              HasSubstr("set terminal pngcairo noenhanced size 1040,380"));
  EXPECT_THAT(*script, HasSubstr("set multiplot layout 1,2"));
  EXPECT_THAT(*script, HasSubstr("set title 'left''s panel'"));
  EXPECT_THAT(*script,
              HasSubstr("'fig_test.dat' index 0 using 1:2:3:4 with yerrorlines "
                        "linetype 1 title 'model_a'"));
  EXPECT_THAT(
      *script,
      HasSubstr("index 1 using 1:2 with linespoints linetype 2 notitle"));
  EXPECT_THAT(*script, HasSubstr("set logscale x"));
  // The log-y panel labels its tics as exponents; the next, linear panel
  // goes back to gnuplot's default format.
  EXPECT_THAT(*script, HasSubstr("set logscale y\nset format y '%.0e'\n"));
  EXPECT_THAT(*script, HasSubstr("set ylabel 'y'\nset format y '% h'\n"));
  EXPECT_THAT(*script, HasSubstr("unset multiplot"));

  absl::StatusOr<std::string> png = GnuplotScript(TwoPanelFigure(), "png");
  ASSERT_TRUE(png.ok());
  EXPECT_THAT(*png, HasSubstr("set terminal png noenhanced size 1040,380\n"));
}

TEST(GnuplotScriptTest, RefusesEmptyFiguresAndPanels) {
  Figure figure;
  figure.name = "empty";
  EXPECT_FALSE(GnuplotScript(figure, "png").ok());
  figure.panels.push_back(PlotPanel{"no series"});
  absl::StatusOr<std::string> script = GnuplotScript(figure, "png");
  ASSERT_FALSE(script.ok());
  EXPECT_THAT(std::string(script.status().message()), HasSubstr("no series"));
}

TEST(FindExecutableTest, SearchesThePath) {
  const std::string dir = FreshDir("bin");
  absl::StatusOr<std::string> found = FindExecutable("gnuplot", dir);
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(WriteFileAtomically(dir + "/tool", "#!/bin/sh\n").ok());
  EXPECT_FALSE(FindExecutable("tool", dir).ok());  // not executable
  fs::permissions(dir + "/tool", fs::perms::owner_all);
  found = FindExecutable("tool", "/nonexistent::" + dir);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, dir + "/tool");
}

TEST(RunProcessTest, ReportsExitStatusAndStderr) {
  absl::StatusOr<ProcessResult> ok =
      RunProcess({"/bin/sh", "-c", "pwd >&2"}, "/");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->exit_status, 0);
  EXPECT_EQ(ok->standard_error, "/\n");
  absl::StatusOr<ProcessResult> failed =
      RunProcess({"/bin/sh", "-c", "echo oops >&2; exit 3"}, ".");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->exit_status, 3);
  EXPECT_EQ(failed->standard_error, "oops\n");
  absl::StatusOr<ProcessResult> missing = RunProcess({"/nonexistent/x"}, ".");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->exit_status, 127);
}

TEST(GnuplotTest, IsInstalledAndHasAPngTerminal) {
  absl::StatusOr<std::string> terminal = PngTerminal(Gnuplot());
  ASSERT_TRUE(terminal.ok()) << terminal.status();
  EXPECT_TRUE(*terminal == "pngcairo" || *terminal == "png") << *terminal;
}

TEST(GnuplotTest, DrawsAPng) {
  const std::string gnuplot = Gnuplot();
  const std::string dir = FreshDir("draw");
  const Figure figure = TwoPanelFigure();
  absl::StatusOr<std::string> terminal = PngTerminal(gnuplot);
  ASSERT_TRUE(terminal.ok());
  absl::StatusOr<std::string> script = GnuplotScript(figure, *terminal);
  ASSERT_TRUE(script.ok());
  ASSERT_TRUE(WriteFileAtomically(dir + "/fig_test.dat", figure.data).ok());
  ASSERT_TRUE(WriteFileAtomically(dir + "/fig_test.gp", *script).ok());
  absl::Status drawn =
      RunGnuplotScript(gnuplot, dir, "fig_test.gp", "fig_test.png");
  ASSERT_TRUE(drawn.ok()) << drawn;
  absl::StatusOr<std::string> png = ReadFile(dir + "/fig_test.png");
  ASSERT_TRUE(png.ok());
  EXPECT_THAT(*png, StartsWith("\x89PNG\r\n\x1a\n"));
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_THAT(entry.path().filename().string(),
                ::testing::Not(HasSubstr(".tmp-")));
  }
}

TEST(GnuplotTest, AFailingScriptIsNamedWithGnuplotsError) {
  const std::string dir = FreshDir("broken");
  ASSERT_TRUE(
      WriteFileAtomically(dir + "/bad.gp",
                          "set output outfile\nset terminal nosuchterm\n")
          .ok());
  absl::Status drawn = RunGnuplotScript(Gnuplot(), dir, "bad.gp", "bad.png");
  ASSERT_FALSE(drawn.ok());
  const std::string message(drawn.message());
  EXPECT_THAT(message, HasSubstr(dir + "/bad.gp"));
  EXPECT_THAT(message, HasSubstr("gnuplot failed"));
  EXPECT_THAT(message, HasSubstr("unknown or ambiguous terminal"));
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_FALSE(fs::exists(dir + "/bad.png"));
}

TEST(GnuplotTest, AScriptThatWritesNothingIsAnError) {
  const std::string dir = FreshDir("silent");
  ASSERT_TRUE(WriteFileAtomically(dir + "/quiet.gp", "print 1\n").ok());
  absl::Status drawn =
      RunGnuplotScript(Gnuplot(), dir, "quiet.gp", "quiet.png");
  ASSERT_FALSE(drawn.ok());
  EXPECT_THAT(std::string(drawn.message()), HasSubstr("wrote no image"));
}

}  // namespace
}  // namespace aanet::reports
