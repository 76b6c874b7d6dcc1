#include "reports/sections/conserved_quantities.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/sections/testing.h"
#include "reports/synthetic_sweep.h"

namespace aanet::reports {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The synthetic sweep with a conserved quantity, and with failed solves.
const StudyData& QuantityStudy(bool failed_solve) {
  auto load = [](bool failed, const std::string& name) {
    SyntheticSweepOptions options;
    options.include_conserved_quantities = true;
    options.include_failed_solve = failed;
    return new StudyData(LoadSyntheticStudy(name, options));
  };
  static const StudyData* plain = load(false, "quantities");
  static const StudyData* failed = load(true, "quantities_failed");
  return failed_solve ? *failed : *plain;
}

// The cell under `column` of the row of `table` starting with `prefix`.
std::string At(const Table& table, const std::vector<std::string>& prefix,
               const std::string& column) {
  const std::vector<std::string>* row = FindRow(table, prefix);
  if (row == nullptr) {
    ADD_FAILURE() << "no row " << prefix.back();
    return "";
  }
  return CellAt(table, *row, column);
}

// Every dataset, one cell per model (the marked reference cell, else 100
// samples), each jump's change the synthetic formula's mean over seeds 1
// and 3 (2 f, std sqrt(2) f); the rollout of the reference points.
TEST(ConservedQuantitiesTest, PerDatasetModelAndJumpOverSeeds) {
  const ReportContext context(QuantityStudy(false), DefaultOptions());
  const std::vector<QuantityDataset> data = ComputeConservedQuantities(context);
  ASSERT_EQ(data.size(), 3u);
  EXPECT_EQ(data[1].dataset, "harmonic_k_pair_0.5");
  for (const QuantityDataset& d : data) {
    SCOPED_TRACE(d.dataset);
    EXPECT_THAT(d.quantities, ElementsAre(kSyntheticQuantity));
    const bool reference = d.dataset == "harmonic_k_pair_0.5";
    EXPECT_EQ(d.rows.size(), reference ? 18u : 6u);
    EXPECT_EQ(d.rollout.size(), reference ? 20u : 0u);
    for (const QuantityDriftRow& row : d.rows) {
      EXPECT_EQ(row.cell->num_train_samples, 100);
      const double f = SyntheticQuantityChange(row.cell->model, row.jump);
      EXPECT_NEAR(row.relative.mean, 2 * f, 1e-12 * f);
      EXPECT_NEAR(row.relative.std, std::sqrt(2.0) * f, 1e-9 * f);
      EXPECT_NEAR(row.absolute.mean, 4 * f, 1e-12 * f);
      EXPECT_EQ(row.relative.count, 2);
      EXPECT_EQ(row.failed.num_seeds, 0);
    }
    for (const QuantityRolloutRow& row : d.rollout) {
      const double f = SyntheticQuantityChange(row.cell->model, row.jump);
      EXPECT_NEAR(row.relative.mean, 2 * f, 1e-12 * f);
      EXPECT_EQ(row.dt, row.jump * 1.0);
      EXPECT_EQ(row.num_failed, 0);
    }
  }
  EXPECT_EQ(data[1].rollout.back().jump, 1000);  // past the test split

  const Table table = ConservedQuantitiesMarkdown(data[1]);
  EXPECT_EQ(At(table,
               {kSyntheticQuantity, "neural_ode",
                "harmonic_k_pair_0.5, 100 samples", "100"},
               "relative change |ΔQ|/|Q| (fraction)"),
            "0.02 ± 0.01414");
  EXPECT_EQ(QuantityRolloutMarkdown(data[0]).rows.size(), 0u);
  EXPECT_EQ(ConservedQuantitiesCsv(data).rows.size(), 18u + 20u + 6u + 6u);

  // One panel per dataset and quantity; on the reference dataset each model
  // has its per-jump curve and its rollout.
  const Figure figure = ConservedQuantitiesFigure(data, context);
  ASSERT_EQ(figure.panels.size(), 3u);
  EXPECT_EQ(figure.panels[1].series.size(), 4u);
  EXPECT_EQ(figure.panels[0].series.size(), 2u);
  EXPECT_TRUE(figure.panels[1].log_x && figure.panels[1].log_y);
}

TEST(ConservedQuantitiesTest, SectionSaysTheTruthConservesThem) {
  const ReportContext context(QuantityStudy(false), DefaultOptions());
  absl::StatusOr<Section> section = ConservedQuantitiesSection(context);
  ASSERT_TRUE(section.ok()) << section.status();
  std::string text;
  for (const Block& b : section->blocks) text += b.text;
  EXPECT_THAT(text, HasSubstr("## 4b. Conserved quantities along predictions"));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("The true dynamics conserve ",
                                           kSyntheticQuantity,
                                           " exactly (relative change 0)")));
  ASSERT_EQ(section->csv_files.size(), 1u);
  EXPECT_EQ(section->csv_files[0].name, "conserved_quantities.csv");
}

// Failed predictions are marked and named, never averaged; a jump whose
// every prediction failed is named under the figure.
TEST(ConservedQuantitiesTest, FailedPredictionsAreMarkedAndNamed) {
  const ReportContext context(QuantityStudy(true), DefaultOptions());
  const std::vector<QuantityDataset> data = ComputeConservedQuantities(context);
  ASSERT_EQ(data.size(), 3u);
  const Table table = ConservedQuantitiesMarkdown(data[1]);
  EXPECT_THAT(At(table,
                 {kSyntheticQuantity, "neural_ode",
                  "harmonic_k_pair_0.5, 100 samples", "200"},
                 "relative change |ΔQ|/|Q| (fraction)"),
              HasSubstr("‡"));
  const std::string note = ConservedQuantitiesFigureNote(data);
  EXPECT_THAT(note, HasSubstr("neural_ode (harmonic_k_pair_0.5, 100 "
                              "samples), jump 400: nan"));
  EXPECT_THAT(note, HasSubstr("7 of"));
}

// A sweep whose evaluations record no conserved quantity: no section.
TEST(ConservedQuantitiesTest, NothingWithoutQuantities) {
  EXPECT_TRUE(ComputeConservedQuantities(SyntheticContext()).empty());
  absl::StatusOr<Section> section =
      ConservedQuantitiesSection(SyntheticContext());
  ASSERT_TRUE(section.ok());
  EXPECT_TRUE(section->blocks.empty());
  EXPECT_TRUE(section->csv_files.empty());
}

}  // namespace
}  // namespace aanet::reports
