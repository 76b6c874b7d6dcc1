// 64-bit FNV-1a: a fast, stable, non-cryptographic hash of bytes, for
// identities that must not change between machines or runs (a dataset's
// contents, a staged binary). Not a defence against deliberate collisions.
#ifndef AANET_FILEIO_FNV1A_H_
#define AANET_FILEIO_FNV1A_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace aanet {

class Fnv1a {
 public:
  void Add(const void* data, size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < size; ++i) {
      hash_ = (hash_ ^ bytes[i]) * 0x100000001b3ULL;
    }
  }
  uint64_t value() const { return hash_; }
  // 16 lower-case hex digits.
  std::string Hex() const;

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// The FNV-1a hash of a file's bytes as 16 hex digits; NotFound "<path>:
// cannot read" if it cannot be opened.
absl::StatusOr<std::string> HashFile(const std::string& path);

}  // namespace aanet

#endif  // AANET_FILEIO_FNV1A_H_
