// Writing the report's output files so that a reader never sees half of one.
#ifndef AANET_REPORTS_FILES_H_
#define AANET_REPORTS_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace aanet::reports {

// Writes `contents` to `path` atomically (fileio/text_file.h): first to a
// temporary file beside it, then renamed over `path`. On failure the
// temporary is removed, `path` is left as it was, and the error names `path`.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& contents);

// OK if the report may replace `dir` whole: it is missing, or a directory
// (not a symbolic link) holding only what reports write (`*.md`, `*.csv`,
// `*.png`, `*.gif`, `*.gp`, `*.dat`, temporaries) and nested reports
// (subdirectories with a REPORT.md, e.g. the main job's ablation/), which
// are kept. So a
// sweep's or the output root's directory is never replaced. Otherwise
// FailedPrecondition naming `dir` or the first foreign file, e.g. "out/x: holds
// out/x/notes.txt, which no report writes; refusing to replace the directory,
// choose another --out".
absl::Status CheckReportDirectory(const std::string& dir);

// Creates `dir` and its missing parents; an error names `dir`.
absl::Status CreateDirectories(const std::string& dir);

// The whole content of the regular file `path`; NotFound if it does not
// exist, otherwise an error naming `path` if it cannot be read.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_FILES_H_
