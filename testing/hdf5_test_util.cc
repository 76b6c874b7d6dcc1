#include "testing/hdf5_test_util.h"

#include <functional>
#include <string>

namespace aanet::test_util {

void EditHdf5File(const std::string& path,
                  const std::function<void(H5::H5File&)>& edit) {
  H5::H5File file(path, H5F_ACC_RDWR);
  edit(file);
}

}  // namespace aanet::test_util
