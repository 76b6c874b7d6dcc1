// An exclusive lock that waits: one writer at a time of a file that several
// processes may want to create, e.g. a dataset two sweeps share
// (sweep/prepare.h). The lock is an OFD fcntl record lock on a lock file
// beside it, as DirectoryLock's (directory_lock.h says why this mechanism);
// the file that is written is replaced by rename and so cannot carry the
// lock itself.
#ifndef AANET_FILEIO_FILE_LOCK_H_
#define AANET_FILEIO_FILE_LOCK_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace aanet {

class FileLock {
 public:
  // Opens (creating it if missing) `lock_path` and waits until this process
  // holds its lock. Errors name the lock file, e.g. "out/datasets/.x.h5.lock:
  // cannot open lock file (Permission denied)"; a symbolic link or another
  // non-regular file there is refused rather than followed.
  static absl::StatusOr<FileLock> Acquire(const std::string& lock_path);

  FileLock(FileLock&& other) noexcept
      : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();  // releases the lock (the lock file stays)

  const std::string& path() const { return path_; }

 private:
  FileLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  std::string path_;
  int fd_ = -1;
};

namespace internal {

// Opens (creating it if missing) the lock file `path` for DirectoryLock and
// FileLock: never through a symbolic link and never anything but a regular
// file, since whoever can write into a shared directory could otherwise make
// us write (DirectoryLock writes "host:PID") or block on (a FIFO) a file of
// their choosing. Returns the descriptor (close-on-exec), or
// FailedPrecondition "<path>: is a symbolic link; refusing to use it as a
// lock file (remove it)" (or "is not a regular file; ...").
absl::StatusOr<int> OpenLockFile(const std::string& path);

// Takes the OFD write lock on the whole of `fd`; with `wait`, waits for it
// (retrying on EINTR). Returns 0 or the errno of the failure (EAGAIN or
// EACCES: another holder, without `wait`).
int LockWholeFile(int fd, bool wait);

}  // namespace internal
}  // namespace aanet

#endif  // AANET_FILEIO_FILE_LOCK_H_
