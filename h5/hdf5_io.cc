#include "h5/hdf5_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fileio/text_file.h"
#include "status/status_macros.h"

namespace aanet::h5 {
namespace {

namespace fs = std::filesystem;

using RowMajorMatrix =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Turns HDF5's error stack into one line: the innermost cause.
herr_t CollectErrorDescription(unsigned /*n*/, const H5E_error2_t* error,
                               void* data) {
  if (error != nullptr && error->desc != nullptr && error->desc[0] != '\0') {
    *static_cast<std::string*>(data) = error->desc;
  }
  return 0;
}

// The innermost cause of the last failed HDF5 call since ResetErrors(). The
// error stack itself does not survive until an exception is caught: every
// HDF5 call clears it, including the close of each H5:: object destroyed
// while the exception unwinds. (Serial HDF5 is single-threaded anyway.)
thread_local std::string last_error;

// HDF5 calls this, instead of printing, whenever a call fails.
herr_t RecordError(hid_t stack, void* /*data*/) {
  std::string innermost;
  H5Ewalk2(stack, H5E_WALK_DOWNWARD, CollectErrorDescription, &innermost);
  if (!innermost.empty()) last_error = std::move(innermost);
  return 0;
}

// Turns HDF5's error printing off (recording instead) and forgets earlier
// errors; called on entry to every public function.
void ResetErrors() {
  H5Eset_auto2(H5E_DEFAULT, RecordError, nullptr);
  last_error.clear();
}

// Runs `body` (returning absl::Status or absl::StatusOr<T>) with HDF5's error
// printing off, turning an exception into an error: `code` and
// "<context>: <detail>" for H5::Exception and other std::exceptions,
// ResourceExhausted for std::bad_alloc.
template <typename Body>
auto Guarded(absl::StatusCode code, const std::string& context, Body&& body)
    -> decltype(body()) {
  ResetErrors();
  try {
    return body();
  } catch (const H5::Exception& e) {
    return absl::Status(code, absl::StrCat(context, ": ", Describe(e)));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat(context, ": out of memory"));
  } catch (const std::exception& e) {
    return absl::Status(code, absl::StrCat(context, ": ", e.what()));
  } catch (...) {
    return absl::Status(code, absl::StrCat(context, ": unknown exception"));
  }
}

template <typename Body>
auto GuardedWrite(const std::string& what, Body&& body) -> decltype(body()) {
  return Guarded(absl::StatusCode::kInternal, absl::StrCat("writing ", what),
                 std::forward<Body>(body));
}

template <typename Body>
auto GuardedRead(const std::string& what, Body&& body) -> decltype(body()) {
  return Guarded(absl::StatusCode::kInvalidArgument,
                 absl::StrCat("malformed HDF5 file: reading ", what),
                 std::forward<Body>(body));
}

// "a/b/c" -> {"a", "a/b"}: the intermediate group paths of a name.
std::vector<std::string> IntermediatePaths(const std::string& name) {
  std::vector<std::string> paths;
  for (size_t slash = name.find('/'); slash != std::string::npos;
       slash = name.find('/', slash + 1)) {
    if (slash > 0) paths.push_back(name.substr(0, slash));
  }
  return paths;
}

// Splits `name` into its parent path ("" if none) and its last component.
std::pair<std::string, std::string> SplitParent(const std::string& name) {
  const size_t slash = name.rfind('/');
  if (slash == std::string::npos) return {"", name};
  return {name.substr(0, slash), name.substr(slash + 1)};
}

// Throws on HDF5 failure; callers guard.
bool HasChildUnguarded(const H5::Group& location, const std::string& name) {
  for (const std::string& path : IntermediatePaths(name)) {
    if (!location.nameExists(path) ||
        location.childObjType(path) != H5O_TYPE_GROUP) {
      return false;
    }
  }
  return location.nameExists(name);
}

// Whether `location` has a child `name` of the given type; "missing ..." or
// "... is not a ..." otherwise. Throws on HDF5 failure; callers guard.
absl::Status CheckChild(const H5::Group& location, const std::string& name,
                        const std::string& full_name, H5O_type_t type,
                        const char* kind) {
  if (!HasChildUnguarded(location, name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing ", kind, " '", full_name, "'"));
  }
  if (location.childObjType(name) != type) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", full_name, "' is not a ", kind));
  }
  return absl::OkStatus();
}

// Where a new item `name` goes: its parent group (created if needed) and its
// last component. `holder` keeps an opened parent alive; `group` itself is
// never copied (copying an H5::H5File as an H5::Group slices off its id).
struct NewItem {
  const H5::Group* parent;
  std::string base;
};
absl::StatusOr<NewItem> ParentForNewItem(const H5::Group& group,
                                         const std::string& name,
                                         absl::StatusOr<H5::Group>* holder) {
  auto [parent_path, base] = SplitParent(name);
  if (parent_path.empty()) return NewItem{&group, base};
  *holder = OpenOrCreateGroup(group, parent_path);
  if (!holder->ok()) return holder->status();
  return NewItem{&**holder, base};
}

absl::StatusOr<H5::Attribute> OpenScalarAttribute(const H5::H5Object& object,
                                                  const std::string& name,
                                                  H5T_class_t type_class,
                                                  const char* expected) {
  if (!object.attrExists(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing attribute '", name, "'"));
  }
  H5::Attribute attribute = object.openAttribute(name);
  const H5::DataType type = attribute.getDataType();
  if (type.getClass() != type_class) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute '", name, "' has type ", TypeName(type),
                     ", expected ", expected));
  }
  const H5::DataSpace space = attribute.getSpace();
  const H5S_class_t extent = space.getSimpleExtentType();
  if (extent == H5S_NULL || space.getSimpleExtentNpoints() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute '", name, "' must hold a single value, got ",
                     extent == H5S_NULL ? 0 : space.getSimpleExtentNpoints()));
  }
  return attribute;
}

// H5Lvisit callback: collects every link name. No exception may cross HDF5's
// C frames.
herr_t CollectLinkName(hid_t /*group*/, const char* name,
                       const H5L_info_t* /*info*/, void* data) {
  try {
    static_cast<std::vector<std::string>*>(data)->push_back(name);
    return 0;
  } catch (...) {
    return -1;
  }
}

// Creation properties without modification times, so that equal contents
// give byte-identical files.
H5::DSetCreatPropList UntimedDataset() {
  H5::DSetCreatPropList properties;
  H5Pset_obj_track_times(properties.getId(), false);
  return properties;
}
// Creates group `path` under `parent` without modification times. Throws
// on failure; callers guard.
void CreateUntimedGroup(const H5::Group& parent, const std::string& path) {
  const hid_t properties = H5Pcreate(H5P_GROUP_CREATE);
  if (properties < 0) throw H5::GroupIException("H5Pcreate", "failed");
  H5Pset_obj_track_times(properties, false);
  const hid_t group = H5Gcreate2(parent.getId(), path.c_str(), H5P_DEFAULT,
                                 properties, H5P_DEFAULT);
  H5Pclose(properties);
  if (group < 0) throw H5::GroupIException("H5Gcreate2", "failed");
  H5Gclose(group);
}

// Checks the rank and size of an array before reading it.
absl::Status CheckReadable(const Array& array, int rank) {
  AANET_RETURN_IF_ERROR(CheckRank(array, rank, ""));
  return CheckNumValues(array, kMaxValuesPerArray);
}

}  // namespace

std::string ShapeString(const Dims& dims) {
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

uint64_t NumValues(const Dims& dims) {
  uint64_t product = 1;
  for (const hsize_t d : dims) {
    if (d != 0 && product > std::numeric_limits<uint64_t>::max() / d) {
      return std::numeric_limits<uint64_t>::max();
    }
    product *= d;
  }
  return product;
}

std::string TypeName(const H5::DataType& type) {
  const size_t bits = type.getSize() * 8;
  switch (type.getClass()) {
    case H5T_INTEGER: {
      return absl::StrCat(
          H5Tget_sign(type.getId()) == H5T_SGN_NONE ? "uint" : "int", bits);
    }
    case H5T_FLOAT:
      return absl::StrCat("float", bits);
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ARRAY:
      return "array";
    case H5T_VLEN:
      return "variable-length sequence";
    case H5T_ENUM:
      return "enum";
    default:
      return absl::StrCat("HDF5 type class ",
                          static_cast<int>(type.getClass()));
  }
}

std::string Describe(const H5::Exception& e) {
  std::string innermost;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, CollectErrorDescription, &innermost);
  H5Eclear2(H5E_DEFAULT);
  if (innermost.empty()) innermost = last_error;
  last_error.clear();
  std::string message = e.getDetailMsg();
  if (!innermost.empty()) absl::StrAppend(&message, " (", innermost, ")");
  // Errors are one line: HDF5's texts may hold line breaks.
  std::replace(message.begin(), message.end(), '\n', ' ');
  std::replace(message.begin(), message.end(), '\r', ' ');
  return message;
}

absl::Status Annotate(const absl::Status& status, const std::string& prefix) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(prefix, ": ", status.message()));
}

// ---------------------------------------------------------------------------
// Files.

absl::Status WriteFileAtomically(
    const std::string& path,
    const std::function<absl::Status(H5::H5File&)>& fill) {
  ResetErrors();
  // Built in memory (the core driver, no backing store), so that HDF5 never
  // writes to the disk itself: a full disk then fails in our own write, with
  // one clear error, instead of inside HDF5's flush and close, which leaves
  // the library in a state that crashes at exit.
  const std::string image_name = absl::StrCat(path, ".in-memory-", ::getpid());
  const std::string tmp = TemporaryPathFor(path);
  std::string image;
  absl::Status status = absl::OkStatus();
  try {
    H5::FileAccPropList access;
    access.setCore(size_t{1} << 20, /*backing_store=*/false);
    H5::H5File file(image_name, H5F_ACC_TRUNC, H5::FileCreatPropList::DEFAULT,
                    access);
    absl::Status filled = fill(file);
    if (filled.ok()) {
      file.flush(H5F_SCOPE_GLOBAL);
      const ssize_t size = H5Fget_file_image(file.getId(), nullptr, 0);
      if (size < 0) throw H5::FileIException("H5Fget_file_image", "failed");
      image.resize(static_cast<size_t>(size));
      if (H5Fget_file_image(file.getId(), image.data(), image.size()) != size) {
        throw H5::FileIException("H5Fget_file_image", "failed");
      }
      file.close();
    } else {
      status = absl::Status(
          filled.code(),
          absl::StrCat(path, ": writing ", tmp, " failed: ", filled.message()));
    }
  } catch (const H5::Exception& e) {
    status = absl::InternalError(
        absl::StrCat(path, ": writing ", tmp, " failed: ", Describe(e)));
  } catch (const std::bad_alloc&) {
    status = absl::ResourceExhaustedError(
        absl::StrCat(path, ": out of memory while writing"));
  } catch (const std::exception& e) {
    status = absl::InternalError(
        absl::StrCat(path, ": writing ", tmp, " failed: ", e.what()));
  } catch (...) {
    status = absl::InternalError(
        absl::StrCat(path, ": writing ", tmp, " failed: unknown exception"));
  }
  AANET_RETURN_IF_ERROR(status);
  // Temporary, fsync, rename; errors "<path>: cannot write (<reason>)".
  return WriteTextFileAtomically(path, image);
}

absl::StatusOr<H5::H5File> OpenFileForReading(const std::string& path) {
  ResetErrors();
  std::error_code ec;
  const fs::file_status file_status = fs::status(path, ec);
  if (!fs::exists(file_status)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  if (fs::is_directory(file_status)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory, expected an HDF5 file"));
  }
  if (!std::ifstream(path, std::ios::binary)) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot open (", std::strerror(errno), ")"));
  }
  try {
    if (!H5::H5File::isHdf5(path)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": not an HDF5 file (or truncated)"));
    }
    H5::H5File file;
    file.openFile(path, H5F_ACC_RDONLY);
    return file;
  } catch (const H5::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not an HDF5 file (or truncated): ", Describe(e)));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat(path, ": out of memory while reading"));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(path, ": ", e.what()));
  } catch (...) {
    return absl::InternalError(
        absl::StrCat(path, ": unknown exception while opening"));
  }
}

namespace {

// Calls `read` on an open file, turning exceptions into errors naming `name`.
absl::Status GuardedReadFile(
    const H5::H5File& file, const std::string& name,
    const std::function<absl::Status(const H5::H5File&)>& read) {
  try {
    return Annotate(read(file), name);
  } catch (const H5::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": malformed HDF5 file: ", Describe(e)));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat(name, ": out of memory while reading"));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(name, ": ", e.what()));
  } catch (...) {
    return absl::InternalError(
        absl::StrCat(name, ": unknown exception while reading"));
  }
}

}  // namespace

absl::Status ReadFile(
    const std::string& path,
    const std::function<absl::Status(const H5::H5File&)>& read) {
  AANET_ASSIGN_OR_RETURN(H5::H5File file, OpenFileForReading(path));
  std::error_code ec;
  if (fs::file_size(path, ec) <= kMaxCheckedFileSize && !ec) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    if (absl::Status heaps = CheckGlobalHeaps(bytes); !heaps.ok()) {
      return Annotate(heaps, path);
    }
  }
  return GuardedReadFile(file, path, read);
}

absl::Status CheckGlobalHeaps(absl::string_view bytes) {
  auto le = [&bytes](size_t at, int width) {
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) {
      value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
    }
    return value;
  };
  for (size_t at = bytes.find("GCOL"); at != absl::string_view::npos;
       at = bytes.find("GCOL", at + 4)) {
    // Signature, version 1, three reserved zero bytes: a collection header
    // (anything else is data that happens to spell "GCOL").
    if (at + 16 > bytes.size() || bytes[at + 4] != 1 || bytes[at + 5] != 0 ||
        bytes[at + 6] != 0 || bytes[at + 7] != 0) {
      continue;
    }
    const uint64_t size = le(at + 8, 8);
    if (size < 16 || size > bytes.size() - at) {
      return absl::InvalidArgumentError(absl::StrCat(
          "malformed HDF5 file: the global heap collection at byte ", at,
          " claims ", size, " bytes, beyond the end of the file"));
    }
    const uint64_t end = at + size;
    for (uint64_t p = at + 16; p + 16 <= end;) {
      const uint64_t index = le(p, 2);
      const uint64_t object_size = le(p + 8, 8);
      // The free-space object (index 0) counts its own 16-byte header.
      if (object_size > end - p - (index == 0 ? 0 : 16)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "malformed HDF5 file: object ", index,
            " of the global heap collection at byte ", at, " claims ",
            object_size, " bytes, beyond the collection's end"));
      }
      if (index == 0) {
        // HDF5 1.10 moves on by exactly this size: one smaller than its own
        // header never gets past it, and zero hangs the reader forever
        // (found by //fuzz:dataset_fuzzer).
        if (object_size < 16) {
          return absl::InvalidArgumentError(absl::StrCat(
              "malformed HDF5 file: the free space of the global heap "
              "collection at byte ",
              at, " claims ", object_size,
              " bytes, less than its own 16-byte header"));
        }
        p += object_size;
      } else {
        p += 16 + ((object_size + 7) / 8) * 8;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ReadImage(
    const std::string& image, const std::string& name,
    const std::function<absl::Status(const H5::H5File&)>& read) {
  ResetErrors();
  static constexpr char kSignature[] = "\x89HDF\r\n\x1a\n";
  if (image.size() < 8 || image.compare(0, 8, kSignature, 8) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": not an HDF5 file (or truncated)"));
  }
  if (absl::Status heaps = CheckGlobalHeaps(image); !heaps.ok()) {
    return Annotate(heaps, name);
  }
  H5::H5File file;
  try {
    H5::FileAccPropList access;
    access.setCore(size_t{1} << 16, /*backing_store=*/false);
    if (H5Pset_file_image(access.getId(), const_cast<char*>(image.data()),
                          image.size()) < 0) {
      throw H5::PropListIException("H5Pset_file_image", "failed");
    }
    file.openFile(absl::StrCat(name, ".image-", ::getpid()), H5F_ACC_RDONLY,
                  access);
  } catch (const H5::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": not an HDF5 file (or truncated): ", Describe(e)));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat(name, ": out of memory while reading"));
  } catch (...) {
    return absl::InternalError(
        absl::StrCat(name, ": unknown exception while opening"));
  }
  return GuardedReadFile(file, name, read);
}

// ---------------------------------------------------------------------------
// Writing.

absl::StatusOr<H5::Group> OpenOrCreateGroup(const H5::Group& parent,
                                            const std::string& name) {
  return GuardedWrite(
      absl::StrCat("group '", name, "'"), [&]() -> absl::StatusOr<H5::Group> {
        std::vector<std::string> paths = IntermediatePaths(name);
        paths.push_back(name);
        for (const std::string& path : paths) {
          if (!parent.nameExists(path)) {
            CreateUntimedGroup(parent, path);
          } else if (parent.childObjType(path) != H5O_TYPE_GROUP) {
            return absl::InvalidArgumentError(
                absl::StrCat("cannot create group '", name, "': '", path,
                             "' exists and is not a group"));
          }
        }
        return parent.openGroup(name);
      });
}

absl::Status WriteStringAttribute(const H5::H5Object& object,
                                  const std::string& name,
                                  const std::string& value) {
  return GuardedWrite(absl::StrCat("attribute '", name, "'"), [&] {
    H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    type.setCset(H5T_CSET_UTF8);
    H5::Attribute attribute =
        object.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
    attribute.write(type, value);
    return absl::OkStatus();
  });
}

absl::Status WriteIntAttribute(const H5::H5Object& object,
                               const std::string& name, int64_t value) {
  return GuardedWrite(absl::StrCat("attribute '", name, "'"), [&] {
    H5::Attribute attribute = object.createAttribute(
        name, H5::PredType::STD_I64LE, H5::DataSpace(H5S_SCALAR));
    attribute.write(H5::PredType::NATIVE_INT64, &value);
    return absl::OkStatus();
  });
}

absl::Status WriteDoubleAttribute(const H5::H5Object& object,
                                  const std::string& name, double value) {
  return GuardedWrite(absl::StrCat("attribute '", name, "'"), [&] {
    H5::Attribute attribute = object.createAttribute(
        name, H5::PredType::IEEE_F64LE, H5::DataSpace(H5S_SCALAR));
    attribute.write(H5::PredType::NATIVE_DOUBLE, &value);
    return absl::OkStatus();
  });
}

absl::Status WriteArray(const H5::Group& group, const std::string& name,
                        const Dims& dims, const double* data) {
  absl::StatusOr<H5::Group> holder;
  AANET_ASSIGN_OR_RETURN(NewItem item, ParentForNewItem(group, name, &holder));
  return GuardedWrite(absl::StrCat("dataset '", name, "'"), [&] {
    const H5::DataSpace space =
        dims.empty()
            ? H5::DataSpace(H5S_SCALAR)
            : H5::DataSpace(static_cast<int>(dims.size()), dims.data());
    H5::DataSet dataset = item.parent->createDataSet(
        item.base, H5::PredType::IEEE_F64LE, space, UntimedDataset());
    if (NumValues(dims) > 0) dataset.write(data, H5::PredType::NATIVE_DOUBLE);
    return absl::OkStatus();
  });
}

absl::Status WriteScalar(const H5::Group& group, const std::string& name,
                         double value) {
  return WriteArray(group, name, {}, &value);
}

absl::Status WriteVector(const H5::Group& group, const std::string& name,
                         const Eigen::VectorXd& vector) {
  return WriteArray(group, name, {static_cast<hsize_t>(vector.size())},
                    vector.data());
}

absl::Status WriteMatrix(const H5::Group& group, const std::string& name,
                         const Eigen::MatrixXd& matrix) {
  const RowMajorMatrix row_major = matrix;
  return WriteArray(group, name,
                    {static_cast<hsize_t>(matrix.rows()),
                     static_cast<hsize_t>(matrix.cols())},
                    row_major.data());
}

absl::Status WriteStack(const H5::Group& group, const std::string& name,
                        const std::vector<Eigen::MatrixXd>& stack) {
  const hsize_t k = stack.size();
  const hsize_t t = stack.empty() ? 0 : stack[0].rows();
  const hsize_t n = stack.empty() ? 0 : stack[0].cols();
  for (hsize_t i = 0; i < k; ++i) {
    if (static_cast<hsize_t>(stack[i].rows()) != t ||
        static_cast<hsize_t>(stack[i].cols()) != n) {
      return absl::InvalidArgumentError(absl::StrCat(
          "writing dataset '", name, "': matrix ", i, " is [", stack[i].rows(),
          ",", stack[i].cols(), "], matrix 0 is [", t, ",", n, "]"));
    }
  }
  absl::StatusOr<H5::Group> holder;
  AANET_ASSIGN_OR_RETURN(NewItem item, ParentForNewItem(group, name, &holder));
  return GuardedWrite(absl::StrCat("dataset '", name, "'"), [&] {
    const hsize_t dims[3] = {k, t, n};
    H5::DataSpace file_space(3, dims);
    H5::DataSet dataset = item.parent->createDataSet(
        item.base, H5::PredType::IEEE_F64LE, file_space, UntimedDataset());
    if (t * n == 0) return absl::OkStatus();
    const hsize_t mem_dims[2] = {t, n};
    H5::DataSpace mem_space(2, mem_dims);
    for (hsize_t i = 0; i < k; ++i) {
      const RowMajorMatrix row_major = stack[i];
      const hsize_t start[3] = {i, 0, 0};
      const hsize_t count[3] = {1, t, n};
      file_space.selectHyperslab(H5S_SELECT_SET, count, start);
      dataset.write(row_major.data(), H5::PredType::NATIVE_DOUBLE, mem_space,
                    file_space);
    }
    return absl::OkStatus();
  });
}

// ---------------------------------------------------------------------------
// Reading.

absl::StatusOr<bool> HasChild(const H5::Group& location,
                              const std::string& name) {
  return GuardedRead(absl::StrCat("'", name, "'"),
                     [&]() -> absl::StatusOr<bool> {
                       return HasChildUnguarded(location, name);
                     });
}

absl::StatusOr<std::vector<std::string>> ListDatasets(
    const H5::Group& group, const std::string& full_name) {
  return GuardedRead(absl::StrCat("group '", full_name, "'"),
                     [&]() -> absl::StatusOr<std::vector<std::string>> {
                       std::vector<std::string> links;
                       if (H5Lvisit(group.getId(), H5_INDEX_NAME, H5_ITER_INC,
                                    CollectLinkName, &links) < 0) {
                         return absl::InvalidArgumentError(absl::StrCat(
                             "malformed HDF5 file: reading group '", full_name,
                             "': H5Lvisit failed (", last_error, ")"));
                       }
                       std::vector<std::string> datasets;
                       for (const std::string& link : links) {
                         if (group.childObjType(link) == H5O_TYPE_DATASET) {
                           datasets.push_back(link);
                         }
                       }
                       std::sort(datasets.begin(), datasets.end());
                       return datasets;
                     });
}

absl::StatusOr<H5::Group> OpenGroup(const H5::Group& location,
                                    const std::string& name,
                                    const std::string& full_name) {
  return GuardedRead(absl::StrCat("group '", full_name, "'"),
                     [&]() -> absl::StatusOr<H5::Group> {
                       AANET_RETURN_IF_ERROR(CheckChild(
                           location, name, full_name, H5O_TYPE_GROUP, "group"));
                       return location.openGroup(name);
                     });
}

absl::StatusOr<Array> OpenArray(const H5::Group& location,
                                const std::string& name,
                                const std::string& full_name) {
  return GuardedRead(
      absl::StrCat("dataset '", full_name, "'"),
      [&]() -> absl::StatusOr<Array> {
        AANET_RETURN_IF_ERROR(
            CheckChild(location, name, full_name, H5O_TYPE_DATASET, "dataset"));
        Array array{full_name, location.openDataSet(name), {}};
        const H5::DataType type = array.dataset.getDataType();
        if (type.getClass() != H5T_FLOAT || type.getSize() != 8) {
          return absl::InvalidArgumentError(
              absl::StrCat("dataset '", full_name, "' has dtype ",
                           TypeName(type), ", expected float64"));
        }
        const H5::DataSpace space = array.dataset.getSpace();
        switch (space.getSimpleExtentType()) {
          case H5S_SCALAR:
            break;
          case H5S_SIMPLE: {
            const int rank = space.getSimpleExtentNdims();
            if (rank < 0 || rank > H5S_MAX_RANK) {
              return absl::InvalidArgumentError(absl::StrCat(
                  "dataset '", full_name, "' has invalid rank ", rank));
            }
            array.dims.resize(rank);
            space.getSimpleExtentDims(array.dims.data());
            break;
          }
          default:
            return absl::InvalidArgumentError(
                absl::StrCat("dataset '", full_name,
                             "' has no dataspace (null or unknown)"));
        }
        return array;
      });
}

absl::Status CheckShape(const Array& array, const Dims& expected,
                        const std::string& symbolic,
                        const std::string& reference) {
  if (array.dims == expected) return absl::OkStatus();
  if (expected.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset '", array.name, "' has shape ",
                     ShapeString(array.dims), ", expected a scalar"));
  }
  std::string message = absl::StrCat("dataset '", array.name, "' has shape ",
                                     ShapeString(array.dims), ", expected ");
  if (!symbolic.empty()) absl::StrAppend(&message, symbolic, " = ");
  absl::StrAppend(&message, ShapeString(expected));
  if (!reference.empty()) {
    absl::StrAppend(&message, " to match '", reference, "'");
  }
  return absl::InvalidArgumentError(message);
}

absl::Status CheckRank(const Array& array, int rank,
                       const std::string& symbolic) {
  if (array.dims.size() == static_cast<size_t>(rank)) return absl::OkStatus();
  std::string message =
      absl::StrCat("dataset '", array.name, "' has shape ",
                   ShapeString(array.dims), ", expected rank ", rank);
  if (!symbolic.empty()) absl::StrAppend(&message, " ", symbolic);
  return absl::InvalidArgumentError(message);
}

absl::Status CheckNumValues(const Array& array, uint64_t limit) {
  if (NumValues(array.dims) <= limit) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "dataset '", array.name, "' has shape ", ShapeString(array.dims),
      ", more than the limit of ", limit, " values per array"));
}

absl::StatusOr<double> ReadScalar(const Array& array) {
  AANET_RETURN_IF_ERROR(CheckReadable(array, 0));
  return GuardedRead(absl::StrCat("dataset '", array.name, "'"),
                     [&]() -> absl::StatusOr<double> {
                       double value = 0.0;
                       array.dataset.read(&value, H5::PredType::NATIVE_DOUBLE);
                       return value;
                     });
}

absl::StatusOr<Eigen::VectorXd> ReadVector(const Array& array) {
  AANET_RETURN_IF_ERROR(CheckReadable(array, 1));
  return GuardedRead(absl::StrCat("dataset '", array.name, "'"),
                     [&]() -> absl::StatusOr<Eigen::VectorXd> {
                       Eigen::VectorXd vector(array.dims[0]);
                       if (vector.size() > 0) {
                         array.dataset.read(vector.data(),
                                            H5::PredType::NATIVE_DOUBLE);
                       }
                       return vector;
                     });
}

absl::StatusOr<Eigen::MatrixXd> ReadMatrix(const Array& array) {
  AANET_RETURN_IF_ERROR(CheckReadable(array, 2));
  return GuardedRead(absl::StrCat("dataset '", array.name, "'"),
                     [&]() -> absl::StatusOr<Eigen::MatrixXd> {
                       RowMajorMatrix matrix(array.dims[0], array.dims[1]);
                       if (matrix.size() > 0) {
                         array.dataset.read(matrix.data(),
                                            H5::PredType::NATIVE_DOUBLE);
                       }
                       return Eigen::MatrixXd(matrix);
                     });
}

absl::StatusOr<std::vector<Eigen::MatrixXd>> ReadStack(const Array& array) {
  AANET_RETURN_IF_ERROR(CheckReadable(array, 3));
  return GuardedRead(
      absl::StrCat("dataset '", array.name, "'"),
      [&]() -> absl::StatusOr<std::vector<Eigen::MatrixXd>> {
        const hsize_t k = array.dims[0], t = array.dims[1], n = array.dims[2];
        std::vector<Eigen::MatrixXd> stack;
        if (t * n == 0) {
          if (k > kMaxValuesPerArray) {
            return absl::InvalidArgumentError(absl::StrCat(
                "dataset '", array.name, "' has shape ",
                ShapeString(array.dims), ", more than the limit of ",
                kMaxValuesPerArray, " matrices"));
          }
          stack.assign(k, Eigen::MatrixXd(t, n));
          return stack;
        }
        H5::DataSpace file_space = array.dataset.getSpace();
        const hsize_t mem_dims[2] = {t, n};
        H5::DataSpace mem_space(2, mem_dims);
        stack.reserve(k);
        RowMajorMatrix buffer(t, n);
        for (hsize_t i = 0; i < k; ++i) {
          const hsize_t start[3] = {i, 0, 0};
          const hsize_t count[3] = {1, t, n};
          file_space.selectHyperslab(H5S_SELECT_SET, count, start);
          array.dataset.read(buffer.data(), H5::PredType::NATIVE_DOUBLE,
                             mem_space, file_space);
          stack.emplace_back(buffer);
        }
        return stack;
      });
}

absl::StatusOr<std::string> ReadStringAttribute(const H5::H5Object& object,
                                                const std::string& name) {
  return GuardedRead(
      absl::StrCat("attribute '", name, "'"),
      [&]() -> absl::StatusOr<std::string> {
        AANET_ASSIGN_OR_RETURN(
            H5::Attribute attribute,
            OpenScalarAttribute(object, name, H5T_STRING, "string"));
        const H5::StrType file_type = attribute.getStrType();
        if (file_type.isVariableStr()) {
          H5::StrType mem_type(H5::PredType::C_S1, H5T_VARIABLE);
          mem_type.setCset(file_type.getCset());
          char* buffer = nullptr;
          attribute.read(mem_type, &buffer);
          std::string value = buffer != nullptr ? buffer : "";
          H5free_memory(buffer);
          return value;
        }
        const size_t size = file_type.getSize();
        if (size > kMaxFixedStringSize) {
          return absl::InvalidArgumentError(absl::StrCat(
              "attribute '", name, "' is a ", size, "-byte string, too long"));
        }
        H5::StrType mem_type(H5::PredType::C_S1, size);
        mem_type.setCset(file_type.getCset());
        mem_type.setStrpad(H5T_STR_NULLPAD);
        std::string value(size, '\0');
        attribute.read(mem_type, value.data());
        value.resize(std::strlen(value.c_str()));  // drop NUL padding
        return value;
      });
}

absl::StatusOr<int64_t> ReadIntAttribute(const H5::H5Object& object,
                                         const std::string& name) {
  return GuardedRead(
      absl::StrCat("attribute '", name, "'"), [&]() -> absl::StatusOr<int64_t> {
        AANET_ASSIGN_OR_RETURN(
            H5::Attribute attribute,
            OpenScalarAttribute(object, name, H5T_INTEGER, "integer"));
        int64_t value = 0;
        attribute.read(H5::PredType::NATIVE_INT64, &value);
        return value;
      });
}

absl::StatusOr<double> ReadDoubleAttribute(const H5::H5Object& object,
                                           const std::string& name) {
  return GuardedRead(
      absl::StrCat("attribute '", name, "'"), [&]() -> absl::StatusOr<double> {
        AANET_ASSIGN_OR_RETURN(
            H5::Attribute attribute,
            OpenScalarAttribute(object, name, H5T_FLOAT, "float"));
        double value = 0.0;
        attribute.read(H5::PredType::NATIVE_DOUBLE, &value);
        return value;
      });
}

absl::Status CheckFinite(const std::string& name, const double* data,
                         int64_t size) {
  for (int64_t i = 0; i < size; ++i) {
    if (!std::isfinite(data[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("dataset '", name, "' has a non-finite value (", data[i],
                       ") at flat index ", i));
    }
  }
  return absl::OkStatus();
}

}  // namespace aanet::h5
