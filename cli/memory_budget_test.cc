#include "cli/memory_budget.h"

#include "gtest/gtest.h"

namespace aanet {
namespace {

TEST(MemoryBudgetTest, FlagOrAFractionOfPhysicalMemory) {
  const MemoryBudget flag = *ResolveMemoryBudget(2.5);
  EXPECT_EQ(flag.bytes, 2.5e9);
  EXPECT_EQ(OverBudget(flag),
            "over the memory budget of 2.5 GB (--max_memory_gb=2.5)");
  const MemoryBudget machine = *ResolveMemoryBudget(0);
  EXPECT_GT(machine.bytes, 1e8);
  EXPECT_NE(machine.source.find("80% of this machine's"), std::string::npos)
      << machine.source;
}

TEST(MemoryBudgetTest, NegativeFlagIsAnError) {
  const absl::StatusOr<MemoryBudget> budget = ResolveMemoryBudget(-1);
  ASSERT_FALSE(budget.ok());
  EXPECT_EQ(
      budget.status().message(),
      "--max_memory_gb: must be >= 0 (0: 80% of physical memory), got -1");
}

TEST(MemoryBudgetTest, FormatsBytes) {
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(3.21e6), "3.2 MB");
  EXPECT_EQ(FormatBytes(4.1e10), "41.0 GB");
}

}  // namespace
}  // namespace aanet
