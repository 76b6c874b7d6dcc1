// The memory a binary may plan to use, so that a size within the validated
// limits but beyond this machine (a huge batch, millions of predictions)
// is refused up front with one line naming the flag and the estimate,
// instead of ending in std::bad_alloc or the OOM killer minutes later.
//
// The budget is --max_memory_gb when given (> 0), else kDefaultMemoryFraction
// of the machine's physical memory: what is left for the rest of the system.
#ifndef AANET_CLI_MEMORY_BUDGET_H_
#define AANET_CLI_MEMORY_BUDGET_H_

#include <string>

#include "absl/status/statusor.h"

namespace aanet {

inline constexpr double kDefaultMemoryFraction = 0.8;

struct MemoryBudget {
  double bytes = 0;
  // How it was set, for messages: "--max_memory_gb=2" or "80% of this
  // machine's 23.4 GB; --max_memory_gb sets it".
  std::string source;
};

// `max_memory_gb` > 0: that many GB (10^9 bytes); 0: the default fraction
// of physical memory (if that is unknown, no limit: bytes = infinity).
// InvalidArgument "--max_memory_gb: must be >= 0, got -1" for a negative or
// NaN value.
absl::StatusOr<MemoryBudget> ResolveMemoryBudget(double max_memory_gb);

// "512 B", "3.2 MB", "41.0 GB" (powers of 10).
std::string FormatBytes(double bytes);

// "over the memory budget of 18.4 GB (80% of this machine's 23.0 GB;
// --max_memory_gb sets it)"
std::string OverBudget(const MemoryBudget& budget);

}  // namespace aanet

#endif  // AANET_CLI_MEMORY_BUDGET_H_
