#include "fileio/text_file.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
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
  EXPECT_EQ(status.message(),
            path +
                ": is a directory, not a regular file; refusing to "
                "replace it, choose another output path");
  EXPECT_FALSE(fs::exists(temporary));
  EXPECT_TRUE(fs::is_directory(path));
  const std::string free_path = (dir / "free.png").string();
  EXPECT_EQ(
      CommitTemporaryFile(TemporaryPathFor(free_path), free_path).message(),
      free_path + ": cannot write (No such file or directory)");
}

fs::path FreshDir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / "ours" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A pid that is no live process here: a child that has exited and been
// reaped.
pid_t DeadPid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return child;
}

// Issue 18: `data_gen --out=/dev/null` renamed its output over /dev/null.
// Nothing but a missing path or a regular file is ever replaced, and never
// through a symbolic link (the link's target stays as it was).
TEST(CheckOutputPathTest, RefusesAnythingButARegularFile) {
  const fs::path dir = FreshDir("check_output");
  const fs::path target = dir / "target.txt";
  std::ofstream(target) << "not yours";
  fs::create_symlink(target, dir / "link.txt");
  fs::create_directories(dir / "sub");
  EXPECT_TRUE(CheckOutputPath((dir / "missing.txt").string()).ok());
  EXPECT_TRUE(CheckOutputPath(target.string()).ok());
  EXPECT_EQ(CheckOutputPath("/dev/null").message(),
            "/dev/null: is a character device, not a regular file; refusing "
            "to replace it, choose another output path");
  EXPECT_EQ(CheckOutputPath((dir / "link.txt").string()).message(),
            (dir / "link.txt").string() +
                ": is a symbolic link, not a regular file; refusing to "
                "replace it, choose another output path");
  EXPECT_EQ(CheckOutputPath((dir / "sub").string()).code(),
            absl::StatusCode::kFailedPrecondition);

  // The writers refuse the same, change nothing and leave no temporary.
  for (const char* name : {"link.txt", "sub"}) {
    const std::string path = (dir / name).string();
    const absl::Status status = WriteTextFileAtomically(path, "x");
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << name;
    EXPECT_FALSE(fs::exists(TemporaryPathFor(path))) << name;
    const absl::Status together = WriteTextFilesTogether(
        {{(dir / "fresh.txt").string(), "y"}, {path, "x"}});
    EXPECT_EQ(together.code(), absl::StatusCode::kFailedPrecondition) << name;
    EXPECT_FALSE(fs::exists(dir / "fresh.txt")) << name;
  }
  EXPECT_TRUE(fs::is_symlink(dir / "link.txt"));
  EXPECT_EQ(Read(target), "not yours");
  EXPECT_EQ(AppendToFile((dir / "link.txt").string(), "x").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Read(target), "not yours");
  EXPECT_EQ(AppendToFile("/dev/null", "x").code(),
            absl::StatusCode::kFailedPrecondition);
}

// A link planted under the temporary's own name is not written through.
TEST(WriteTextFileAtomicallyTest, NeverWritesThroughAPlantedTemporary) {
  const fs::path dir = FreshDir("planted");
  const fs::path target = dir / "target.txt";
  std::ofstream(target) << "not yours";
  const std::string path = (dir / "out.txt").string();
  fs::create_symlink(target, TemporaryPathFor(path));
  ASSERT_TRUE(WriteTextFileAtomically(path, "ours").ok());
  EXPECT_EQ(Read(path), "ours");
  EXPECT_EQ(Read(target), "not yours");
  EXPECT_FALSE(fs::is_symlink(path));
}

// Issue 18: `eval --out=<checkpoint>` overwrote its input.
TEST(CheckOutputIsNotInputTest, SameFileByPathOrByInode) {
  const fs::path dir = FreshDir("identity");
  const fs::path input = dir / "in.h5";
  std::ofstream(input) << "data";
  fs::create_hard_link(input, dir / "hard.h5");
  fs::create_directories(dir / "sub");
  const std::string in = input.string();
  EXPECT_TRUE(CheckOutputIsNotInput((dir / "out.h5").string(), {in, ""}).ok());
  EXPECT_EQ(CheckOutputIsNotInput(in, {"", in}).message(),
            in + ": is the input " + in +
                "; refusing to overwrite it, choose another output path");
  EXPECT_FALSE(
      CheckOutputIsNotInput((dir / "sub" / ".." / "in.h5").string(), {in})
          .ok());
  EXPECT_FALSE(CheckOutputIsNotInput((dir / "hard.h5").string(), {in}).ok());
  // Relative and absolute names of one file.
  const fs::path cwd = fs::current_path();
  fs::current_path(dir);
  EXPECT_FALSE(CheckOutputIsNotInput("./in.h5", {in}).ok());
  EXPECT_FALSE(CheckOutputIsNotInput("in.h5", {"sub/../in.h5"}).ok());
  EXPECT_FALSE(CheckOutputIsNotInput("missing.h5", {"./missing.h5"}).ok());
  fs::current_path(cwd);
}

// Issue 18: a killed run's `big.h5.tmp-4211` stayed forever.
TEST(RemoveStaleTemporariesTest, RemovesOnlyThoseOfDeadUnlockedWriters) {
  const fs::path dir = FreshDir("stale");
  const std::string path = (dir / "big.h5").string();
  const std::string dead = absl::StrCat(path, ".tmp-", DeadPid());
  const std::string dead_dir = absl::StrCat(path, ".tmp-", DeadPid());
  const std::string aside = absl::StrCat(path, ".old.tmp-", DeadPid());
  const std::string live = absl::StrCat(path, ".tmp-", getppid());
  const std::string other =
      absl::StrCat(dir.string(), "/other.h5.tmp-", DeadPid());
  const std::string locked = absl::StrCat(path, ".tmp-", DeadPid());
  for (const std::string& file : {dead, live, other, locked}) {
    std::ofstream(file) << "partial";
  }
  fs::create_directories(fs::path(dead_dir) / "sub");
  fs::create_directories(aside);
  // A writer on another host: its pid means nothing here, its lock does.
  const int fd = open(locked.c_str(), O_RDWR);
  struct flock lock = {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  ASSERT_EQ(fcntl(fd, F_OFD_SETLK, &lock), 0);

  RemoveStaleTemporaries(path);
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_FALSE(fs::exists(dead_dir));
  EXPECT_FALSE(fs::exists(aside));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_TRUE(fs::exists(locked));
  close(fd);

  // Every atomic write of the path cleans up the same way.
  ASSERT_TRUE(WriteTextFileAtomically(path, "new").ok());
  EXPECT_FALSE(fs::exists(locked));
  EXPECT_TRUE(fs::exists(live));
}

// Issue 18: `predict --action_angle` to .npy on a full disk left some of its
// files. A failure before the renames changes none of them.
TEST(WriteTextFilesTogetherTest, AllOrNothing) {
  const fs::path dir = FreshDir("together");
  const std::string a = (dir / "a.npy").string();
  const std::string b = (dir / "b.npy").string();
  ASSERT_TRUE(WriteTextFilesTogether({{a, "a1"}, {b, "b1"}}).ok());
  EXPECT_EQ(Read(a), "a1");
  EXPECT_EQ(Read(b), "b1");
  // The second file cannot be written (its directory is a file).
  const std::string blocked = (dir / "a.npy" / "c.npy").string();
  EXPECT_FALSE(WriteTextFilesTogether({{b, "b2"}, {blocked, "c2"}}).ok());
  EXPECT_EQ(Read(b), "b1");
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 2);
}

// The report's directory swap: a reader sees the old directory or the new.
TEST(CommitTemporaryDirectoryTest, ReplacesAWholeDirectory) {
  const fs::path dir = FreshDir("swap");
  const std::string out = (dir / "report").string();
  for (const std::string contents : {"first", "second"}) {
    const std::string staging = TemporaryPathFor(out);
    fs::create_directories(staging);
    std::ofstream(fs::path(staging) / "REPORT.md") << contents;
    if (contents == "first") {
      std::ofstream(fs::path(staging) / "only_first.csv") << "x";
      fs::create_directories(fs::path(staging) / "nested");
      std::ofstream(fs::path(staging) / "nested" / "REPORT.md") << "nested";
    }
    ASSERT_TRUE(CommitTemporaryDirectory(staging, out).ok());
    EXPECT_EQ(Read(fs::path(out) / "REPORT.md"), contents);
    EXPECT_FALSE(fs::exists(staging));
  }
  EXPECT_FALSE(fs::exists(fs::path(out) / "only_first.csv"));
  // Another writer's nested output stays.
  EXPECT_EQ(Read(fs::path(out) / "nested" / "REPORT.md"), "nested");
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
  // Not through a link, not over a file.
  fs::create_symlink(out, dir / "link");
  const std::string staging = TemporaryPathFor((dir / "link").string());
  fs::create_directories(staging);
  EXPECT_EQ(CommitTemporaryDirectory(staging, (dir / "link").string()).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(staging));
  EXPECT_TRUE(fs::is_symlink(dir / "link"));
}

}  // namespace
}  // namespace aanet
