#include "reports/sections/frequencies.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/sections/testing.h"
#include "reports/synthetic_sweep.h"

namespace aanet::reports {
namespace {

using ::testing::HasSubstr;

TEST(FrequenciesTest, OnlyActionAngleNetworks) {
  absl::StatusOr<std::vector<FrequencyModel>> models =
      ComputeFrequencies(SyntheticContext());
  ASSERT_TRUE(models.ok()) << models.status();
  ASSERT_EQ(models->size(), 1u);
  const FrequencyModel& model = models->front();
  EXPECT_EQ(model.reference->model, "action_angle_flow");
  EXPECT_EQ(model.cells.size(), 3u);  // 10, 100 and 500 samples at 0.5
  EXPECT_EQ(model.truth, SyntheticTrueFrequencies(0.5));
  EXPECT_EQ(model.densities.size(), model.truth.size());
  for (const ModeDensity& d : model.densities) {
    EXPECT_EQ(d.true_frequency, model.truth[d.mode]);
    EXPECT_EQ(d.density.x.size(), 256u);
  }
}

TEST(FrequenciesTest, TablesAndFigure) {
  absl::StatusOr<std::vector<FrequencyModel>> models =
      ComputeFrequencies(SyntheticContext());
  ASSERT_TRUE(models.ok());
  const size_t modes = SyntheticTrueFrequencies(0.5).size();
  const Table table = FrequencyTable(models->front());
  EXPECT_EQ(table.rows.size(), 3 * modes);
  ASSERT_NE(FindRow(table, {"100 (reference)", "2", "0"}), nullptr);
  EXPECT_EQ(FrequenciesCsv(*models).rows.size(), 3 * modes);
  EXPECT_EQ(FrequencyDensityCsv(*models).rows.size(), 256 * modes);
  const Figure figure = FrequenciesFigure(*models);
  ASSERT_EQ(figure.panels.size(), 1u);
  EXPECT_EQ(figure.columns, 1);
  EXPECT_EQ(figure.panels[0].series.size(), modes);
  EXPECT_THAT(figure.panels[0].commands.back(), HasSubstr("set key outside"));
}

TEST(FrequenciesTest, WithoutActionAngleNetworkTheSectionSaysSo) {
  SyntheticSweepOptions options;
  options.include_action_angle = false;
  const StudyData study = LoadSyntheticStudy("no_action_angle", options);
  const ReportContext context(study, DefaultOptions());
  absl::StatusOr<Section> section = FrequenciesSection(context);
  ASSERT_TRUE(section.ok());
  ASSERT_EQ(section->blocks.size(), 2u);
  EXPECT_THAT(section->blocks[1].text, HasSubstr("No Action-Angle Network"));
  ASSERT_EQ(section->csv_files.size(), 2u);
  EXPECT_TRUE(section->csv_files[0].table.rows.empty());
}

TEST(FrequenciesTest, SaysWhichStatesAgainstThePublishedFigure) {
  absl::StatusOr<Section> section = FrequenciesSection(SyntheticContext());
  ASSERT_TRUE(section.ok());
  EXPECT_THAT(section->blocks[0].text, HasSubstr("ours are the test states"));
  EXPECT_THAT(section->blocks[0].text,
              HasSubstr("the published Figure 4 uses the training states"));
}

TEST(FrequenciesTest, InconsistentAngularVelocitiesNameTheSweep) {
  StudyData study = SyntheticStudy();
  for (StudyPoint& p : study.points) {
    if (p.point.is_reference() && p.evaluation.has_value() &&
        p.evaluation->num_latent_pairs() > 0) {
      p.evaluation->add_angular_velocities(1.0);  // one too many
    }
  }
  const ReportContext context(study, DefaultOptions());
  absl::StatusOr<Section> section = FrequenciesSection(context);
  ASSERT_FALSE(section.ok());
  EXPECT_THAT(section.status().message(), HasSubstr(study.sweep_dir));
}

}  // namespace
}  // namespace aanet::reports
