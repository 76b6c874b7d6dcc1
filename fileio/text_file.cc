#include "fileio/text_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace aanet {
namespace {

namespace fs = std::filesystem;

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

// What a file of mode `mode` (from lstat) is, for messages.
std::string KindOf(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a named pipe";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Renames the flushed `temporary` over `path`, checking `path` once more
// right before: it may have been replaced since the writer started.
absl::Status RenameOver(const std::string& temporary, const std::string& path) {
  if (absl::Status ours = CheckOutputPath(path); !ours.ok()) {
    std::remove(temporary.c_str());
    return ours;
  }
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec) return FailWrite(temporary, path, ec.message());
  return absl::OkStatus();
}

// Creates the parent directory of `path` if missing.
absl::Status CreateParent(const std::string& path) {
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) return absl::OkStatus();
  fs::create_directories(parent, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat(path, ": cannot create directory ",
                                            parent.string(), " (", ec.message(),
                                            ")"));
  }
  return absl::OkStatus();
}

// Writes `contents` to a fresh TemporaryPathFor(path), locked and flushed;
// returns its still open descriptor (closing it would drop the lock that
// marks it live), or an error naming `path` with the temporary removed.
absl::StatusOr<int> WriteTemporary(const std::string& path,
                                   const std::string& contents) {
  const std::string temporary = TemporaryPathFor(path);
  // A leftover of an earlier process with our pid is removed, not reused:
  // O_EXCL | O_NOFOLLOW then never writes through a planted link.
  unlink(temporary.c_str());
  const int fd =
      open(temporary.c_str(),
           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot write (", std::strerror(errno), ")"));
  }
  // Best effort (some filesystems have no locks): without it, only the pid
  // rule of RemoveStaleTemporaries protects this temporary.
  struct flock lock = {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  fcntl(fd, F_OFD_SETLK, &lock);
  if (const int error = WriteAll(fd, contents); error != 0) {
    close(fd);
    return FailWrite(temporary, path, std::strerror(error));
  }
  if (fsync(fd) != 0) {
    const std::string reason = std::strerror(errno);
    close(fd);
    return FailWrite(temporary, path, reason);
  }
  return fd;
}

// Everything a writer of `path` does before writing its temporary.
absl::Status PrepareOutput(const std::string& path) {
  if (absl::Status ours = CheckOutputPath(path); !ours.ok()) return ours;
  if (absl::Status made = CreateParent(path); !made.ok()) return made;
  RemoveStaleTemporaries(path);
  return absl::OkStatus();
}

bool ProcessIsAlive(pid_t pid) { return kill(pid, 0) == 0 || errno == EPERM; }

// Whether someone holds a lock on the regular file `path` (F_OFD_GETLK tests
// without taking it; over NFS the server answers for every client).
bool LockIsHeld(const std::string& path) {
  const int fd =
      open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  struct flock lock = {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  const bool held = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                    fcntl(fd, F_OFD_GETLK, &lock) == 0 &&
                    lock.l_type != F_UNLCK;
  close(fd);
  return held;
}

// The pid in `name` if it is `prefix` followed by digits only, else -1.
pid_t PidAfter(const std::string& name, const std::string& prefix) {
  if (!absl::StartsWith(name, prefix)) return -1;
  const std::string digits = name.substr(prefix.size());
  if (digits.empty() ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return -1;
  }
  int pid = 0;
  if (!absl::SimpleAtoi(digits, &pid) || pid <= 0) return -1;
  return pid;
}

// Moves the subdirectories of `from` that `to` lacks into `to`, then removes
// `from`. If a move fails (e.g. a mount point), `from` is kept, renamed to
// `<dir>.old-<pid>` (a name no cleanup removes), and the error says so.
absl::Status CarryOverAndRemove(const std::string& from,
                                const std::string& dir) {
  std::error_code ec;
  std::string failed;
  for (fs::directory_iterator it(from, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code ignored;
    const fs::path moved = fs::path(dir) / it->path().filename();
    if (it->is_directory(ignored) && !it->is_symlink(ignored) &&
        !fs::exists(fs::symlink_status(moved, ignored))) {
      std::error_code move;
      fs::rename(it->path(), moved, move);
      if (move && failed.empty()) {
        failed = absl::StrCat(it->path().filename().string(), " (",
                              move.message(), ")");
      }
    }
  }
  std::error_code ignored;
  if (failed.empty()) {
    fs::remove_all(from, ignored);
    return absl::OkStatus();
  }
  const std::string kept = absl::StrCat(dir, ".old-", getpid());
  fs::rename(from, kept, ignored);
  return absl::InternalError(
      absl::StrCat(dir, ": replaced, but could not move ", failed,
                   " over from the old directory, kept as ", kept));
}

}  // namespace

std::string TemporaryPathFor(const std::string& path) {
  return absl::StrCat(path, ".tmp-", getpid());
}

absl::Status CheckOutputPath(const std::string& path) {
  struct stat st;
  // Anything lstat cannot see (missing, a missing parent, no permission) is
  // left to the writer, whose error then names the reason.
  if (lstat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      absl::StrCat(path, ": is ", KindOf(st.st_mode),
                   ", not a regular file; refusing to replace it, choose "
                   "another output path"));
}

absl::Status CheckOutputIsNotInput(const std::string& output,
                                   const std::vector<std::string>& inputs) {
  std::error_code ec;
  const fs::path out = fs::weakly_canonical(fs::absolute(output), ec);
  const bool out_resolved = !ec;
  struct stat out_stat;
  const bool out_exists = stat(output.c_str(), &out_stat) == 0;
  for (const std::string& input : inputs) {
    if (input.empty()) continue;
    bool same = false;
    const fs::path in = fs::weakly_canonical(fs::absolute(input), ec);
    if (out_resolved && !ec && in == out) same = true;
    struct stat in_stat;
    if (out_exists && stat(input.c_str(), &in_stat) == 0 &&
        in_stat.st_dev == out_stat.st_dev &&
        in_stat.st_ino == out_stat.st_ino) {
      same = true;
    }
    if (same) {
      return absl::FailedPreconditionError(
          absl::StrCat(output, ": is the input ", input,
                       "; refusing to overwrite it, choose another output "
                       "path"));
    }
  }
  return absl::OkStatus();
}

void RemoveStaleTemporaries(const std::string& path) {
  const fs::path target(path);
  const std::string base = target.filename().string();
  if (base.empty()) return;
  const fs::path parent =
      target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    pid_t pid = PidAfter(name, base + ".tmp-");
    if (pid < 0) pid = PidAfter(name, base + ".old.tmp-");
    if (pid < 0 || pid == getpid() || ProcessIsAlive(pid)) continue;
    const std::string entry = it->path().string();
    struct stat st;
    if (lstat(entry.c_str(), &st) != 0) continue;
    std::error_code ignored;
    if (S_ISREG(st.st_mode) && !LockIsHeld(entry)) {
      fs::remove(entry, ignored);
    } else if (S_ISDIR(st.st_mode) &&
               !LockIsHeld((it->path() / ".lock").string())) {
      fs::remove_all(entry, ignored);
    }
  }
}

absl::Status CommitTemporaryFile(const std::string& temporary,
                                 const std::string& path) {
  if (absl::Status ours = CheckOutputPath(path); !ours.ok()) {
    std::remove(temporary.c_str());
    return ours;
  }
  RemoveStaleTemporaries(path);
  const int fd = open(temporary.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
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
  if (absl::Status ready = PrepareOutput(path); !ready.ok()) return ready;
  absl::StatusOr<int> fd = WriteTemporary(path, contents);
  if (!fd.ok()) return fd.status();
  const absl::Status renamed = RenameOver(TemporaryPathFor(path), path);
  // Closed after the rename so that the lock covers the temporary's whole
  // life; the data is already flushed, so close() has nothing left to fail.
  close(*fd);
  return renamed;
}

absl::Status WriteTextFilesTogether(
    const std::vector<std::pair<std::string, std::string>>& files) {
  for (const auto& [path, contents] : files) {
    if (absl::Status ready = PrepareOutput(path); !ready.ok()) return ready;
  }
  std::vector<int> fds;
  const auto close_all = [&fds] {
    for (int fd : fds) close(fd);
  };
  for (const auto& [path, contents] : files) {
    absl::StatusOr<int> fd = WriteTemporary(path, contents);
    if (!fd.ok()) {
      for (size_t i = 0; i < fds.size(); ++i) {
        std::remove(TemporaryPathFor(files[i].first).c_str());
      }
      close_all();
      return fd.status();
    }
    fds.push_back(*fd);
  }
  std::vector<std::string> replaced;
  for (size_t i = 0; i < files.size(); ++i) {
    absl::Status renamed =
        RenameOver(TemporaryPathFor(files[i].first), files[i].first);
    if (!renamed.ok()) {
      for (size_t j = i + 1; j < files.size(); ++j) {
        std::remove(TemporaryPathFor(files[j].first).c_str());
      }
      close_all();
      if (replaced.empty()) return renamed;
      return absl::Status(
          renamed.code(),
          absl::StrCat(renamed.message(),
                       "; already replaced: ", absl::StrJoin(replaced, ", ")));
    }
    replaced.push_back(files[i].first);
  }
  close_all();
  return absl::OkStatus();
}

absl::Status CommitTemporaryDirectory(const std::string& temporary,
                                      const std::string& dir) {
  std::error_code ignored;
  const auto fail = [&](const std::string& reason) {
    fs::remove_all(temporary, ignored);
    return absl::InternalError(
        absl::StrCat(dir, ": cannot write (", reason, ")"));
  };
  RemoveStaleTemporaries(dir);
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return fail(std::strerror(errno));
    if (rename(temporary.c_str(), dir.c_str()) != 0) {
      return fail(std::strerror(errno));
    }
    return absl::OkStatus();
  }
  if (!S_ISDIR(st.st_mode)) {
    fs::remove_all(temporary, ignored);
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": is ", KindOf(st.st_mode),
                     ", not a directory; refusing to replace it, choose "
                     "another output path"));
  }
  if (renameat2(AT_FDCWD, temporary.c_str(), AT_FDCWD, dir.c_str(),
                RENAME_EXCHANGE) == 0) {
    // `temporary` now holds the old directory.
    return CarryOverAndRemove(temporary, dir);
  }
  if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) {
    return fail(std::strerror(errno));
  }
  const std::string aside = absl::StrCat(dir, ".old.tmp-", getpid());
  fs::remove_all(aside, ignored);
  if (rename(dir.c_str(), aside.c_str()) != 0) {
    return fail(std::strerror(errno));
  }
  if (rename(temporary.c_str(), dir.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    rename(aside.c_str(), dir.c_str());
    return fail(reason);
  }
  return CarryOverAndRemove(aside, dir);
}

absl::Status AppendToFile(const std::string& path, const std::string& text) {
  const int fd =
      open(path.c_str(),
           O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
           0644);
  if (fd < 0) {
    if (errno == ELOOP) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": is a symbolic link; refusing to append through it"));
    }
    return absl::InternalError(
        absl::StrCat(path, ": cannot append (", std::strerror(errno), ")"));
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
    close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": is ", KindOf(st.st_mode),
                     ", not a regular file; refusing to append to it"));
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
