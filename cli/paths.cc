#include "cli/paths.h"

#include <cstdlib>
#include <filesystem>

namespace aanet {
namespace {

std::string EnvOrEmpty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

std::string ResolveUserPath(const std::string& path) {
  if (path.empty()) return path;
  const std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  const std::string base = EnvOrEmpty("BUILD_WORKING_DIRECTORY");
  if (base.empty()) return path;
  return (std::filesystem::path(base) / p).lexically_normal().string();
}

std::string WorkspaceOutputPath(const std::string& relative) {
  const std::string workspace = EnvOrEmpty("BUILD_WORKSPACE_DIRECTORY");
  const std::filesystem::path root =
      workspace.empty() ? std::filesystem::path("out")
                        : std::filesystem::path(workspace) / "out";
  return (root / relative).lexically_normal().string();
}

}  // namespace aanet
