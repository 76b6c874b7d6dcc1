#include "cli/progress.h"

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace aanet {
namespace {

std::string Contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[256];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) s.append(buf, n);
  return s;
}

TEST(ProgressLineTest, PlainModeWritesWholeLinesAndThrottles) {
  std::FILE* f = std::tmpfile();
  {
    ProgressLine progress(f, /*log_interval_s=*/3600, /*interactive=*/false);
    progress.Update("first");
    progress.Update("throttled");
    progress.Update("forced", /*force=*/true);
    progress.Print("note");
  }
  EXPECT_EQ(Contents(f), "first\nforced\nnote\n");
  std::fclose(f);
}

TEST(ProgressLineTest, InteractiveModeRedrawsInPlace) {
  std::FILE* f = std::tmpfile();
  {
    ProgressLine progress(f, 3600, /*interactive=*/true);
    progress.Update("a", true);
    progress.Update("b", true);
  }
  EXPECT_EQ(Contents(f), "\ra\033[K\rb\033[K\n");
  std::fclose(f);
}

TEST(FormatDurationTest, Formats) {
  EXPECT_EQ(FormatDuration(7.2), "7s");
  EXPECT_EQ(FormatDuration(245), "4:05");
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
  EXPECT_EQ(FormatDuration(-1), "?");
}

}  // namespace
}  // namespace aanet
