#include "fileio/directory_lock.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aanet {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

fs::path Fresh(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / "directory_lock" / name;
  fs::remove_all(dir);
  return dir;
}

TEST(DirectoryLockTest, SecondLockFailsNamingTheHolderUntilReleased) {
  const fs::path dir = Fresh("second");
  {
    absl::StatusOr<DirectoryLock> first = DirectoryLock::Acquire(dir.string());
    ASSERT_TRUE(first.ok()) << first.status();
    absl::StatusOr<DirectoryLock> second = DirectoryLock::Acquire(dir.string());
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(second.status().message(),
                HasSubstr("in use by " + DirectoryLock::HolderName()));
    EXPECT_THAT(second.status().message(), HasSubstr(dir.string()));
  }
  EXPECT_TRUE(DirectoryLock::Acquire(dir.string()).ok());
}

// Another process (a forked child) cannot take the lock while this one holds
// it; the child reports the holder.
TEST(DirectoryLockTest, ExcludesAnotherProcess) {
  const fs::path dir = Fresh("other_process");
  absl::StatusOr<DirectoryLock> lock = DirectoryLock::Acquire(dir.string());
  ASSERT_TRUE(lock.ok()) << lock.status();
  const pid_t child = fork();
  if (child == 0) {
    absl::StatusOr<DirectoryLock> mine = DirectoryLock::Acquire(dir.string());
    const bool names_holder =
        !mine.ok() && mine.status().message().find(
                          ":" + std::to_string(getppid())) != std::string::npos;
    _exit(names_holder ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// A holder killed with SIGKILL leaves no stale lock.
TEST(DirectoryLockTest, KilledHolderReleasesTheLock) {
  const fs::path dir = Fresh("killed");
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  if (child == 0) {
    absl::StatusOr<DirectoryLock> mine = DirectoryLock::Acquire(dir.string());
    char byte = mine.ok() ? 1 : 0;
    (void)!write(ready[1], &byte, 1);
    pause();
    _exit(0);
  }
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, 1);
  EXPECT_FALSE(DirectoryLock::Acquire(dir.string()).ok());
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_TRUE(DirectoryLock::Acquire(dir.string()).ok());
}

TEST(DirectoryLockTest, RemovesTemporariesOfDeadWriters) {
  const fs::path dir = Fresh("temporaries");
  fs::create_directories(dir / "sub");
  for (const char* name : {"checkpoint.h5.tmp-123", "metrics.jsonl.tmp-9",
                           "keep.tmp-x", "keep.txt", "sub/deep.h5.tmp-5"}) {
    std::ofstream(dir / name) << "x";
  }
  ASSERT_TRUE(DirectoryLock::Acquire(dir.string()).ok());
  EXPECT_FALSE(fs::exists(dir / "checkpoint.h5.tmp-123"));
  EXPECT_FALSE(fs::exists(dir / "metrics.jsonl.tmp-9"));
  EXPECT_TRUE(fs::exists(dir / "keep.tmp-x"));
  EXPECT_TRUE(fs::exists(dir / "keep.txt"));
  EXPECT_TRUE(fs::exists(dir / "sub/deep.h5.tmp-5"));
}

// Issue 18: a `.lock` planted as a symbolic link had its target overwritten
// with "host:PID". Such a lock path is refused and the target is untouched;
// so are a FIFO (which must not hang the open) and a directory.
TEST(DirectoryLockTest, RefusesALockPathThatIsNotARegularFile) {
  const fs::path dir = Fresh("planted");
  fs::create_directories(dir);
  const fs::path target = dir.parent_path() / "planted_target.txt";
  std::ofstream(target) << "not yours\n";
  fs::create_symlink(target, dir / ".lock");
  absl::StatusOr<DirectoryLock> lock = DirectoryLock::Acquire(dir.string());
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(lock.status().message(),
            (dir / ".lock").string() +
                ": is a symbolic link; refusing to use it as a lock file "
                "(remove it)");
  std::ifstream in(target);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "not yours");

  fs::remove(dir / ".lock");
  ASSERT_EQ(mkfifo((dir / ".lock").c_str(), 0644), 0);
  lock = DirectoryLock::Acquire(dir.string());
  ASSERT_FALSE(lock.ok());
  EXPECT_THAT(lock.status().message(), HasSubstr("is not a regular file"));
  fs::remove(dir / ".lock");
  fs::create_directories(dir / ".lock");
  EXPECT_FALSE(DirectoryLock::Acquire(dir.string()).ok());
}

}  // namespace
}  // namespace aanet
