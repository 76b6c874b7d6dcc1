// Writing text files so that readers never see a partial file.
#ifndef AANET_FILEIO_TEXT_FILE_H_
#define AANET_FILEIO_TEXT_FILE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace aanet {

// Every writer below replaces only what is ours to replace: `path` must be
// missing or a regular file that is not a symbolic link (CheckOutputPath),
// so nothing is ever written through a link or over a device, directory or
// socket. Each first removes the stale temporaries of `path`
// (RemoveStaleTemporaries).

// Writes `contents` to `path + ".tmp-<pid>"` in the same directory (creating
// the directory if missing), flushes it to disk and renames it over `path`:
// readers see the old file or the complete new one. On failure the temporary
// is removed and the error names `path`, e.g.
// "out/x.json: cannot write (No space left on device)". The temporary is
// created afresh (never through a link) and holds an OFD write lock while it
// is written, which tells writers on other hosts that it is live.
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

// Writes several files as one output (e.g. predictions and their companion
// .npy files): every temporary is written and flushed first, and only then
// renamed into place, so a failure while writing (a full disk) changes none
// of the files. Renames need no space; should one still fail, the error says
// which files were already replaced.
absl::Status WriteTextFilesTogether(
    const std::vector<std::pair<std::string, std::string>>& files);

// OK if `path` does not exist or is a regular file that is not a symbolic
// link; otherwise FailedPrecondition "<path>: is a symbolic link|a directory|
// a device|...; refusing to replace it, choose another output path". Binaries
// call it on each output before any work; the writers check again.
absl::Status CheckOutputPath(const std::string& path);

// FailedPrecondition "<output>: is the input <input>; refusing to overwrite
// it, choose another output path" if `output` names the same file as one of
// `inputs`: the same path once made absolute and resolved (so `./x`, `x` and
// links to x agree), or, for existing files, the same device and inode (hard
// links). Empty inputs are skipped.
absl::Status CheckOutputIsNotInput(const std::string& output,
                                   const std::vector<std::string>& inputs);

// Removes the temporaries of `path` that killed writers left beside it:
// `<path>.tmp-<pid>` files and directories (and `<path>.old.tmp-<pid>`
// directories, see CommitTemporaryDirectory) whose pid is no live process on
// this host and whose writer's lock is free (for a directory: the lock on its
// `.lock`). The lock is what protects a live writer on another host sharing
// the storage, whose pid means nothing here. Errors are ignored: cleaning up
// is best effort.
void RemoveStaleTemporaries(const std::string& path);

// Puts a directory another writer completed under `temporary`
// (TemporaryPathFor(dir), a sibling of `dir`) in the place of `dir`. A
// missing `dir` is a rename. An existing one is swapped with
// renameat2(RENAME_EXCHANGE), so readers see the old directory or the new
// one, never neither, and the old one is then removed; where the filesystem
// cannot exchange (e.g. NFS), the old one is first renamed aside to
// `<dir>.old.tmp-<pid>`, leaving a moment in which `dir` is missing.
// Subdirectories of the old directory that the new one lacks are moved into
// the new one: they are other writers' outputs nested inside (e.g. the main
// job's ablation report inside the main report), and are missing from `dir`
// only between the swap and that move. `dir` must be a directory, not a
// symbolic link. On failure `temporary` is removed and the error names
// `dir`.
absl::Status CommitTemporaryDirectory(const std::string& temporary,
                                      const std::string& dir);

// Appends `text` to `path` (created if missing; a symbolic link is refused) and
// flushes it to the disk. Errors name the file and the reason, e.g.
// "out/run/metrics.jsonl: cannot append (No space left on device)". A failure
// can leave part of `text` appended: readers of such logs drop an incomplete
// last line.
absl::Status AppendToFile(const std::string& path, const std::string& text);

}  // namespace aanet

#endif  // AANET_FILEIO_TEXT_FILE_H_
