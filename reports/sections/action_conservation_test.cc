#include "reports/sections/action_conservation.h"

#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/strings/str_cat.h"
#include "eval/trajectories.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/evaluation.pb.h"
#include "proto/sweep.pb.h"
#include "reports/section.h"
#include "reports/sections/pictures.h"
#include "reports/sections/testing.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const double kNan = std::numeric_limits<double>::quiet_NaN();

void Summary(ActionVariationSummary* s, int count, int non_finite,
             std::vector<double> median, std::vector<double> max) {
  s->set_num_trajectories(count);
  s->set_num_non_finite(non_finite);
  for (double v : median) s->add_median(v);
  for (double v : max) s->add_max(v);
}

StudyPoint Point(const std::string& model, const std::string& kind,
                 const std::string& dataset, const std::string& system,
                 uint64_t seed) {
  StudyPoint p;
  p.point.set_model(model);
  p.point.set_model_kind(kind);
  p.point.set_dataset(dataset);
  p.point.set_dataset_hash(dataset + "hash");
  p.point.set_system(system);
  p.point.set_num_train_samples(100);
  p.point.set_seed(seed);
  p.point.set_num_steps(2000);
  p.point.set_protocol(EQUAL_STEPS);
  p.point.set_is_reference(true);
  p.point.set_directory(
      absl::StrCat(model, "/", dataset, "/samples_100/seed_", seed));
  p.point.set_evaluation_file(p.point.directory() + "/evaluation.json");
  p.point.set_status(SweepPoint::DONE);
  p.evaluation = EvaluationReport();
  p.evaluation->set_model_kind(kind);
  return p;
}

// The Action-Angle Network on a pendulum (with true actions) and on a
// double pendulum, with a Neural ODE beside it that has no variation.
StudyData Study() {
  StudyData study;
  study.sweep_dir =
      (fs::path(std::getenv("TEST_TMPDIR")) / "conservation").string();
  StudyPoint aa =
      Point("action_angle_flow", "action_angle", "pendulum", "pendulum", 1);
  ActionConservation* c = aa.evaluation->mutable_action_conservation();
  c->set_num_latent_pairs(2);
  c->set_action_units("physical (C = 2)");
  c->set_window_samples(500);
  for (int k = 0; k < 3; ++k) {
    ActionVariation* t = c->add_trajectories();
    t->set_trajectory(k);
    t->set_held_out(k == 2);
    for (double v : {0.01 * (k + 1), k == 2 ? kNan : 0.5}) {
      t->add_relative_variation(v);
    }
    for (double v : {1.0, 2.0}) t->add_mean_action(v);
  }
  Summary(c->mutable_trained(), 2, 0, {0.015, 0.5}, {0.02, 0.5});
  Summary(c->mutable_held_out(), 1, 1, {kNan, kNan}, {kNan, kNan});
  c->add_pictured(0.04);
  c->add_pictured(kNan);
  TrajectoryFrequency* f = aa.evaluation->add_trajectory_frequencies();
  f->add_true_action(1.0);
  // Its pictured trajectory, for the figure: actions 1 + 0.1 sin t and 2.
  eval::PicturedArrays a;
  a.t = Eigen::VectorXd::LinSpaced(11, 0, 5);
  a.truth = Eigen::MatrixXd::Ones(11, 4);
  a.one_shot = a.truth;
  a.rollout = a.truth;
  a.actions.resize(11, 2);
  for (int j = 0; j < 11; ++j) {
    a.actions(j, 0) = 1 + 0.1 * std::sin(a.t[j]);
    a.actions(j, 1) = 2;
  }
  a.summary.set_file(eval::kTrajectoriesFile);
  a.summary.set_num_jumps(10);
  a.summary.set_dt(0.5);
  *aa.evaluation->mutable_pictured_trajectory() = a.summary;
  EXPECT_TRUE(eval::WritePicturedTrajectory(
                  a, (fs::path(study.sweep_dir) / aa.point.directory() /
                      "trajectories.h5")
                         .string())
                  .ok());
  study.points.push_back(std::move(aa));
  study.points.push_back(
      Point("neural_ode", "neural_ode", "pendulum", "pendulum", 1));

  StudyPoint chaotic = Point("action_angle_flow", "action_angle",
                             "double_pendulum_chaotic", "double_pendulum", 1);
  ActionConservation* d = chaotic.evaluation->mutable_action_conservation();
  d->set_num_latent_pairs(1);
  d->set_window_samples(500);
  Summary(d->mutable_trained(), 1, 0, {0.8}, {0.8});
  study.points.push_back(std::move(chaotic));
  return study;
}

TEST(ActionConservationSectionTest, TablePerPairWithFailuresCounted) {
  const StudyData study = Study();
  const ReportContext context(study, DefaultOptions());
  const std::vector<ConservationDataset> data = ComputeConservation(context);
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0].dataset, "pendulum");
  EXPECT_TRUE(data[0].true_actions);
  ASSERT_EQ(data[0].cells.size(), 1u);  // the Neural ODE has none
  const Table table = ConservationTable(data[0]);
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(CellAt(table, table.rows[0], "trained: median"), "0.015");
  EXPECT_EQ(CellAt(table, table.rows[0], "trained: max"), "0.02");
  EXPECT_EQ(CellAt(table, table.rows[0], "held out: median"), "not finite");
  EXPECT_EQ(CellAt(table, table.rows[0], "pictured trajectory"), "0.04");
  EXPECT_EQ(CellAt(table, table.rows[1], "pictured trajectory"), "not finite");
  EXPECT_EQ(CellAt(table, table.rows[1], "latent pair"), "1");
  EXPECT_EQ(CellAt(table, table.rows[0], "trajectories (not finite, left out)"),
            "2 trained (0), 1 held out (1)");
  const Table csv = ConservationCsv(data);
  EXPECT_EQ(csv.rows.size(), 6u);  // 3 trajectories x 2 pairs; chaotic none
  EXPECT_EQ(CellAt(csv, csv.rows[5], "relative_variation"), "nan");
}

TEST(ActionConservationSectionTest, SaysWhatTheDoublePendulumShows) {
  const StudyData study = Study();
  const ReportContext context(study, DefaultOptions());
  const std::vector<ConservationDataset> data = ComputeConservation(context);
  ASSERT_EQ(data.size(), 2u);
  EXPECT_THAT(ConservationText(data[0]), Not(HasSubstr("not integrable")));
  EXPECT_THAT(ConservationText(data[0]), HasSubstr("2000 training steps"));
  EXPECT_THAT(ConservationText(data[0]), HasSubstr("about 2x"));
  EXPECT_FALSE(data[1].true_actions);
  EXPECT_THAT(ConservationText(data[1]),
              HasSubstr("The double pendulum is not integrable"));
  ConservationDataset imported = data[1];
  imported.system = "imported";
  EXPECT_THAT(ConservationText(imported), HasSubstr("records no true actions"));
}

TEST(ActionConservationSectionTest, ActionsAgainstTimeOverTheirMean) {
  const StudyData study = Study();
  const ReportContext context(study, DefaultOptions());
  const Figure figure = ActionsFigure(ComputePictures(context), context);
  ASSERT_EQ(figure.panels.size(), 1u);
  EXPECT_EQ(figure.panels[0].series.size(), 2u);
  EXPECT_EQ(figure.panels[0].series[1].using_columns, "1:3");
  // Pair 1 is constant: 1 over its mean at every row.
  EXPECT_THAT(figure.data, HasSubstr("\n5 "));
  absl::StatusOr<Section> section = ActionConservationSection(context);
  ASSERT_TRUE(section.ok()) << section.status();
  std::string all;
  for (const Block& b : section->blocks) all += b.text;
  EXPECT_THAT(all, HasSubstr("## 5e. Conservation of the learned actions"));
  EXPECT_THAT(all, HasSubstr("**true** states"));
  ASSERT_EQ(section->csv_files.size(), 1u);
  EXPECT_EQ(section->csv_files[0].name, "action_conservation.csv");
}

}  // namespace
}  // namespace aanet::reports
