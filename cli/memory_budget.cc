#include "cli/memory_budget.h"

#include <unistd.h>

#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace aanet {

absl::StatusOr<MemoryBudget> ResolveMemoryBudget(double max_memory_gb) {
  if (!(max_memory_gb >= 0)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--max_memory_gb: must be >= 0 (0: %.0f%% of physical memory), got %g",
        100 * kDefaultMemoryFraction, max_memory_gb));
  }
  MemoryBudget budget;
  if (max_memory_gb > 0) {
    budget.bytes = max_memory_gb * 1e9;
    budget.source = absl::StrFormat("--max_memory_gb=%g", max_memory_gb);
    return budget;
  }
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) {
    budget.bytes = std::numeric_limits<double>::infinity();
    budget.source = "physical memory unknown";
    return budget;
  }
  const double physical = static_cast<double>(pages) * page_size;
  budget.bytes = kDefaultMemoryFraction * physical;
  budget.source =
      absl::StrFormat("%.0f%% of this machine's %s; --max_memory_gb sets it",
                      100 * kDefaultMemoryFraction, FormatBytes(physical));
  return budget;
}

std::string FormatBytes(double bytes) {
  if (bytes < 1e3) return absl::StrFormat("%.0f B", bytes);
  if (bytes < 1e6) return absl::StrFormat("%.1f kB", bytes / 1e3);
  if (bytes < 1e9) return absl::StrFormat("%.1f MB", bytes / 1e6);
  if (bytes < 1e12) return absl::StrFormat("%.1f GB", bytes / 1e9);
  return absl::StrFormat("%.1f TB", bytes / 1e12);
}

std::string OverBudget(const MemoryBudget& budget) {
  return absl::StrCat("over the memory budget of ", FormatBytes(budget.bytes),
                      " (", budget.source, ")");
}

}  // namespace aanet
