#include "reports/published_budget.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aanet::reports {
namespace {

// The recorded numbers are the document's: each cell's row of the table
// "| 0.5 | n | AAN 1 | Euler 1 | AAN 10 | Euler 10 | AAN 50 | Euler 50 |".
TEST(PublishedBudgetTest, EveryRecordedValueIsTheDocuments) {
  std::ifstream in(kPublishedBudgetDocument);
  ASSERT_TRUE(in) << kPublishedBudgetDocument;
  std::stringstream text;
  text << in.rdbuf();
  const std::string document = text.str();
  for (const UnrecordedModel& m : UnrecordedPublishedBudgetModels()) {
    EXPECT_THAT(m.why, ::testing::HasSubstr("core-hours"));
  }
  ASSERT_EQ(RecordedPublishedBudgetCells().size(), 12u);
  for (const RecordedCell& cell : RecordedPublishedBudgetCells()) {
    const std::string prefix =
        absl::StrCat("| 0.5 | ", cell.num_train_samples, " | ");
    const size_t at = document.find(prefix);
    ASSERT_NE(at, std::string::npos) << prefix;
    const std::string row = document.substr(at, document.find('\n', at) - at);
    const std::vector<std::string> cells = absl::StrSplit(row, " | ");
    ASSERT_EQ(cells.size(), 8u) << row;
    const int offset = cell.model == "action_angle_flow" ? 2 : 3;
    EXPECT_EQ(cells[offset], cell.loss_jump_1) << row;
    EXPECT_EQ(cells[offset + 2], cell.loss_jump_10) << row;
    std::string last = cells[offset + 4];
    if (offset + 4 == 7) last = last.substr(0, last.size() - 2);  // " |"
    EXPECT_EQ(last, cell.loss_jump_50) << row;
  }
  EXPECT_THAT(document, ::testing::HasSubstr("50,000 training"));
}

}  // namespace
}  // namespace aanet::reports
