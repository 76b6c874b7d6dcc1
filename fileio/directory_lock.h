// An exclusive lock on a directory (a training run, a sweep root), held for
// as long as the DirectoryLock object lives, normally the process's life.
//
// Mechanism: an open file description (OFD) record lock, fcntl(F_OFD_SETLK),
// on the file DIR/.lock, with "host:PID" written into the file by the holder.
// Why this one:
// - fcntl record locks are the locks that NFS carries to the server (NLM for
//   NFSv3, the protocol's own locks for NFSv4), so two machines sharing a run
//   directory over NFS exclude each other; flock() is only emulated on NFS
//   by some kernels, and lock files made with O_EXCL outlive a crashed
//   holder.
// - The kernel (or the NFS server, when the client's lease ends) drops the
//   lock when its holder dies, even by kill -9: no stale lock to clean up.
// - OFD locks, unlike classic POSIX record locks, belong to the open file,
//   not the process: a second lock in the same process conflicts too, and
//   opening and closing the lock file elsewhere does not silently release
//   it. The descriptor is close-on-exec, so workers started by the holder do
//   not keep the lock past their exec.
// - The "host:PID" text is for people: the lock itself says nothing useful
//   about a holder on another machine.
#ifndef AANET_FILEIO_DIRECTORY_LOCK_H_
#define AANET_FILEIO_DIRECTORY_LOCK_H_

#include <string>

#include "absl/status/statusor.h"

namespace aanet {

class DirectoryLock {
 public:
  // Creates `directory` if needed and locks it. If another process holds the
  // lock: FailedPrecondition "<directory>: in use by <host>:<pid> (lock
  // <directory>/.lock); wait for it to finish or use another directory".
  // A `.lock` that is a symbolic link, device, pipe or directory is refused
  // (FailedPrecondition "<directory>/.lock: is a symbolic link; refusing to
  // use it as a lock file (remove it)"): it is opened with O_NOFOLLOW and
  // only a regular file is written.
  // Once locked, removes the temporaries ("*.tmp-<pid>") that writers killed
  // mid-write left in `directory` (not below it): the lock proves that no
  // writer of this directory is live.
  static absl::StatusOr<DirectoryLock> Acquire(const std::string& directory);

  DirectoryLock(DirectoryLock&& other) noexcept;
  DirectoryLock& operator=(DirectoryLock&& other) noexcept;
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  ~DirectoryLock();  // releases the lock (the lock file stays)

  const std::string& directory() const { return directory_; }

  // "host:pid" of this process, as written into lock files.
  static std::string HolderName();

 private:
  DirectoryLock(std::string directory, int fd)
      : directory_(std::move(directory)), fd_(fd) {}

  std::string directory_;
  int fd_ = -1;
};

}  // namespace aanet

#endif  // AANET_FILEIO_DIRECTORY_LOCK_H_
