#include "cli/paths.h"

#include <cstdlib>

#include "gtest/gtest.h"

namespace aanet {
namespace {

TEST(PathsTest, RelativePathsResolveAgainstUsersDirectory) {
  setenv("BUILD_WORKING_DIRECTORY", "/home/user/project/sub", 1);
  EXPECT_EQ(ResolveUserPath("configs/a.pbtxt"),
            "/home/user/project/sub/configs/a.pbtxt");
  EXPECT_EQ(ResolveUserPath("../b.h5"), "/home/user/project/b.h5");
  EXPECT_EQ(ResolveUserPath("/abs/c.h5"), "/abs/c.h5");
  EXPECT_EQ(ResolveUserPath(""), "");
  unsetenv("BUILD_WORKING_DIRECTORY");
  EXPECT_EQ(ResolveUserPath("configs/a.pbtxt"), "configs/a.pbtxt");
}

TEST(PathsTest, OutputsGoUnderWorkspaceOut) {
  setenv("BUILD_WORKSPACE_DIRECTORY", "/ws", 1);
  EXPECT_EQ(WorkspaceOutputPath("datasets/x.h5"), "/ws/out/datasets/x.h5");
  unsetenv("BUILD_WORKSPACE_DIRECTORY");
  EXPECT_EQ(WorkspaceOutputPath("datasets/x.h5"), "out/datasets/x.h5");
}

}  // namespace
}  // namespace aanet
