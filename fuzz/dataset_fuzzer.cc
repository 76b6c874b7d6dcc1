// Dataset files (data_gen/dataset.h): the input is a file's bytes, read from
// memory with HDF5's core driver.
#include <cstddef>
#include <cstdint>
#include <string>

#include "data_gen/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string image(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<aanet::data_gen::Dataset> dataset =
      aanet::data_gen::ReadDatasetImage(image, "fuzz.h5");
  if (dataset.ok()) (void)aanet::data_gen::DatasetHash(*dataset);
  return 0;
}
