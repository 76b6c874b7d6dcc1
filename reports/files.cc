#include "reports/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "fileio/text_file.h"

namespace aanet::reports {

namespace fs = std::filesystem;

absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& contents) {
  return WriteTextFileAtomically(path, contents);
}

absl::Status CheckReportDirectory(const std::string& dir) {
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(dir, ec);
  if (ec || status.type() == fs::file_type::not_found) {
    return absl::OkStatus();
  }
  if (status.type() == fs::file_type::symlink) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir,
        ": is a symbolic link; refusing to replace it, choose another "
        "--out"));
  }
  if (status.type() != fs::file_type::directory) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir,
        ": is not a directory; refusing to replace it, choose another "
        "--out"));
  }
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    const fs::file_status entry = fs::symlink_status(it->path(), ec);
    const std::string name = it->path().filename().string();
    const std::string extension = it->path().extension().string();
    // A subdirectory must be a nested report (or a killed writer's staging
    // directory): the swap carries subdirectories over, and a data
    // directory (a sweep, datasets) has no business inside a report.
    const bool ours =
        (entry.type() == fs::file_type::directory &&
         (name.find(".tmp-") != std::string::npos ||
          fs::is_regular_file(it->path() / "REPORT.md", ec))) ||
        (entry.type() == fs::file_type::regular &&
         (extension == ".md" || extension == ".csv" || extension == ".png" ||
          extension == ".gif" || extension == ".gp" || extension == ".dat" ||
          name == ".lock" || name.find(".tmp-") != std::string::npos));
    if (!ours) {
      return absl::FailedPreconditionError(absl::StrCat(
          dir, ": holds ", it->path().string(),
          ", which no report writes; refusing to replace the directory, "
          "choose another --out"));
    }
  }
  return absl::OkStatus();
}

absl::Status CreateDirectories(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat(dir, ": cannot create directory (", ec.message(), ")"));
  }
  if (!fs::is_directory(dir, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": not a directory"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  if (!fs::is_regular_file(path, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not a regular file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot open (", std::strerror(errno), ")"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::InternalError(absl::StrCat(path, ": cannot read"));
  return text.str();
}

}  // namespace aanet::reports
