#include "fileio/file_lock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "status/status_macros.h"

namespace aanet {
namespace internal {

absl::StatusOr<int> OpenLockFile(const std::string& path) {
  // O_NONBLOCK: opening a planted FIFO must not hang.
  const int fd =
      open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
           0644);
  auto refuse = [&](const char* what) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": ", what, "; refusing to use it as a lock file (remove it)"));
  };
  if (fd < 0) {
    if (errno == ELOOP) return refuse("is a symbolic link");
    return absl::InternalError(absl::StrCat(path, ": cannot open lock file (",
                                            std::strerror(errno), ")"));
  }
  struct stat info = {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return refuse("is not a regular file");
  }
  return fd;
}

int LockWholeFile(int fd, bool wait) {
  struct flock lock = {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 0;  // the whole file
  int result;
  do {
    result = fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &lock);
  } while (result != 0 && errno == EINTR && wait);
  return result == 0 ? 0 : errno;
}

}  // namespace internal

absl::StatusOr<FileLock> FileLock::Acquire(const std::string& lock_path) {
  const std::filesystem::path parent =
      std::filesystem::path(lock_path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return absl::InternalError(absl::StrCat(
          parent.string(), ": cannot create directory (", ec.message(), ")"));
    }
  }
  AANET_ASSIGN_OR_RETURN(const int fd, internal::OpenLockFile(lock_path));
  if (const int error = internal::LockWholeFile(fd, /*wait=*/true);
      error != 0) {
    close(fd);
    return absl::InternalError(
        absl::StrCat(lock_path, ": cannot lock (", std::strerror(error), ")"));
  }
  return FileLock(lock_path, fd);
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace aanet
