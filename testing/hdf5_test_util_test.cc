#include "testing/hdf5_test_util.h"

#include <string>

#include "H5Cpp.h"
#include "gtest/gtest.h"
#include "testing/test_util.h"

namespace aanet::test_util {
namespace {

TEST(EditHdf5FileTest, EditsAreWrittenToTheFile) {
  const std::string path = TestDir() + "/a.h5";
  { H5::H5File file(path, H5F_ACC_TRUNC); }
  EditHdf5File(path, [](H5::H5File& file) { file.createGroup("added"); });
  H5::H5File file(path, H5F_ACC_RDONLY);
  EXPECT_TRUE(file.nameExists("added"));
}

}  // namespace
}  // namespace aanet::test_util
