#include "reports/sections/header.h"

#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/sections/testing.h"
#include "reports/synthetic_sweep.h"

namespace aanet::reports {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(HeaderTest, SummaryOfThePoints) {
  const PointSummary summary = SummarizePoints(SyntheticStudy());
  // 2 models x 3 datasets x 3 sample counts x 2 seeds.
  EXPECT_EQ(summary.counts.at(SweepPoint::DONE), 29);
  EXPECT_EQ(summary.counts.at(SweepPoint::SKIPPED), 6);
  EXPECT_EQ(summary.counts.at(SweepPoint::FAILED), 1);
  EXPECT_THAT(summary.samples, ElementsAre(10, 100, 500));
  EXPECT_THAT(summary.seeds, ElementsAre(1, 2));
  EXPECT_THAT(summary.other_jumps, ElementsAre(1, 10, 50));
  EXPECT_EQ(summary.reference_jumps.size(), 9u);
  EXPECT_THAT(summary.marked_references,
              ElementsAre("harmonic_k_pair_0.5, 100 samples"));
  EXPECT_EQ(summary.kind_of_model.at("action_angle_flow"), "action_angle");
}

TEST(HeaderTest, Facts) {
  const Table facts =
      FactsTable(SyntheticContext(), SummarizePoints(SyntheticContext().study));
  // No budget was described but the sweep config has a description.
  EXPECT_EQ(FindRow(facts, {"budget"}), nullptr);
  EXPECT_NE(FindRow(facts, {"sweep description", kSyntheticDescription}),
            nullptr);
  EXPECT_NE(FindRow(facts, {"points",
                            "36: 29 done, 6 skipped (results "
                            "existed), 1 failed, 0 pending"}),
            nullptr);
  EXPECT_NE(
      FindRow(facts, {"sweep wall time, last run", "4321.5 s (1h 12min 02s)"}),
      nullptr);
  EXPECT_NE(FindRow(facts, {"parallelism", "2 point(s) at a time"}), nullptr)
      << "the synthetic sweep ran 2 points at a time";
  const std::vector<std::string>* datasets = FindRow(facts, {"datasets"});
  ASSERT_NE(datasets, nullptr);
  // By name, in the sweep's order; their parameters are in DatasetsTable.
  EXPECT_EQ((*datasets)[1],
            "harmonic_k_pair_0.1, harmonic_k_pair_0.5, harmonic_k_pair_1.0");

  // A Slurm sweep (parallelism 0) ran on the cluster's nodes.
  StudyData slurm_study = SyntheticStudy();
  slurm_study.results.set_parallelism(0);
  const ReportOptions defaults;
  const ReportContext slurm(slurm_study, defaults);
  const Table slurm_facts = FactsTable(slurm, SummarizePoints(slurm_study));
  EXPECT_NE(FindRow(slurm_facts,
                    {"parallelism", "Slurm job array, one core per point"}),
            nullptr);
  const std::vector<std::string>* machine = FindRow(slurm_facts, {"machine"});
  ASSERT_NE(machine, nullptr);
  EXPECT_THAT((*machine)[1], HasSubstr("Slurm cluster nodes"));

  ReportOptions options;
  options.budget_description = "quick";
  const ReportContext context(SyntheticStudy(), options);
  EXPECT_NE(FindRow(FactsTable(context, SummarizePoints(context.study)),
                    {"budget", "quick"}),
            nullptr);
}

TEST(HeaderTest, DatasetsTableNamesSystemAndParameters) {
  const Table table = DatasetsTable(SyntheticStudy());
  ASSERT_EQ(table.rows.size(), 3u);
  EXPECT_EQ(table.rows[0][0], "harmonic_k_pair_0.1");
  EXPECT_EQ(table.rows[1][0], "harmonic_k_pair_0.5 (reference)");
  EXPECT_EQ(CellAt(table, table.rows[1], "system"), "harmonic");
  EXPECT_THAT(CellAt(table, table.rows[1], "parameters"),
              HasSubstr("masses 1..5, k_wall 0.005..0.01, k_pair 0.5"));
  EXPECT_EQ(CellAt(table, table.rows[1], "trajectories × samples"), "1 × 1000");
  EXPECT_EQ(CellAt(table, table.rows[1], "time step"), "1");
  EXPECT_EQ(CellAt(table, table.rows[1], "hash"), "`000000000007`");
}

// Records written before issue 20 have a k_pair and no dataset hash,
// system or shape: they still read, keyed on their dataset name, and the
// table says what they lack.
TEST(HeaderTest, OldRecordsWithoutDatasetFieldsStillRead) {
  StudyData old = SyntheticStudy();
  for (StudyPoint& p : old.points) {
    SweepPoint& point = p.point;
    point.set_k_pair(0.5);
    point.clear_dataset_hash();
    point.clear_system();
    point.clear_system_parameters();
    point.clear_dataset_num_trajectories();
    point.clear_dataset_num_samples();
    point.clear_dataset_time_step();
  }
  old.results.clear_reference_dataset();
  const Table table = DatasetsTable(old);
  ASSERT_EQ(table.rows.size(), 3u);
  // Without a recorded reference dataset, the first is the reference.
  EXPECT_EQ(table.rows[0],
            (std::vector<std::string>{"harmonic_k_pair_0.1 (reference)", "—",
                                      "—", "—", "—", "—"}));
  // Sharing a k_pair, they are still three datasets.
  const ReportContext context(old, DefaultOptions());
  int on_first = 0;
  for (const Cell& cell : context.cells) {
    on_first += cell.dataset == "harmonic_k_pair_0.1";
  }
  EXPECT_EQ(on_first, 2 * 3);  // 2 models x 3 sample counts
  EXPECT_EQ(context.cells.size(), GroupIntoCells(SyntheticStudy()).size());
}

TEST(HeaderTest, ModelsAndFailedPoints) {
  const Table models = ModelsTable(SyntheticContext(),
                                   SummarizePoints(SyntheticContext().study));
  EXPECT_NE(FindRow(models, {"neural_ode", "neural_ode",
                             "configs/harmonic/neural_ode.pbtxt", "2000", "14",
                             "3", "1", "0"}),
            nullptr);
  const Table failed = FailedPointsTable(SyntheticStudy());
  ASSERT_EQ(failed.rows.size(), 1u);
  EXPECT_EQ(CellAt(failed, failed.rows[0], "error"), kSyntheticError);
}

TEST(HeaderTest, FlowEncoderLabel) {
  EXPECT_EQ(FlowEncoderLabel("model { euler_update { encoder { flow { "
                             "num_layers: 2 } } } }"),
            "ours: symplectic skip gate, pair scale");
  EXPECT_EQ(FlowEncoderLabel("model { action_angle { encoder { flow { "
                             "conditioner: PUBLISHED_PER_COORDINATE_GATE "
                             "symplectic_pair_scale: false } } } }"),
            "published: per-coordinate gate, no pair scale");
  EXPECT_EQ(FlowEncoderLabel("model { action_angle { encoder { flow { "
                             "conditioner: PAPER_EQUATION_5 } } } }"),
            "PAPER_EQUATION_5, pair scale");
  EXPECT_EQ(FlowEncoderLabel("model { neural_ode { encoder { mlp { } } } }"),
            "—");
  EXPECT_EQ(FlowEncoderLabel("not a config {"), "—");
  // The synthetic evaluations record configs without a model.
  const Table models = ModelsTable(SyntheticContext(),
                                   SummarizePoints(SyntheticContext().study));
  EXPECT_EQ(CellAt(models, models.rows[0], "flow encoder"), "—");
}

TEST(HeaderTest, SingleSeedWarning) {
  // The synthetic sweep has seeds 1 and 2, but neural_ode's seed 2 failed
  // in one cell.
  const ReportContext& two_seeds = SyntheticContext();
  EXPECT_THAT(SingleSeedWarning(two_seeds),
              HasSubstr(absl::StrFormat("1 of %d cells have one evaluated seed",
                                        two_seeds.cells.size())));
  StudyData one_seed = SyntheticStudy();
  std::vector<StudyPoint> kept;
  for (const StudyPoint& p : one_seed.points) {
    if (p.point.seed() == 1) kept.push_back(p);
  }
  one_seed.points = kept;
  const ReportContext context(one_seed, DefaultOptions());
  const std::string warning = SingleSeedWarning(context);
  EXPECT_THAT(warning, HasSubstr("every cell has one seed"));
  EXPECT_THAT(warning, HasSubstr("cannot be told apart from seed noise"));
  absl::StatusOr<Section> section = HeaderSection(context);
  ASSERT_TRUE(section.ok());
  bool shown = false;
  for (const Block& block : section->blocks) {
    shown |= block.text.find("every cell has one seed") != std::string::npos;
  }
  EXPECT_TRUE(shown) << "the header shows the warning";

  // Two seeds everywhere: no warning.
  StudyData complete = SyntheticStudy();
  kept.clear();
  for (const StudyPoint& p : complete.points) {
    if (p.point.model() != "neural_ode") kept.push_back(p);
  }
  complete.points = kept;
  EXPECT_EQ(SingleSeedWarning(ReportContext(complete, DefaultOptions())), "");
}

TEST(HeaderTest, Section) {
  absl::StatusOr<Section> section = HeaderSection(SyntheticContext());
  ASSERT_TRUE(section.ok());
  EXPECT_THAT(section->blocks[0].text, HasSubstr("# Study report: synthetic"));
  EXPECT_TRUE(section->csv_files.empty());
  EXPECT_EQ(section->blocks.back().kind, Block::kTable);  // failed points
}

}  // namespace
}  // namespace aanet::reports
