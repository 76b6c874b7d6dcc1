#include "reports/aggregate.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/study.h"

namespace aanet::reports {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pointwise;

// An evaluated point with the given prediction losses per jump.
StudyPoint MakePoint(const std::string& model, const std::string& dataset,
                     int samples, uint64_t seed,
                     const std::vector<std::pair<int, double>>& losses) {
  StudyPoint p;
  p.point.set_model(model);
  p.point.set_model_kind(model == "aa" ? "action_angle" : "neural_ode");
  p.point.set_dataset(dataset);
  p.point.set_num_train_samples(samples);
  p.point.set_seed(seed);
  p.point.set_status(SweepPoint::DONE);
  p.evaluation.emplace();
  for (const auto& [jump, loss] : losses) {
    JumpMetrics* m = p.evaluation->add_jumps();
    m->set_jump(jump);
    m->set_dt(0.5 * jump);
    m->set_prediction_loss(loss);
    m->set_mean_abs_energy_change(10 * loss);
  }
  return p;
}

TEST(MeanStdTest, KnownValues) {
  const MeanStd two = ComputeMeanStd({1, 3});
  EXPECT_EQ(two.count, 2);
  EXPECT_DOUBLE_EQ(two.mean, 2);
  EXPECT_DOUBLE_EQ(two.std, std::sqrt(2.0));

  const MeanStd four = ComputeMeanStd({2, 4, 4, 6});
  EXPECT_DOUBLE_EQ(four.mean, 4);
  EXPECT_DOUBLE_EQ(four.std, std::sqrt(8.0 / 3));  // divisor n - 1

  const MeanStd one = ComputeMeanStd({5});
  EXPECT_EQ(one.count, 1);
  EXPECT_DOUBLE_EQ(one.mean, 5);
  EXPECT_TRUE(std::isnan(one.std));

  const MeanStd none = ComputeMeanStd({});
  EXPECT_EQ(none.count, 0);
  EXPECT_TRUE(std::isnan(none.mean));
}

TEST(PercentileTest, InterpolatesLikeNumpy) {
  // numpy.percentile([4, 1, 3, 2], [0, 25, 50, 100]) = [1, 1.75, 2.5, 4]
  EXPECT_DOUBLE_EQ(Percentile({4, 1, 3, 2}, 0), 1);
  EXPECT_DOUBLE_EQ(Percentile({4, 1, 3, 2}, 25), 1.75);
  EXPECT_DOUBLE_EQ(Percentile({4, 1, 3, 2}, 50), 2.5);
  EXPECT_DOUBLE_EQ(Percentile({4, 1, 3, 2}, 100), 4);
  EXPECT_TRUE(std::isnan(Percentile({}, 50)));
}

TEST(ReferencePointTest, TheReferenceDatasetThenClosestSamples) {
  const std::vector<GridPoint> grid = {
      {"a", 100}, {"b", 10}, {"b", 500}, {"c", 100}};
  // On the named dataset, 10 is closer to 100 than 500.
  std::optional<GridPoint> chosen = ChooseReferencePoint(grid, "b");
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(*chosen, (GridPoint{"b", 10}));
  // A name no point has: the first dataset.
  EXPECT_EQ(*ChooseReferencePoint(grid, "nope"), (GridPoint{"a", 100}));

  // Exact matches win; ties go to the smaller value.
  chosen = ChooseReferencePoint({{"x", 50}, {"x", 150}, {"x", 1000}}, "x");
  EXPECT_EQ(*chosen, (GridPoint{"x", 50}));
  EXPECT_FALSE(ChooseReferencePoint({}, "x").has_value());
}

TEST(CellsTest, GroupsSeedsAndAggregatesPerJump) {
  StudyData study;
  study.results.set_reference_dataset("d05");
  study.points.push_back(MakePoint("aa", "d01", 100, 1, {{1, 9}}));
  study.points.push_back(MakePoint("aa", "d05", 100, 2, {{1, 3}, {10, 30}}));
  study.points.push_back(
      MakePoint("aa", "d05", 100, 1, {{1, 1}, {10, 10}, {400, 7}}));
  study.points.push_back(MakePoint("node", "d05", 10, 1, {{1, 4}}));
  StudyPoint failed = MakePoint("node", "d05", 100, 1, {});
  failed.point.set_status(SweepPoint::FAILED);
  failed.evaluation.reset();
  study.points.push_back(failed);

  const std::vector<Cell> cells = GroupIntoCells(study);
  ASSERT_EQ(cells.size(), 3u);  // the failed point has no cell
  EXPECT_EQ(cells[0].model, "aa");
  // In the sweep's order of datasets.
  EXPECT_EQ(cells[0].dataset, "d01");
  EXPECT_EQ(cells[1].dataset, "d05");
  EXPECT_TRUE(cells[1].on_reference_dataset);
  EXPECT_FALSE(cells[0].on_reference_dataset);
  ASSERT_EQ(cells[1].points.size(), 2u);
  EXPECT_EQ(cells[1].points[0]->point.seed(), 1u);  // ascending seed
  EXPECT_EQ(cells[1].model_kind, "action_angle");
  EXPECT_THAT(ModelNames(cells), ElementsAre("aa", "node"));

  const std::vector<JumpStatistic> losses =
      AggregateJumpMetric(cells[1], PredictionLoss);
  ASSERT_EQ(losses.size(), 3u);
  EXPECT_EQ(losses[0].jump, 1);
  EXPECT_DOUBLE_EQ(losses[0].dt, 0.5);
  EXPECT_DOUBLE_EQ(losses[0].value.mean, 2);
  EXPECT_DOUBLE_EQ(losses[0].value.std, std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(losses[1].value.mean, 20);
  // Jump 400 only in seed 1: one value, no std.
  EXPECT_EQ(losses[2].jump, 400);
  EXPECT_EQ(losses[2].value.count, 1);
  EXPECT_TRUE(std::isnan(losses[2].value.std));
  ASSERT_NE(FindJump(losses, 10), nullptr);
  EXPECT_EQ(FindJump(losses, 5), nullptr);
  EXPECT_DOUBLE_EQ(AggregateJumpMetric(cells[1], EnergyChange)[0].value.mean,
                   20);

  // Reference cells: aa at (d05, 100); node only has (d05, 10).
  const Cell* aa = ReferenceCell(cells, "aa");
  ASSERT_NE(aa, nullptr);
  EXPECT_EQ(aa, &cells[1]);
  const Cell* node = ReferenceCell(cells, "node");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->num_train_samples, 10);
  EXPECT_EQ(ReferenceCell(cells, "hnn"), nullptr);
  EXPECT_EQ(FindCell(cells, "aa", {"d01", 100}), &cells[0]);
  EXPECT_EQ(FindCell(cells, "aa", {"d01", 10}), nullptr);
}

TEST(CellsTest, TheSweepsMarkedReferenceWins) {
  StudyData study;
  study.points.push_back(MakePoint("aa", "d05", 100, 1, {{1, 1}}));
  study.points.push_back(MakePoint("aa", "d01", 10, 1, {{1, 1}}));
  study.points.push_back(MakePoint("aa", "d01", 10, 2, {{1, 1}}));
  study.points.push_back(MakePoint("node", "d05", 100, 1, {{1, 1}}));
  // The sweep's reference is d01 with 10 samples, marked on one seed; node
  // has no marked point: the reference dataset's (d05 by default, the
  // first), closest to 100 samples.
  study.points[1].point.set_is_reference(true);
  const std::vector<Cell> cells = GroupIntoCells(study);
  const Cell* aa = ReferenceCell(cells, "aa");
  ASSERT_NE(aa, nullptr);
  EXPECT_TRUE(aa->is_reference);
  EXPECT_EQ(aa->dataset, "d01");
  EXPECT_EQ(aa->num_train_samples, 10);
  EXPECT_EQ(aa->points.size(), 2u);
  const Cell* node = ReferenceCell(cells, "node");
  ASSERT_NE(node, nullptr);
  EXPECT_FALSE(node->is_reference);
  EXPECT_EQ(node->dataset, "d05");
}

// Two datasets that share k_pair but not their masses make two cells: the
// key is the dataset, not a parameter. (Before issue 20 the two were pooled
// into one cell of three seeds.)
TEST(CellsTest, DatasetsSharingKPairButNotMassesAreTwoCells) {
  StudyData study;
  study.points.push_back(MakePoint("aa", "light", 100, 1, {{1, 1}}));
  study.points.push_back(MakePoint("aa", "light", 100, 2, {{1, 1}}));
  study.points.push_back(MakePoint("aa", "heavy", 100, 1, {{1, 5}}));
  for (StudyPoint& p : study.points) p.point.set_k_pair(0.5);
  study.points[2].point.set_system_parameters(
      "harmonic: masses 2..2, k_pair 0.5");
  const std::vector<Cell> cells = GroupIntoCells(study);
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[0].dataset, "light");
  EXPECT_EQ(cells[0].points.size(), 2u);
  EXPECT_EQ(cells[1].dataset, "heavy");
  EXPECT_EQ(cells[1].points.size(), 1u);
  EXPECT_DOUBLE_EQ(AggregateJumpMetric(cells[1], PredictionLoss)[0].value.mean,
                   5);
}

// One name with two contents (records put together from two sweeps) is two
// datasets, labelled by their hash prefixes, never pooled.
TEST(CellsTest, OneNameWithTwoHashesIsKeptApart) {
  StudyData study;
  study.points.push_back(MakePoint("aa", "mine", 100, 1, {{1, 1}}));
  study.points.push_back(MakePoint("aa", "mine", 100, 2, {{1, 3}}));
  study.points[0].point.set_dataset_hash("0123456789abcdef");
  study.points[1].point.set_dataset_hash("fedcba9876543210");
  const std::vector<DatasetInfo> datasets = DatasetsOf(study);
  ASSERT_EQ(datasets.size(), 2u);
  EXPECT_EQ(datasets[0].label, "mine [01234567]");
  EXPECT_EQ(datasets[1].label, "mine [fedcba98]");
  EXPECT_TRUE(datasets[0].is_reference);
  EXPECT_EQ(DatasetLabel(datasets, study.points[1].point), "mine [fedcba98]");
  const std::vector<Cell> cells = GroupIntoCells(study);
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[0].points.size(), 1u);
  EXPECT_EQ(cells[1].points.size(), 1u);
  EXPECT_NE(cells[0].dataset, cells[1].dataset);
}

// The reference dataset is the sweep's, by name, whatever its position.
TEST(CellsTest, TheReferenceDatasetIsChosenByName) {
  StudyData study;
  study.points.push_back(MakePoint("aa", "first", 100, 1, {{1, 1}}));
  study.points.push_back(MakePoint("aa", "second", 100, 1, {{1, 2}}));
  study.points.push_back(MakePoint("aa", "second", 500, 1, {{1, 2}}));
  EXPECT_EQ(ReferenceCell(GroupIntoCells(study), "aa")->dataset, "first");
  study.results.set_reference_dataset("second");
  const std::vector<Cell> cells = GroupIntoCells(study);
  const Cell* reference = ReferenceCell(cells, "aa");
  ASSERT_NE(reference, nullptr);
  EXPECT_EQ(reference->dataset, "second");
  EXPECT_EQ(reference->num_train_samples, 100);
}

TEST(TimingTest, UnmeasuredTimingIsLeftOut) {
  StudyData study;
  study.points.push_back(MakePoint("aa", "d05", 100, 1, {{1, 1}, {2, 1}}));
  JumpMetrics* measured = study.points[0].evaluation->mutable_jumps(0);
  measured->mutable_single_state()->set_repetitions(5);
  measured->mutable_single_state()->set_median_seconds(2e-5);
  measured->mutable_batch()->set_repetitions(5);
  measured->mutable_batch()->set_median_seconds(3e-3);
  // Jump 2: a Timing message with no measurements.
  study.points[0].evaluation->mutable_jumps(1)->mutable_single_state();
  const std::vector<Cell> cells = GroupIntoCells(study);
  const std::vector<JumpStatistic> single =
      AggregateJumpMetric(cells[0], SingleStateMedianSeconds);
  ASSERT_EQ(single.size(), 1u);
  EXPECT_EQ(single[0].jump, 1);
  EXPECT_DOUBLE_EQ(single[0].value.mean, 2e-5);
  const std::vector<JumpStatistic> batch =
      AggregateJumpMetric(cells[0], BatchMedianSeconds);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_DOUBLE_EQ(batch[0].value.mean, 3e-3);
}

// An Action-Angle Network point with two latent pairs whose matches map
// mode m to latent column latent_of_mode[m].
StudyPoint FrequencyPoint(uint64_t seed, std::vector<int> latent_of_mode,
                          std::vector<double> learned) {
  StudyPoint p = MakePoint("aa", "d05", 100, seed, {{1, 1}});
  EvaluationReport& e = *p.evaluation;
  const std::vector<double> truth = {1.0, 2.0};
  e.set_num_latent_pairs(2);
  for (int mode = 0; mode < 2; ++mode) {
    FrequencyMatch* match = e.add_frequencies();
    match->set_latent_index(latent_of_mode[mode]);
    match->set_learned_mean(learned[mode]);
    match->set_true_frequency(truth[mode]);
    match->set_relative_error(std::abs(learned[mode] - truth[mode]) /
                              truth[mode]);
  }
  // Three test states; row r, column latent_of_mode[m] = -(learned[m] + r/100).
  for (int row = 0; row < 3; ++row) {
    double values[2];
    for (int mode = 0; mode < 2; ++mode) {
      values[latent_of_mode[mode]] = -(learned[mode] + row / 100.0);
    }
    e.add_angular_velocities(values[0]);
    e.add_angular_velocities(values[1]);
  }
  return p;
}

TEST(TrainedMaxJumpTest, FromTheRecordedConfigs) {
  StudyPoint a = MakePoint("aa", "d05", 100, 1, {{1, 1.0}});
  StudyPoint b = MakePoint("aa", "d05", 100, 2, {{1, 1.0}});
  Cell cell;
  cell.num_train_samples = 100;
  cell.points = {&a, &b};
  // Neither config records it.
  a.evaluation->set_config_text("name: \"aa\"");
  EXPECT_FALSE(TrainedMaxJump(cell).has_value());
  // The largest over the seeds; an unparsable config is left out.
  a.evaluation->set_config_text("training { max_jump: 10 }");
  b.evaluation->set_config_text("not a config {");
  EXPECT_EQ(TrainedMaxJump(cell), 10);
  b.evaluation->set_config_text("training { max_jump: 20 }");
  EXPECT_EQ(TrainedMaxJump(cell), 20);
  // Training lowers it to num_train_samples - 1.
  cell.num_train_samples = 8;
  EXPECT_EQ(TrainedMaxJump(cell), 7);
}

TEST(FrequencyTest, AggregatesMatchesAndPoolsVelocitiesByMode) {
  StudyData study;
  study.points.push_back(FrequencyPoint(1, {0, 1}, {1.1, 2.2}));
  study.points.push_back(FrequencyPoint(2, {1, 0}, {0.9, 1.8}));
  const std::vector<Cell> cells = GroupIntoCells(study);
  ASSERT_EQ(cells.size(), 1u);

  const std::vector<ModeFrequency> modes = AggregateFrequencies(cells[0]);
  ASSERT_EQ(modes.size(), 2u);
  EXPECT_EQ(modes[0].mode, 0);
  EXPECT_DOUBLE_EQ(modes[0].true_frequency.mean, 1.0);
  EXPECT_DOUBLE_EQ(modes[0].learned_mean.mean, 1.0);
  EXPECT_NEAR(modes[0].learned_mean.std, std::sqrt(0.02), 1e-12);
  EXPECT_DOUBLE_EQ(modes[1].learned_mean.mean, 2.0);
  EXPECT_NEAR(modes[1].relative_error.mean, 0.1, 1e-12);

  absl::StatusOr<std::vector<std::vector<double>>> by_mode =
      AbsAngularVelocitiesByMode(cells[0]);
  ASSERT_TRUE(by_mode.ok()) << by_mode.status();
  ASSERT_EQ(by_mode->size(), 2u);
  // Absolute values, seed 2's columns swapped back to their modes.
  EXPECT_THAT((*by_mode)[0],
              Pointwise(DoubleNear(1e-12),
                        std::vector<double>{1.1, 1.11, 1.12, 0.9, 0.91, 0.92}));
  EXPECT_THAT((*by_mode)[1],
              Pointwise(DoubleNear(1e-12),
                        std::vector<double>{2.2, 2.21, 2.22, 1.8, 1.81, 1.82}));
}

TEST(FrequencyTest, InconsistentVelocitiesNameThePoint) {
  StudyData study;
  study.points.push_back(FrequencyPoint(1, {0, 1}, {1.1, 2.2}));
  study.points[0].point.set_evaluation_file("runs/x/evaluation.json");
  study.points[0].evaluation->add_angular_velocities(1.0);  // 7 values, 2 pairs
  std::vector<Cell> cells = GroupIntoCells(study);
  absl::StatusOr<std::vector<std::vector<double>>> by_mode =
      AbsAngularVelocitiesByMode(cells[0]);
  ASSERT_FALSE(by_mode.ok());
  EXPECT_THAT(std::string(by_mode.status().message()),
              HasSubstr("runs/x/evaluation.json"));

  StudyData repeated;
  repeated.points.push_back(FrequencyPoint(1, {1, 1}, {1.1, 2.2}));
  cells = GroupIntoCells(repeated);
  EXPECT_FALSE(AbsAngularVelocitiesByMode(cells[0]).ok());
}

TEST(FrequencyTest, NonActionAngleCellsHaveNone) {
  StudyData study;
  study.points.push_back(MakePoint("node", "d05", 100, 1, {{1, 1}}));
  const std::vector<Cell> cells = GroupIntoCells(study);
  EXPECT_TRUE(AggregateFrequencies(cells[0]).empty());
  absl::StatusOr<std::vector<std::vector<double>>> by_mode =
      AbsAngularVelocitiesByMode(cells[0]);
  ASSERT_TRUE(by_mode.ok());
  EXPECT_TRUE(by_mode->empty());
}

TEST(SilvermanTest, RuleOfThumb) {
  // std = sqrt(2.5) ~ 1.58, IQR / 1.34 = 2 / 1.34 ~ 1.49: the IQR wins.
  const std::vector<double> values = {1, 2, 3, 4, 5};
  EXPECT_NEAR(SilvermanBandwidth(values),
              0.9 * (2 / 1.34) * std::pow(5.0, -0.2), 1e-12);
  // IQR 0 (most values equal): the std is used.
  const std::vector<double> spiky = {0, 1, 1, 1, 1, 1, 1, 2};
  EXPECT_NEAR(SilvermanBandwidth(spiky),
              0.9 * ComputeMeanStd(spiky).std * std::pow(8.0, -0.2), 1e-12);
  // All equal: 1% of |mean|.
  EXPECT_NEAR(SilvermanBandwidth({4, 4}), 0.9 * 0.04 * std::pow(2.0, -0.2),
              1e-12);
  EXPECT_TRUE(std::isnan(SilvermanBandwidth({})));
}

// Trapezoid rule over a Density's grid.
double Integral(const Density& d) {
  double sum = 0;
  for (size_t i = 1; i < d.x.size(); ++i) {
    sum += 0.5 * (d.density[i] + d.density[i - 1]) * (d.x[i] - d.x[i - 1]);
  }
  return sum;
}

TEST(KdeTest, IntegratesToOneAndPeaksAtTheData) {
  std::vector<double> values;
  for (int i = 0; i < 400; ++i) values.push_back(3.0 + 0.05 * std::sin(i));
  absl::StatusOr<Density> d = GaussianKde(values, 256);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->num_values, 400);
  EXPECT_EQ(d->x.size(), 256u);
  EXPECT_DOUBLE_EQ(d->bandwidth, SilvermanBandwidth(values));
  EXPECT_NEAR(Integral(*d), 1.0, 1e-3);
  const size_t peak = std::max_element(d->density.begin(), d->density.end()) -
                      d->density.begin();
  EXPECT_NEAR(d->x[peak], 3.0, 0.06);
  EXPECT_LT(d->density.front(), 1e-3 * d->density[peak]);
  EXPECT_LT(d->density.back(), 1e-3 * d->density[peak]);
}

TEST(KdeTest, TwoClustersGiveTwoPeaksAndNonFiniteValuesAreLeftOut) {
  std::vector<double> values;
  for (int i = 0; i < 100; ++i) {
    values.push_back(1.0 + 0.01 * (i % 7));
    values.push_back(2.0 + 0.01 * (i % 5));
  }
  values.push_back(std::nan(""));
  values.push_back(INFINITY);
  absl::StatusOr<Density> d = GaussianKde(values, 512);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->num_values, 200);
  EXPECT_EQ(d->num_non_finite, 2);
  EXPECT_NEAR(Integral(*d), 1.0, 1e-3);
  // Low density half way between the clusters, high at each.
  auto at = [&](double x) {
    size_t best = 0;
    for (size_t i = 0; i < d->x.size(); ++i) {
      if (std::abs(d->x[i] - x) < std::abs(d->x[best] - x)) best = i;
    }
    return d->density[best];
  };
  EXPECT_GT(at(1.03), 10 * at(1.5));
  EXPECT_GT(at(2.02), 10 * at(1.5));
}

TEST(KdeTest, Errors) {
  EXPECT_FALSE(GaussianKde({}).ok());
  EXPECT_FALSE(GaussianKde({std::nan("")}).ok());
  EXPECT_FALSE(GaussianKde({1, 2}, 1).ok());
  absl::StatusOr<Density> single = GaussianKde({5}, 64);
  ASSERT_TRUE(single.ok());
  EXPECT_NEAR(Integral(*single), 1.0, 1e-3);
}

}  // namespace
}  // namespace aanet::reports
