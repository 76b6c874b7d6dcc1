// Writing text files so that readers never see a partial file.
#ifndef AANET_FILEIO_TEXT_FILE_H_
#define AANET_FILEIO_TEXT_FILE_H_

#include <string>

#include "absl/status/status.h"

namespace aanet {

// Writes `contents` to `path + ".tmp-<pid>"` in the same directory (creating
// the directory if missing), flushes it to disk and renames it over `path`:
// readers see the old file or the complete new one. On failure the temporary
// is removed and the error names `path`, e.g.
// "out/x.json: cannot write (No space left on device)".
absl::Status WriteTextFileAtomically(const std::string& path,
                                     const std::string& contents);

// The temporary name an atomic writer of `path` uses beside it:
// `path + ".tmp-<pid>"`. DirectoryLock removes those left by killed writers.
std::string TemporaryPathFor(const std::string& path);

// The last step of an atomic write, for a file another writer (e.g. an
// external program) completed under `temporary` (TemporaryPathFor(path)):
// flushes it to disk and renames it over `path`. On failure the temporary is
// removed and the error names `path`: "<path>: cannot write (<reason>)".
// (WriteTextFileAtomically ends with the same rename.)
absl::Status CommitTemporaryFile(const std::string& temporary,
                                 const std::string& path);

// Appends `text` to `path` (created if missing) and flushes it to the disk.
// Errors name the file and the reason, e.g. "out/run/metrics.jsonl: cannot
// append (No space left on device)". A failure can leave part of `text`
// appended: readers of such logs drop an incomplete last line.
absl::Status AppendToFile(const std::string& path, const std::string& text);

}  // namespace aanet

#endif  // AANET_FILEIO_TEXT_FILE_H_
