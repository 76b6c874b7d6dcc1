// Raw HDF5 edits of a written file, for tests of the readers' checks
// (testonly; //testing:hdf5_test_util).
#ifndef AANET_TESTING_HDF5_TEST_UTIL_H_
#define AANET_TESTING_HDF5_TEST_UTIL_H_

#include <functional>
#include <string>

#include "H5Cpp.h"

namespace aanet::test_util {

// Opens the HDF5 file at `path` for writing, calls `edit` on it and closes
// it (HDF5 exceptions propagate: an edit that fails fails the test).
void EditHdf5File(const std::string& path,
                  const std::function<void(H5::H5File&)>& edit);

}  // namespace aanet::test_util

#endif  // AANET_TESTING_HDF5_TEST_UTIL_H_
