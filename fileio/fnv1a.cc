#include "fileio/fnv1a.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace aanet {

std::string Fnv1a::Hex() const { return absl::StrFormat("%016x", hash_); }

absl::StatusOr<std::string> HashFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  Fnv1a hash;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    hash.Add(buffer, static_cast<size_t>(in.gcount()));
  }
  return hash.Hex();
}

}  // namespace aanet
