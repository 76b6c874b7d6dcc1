#include "fileio/text_file.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace aanet {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AppendToFileTest, AppendsAndNamesTheFileOnFailure) {
  const fs::path dir = fs::path(::testing::TempDir()) / "append";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "log.jsonl").string();
  ASSERT_TRUE(AppendToFile(path, "a\n").ok());
  ASSERT_TRUE(AppendToFile(path, "b\n").ok());
  EXPECT_EQ(Read(path), "a\nb\n");
  absl::Status status = AppendToFile((dir / "none" / "x").string(), "c");
  EXPECT_EQ(status.message(),
            (dir / "none" / "x").string() +
                ": cannot append (No such file or directory)");
}

TEST(WriteTextFileAtomicallyTest, WritesReplacesAndLeavesNoTemporary) {
  const fs::path dir = fs::path(::testing::TempDir()) / "text_file" / "sub";
  fs::remove_all(dir.parent_path());
  const fs::path path = dir / "a.txt";
  ASSERT_TRUE(WriteTextFileAtomically(path.string(), "first\n").ok());
  EXPECT_EQ(Read(path), "first\n");
  ASSERT_TRUE(WriteTextFileAtomically(path.string(), "second").ok());
  EXPECT_EQ(Read(path), "second");
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(WriteTextFileAtomicallyTest, ErrorNamesThePath) {
  const fs::path blocker = fs::path(::testing::TempDir()) / "blocker";
  std::ofstream(blocker) << "a file, not a directory";
  const std::string path = (blocker / "x.txt").string();
  absl::Status status = WriteTextFileAtomically(path, "x");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message().find(path), 0u) << status;
}

TEST(CommitTemporaryFileTest, RenamesAFinishedTemporaryOverThePath) {
  const fs::path dir = fs::path(::testing::TempDir()) / "commit";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "plot.png").string();
  const std::string temporary = TemporaryPathFor(path);
  EXPECT_EQ(temporary, path + ".tmp-" + std::to_string(getpid()));
  std::ofstream(temporary) << "image";
  ASSERT_TRUE(CommitTemporaryFile(temporary, path).ok());
  EXPECT_EQ(Read(path), "image");
  EXPECT_FALSE(fs::exists(temporary));
}

TEST(CommitTemporaryFileTest, FailureRemovesTheTemporaryAndNamesThePath) {
  const fs::path dir = fs::path(::testing::TempDir()) / "commit_fails";
  fs::remove_all(dir);
  fs::create_directories(dir / "taken");
  const std::string path = (dir / "taken").string();
  const std::string temporary = TemporaryPathFor(path);
  std::ofstream(temporary) << "image";
  const absl::Status status = CommitTemporaryFile(temporary, path);
  EXPECT_EQ(status.message(), path + ": cannot write (Is a directory)");
  EXPECT_FALSE(fs::exists(temporary));
  EXPECT_TRUE(fs::is_directory(path));
  EXPECT_EQ(CommitTemporaryFile(temporary, path).message(),
            path + ": cannot write (No such file or directory)");
}

}  // namespace
}  // namespace aanet
