#include "rng/random.h"

#include <cmath>
#include <cstring>
#include <numeric>
#include <sstream>

namespace aanet {

uint64_t Random::DeriveSeed(uint64_t seed, uint64_t stream) {
  // SplitMix64 finaliser over the pair: cheap, well mixed, and fixed here.
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double Random::Uniform() {
  return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
}

uint64_t Random::UniformInt(uint64_t n) {
  // Rejection sampling on the largest multiple of n below 2^64.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % n + 1) % n;
  uint64_t x;
  do {
    x = engine_();
  } while (x > limit);
  return x % n;
}

double Random::Normal() {
  if (has_cached_normal_) {
    has_cached_normal_ = false;
    return cached_normal_;
  }
  double u1;
  do {
    u1 = Uniform();
  } while (u1 == 0.0);
  const double u2 = Uniform();
  const double radius = std::sqrt(-2.0 * std::log(u1));
  const double angle = 2.0 * M_PI * u2;
  cached_normal_ = radius * std::sin(angle);
  has_cached_normal_ = true;
  return radius * std::cos(angle);
}

std::vector<int> Random::Permutation(int n) {
  std::vector<int> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  for (int i = n - 1; i > 0; --i) {
    const int j = static_cast<int>(UniformInt(static_cast<uint64_t>(i) + 1));
    std::swap(perm[i], perm[j]);
  }
  return perm;
}

std::string Random::SaveState() const {
  std::ostringstream out;
  uint64_t cached_bits;
  std::memcpy(&cached_bits, &cached_normal_, sizeof(cached_bits));
  out << engine_ << ' ' << (has_cached_normal_ ? 1 : 0) << ' ' << cached_bits;
  return out.str();
}

absl::Status Random::RestoreState(const std::string& state) {
  std::istringstream in(state);
  std::mt19937_64 engine;
  int has_cached = 0;
  uint64_t cached_bits = 0;
  in >> engine >> has_cached >> cached_bits;
  if (in.fail() || (has_cached != 0 && has_cached != 1)) {
    return absl::InvalidArgumentError("Random: malformed saved state");
  }
  engine_ = engine;
  has_cached_normal_ = has_cached == 1;
  std::memcpy(&cached_normal_, &cached_bits, sizeof(cached_bits));
  return absl::OkStatus();
}

}  // namespace aanet
