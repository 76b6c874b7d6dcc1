#include "fileio/file_lock.h"

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include "gtest/gtest.h"

namespace aanet {
namespace {

namespace fs = std::filesystem;

std::string LockPath(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / name;
  fs::remove_all(dir);
  return (dir / ".data.h5.lock").string();
}

// A second holder (OFD locks conflict within one process too) waits until
// the first releases the lock.
TEST(FileLockTest, SecondHolderWaitsForTheFirst) {
  const std::string path = LockPath("wait");
  std::optional<FileLock> first;
  {
    absl::StatusOr<FileLock> lock = FileLock::Acquire(path);
    ASSERT_TRUE(lock.ok()) << lock.status();
    first.emplace(*std::move(lock));
  }
  std::atomic<bool> acquired{false};
  std::thread second([&] {
    absl::StatusOr<FileLock> lock = FileLock::Acquire(path);
    EXPECT_TRUE(lock.ok()) << lock.status();
    acquired = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(acquired);
  first.reset();
  second.join();
  EXPECT_TRUE(acquired);
}

TEST(FileLockTest, RefusesASymbolicLink) {
  const std::string path = LockPath("symlink");
  fs::create_directories(fs::path(path).parent_path());
  const std::string target = path + "-target";
  fs::create_symlink(target, path);
  absl::StatusOr<FileLock> lock = FileLock::Acquire(path);
  ASSERT_FALSE(lock.ok());
  EXPECT_NE(lock.status().message().find(path), std::string::npos)
      << lock.status();
  EXPECT_FALSE(fs::exists(target));
}

// A FIFO planted at the lock path: opening it for the lock must neither hang
// (no reader ever comes) nor lock it.
TEST(FileLockTest, RefusesAFifoWithoutHanging) {
  const std::string path = LockPath("fifo");
  fs::create_directories(fs::path(path).parent_path());
  ASSERT_EQ(mkfifo(path.c_str(), 0644), 0);
  absl::StatusOr<FileLock> lock = FileLock::Acquire(path);
  ASSERT_FALSE(lock.ok());
  EXPECT_NE(lock.status().message().find("is not a regular file"),
            std::string::npos)
      << lock.status();
}

}  // namespace
}  // namespace aanet
