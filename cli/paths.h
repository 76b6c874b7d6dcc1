// Where the project's binaries read and write files.
//
// Under `bazel run` a binary's working directory is its runfiles tree, not
// the user's. Bazel exports the user's directory as BUILD_WORKING_DIRECTORY
// and the workspace root as BUILD_WORKSPACE_DIRECTORY; these helpers map
// user-supplied paths and default output locations through them. Outside
// `bazel run` (a genrule, a test, a binary run directly) paths are used as
// given and outputs default to ./out.
#ifndef AANET_CLI_PATHS_H_
#define AANET_CLI_PATHS_H_

#include <string>

namespace aanet {

// A path the user typed on the command line, made absolute against the
// directory they typed it in. Empty stays empty.
std::string ResolveUserPath(const std::string& path);

// The workspace's `out/` directory (or ./out outside `bazel run`) joined with
// `relative`, e.g. WorkspaceOutputPath("datasets/x.h5").
std::string WorkspaceOutputPath(const std::string& relative);

}  // namespace aanet

#endif  // AANET_CLI_PATHS_H_
