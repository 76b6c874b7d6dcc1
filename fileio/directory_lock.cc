#include "fileio/directory_lock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "fileio/file_lock.h"
#include "status/status_macros.h"

namespace aanet {
namespace {

namespace fs = std::filesystem;

constexpr char kLockFile[] = ".lock";

// Whether `name` is "<something>.tmp-<digits>", as WriteTextFileAtomically
// and h5::WriteFileAtomically name their temporaries.
bool IsTemporaryName(const std::string& name) {
  const size_t at = name.rfind(".tmp-");
  if (at == std::string::npos || at == 0) return false;
  const std::string pid = name.substr(at + 5);
  if (pid.empty()) return false;
  for (char c : pid) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string DirectoryLock::HolderName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) std::strcpy(host, "unknown");
  return absl::StrCat(host, ":", getpid());
}

absl::StatusOr<DirectoryLock> DirectoryLock::Acquire(
    const std::string& directory) {
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat(
        directory, ": cannot create directory (", ec.message(), ")"));
  }
  const std::string path = (fs::path(directory) / kLockFile).string();
  AANET_ASSIGN_OR_RETURN(const int fd, internal::OpenLockFile(path));
  if (const int error = internal::LockWholeFile(fd, /*wait=*/false);
      error != 0) {
    close(fd);
    if (error != EAGAIN && error != EACCES) {
      return absl::InternalError(
          absl::StrCat(path, ": cannot lock (", std::strerror(error), ")"));
    }
    std::ifstream in(path);
    std::string holder;
    std::getline(in, holder);
    holder = std::string(absl::StripAsciiWhitespace(holder));
    if (holder.empty()) holder = "another process";
    return absl::FailedPreconditionError(
        absl::StrCat(directory, ": in use by ", holder, " (lock ", path,
                     "); wait for it to finish or use another directory"));
  }
  const std::string holder = HolderName() + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, holder.data(), holder.size(), 0) !=
                                   static_cast<ssize_t>(holder.size())) {
    const std::string reason = std::strerror(errno);
    close(fd);
    return absl::InternalError(
        absl::StrCat(path, ": cannot write (", reason, ")"));
  }
  for (const fs::directory_entry& entry :
       fs::directory_iterator(directory, ec)) {
    if (entry.is_regular_file(ec) &&
        IsTemporaryName(entry.path().filename().string())) {
      fs::remove(entry.path(), ec);
    }
  }
  return DirectoryLock(directory, fd);
}

DirectoryLock::DirectoryLock(DirectoryLock&& other) noexcept
    : directory_(std::move(other.directory_)),
      fd_(std::exchange(other.fd_, -1)) {}

DirectoryLock& DirectoryLock::operator=(DirectoryLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    directory_ = std::move(other.directory_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace aanet
