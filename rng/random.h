// Seeded random numbers whose values are fixed by this file, not by the
// standard library.
//
// std::mt19937_64 is specified bit for bit by the C++ standard, but the
// std:: distributions (uniform_int_distribution, normal_distribution, shuffle)
// are implementation-defined, so the same seed could give different datasets
// or initial weights under another standard library. Everything that must be
// reproducible from a seed (dataset shuffles, parameter initialisation, batch
// sampling) draws through this class instead.
#ifndef AANET_RNG_RANDOM_H_
#define AANET_RNG_RANDOM_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace aanet {

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  // A seed for an independent stream numbered `stream` under `seed`; gives
  // separate parts of a run (e.g. each trajectory) reproducible streams that
  // do not shift when another part draws more numbers.
  static uint64_t DeriveSeed(uint64_t seed, uint64_t stream);

  // Raw 64 random bits.
  uint64_t Bits() { return engine_(); }

  // Uniform in [0, 1) with 53 random bits.
  double Uniform();

  // Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }

  // Uniform integer in [0, n), n >= 1, without modulo bias.
  uint64_t UniformInt(uint64_t n);

  // Standard normal N(0, 1) (Box-Muller; the second value is cached).
  double Normal();

  // A uniformly random permutation of 0..n-1 (Fisher-Yates).
  std::vector<int> Permutation(int n);

  // The generator's complete state as text, and back; a restored generator
  // continues the same stream (used to resume training exactly).
  std::string SaveState() const;
  absl::Status RestoreState(const std::string& state);

 private:
  std::mt19937_64 engine_;
  bool has_cached_normal_ = false;
  double cached_normal_ = 0.0;
};

}  // namespace aanet

#endif  // AANET_RNG_RANDOM_H_
