// Section 4c on the synthetic sweep with its evaluations pointed at double
// pendulum datasets written here: the chaotic setup gets a Lyapunov time and
// a vertical line, the published setup 1 is regular, an unreadable file is
// named, and datasets with true frequencies get no section.
#include "reports/sections/lyapunov.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "data_gen/dataset.h"
#include "gtest/gtest.h"
#include "proto/text_config.h"
#include "reports/aggregate.h"
#include "reports/sections/testing.h"
#include "testing/test_util.h"

namespace aanet::reports {
namespace {

using test_util::TempPath;

std::string WriteShipped(const std::string& config_path) {
  absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(config_path);
  EXPECT_TRUE(config.ok()) << config.status();
  absl::StatusOr<data_gen::Dataset> dataset =
      data_gen::GenerateDataset(config->experiment, config->text);
  EXPECT_TRUE(dataset.ok()) << dataset.status();
  const std::string path = TempPath(config->experiment.name() + ".h5");
  EXPECT_TRUE(data_gen::WriteDataset(*dataset, path).ok());
  return path;
}

// The synthetic sweep with every evaluation naming `dataset_path`.
StudyData PointedAt(const std::string& dataset_path) {
  StudyData study = SyntheticStudy();
  for (StudyPoint& point : study.points) {
    if (point.evaluation.has_value()) {
      point.evaluation->set_dataset_path(dataset_path);
      // As the double pendulum's evaluations have none.
      point.evaluation->clear_true_frequencies();
    }
  }
  return study;
}

ReportOptions Options() {
  ReportOptions options;
  options.lyapunov_horizon = 300;
  return options;
}

TEST(LyapunovSectionTest, IntegrableDatasetsHaveNoSection) {
  // The synthetic sweep's harmonic datasets: their evaluations recorded true
  // frequencies.
  const absl::StatusOr<Section> section = LyapunovSection(SyntheticContext());
  ASSERT_TRUE(section.ok());
  EXPECT_TRUE(section->blocks.empty());
  EXPECT_TRUE(section->csv_files.empty());
}

TEST(LyapunovSectionTest, ChaoticDatasetHasALyapunovTimeAndItsLine) {
  const StudyData study =
      PointedAt(WriteShipped("configs/double_pendulum/chaotic.pbtxt"));
  const ReportOptions options = Options();
  const ReportContext context(study, options);
  const std::vector<DatasetChaos> data = ComputeChaos(context);
  ASSERT_FALSE(data.empty());
  const DatasetChaos& d = data.front();
  EXPECT_EQ(d.error, "");
  EXPECT_EQ(d.system, "double_pendulum");
  ASSERT_EQ(d.trajectories.size(), 1u);
  EXPECT_TRUE(d.trajectories[0].chaotic);
  EXPECT_EQ(d.trajectories[0].t.back(), 300);
  ASSERT_TRUE(d.lyapunov_time.has_value());
  EXPECT_GT(*d.lyapunov_time, 0.3);
  EXPECT_LT(*d.lyapunov_time, 1.5);
  EXPECT_EQ(d.cells.size(), context.models.size());

  const Figure figure = ChaosErrorVsDtFigure(d, 0, context);
  ASSERT_EQ(figure.panels.size(), 1u);
  EXPECT_TRUE(absl::StrContains(figure.panels[0].commands[0], "set arrow 1"));
  EXPECT_TRUE(absl::StrContains(figure.panels[0].commands[1], "Lyapunov time"));
  EXPECT_EQ(figure.panels[0].series.size(), context.models.size());
  const Figure lambda = LambdaFigure(d, 0);
  ASSERT_EQ(lambda.panels.size(), 1u);
  EXPECT_TRUE(lambda.panels[0].log_x && lambda.panels[0].log_y);

  const Table table = ChaosMarkdown(data);
  EXPECT_EQ(CellAt(table, table.rows[0], "verdict"), "chaotic");
  const absl::StatusOr<Section> section = LyapunovSection(context);
  ASSERT_TRUE(section.ok());
  ASSERT_EQ(section->csv_files.size(), 1u);
  EXPECT_EQ(section->csv_files[0].name, "lyapunov.csv");
}

TEST(LyapunovSectionTest, PublishedSetupIsRegularWithoutALine) {
  const StudyData study =
      PointedAt(WriteShipped("configs/double_pendulum/default.pbtxt"));
  const ReportOptions options = Options();
  const ReportContext context(study, options);
  const std::vector<DatasetChaos> data = ComputeChaos(context);
  ASSERT_FALSE(data.empty());
  EXPECT_FALSE(data[0].lyapunov_time.has_value());
  EXPECT_FALSE(data[0].trajectories[0].chaotic);
  const Figure figure = ChaosErrorVsDtFigure(data[0], 0, context);
  ASSERT_EQ(figure.panels.size(), 1u);
  EXPECT_TRUE(absl::StrContains(figure.panels[0].commands[0],
                                "regular: no finite Lyapunov time"));
  const Table table = ChaosMarkdown(data);
  EXPECT_EQ(CellAt(table, table.rows[0], "Lyapunov time"),
            "none (no finite Lyapunov time)");
}

TEST(LyapunovSectionTest, AnUnreadableDatasetIsNamed) {
  const StudyData study = PointedAt(TempPath("missing.h5"));
  const ReportOptions options = Options();
  const ReportContext context(study, options);
  const std::vector<DatasetChaos> data = ComputeChaos(context);
  ASSERT_FALSE(data.empty());
  EXPECT_TRUE(absl::StrContains(data[0].error, "missing.h5")) << data[0].error;
  EXPECT_TRUE(data[0].trajectories.empty());
  const absl::StatusOr<Section> section = LyapunovSection(context);
  ASSERT_TRUE(section.ok());
  EXPECT_FALSE(section->blocks.empty());
}

}  // namespace
}  // namespace aanet::reports
