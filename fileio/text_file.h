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

}  // namespace aanet

#endif  // AANET_FILEIO_TEXT_FILE_H_
