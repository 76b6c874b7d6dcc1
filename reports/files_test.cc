#include "reports/files.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  return (fs::path(std::getenv("TEST_TMPDIR")) / name).string();
}

TEST(FilesTest, WritesReplacesAndReadsBack) {
  const std::string path = TempPath("a.txt");
  ASSERT_TRUE(WriteFileAtomically(path, "first").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "second\n").ok());
  absl::StatusOr<std::string> text = ReadFile(path);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "second\n");
  for (const auto& entry :
       fs::directory_iterator(fs::path(path).parent_path())) {
    EXPECT_THAT(entry.path().filename().string(),
                ::testing::Not(HasSubstr(".tmp-")));
  }
}

TEST(FilesTest, UnwritableDirectoryNamesThePathAndLeavesNothing) {
  // The parent "directory" is a file, so nothing can be created under it.
  ASSERT_TRUE(WriteFileAtomically(TempPath("plain_file"), "x").ok());
  const std::string path = TempPath("plain_file/a.txt");
  absl::Status status = WriteFileAtomically(path, "x");
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr(path));
  EXPECT_FALSE(fs::exists(path));
}

TEST(FilesTest, ReadFileErrorsNameThePath) {
  const std::string missing = TempPath("missing.json");
  absl::StatusOr<std::string> text = ReadFile(missing);
  EXPECT_EQ(text.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(text.status().message()), HasSubstr(missing));

  const std::string dir = TempPath("a_directory");
  ASSERT_TRUE(CreateDirectories(dir).ok());
  text = ReadFile(dir);
  EXPECT_FALSE(text.ok());
  EXPECT_THAT(std::string(text.status().message()), HasSubstr(dir));
}

TEST(FilesTest, CreateDirectoriesRefusesAFile) {
  const std::string path = TempPath("plain_file");
  ASSERT_TRUE(WriteFileAtomically(path, "x").ok());
  absl::Status status = CreateDirectories(path);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr(path));
  EXPECT_TRUE(CreateDirectories(TempPath("x/y/z")).ok());
  EXPECT_TRUE(fs::is_directory(TempPath("x/y/z")));
}

// Issue 18: the report replaces its output directory whole, so it must
// refuse one that holds anything else.
TEST(FilesTest, ReportDirectoryHoldsOnlyWhatReportsWrite) {
  const fs::path dir = TempPath("report_dir");
  fs::remove_all(dir);
  EXPECT_TRUE(CheckReportDirectory(dir.string()).ok());  // missing
  fs::create_directories(dir / "ablation");
  ASSERT_TRUE(
      WriteFileAtomically((dir / "ablation" / "REPORT.md").string(), "x").ok());
  for (const char* name : {"REPORT.md", "table1.csv", "fig_a.png", "anim_a.gif",
                           "fig_a.gp", "fig_a.dat", "fig_a.png.tmp-12"}) {
    ASSERT_TRUE(WriteFileAtomically((dir / name).string(), "x").ok());
  }
  EXPECT_TRUE(CheckReportDirectory(dir.string()).ok());
  // A directory that is not a report's, e.g. a sweep's datasets.
  fs::create_directories(dir / "datasets");
  EXPECT_THAT(CheckReportDirectory(dir.string()).message(),
              HasSubstr("holds " + (dir / "datasets").string()));
  fs::remove(dir / "datasets");
  ASSERT_TRUE(WriteFileAtomically((dir / "notes.txt").string(), "x").ok());
  EXPECT_EQ(CheckReportDirectory(dir.string()).message(),
            dir.string() + ": holds " + (dir / "notes.txt").string() +
                ", which no report writes; refusing to replace the "
                "directory, choose another --out");
  fs::create_symlink(dir, TempPath("report_link"));
  EXPECT_THAT(CheckReportDirectory(TempPath("report_link")).message(),
              HasSubstr("is a symbolic link"));
  EXPECT_THAT(CheckReportDirectory((dir / "REPORT.md").string()).message(),
              HasSubstr("is not a directory"));
}

}  // namespace
}  // namespace aanet::reports
