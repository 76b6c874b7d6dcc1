#include "reports/sections/points.h"

#include "gtest/gtest.h"
#include "reports/sections/testing.h"
#include "reports/synthetic_sweep.h"

namespace aanet::reports {
namespace {

TEST(PointsTest, EveryPoint) {
  const Table csv = PointsCsv(SyntheticStudy());
  ASSERT_EQ(csv.rows.size(), 36u);
  const std::vector<std::string>* failed = nullptr;
  for (const auto& row : csv.rows) {
    ASSERT_EQ(row.size(), csv.header.size());
    if (CellAt(csv, row, "status") == "FAILED") failed = &row;
  }
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(CellAt(csv, *failed, "error"), kSyntheticError);
  EXPECT_EQ(CellAt(csv, *failed, "num_parameters"), "");
  EXPECT_EQ(CellAt(csv, csv.rows[0], "num_parameters"),
            std::to_string(SyntheticNumParameters("action_angle_flow")));
}

TEST(PointsTest, OnlyACsvFile) {
  absl::StatusOr<Section> section = PointsSection(SyntheticContext());
  ASSERT_TRUE(section.ok());
  EXPECT_TRUE(section->blocks.empty());
  ASSERT_EQ(section->csv_files.size(), 1u);
  EXPECT_EQ(section->csv_files[0].name, "points.csv");
}

}  // namespace
}  // namespace aanet::reports
