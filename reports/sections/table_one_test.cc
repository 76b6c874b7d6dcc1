#include "reports/sections/table_one.h"

#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/aggregate.h"
#include "reports/sections/testing.h"
#include "reports/synthetic_sweep.h"

namespace aanet::reports {
namespace {

JumpStatistic Jump(int jump, double mean) { return {jump, 1.0 * jump, {mean}}; }

TEST(TableOneTest, SmallAndLargeAreTheSmallestAndLargestEvaluatedJump) {
  EXPECT_FALSE(SmallAndLargeJump({}, 1).has_value());
  EXPECT_FALSE(SmallAndLargeJump({Jump(1, 1)}, 2).has_value());
  std::optional<SmallAndLarge> one = SmallAndLargeJump({Jump(5, 1)}, 1);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->small.jump, 5);
  EXPECT_EQ(one->large.jump, 5);
  // The largest is whatever the sweep's reference_jumps went up to.
  std::optional<SmallAndLarge> many =
      SmallAndLargeJump({Jump(1, 1), Jump(400, 2), Jump(800, 3)}, 2);
  ASSERT_TRUE(many.has_value());
  EXPECT_EQ(many->small.jump, 1);
  EXPECT_EQ(many->large.jump, 800);
}

TEST(TableOneTest, RowsAtTheReferencePoint) {
  const std::vector<TableOneRow> rows = ComputeTableOne(SyntheticContext());
  ASSERT_EQ(rows.size(), 2u);
  for (const TableOneRow& row : rows) {
    const std::string& model = row.cell->model;
    SCOPED_TRACE(model);
    EXPECT_EQ(row.cell->dataset, "harmonic_k_pair_0.5");
    EXPECT_EQ(row.cell->num_train_samples, 100);
    EXPECT_EQ(row.num_parameters, SyntheticNumParameters(model));
    ASSERT_TRUE(row.timing.has_value());
    EXPECT_EQ(row.timing->small.jump, 1);
    EXPECT_EQ(row.timing->large.jump, 400);
    // The seed factor cancels in the ratio.
    EXPECT_NEAR(row.Growth(),
                SyntheticSingleStateSeconds(model, 400) /
                    SyntheticSingleStateSeconds(model, 1),
                1e-9 * row.Growth());
    ASSERT_TRUE(row.energy.has_value());
    EXPECT_NEAR(row.energy->small.value.mean,
                2 * SyntheticEnergyChange(model, 1), 1e-12);
    EXPECT_NEAR(row.energy->large.value.std,
                std::sqrt(2.0) * SyntheticEnergyChange(model, 400), 1e-9);
  }
  EXPECT_EQ(rows[0].cell->model, "action_angle_flow");
  EXPECT_EQ(rows[1].cell->model, "neural_ode");
}

TEST(TableOneTest, TablesAndFigure) {
  const std::vector<TableOneRow> rows = ComputeTableOne(SyntheticContext());
  const Table table = TableOneMarkdown(rows);
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(CellAt(table, table.rows[1], "inference-time growth"),
            "400 (jump 400 / jump 1)");
  EXPECT_EQ(CellAt(table, table.rows[1], "reference point"),
            "harmonic_k_pair_0.5, 100 samples");
  const Table csv = TableOneCsv(rows);
  ASSERT_EQ(csv.rows.size(), 2u);
  EXPECT_EQ(csv.rows[0].size(), csv.header.size());
  EXPECT_EQ(CellAt(csv, csv.rows[1], "timing_large_jump"), "400");
  EXPECT_EQ(CellAt(csv, csv.rows[1], "inference_time_growth"), "400");

  const Figure figure = TableOneFigure(rows);
  EXPECT_EQ(figure.name, "fig_table1");
  ASSERT_EQ(figure.panels.size(), 3u);            // parameters, growth, energy
  EXPECT_EQ(figure.panels[2].series.size(), 2u);  // small and large jump
}

TEST(TableOneTest, RelativeEnergyChangeByHand) {
  // Seed 1: H(input) = 50 for both pairs, H(predicted) = 50.5 and 49, so
  // |ΔH|/|H| = (0.5 / 50 + 1 / 50) / 2 = 0.015 at every jump. Seed 2: the
  // evaluation records 0.045. Over the seeds: mean 0.03, sample std
  // sqrt(2 * 0.015^2 / 1) = 0.0212132.
  StudyData study = SyntheticStudy();
  for (StudyPoint& p : study.points) {
    if (!p.evaluation.has_value()) continue;
    for (JumpMetrics& m : *p.evaluation->mutable_jumps()) {
      m.set_mean_relative_energy_change(
          p.point.seed() == 1 ? (0.5 / 50 + 1.0 / 50) / 2 : 0.045);
    }
  }
  const ReportContext context(study, DefaultOptions());
  const std::vector<TableOneRow> rows = ComputeTableOne(context);
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_TRUE(rows[0].relative_energy.has_value());
  EXPECT_EQ(rows[0].relative_energy->small.jump, 1);
  EXPECT_EQ(rows[0].relative_energy->large.jump, 400);
  EXPECT_NEAR(rows[0].relative_energy->small.value.mean, 0.03, 1e-15);
  EXPECT_NEAR(rows[0].relative_energy->large.value.std, 0.0212132, 1e-7);
  const Table table = TableOneMarkdown(rows);
  EXPECT_EQ(CellAt(table, table.rows[0], "mean |ΔH|/|H|, small jump"),
            "0.03 ± 0.02121 (jump 1)");
  const Table csv = TableOneCsv(rows);
  EXPECT_EQ(CellAt(csv, csv.rows[0], "relative_energy_change_large_mean"),
            "0.03");
  EXPECT_EQ(CellAt(csv, csv.rows[0], "relative_energy_change_small_std"),
            "0.0212132");
}

TEST(TableOneTest, RelativeEnergyChangeMissingFromOlderEvaluations) {
  // The synthetic evaluations, like those written before the field existed,
  // have an absolute change but no relative one.
  JumpMetrics old;
  old.set_mean_abs_energy_change(0.2);
  EXPECT_FALSE(RelativeEnergyChange(old).has_value());
  JumpMetrics exact;  // a model that conserves energy exactly
  exact.set_mean_abs_energy_change(0);
  exact.set_mean_relative_energy_change(0);
  ASSERT_TRUE(RelativeEnergyChange(exact).has_value());
  EXPECT_EQ(*RelativeEnergyChange(exact), 0);
  // No Hamiltonian known (imported trajectories): neither field is set.
  EXPECT_FALSE(RelativeEnergyChange(JumpMetrics()).has_value());
  EXPECT_FALSE(EnergyChange(JumpMetrics()).has_value());
  const std::vector<TableOneRow> rows = ComputeTableOne(SyntheticContext());
  EXPECT_FALSE(rows[0].relative_energy.has_value());
  const Table table = TableOneMarkdown(rows);
  EXPECT_EQ(CellAt(table, table.rows[0], "mean |ΔH|/|H|, large jump"), "—");
  EXPECT_EQ(CellAt(TableOneCsv(rows), TableOneCsv(rows).rows[0],
                   "relative_energy_change_small_mean"),
            "");
}

TEST(TableOneTest, WithoutTimingTheGrowthIsNotMeasured) {
  const std::vector<TableOneRow> all = ComputeTableOne(SyntheticContext());
  TableOneRow row = all.front();
  row.timing.reset();
  const Table table = TableOneMarkdown({row});
  EXPECT_EQ(CellAt(table, table.rows[0], "inference-time growth"),
            "not measured");
  const Table csv = TableOneCsv({row});
  EXPECT_EQ(CellAt(csv, csv.rows[0], "inference_time_growth"), "");
  EXPECT_EQ(TableOneFigure({row}).panels.size(), 2u);
}

// A seed whose solve failed at the large jump has no time there: no growth
// is computed from the other seed or from a smaller jump, and the table
// says why.
TEST(TableOneTest, AFailedSolveHasNoGrowth) {
  const std::vector<TableOneRow> rows = ComputeTableOne(FailedSolveContext());
  ASSERT_EQ(rows.size(), 2u);
  const TableOneRow& ode = rows[1];
  ASSERT_EQ(ode.cell->model, "neural_ode");
  EXPECT_EQ(ode.timing_failure, "solve failed at jump 400 in 1 of 2 seeds");
  // Jump 400 stays the large jump; its time is the other seed's.
  ASSERT_TRUE(ode.timing.has_value());
  EXPECT_EQ(ode.timing->large.jump, 400);
  EXPECT_EQ(ode.timing->large.value.count, 1);
  EXPECT_TRUE(std::isnan(ode.Growth()));
  EXPECT_TRUE(rows[0].timing_failure.empty());
  EXPECT_FALSE(std::isnan(rows[0].Growth()));
  const Table table = TableOneMarkdown(rows);
  EXPECT_EQ(CellAt(table, table.rows[1], "inference-time growth"),
            "solve failed at jump 400 in 1 of 2 seeds");
  const Table csv = TableOneCsv(rows);
  EXPECT_EQ(CellAt(csv, csv.rows[1], "inference_time_growth"), "nan");
  EXPECT_EQ(CellAt(csv, csv.rows[1], "timing_failure"),
            "solve failed at jump 400 in 1 of 2 seeds");
  EXPECT_EQ(CellAt(csv, csv.rows[0], "timing_failure"), "");
}

TEST(TableOneTest, TheFigureNoteNamesWhatItCannotDraw) {
  EXPECT_EQ(TableOneFigureNote(ComputeTableOne(SyntheticContext())), "");
  EXPECT_EQ(
      TableOneFigureNote(ComputeTableOne(FailedSolveContext())),
      "*Figure note:* left out (no positive finite value): neural_ode, "
      "inference-time growth: solve failed at jump 400 in 1 of 2 seeds; "
      "neural_ode, mean |ΔH| at jump 400: nan. Failed predictions "
      "(losses and |ΔH| are over the others; a seed whose every "
      "prediction failed has none, which leaves its cell out): "
      "neural_ode (harmonic_k_pair_0.5, 100 samples), jump 400: 100 of 100 "
      "predictions failed in 1 of 2 seeds (" +
          std::string(kSyntheticFailure) + ").\n\n");
}

// The VPT table: per model at its reference point, each seed's median
// averaged over seeds; a median at J dt reads "> J dt"; evaluations without
// a VPT (the synthetic sweep's, older files) give no table.
TEST(TableOneTest, ValidPredictionTimeTable) {
  absl::StatusOr<Section> plain = TableOneSection(SyntheticContext());
  ASSERT_TRUE(plain.ok());
  for (const CsvFile& file : plain->csv_files) EXPECT_NE(file.name, "vpt.csv");
  EXPECT_TRUE(VptMarkdown(ComputeTableOne(SyntheticContext())).rows.empty());

  StudyData study = SyntheticStudy();
  for (StudyPoint& p : study.points) {
    if (!p.evaluation.has_value()) continue;
    ValidPredictionTime* vpt = p.evaluation->mutable_vpt();
    vpt->set_max_time(1000);
    vpt->set_num_start_states(50);
    if (p.point.model() == "neural_ode") {
      // Seeds differ: 10 and 20.
      vpt->set_median_time(10 * (1 + p.point.seed() % 2));
      vpt->set_fraction_censored(0);
      vpt->set_num_failed(1);
    } else {
      vpt->set_median_time(1000);
      vpt->set_fraction_censored(0.8);
    }
  }
  const ReportContext context(study, DefaultOptions());
  const std::vector<TableOneRow> rows = ComputeTableOne(context);
  ASSERT_EQ(rows.size(), 2u);
  const TableOneRow& node = rows[1];
  ASSERT_EQ(node.cell->model, "neural_ode");
  ASSERT_EQ(node.vpt_seeds, 2);
  EXPECT_EQ(node.vpt_median.mean, 15);
  EXPECT_EQ(node.vpt_failed, 2);
  EXPECT_EQ(node.vpt_start_states, 100);
  const Table table = VptMarkdown(rows);
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(CellAt(table, table.rows[0], "median VPT"), "> 1000");
  EXPECT_EQ(CellAt(table, table.rows[0], "censored fraction"), "0.80");
  EXPECT_EQ(CellAt(table, table.rows[1], "failed solves"), "2 of 100");
  EXPECT_EQ(CellAt(VptCsv(rows), VptCsv(rows).rows[1], "vpt_median_mean"),
            "15");
  absl::StatusOr<Section> section = TableOneSection(context);
  ASSERT_TRUE(section.ok());
  EXPECT_EQ(section->csv_files.back().name, "vpt.csv");
}

}  // namespace
}  // namespace aanet::reports
