// Small helpers over HDF5's C++ API shared by the project's file formats
// (datasets, data_gen/dataset.h; training checkpoints, models/checkpoint.h).
//
// Every function returns absl::Status / absl::StatusOr; none lets an
// exception escape (HDF5's C++ API throws H5::Exception: it is caught here and
// turned into an error naming the item). These functions turn HDF5's own
// error printing off.
//
// Conventions:
// - Numeric datasets are float64 (IEEE, little-endian, 8 bytes). Shapes are
//   HDF5's row-major dimensions, i.e. what h5py's .shape shows: a matrix
//   [rows, cols] is stored row by row; a scalar has shape [] (rank 0).
// - Names may contain '/': writers create the intermediate groups, readers
//   look through them. Readers take the name relative to `location` and a
//   `full_name` (the path inside the file) for messages, e.g.
//   OpenArray(parameters_group, "masses", "parameters/masses").
// - Error messages name the item but not the file; ReadFile and
//   WriteFileAtomically prefix "<path>: ".
//
// HDF5 (serial build) is not thread-safe: do not use these functions from
// several threads at once.
#ifndef AANET_H5_HDF5_IO_H_
#define AANET_H5_HDF5_IO_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "H5Cpp.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace aanet::h5 {

// HDF5 dimensions, outermost first.
using Dims = std::vector<hsize_t>;

// Largest number of values a reader below allocates for one dataset (2 GiB of
// float64), so that a corrupt header fails with an error rather than
// exhausting memory.
inline constexpr uint64_t kMaxValuesPerArray = uint64_t{1} << 28;

// Longest fixed-length string attribute accepted when reading.
inline constexpr size_t kMaxFixedStringSize = size_t{1} << 26;

// "[3,1000,2]"; "[]" for a scalar.
std::string ShapeString(const Dims& dims);

// The product of `dims`, or UINT64_MAX if it overflows.
uint64_t NumValues(const Dims& dims);

// A short dtype name, numpy-like: "float64", "int32", "uint8", "string",
// "compound", ...
std::string TypeName(const H5::DataType& type);

// One line from an exception: the C++ API's message plus HDF5's innermost
// cause, e.g. "H5Dopen2 failed (object 'x' doesn't exist)". The cause is the
// one recorded when the failing call returned (by the time an exception is
// caught, destructors have usually cleared HDF5's error stack); every function
// of this file switches that recording on. Clears the record. Line breaks
// become spaces: the result is always one line.
std::string Describe(const H5::Exception& e);

// `status` with "<prefix>: " before its message (same code); OK stays OK.
absl::Status Annotate(const absl::Status& status, const std::string& prefix);

// ---------------------------------------------------------------------------
// Files.

// Writes a new HDF5 file at `path` atomically: calls `fill` on a file built
// in memory (HDF5's core driver, no backing store), then writes its bytes
// with WriteTextFileAtomically (fileio/text_file.h): parent directories
// created, `path + ".tmp-<pid>"` written, fsynced and renamed over `path`.
// Readers never see a partial file, and HDF5 itself never writes to the disk,
// so a full disk is one error from our own write() ("<path>: cannot write (No
// space left on device)") instead of a failure inside HDF5's flush and close
// (which left the library in a state that crashed at exit). Objects are
// created without modification times, so equal contents give byte-identical
// files. On any failure the temporary is removed and the error names `path`:
// "<path>: writing <tmp> failed: <detail>" (from `fill`, or an exception it
// threw), "<path>: cannot create directory <dir> (...)", "<path>: cannot write
// (<reason>)". Errors from `fill` keep their code; other failures are
// Internal (ResourceExhausted when out of memory).
absl::Status WriteFileAtomically(
    const std::string& path,
    const std::function<absl::Status(H5::H5File&)>& fill);

// Opens an existing HDF5 file read-only. Errors, each "<path>: ...":
//   "no such file" (NotFound), "is a directory, expected an HDF5 file",
//   "cannot open (<reason>)" (PermissionDenied),
//   "not an HDF5 file (or truncated)" (InvalidArgument).
absl::StatusOr<H5::H5File> OpenFileForReading(const std::string& path);

// Opens `path` as OpenFileForReading does and calls `read` on it. Errors from
// `read` are prefixed with "<path>: " (same code); an exception thrown by
// `read` becomes "<path>: malformed HDF5 file: <detail>" (InvalidArgument) or
// "<path>: out of memory while reading" (ResourceExhausted).
absl::Status ReadFile(
    const std::string& path,
    const std::function<absl::Status(const H5::H5File&)>& read);

// HDF5 1.10 trusts the sizes recorded in global heap collections (where
// variable-length strings, e.g. our string attributes, live): a corrupt size
// makes H5Aread copy far past its buffers (found by //fuzz:dataset_fuzzer).
// This checks, in a file's bytes, every collection header ("GCOL", version
// 1) and the sizes of its objects against the collection's and the file's
// end: "malformed HDF5 file: object 1 of the global heap collection at byte
// 4096 claims ... bytes, beyond the collection's end", and that a free-space
// object is at least its own header's size (a zero there makes HDF5 1.10
// loop forever; also found by the fuzzer). ReadImage and
// ReadFile (for files up to kMaxCheckedFileSize) call it before HDF5 reads.
absl::Status CheckGlobalHeaps(absl::string_view bytes);
inline constexpr uint64_t kMaxCheckedFileSize = uint64_t{64} << 20;

// As ReadFile, but the file is `image`, an HDF5 file's bytes in memory
// (opened read-only with the core driver; nothing touches the disk), and
// `name` stands for it in messages. "<name>: not an HDF5 file (or
// truncated)" unless the image starts with HDF5's signature. For tests and
// fuzzing of the file readers.
absl::Status ReadImage(
    const std::string& image, const std::string& name,
    const std::function<absl::Status(const H5::H5File&)>& read);

// ---------------------------------------------------------------------------
// Writing. Errors name the item, e.g. "writing dataset 'q': <detail>";
// creating an item that already exists is an error.

// The group `name` under `parent` (opened if it exists, created otherwise),
// with intermediate groups for a name containing '/'. Error if some part of
// the path exists and is not a group.
absl::StatusOr<H5::Group> OpenOrCreateGroup(const H5::Group& parent,
                                            const std::string& name);

// Scalar attributes: a variable-length UTF-8 string, an int64, a float64.
absl::Status WriteStringAttribute(const H5::H5Object& object,
                                  const std::string& name,
                                  const std::string& value);
absl::Status WriteIntAttribute(const H5::H5Object& object,
                               const std::string& name, int64_t value);
absl::Status WriteDoubleAttribute(const H5::H5Object& object,
                                  const std::string& name, double value);

// A float64 dataset of shape `dims` from NumValues(dims) values in row-major
// order at `data`.
absl::Status WriteArray(const H5::Group& group, const std::string& name,
                        const Dims& dims, const double* data);

// Scalar dataspace (shape []).
absl::Status WriteScalar(const H5::Group& group, const std::string& name,
                         double value);

// [size]. For an Eigen::RowVectorXd pass `row.transpose()`.
absl::Status WriteVector(const H5::Group& group, const std::string& name,
                         const Eigen::VectorXd& vector);

// [rows, cols], stored row-major.
absl::Status WriteMatrix(const H5::Group& group, const std::string& name,
                         const Eigen::MatrixXd& matrix);

// K matrices, each [T, n] (all the same shape), as one [K, T, n] dataset;
// written one matrix at a time. An empty stack is written as [0, 0, 0].
absl::Status WriteStack(const H5::Group& group, const std::string& name,
                        const std::vector<Eigen::MatrixXd>& stack);

// ---------------------------------------------------------------------------
// Reading. Errors are InvalidArgument (ResourceExhausted when out of memory)
// and name the item; an HDF5 failure reads "malformed HDF5 file: reading
// dataset 'x': <detail>".

// Whether `location` has a child (of any type) at `name`, which may contain
// '/' (false if an intermediate group is missing or is not a group).
absl::StatusOr<bool> HasChild(const H5::Group& location,
                              const std::string& name);

// The group at `name`: "missing group '<full_name>'" or "'<full_name>' is not
// a group" otherwise.
absl::StatusOr<H5::Group> OpenGroup(const H5::Group& location,
                                    const std::string& name,
                                    const std::string& full_name);

// The names (relative to `group`, '/'-separated, sorted) of every dataset
// below `group`, at any depth. `full_name` names the group in messages.
absl::StatusOr<std::vector<std::string>> ListDatasets(
    const H5::Group& group, const std::string& full_name);

// An open float64 dataset and its shape.
struct Array {
  std::string name;  // full name inside the file, for messages
  H5::DataSet dataset;
  Dims dims;  // [] for a scalar dataspace
};

// The float64 dataset at `name`. Errors: "missing dataset '<full_name>'",
// "'<full_name>' is not a dataset", "dataset '<full_name>' has dtype int32,
// expected float64", "dataset '<full_name>' has no dataspace (null or
// unknown)".
absl::StatusOr<Array> OpenArray(const H5::Group& location,
                                const std::string& name,
                                const std::string& full_name);

// OK if array.dims == expected. Otherwise "dataset 'x' has shape [..],
// expected a scalar" (expected == []) or "dataset 'x' has shape [..],
// expected <symbolic> = [..] to match '<reference>'"; the " <symbolic> ="
// and " to match ..." parts are left out when those arguments are empty.
absl::Status CheckShape(const Array& array, const Dims& expected,
                        const std::string& symbolic,
                        const std::string& reference);

// OK if the array has `rank` dimensions. Otherwise "dataset 'x' has shape
// [..], expected rank <rank>" followed by " <symbolic>" if not empty.
absl::Status CheckRank(const Array& array, int rank,
                       const std::string& symbolic);

// OK if the array holds at most `limit` values. Otherwise "dataset 'x' has
// shape [..], more than the limit of <limit> values per array".
absl::Status CheckNumValues(const Array& array, uint64_t limit);

// Read the whole array; each checks the rank (0, 1, 2, 3 respectively) and
// CheckNumValues(array, kMaxValuesPerArray) first. A matrix comes back as
// [dims[0], dims[1]]; a stack [K, T, n] as K matrices [T, n], read one at a
// time.
absl::StatusOr<double> ReadScalar(const Array& array);
absl::StatusOr<Eigen::VectorXd> ReadVector(const Array& array);
absl::StatusOr<Eigen::MatrixXd> ReadMatrix(const Array& array);
absl::StatusOr<std::vector<Eigen::MatrixXd>> ReadStack(const Array& array);

// Single-valued attributes of `object`. Errors: "missing attribute 'x'",
// "attribute 'x' has type int64, expected string", "attribute 'x' must hold a
// single value, got 2". Strings may be variable- or fixed-length (as h5py
// writes np.bytes_; NUL padding is dropped). Integers of any width and sign
// are read as int64; doubles from any float type.
absl::StatusOr<std::string> ReadStringAttribute(const H5::H5Object& object,
                                                const std::string& name);
absl::StatusOr<int64_t> ReadIntAttribute(const H5::H5Object& object,
                                         const std::string& name);
absl::StatusOr<double> ReadDoubleAttribute(const H5::H5Object& object,
                                           const std::string& name);

// "dataset '<name>' has a non-finite value (nan) at flat index 17" for the
// first NaN or infinity among `size` values at `data`.
absl::Status CheckFinite(const std::string& name, const double* data,
                         int64_t size);

}  // namespace aanet::h5

#endif  // AANET_H5_HDF5_IO_H_
