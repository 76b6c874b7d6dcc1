// NumPy .npy files (format versions 1.0-3.0) of float64 arrays, as
// numpy.save writes and numpy.load reads them.
#ifndef AANET_FILEIO_NPY_H_
#define AANET_FILEIO_NPY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace aanet {

// An array in row-major (C) order.
struct NpyArray {
  std::vector<int64_t> shape;  // outermost first; {} for a scalar
  std::vector<double> values;  // product(shape) values
};

// Parses the bytes of an .npy file. Accepts little-endian float64, float32,
// int64 and int32 ('<f8', '<f4', '<i8', '<i4'; converted to double) in C or
// Fortran order. Errors name `source`, e.g. "x.npy: not a .npy file (bad
// magic)", "x.npy: dtype '>f8' is not supported (expected little-endian
// float64, float32, int64 or int32)", "x.npy: truncated: header says 12
// values, the file holds 7".
absl::StatusOr<NpyArray> ParseNpy(const std::string& bytes,
                                  const std::string& source);

// Reads and parses the file at `path`.
absl::StatusOr<NpyArray> ReadNpy(const std::string& path);

// The .npy (version 1.0, '<f8', C order) bytes of `array`.
std::string SerializeNpy(const NpyArray& array);

// Writes `array` to `path` atomically (fileio/text_file.h).
absl::Status WriteNpy(const NpyArray& array, const std::string& path);

}  // namespace aanet

#endif  // AANET_FILEIO_NPY_H_
