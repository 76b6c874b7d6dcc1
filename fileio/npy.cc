#include "fileio/npy.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fileio/text_file.h"

namespace aanet {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

// The text after "'key':" in a header dict, up to the next ',' at depth 0
// (or the closing brace).
bool DictValue(const std::string& header, const std::string& key,
               std::string* value) {
  const std::string quoted[] = {"'" + key + "'", "\"" + key + "\""};
  size_t at = std::string::npos;
  for (const std::string& q : quoted) {
    at = header.find(q);
    if (at != std::string::npos) {
      at += q.size();
      break;
    }
  }
  if (at == std::string::npos) return false;
  at = header.find(':', at);
  if (at == std::string::npos) return false;
  int depth = 0;
  size_t end = at + 1;
  for (; end < header.size(); ++end) {
    const char c = header[end];
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (depth == 0 && (c == ',' || c == '}')) break;
    if (depth < 0) return false;
  }
  *value = std::string(absl::StripAsciiWhitespace(
      absl::string_view(header).substr(at + 1, end - at - 1)));
  return true;
}

template <typename T>
double Load(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return static_cast<double>(value);
}

}  // namespace

absl::StatusOr<NpyArray> ParseNpy(const std::string& bytes,
                                  const std::string& source) {
  auto error = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", what));
  };
  if (bytes.size() < kMagicSize + 4 ||
      std::memcmp(bytes.data(), kMagic, kMagicSize) != 0) {
    return error("not a .npy file (bad magic)");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_size = 0, offset = 0;
  if (major == 1) {
    header_size = static_cast<unsigned char>(bytes[8]) |
                  static_cast<size_t>(static_cast<unsigned char>(bytes[9]))
                      << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return error("truncated header");
    for (int i = 0; i < 4; ++i) {
      header_size |=
          static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i]))
          << (8 * i);
    }
    offset = 12;
  } else {
    return error(absl::StrCat("format version ", major,
                              ".x is not supported (1.0 to 3.0)"));
  }
  if (bytes.size() < offset + header_size) return error("truncated header");
  const std::string header = bytes.substr(offset, header_size);
  offset += header_size;

  std::string descr, fortran, shape_text;
  if (!DictValue(header, "descr", &descr) ||
      !DictValue(header, "fortran_order", &fortran) ||
      !DictValue(header, "shape", &shape_text)) {
    return error(absl::StrCat("malformed header: ", header));
  }
  descr = std::string(absl::StripPrefix(absl::StripSuffix(descr, "'"), "'"));
  size_t item = 0;
  if (descr == "<f8" || descr == "<i8") {
    item = 8;
  } else if (descr == "<f4" || descr == "<i4") {
    item = 4;
  } else {
    return error(absl::StrCat(
        "dtype '", descr,
        "' is not supported (expected little-endian float64, float32, int64 "
        "or int32)"));
  }
  if (fortran != "False" && fortran != "True") {
    return error(absl::StrCat("malformed fortran_order: ", fortran));
  }
  NpyArray array;
  absl::string_view dims = absl::StripAsciiWhitespace(shape_text);
  if (!absl::ConsumePrefix(&dims, "(") || !absl::ConsumeSuffix(&dims, ")")) {
    return error(absl::StrCat("malformed shape: ", shape_text));
  }
  uint64_t count = 1;
  for (absl::string_view part :
       absl::StrSplit(dims, ',', absl::SkipWhitespace())) {
    int64_t d = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(part), &d) || d < 0) {
      return error(absl::StrCat("malformed shape: ", shape_text));
    }
    array.shape.push_back(d);
    count *= static_cast<uint64_t>(d);
    if (count > (uint64_t{1} << 32)) return error("array too large");
  }
  const uint64_t available = (bytes.size() - offset) / item;
  if (available < count) {
    return error(absl::StrCat("truncated: header says ", count,
                              " values, the file holds ", available));
  }
  array.values.resize(count);
  const char* data = bytes.data() + offset;
  for (uint64_t i = 0; i < count; ++i) {
    const char* p = data + i * item;
    if (descr == "<f8") array.values[i] = Load<double>(p);
    if (descr == "<f4") array.values[i] = Load<float>(p);
    if (descr == "<i8") array.values[i] = Load<int64_t>(p);
    if (descr == "<i4") array.values[i] = Load<int32_t>(p);
  }
  if (fortran == "True" && array.shape.size() > 1) {
    // Reorder column-major values to row-major.
    std::vector<double> c_order(count);
    const size_t rank = array.shape.size();
    std::vector<int64_t> index(rank, 0);
    for (uint64_t f = 0; f < count; ++f) {
      // index: the multi-index of fortran position f (first fastest).
      uint64_t c = 0;
      for (size_t k = 0; k < rank; ++k) c = c * array.shape[k] + index[k];
      c_order[c] = array.values[f];
      for (size_t k = 0; k < rank; ++k) {
        if (++index[k] < array.shape[k]) break;
        index[k] = 0;
      }
    }
    array.values = std::move(c_order);
  }
  return array;
}

absl::StatusOr<NpyArray> ReadNpy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  std::ostringstream contents;
  contents << in.rdbuf();
  return ParseNpy(contents.str(), path);
}

std::string SerializeNpy(const NpyArray& array) {
  std::vector<std::string> dims;
  for (int64_t d : array.shape) dims.push_back(absl::StrCat(d));
  std::string shape = absl::StrJoin(dims, ", ");
  if (array.shape.size() == 1) shape += ",";
  std::string header = absl::StrCat(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (", shape, "), }");
  // Pad with spaces so that the data starts at a multiple of 64 bytes,
  // ending the header with '\n'.
  const size_t unpadded = kMagicSize + 4 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string bytes(kMagic, kMagicSize);
  bytes.push_back('\x01');
  bytes.push_back('\x00');
  bytes.push_back(static_cast<char>(header.size() & 0xff));
  bytes.push_back(static_cast<char>(header.size() >> 8));
  bytes += header;
  const size_t start = bytes.size();
  bytes.resize(start + array.values.size() * sizeof(double));
  std::memcpy(bytes.data() + start, array.values.data(),
              array.values.size() * sizeof(double));
  return bytes;
}

absl::Status WriteNpy(const NpyArray& array, const std::string& path) {
  return WriteTextFileAtomically(path, SerializeNpy(array));
}

}  // namespace aanet
