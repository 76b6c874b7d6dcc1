#include "reports/sections/inference_time.h"

#include <vector>

#include "gtest/gtest.h"
#include "reports/sections/testing.h"
#include "reports/synthetic_sweep.h"

namespace aanet::reports {
namespace {

TEST(InferenceTimeTest, EveryTimedJumpOfTheReferencePoints) {
  const std::vector<InferenceTimeRow> rows =
      ComputeInferenceTime(SyntheticContext());
  ASSERT_EQ(rows.size(), 18u);  // 2 models x 9 jumps
  for (const InferenceTimeRow& row : rows) {
    SCOPED_TRACE(row.cell->model + " " + std::to_string(row.jump));
    EXPECT_EQ(row.cell->num_train_samples, 100);
    EXPECT_EQ(row.dt, row.jump);
    EXPECT_NEAR(row.single_state.mean,
                2 * SyntheticSingleStateSeconds(row.cell->model, row.jump),
                1e-15);
    EXPECT_NEAR(row.batch.mean,
                200 * SyntheticSingleStateSeconds(row.cell->model, row.jump),
                1e-12);
    EXPECT_EQ(row.batch_size, 500);
    EXPECT_EQ(row.NumSeeds(), 2);
  }
}

TEST(InferenceTimeTest, TablesAndFigure) {
  const std::vector<InferenceTimeRow> rows =
      ComputeInferenceTime(SyntheticContext());
  const Table csv = InferenceTimeCsv(rows);
  const std::vector<std::string>* row = FindRow(csv, {"neural_ode"});
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(CellAt(csv, *row, "jump"), "1");
  EXPECT_EQ(CellAt(csv, *row, "single_state_median_us_mean"), "100");
  EXPECT_EQ(CellAt(csv, *row, "batch_median_ms_mean"), "10");
  const Table table = InferenceTimeMarkdown(rows);
  EXPECT_EQ(CellAt(table, table.rows[0], "single state (µs)"), "40.04 ± 28.31");

  const Figure figure = InferenceTimeFigure(rows, SyntheticContext());
  ASSERT_EQ(figure.panels.size(), 2u);
  EXPECT_EQ(figure.panels[1].title, "Batch of 500 states");
  EXPECT_EQ(figure.panels[0].series.size(), 2u);
}

TEST(InferenceTimeTest, NoTimingNoRows) {
  const std::vector<InferenceTimeRow> none;
  EXPECT_TRUE(InferenceTimeFigure(none, SyntheticContext()).panels.empty());
  EXPECT_TRUE(InferenceTimeCsv(none).rows.empty());
}

}  // namespace
}  // namespace aanet::reports
