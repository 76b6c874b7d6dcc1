// Checkpoints (models/checkpoint.h): the input is a file's bytes, read from
// memory with HDF5's core driver; what reads back must validate.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "models/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string image(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<aanet::Checkpoint> checkpoint =
      aanet::ReadCheckpointImage(image, "fuzz.h5");
  // The reader promises a checkpoint that passes ValidateCheckpoint.
  if (checkpoint.ok() && !aanet::ValidateCheckpoint(*checkpoint).ok()) {
    std::abort();
  }
  return 0;
}
