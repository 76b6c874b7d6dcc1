#include "fileio/text_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace aanet {
namespace {

// Writes all of `text` to `fd`, retrying partial writes and EINTR; 0 or the
// errno of the failed write.
int WriteAll(int fd, const std::string& text) {
  const char* data = text.data();
  size_t remaining = text.size();
  while (remaining > 0) {
    const ssize_t written = write(fd, data, remaining);
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += written;
    remaining -= static_cast<size_t>(written);
  }
  return 0;
}

// The error of a failed write to `path`, after removing `temporary`.
absl::Status FailWrite(const std::string& temporary, const std::string& path,
                       const std::string& reason) {
  std::remove(temporary.c_str());
  return absl::InternalError(
      absl::StrCat(path, ": cannot write (", reason, ")"));
}

// Renames the flushed `temporary` over `path`.
absl::Status RenameOver(const std::string& temporary, const std::string& path) {
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) return FailWrite(temporary, path, ec.message());
  return absl::OkStatus();
}

}  // namespace

std::string TemporaryPathFor(const std::string& path) {
  return absl::StrCat(path, ".tmp-", getpid());
}

absl::Status CommitTemporaryFile(const std::string& temporary,
                                 const std::string& path) {
  const int fd = open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FailWrite(temporary, path, std::strerror(errno));
  if (fsync(fd) != 0) {
    const std::string reason = std::strerror(errno);
    close(fd);
    return FailWrite(temporary, path, reason);
  }
  if (close(fd) != 0) return FailWrite(temporary, path, std::strerror(errno));
  return RenameOver(temporary, path);
}

absl::Status WriteTextFileAtomically(const std::string& path,
                                     const std::string& contents) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat(path, ": cannot create directory ", parent.string(),
                       " (", ec.message(), ")"));
    }
  }
  const std::string temporary = TemporaryPathFor(path);
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot write (", std::strerror(errno), ")"));
  }
  if (const int error = WriteAll(fd, contents); error != 0) {
    close(fd);
    return FailWrite(temporary, path, std::strerror(error));
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    return FailWrite(temporary, path, std::strerror(errno));
  }
  return RenameOver(temporary, path);
}

absl::Status AppendToFile(const std::string& path, const std::string& text) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot append (", std::strerror(errno), ")"));
  }
  if (const int error = WriteAll(fd, text); error != 0) {
    close(fd);
    return absl::InternalError(
        absl::StrCat(path, ": cannot append (", std::strerror(error), ")"));
  }
  if (fdatasync(fd) != 0 || close(fd) != 0) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot append (", std::strerror(errno), ")"));
  }
  return absl::OkStatus();
}

}  // namespace aanet
