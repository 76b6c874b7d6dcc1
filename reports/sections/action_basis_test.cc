#include "reports/sections/action_basis.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/evaluation.pb.h"
#include "proto/sweep.pb.h"
#include "reports/section.h"
#include "reports/sections/testing.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// A Kepler-like evaluation: two degenerate trajectories (both true
// frequencies 0.5) learned in the basis M = [[1, 1], [0, 1]], the second
// with a precession of 0.01 radians per time unit, and a third whose
// learned actions were not finite.
EvaluationReport Evaluation(bool unimodular) {
  EvaluationReport e;
  e.set_model_kind("action_angle");
  ActionBasis* b = e.mutable_action_basis();
  b->set_num_degrees_of_freedom(2);
  for (int v : {1, unimodular ? 1 : 2, 0, 1}) b->add_basis(v);
  b->set_determinant(1);
  b->set_unimodular(true);
  b->set_relative_residual(unimodular ? 0.01 : 0.3);
  for (double v : {1.0, 1.0, 0.0, 1.0}) b->add_real_basis(v);
  b->set_real_relative_residual(0.009);
  b->set_explains(unimodular);
  b->set_num_equivalent(1);
  b->set_true_action_rank(2);
  b->set_num_trajectories(2);
  b->add_left_out(2);
  b->set_search("every integer matrix with entries in [-2, 2] and |det| = 1");
  for (int k = 0; k < 3; ++k) {
    ActionBasisTrajectory* t = b->add_trajectories();
    t->set_trajectory(k);
    t->set_held_out(k == 1);
    t->set_left_out(k == 2);
    for (double v : {0.1 * k, 1.0}) t->add_true_action(v);
    for (double v : {1.0 + 0.1 * k, 1.0}) t->add_learned_action(v);
    for (double v : {0.5, 0.5}) t->add_true_frequency(v);
    const double precession = k == 1 ? 0.01 : 0.0;
    for (double v : {0.5, precession}) t->add_learned_frequency(v);
    for (double v : {0.5, 0.5 + precession}) t->add_mapped_frequency(v);
    t->set_degenerate(true);
    t->set_degenerate_first(0);
    t->set_degenerate_second(1);
    t->set_precession_rate(precession);
    t->set_precession_per_orbit(2 * M_PI * precession / 0.5);
  }
  return e;
}

StudyPoint Point(const std::string& model, std::optional<EvaluationReport> e) {
  StudyPoint p;
  p.point.set_model(model);
  p.point.set_model_kind(e.has_value() ? e->model_kind() : "neural_ode");
  p.point.set_dataset("kepler");
  p.point.set_dataset_hash("abc");
  p.point.set_num_train_samples(100);
  p.point.set_seed(0);
  p.point.set_num_steps(2000);
  p.point.set_protocol(EQUAL_STEPS);
  p.point.set_is_reference(true);
  p.point.set_directory(absl::StrCat(model, "/kepler/samples_100/seed_0"));
  p.point.set_status(SweepPoint::DONE);
  p.evaluation = std::move(e);
  return p;
}

StudyData Study(bool unimodular) {
  StudyData study;
  study.sweep_dir = (fs::path(std::getenv("TEST_TMPDIR")) / "basis").string();
  study.points.push_back(Point("action_angle_flow", Evaluation(unimodular)));
  study.points.push_back(Point("neural_ode", EvaluationReport()));
  return study;
}

TEST(ActionBasisSectionTest, BasisResidualsMappedFrequenciesAndPrecession) {
  const StudyData study = Study(true);
  const ReportContext context(study, DefaultOptions());
  const std::vector<BasisRun> runs = ComputeActionBases(context);
  ASSERT_EQ(runs.size(), 1u);
  const BasisRun& run = runs.front();
  EXPECT_EQ(run.point->point.model(), "action_angle_flow");
  // The left-out trajectory is not in the precession summary.
  EXPECT_EQ(run.num_degenerate, 2);
  EXPECT_NEAR(run.max_abs_precession_per_orbit, 2 * M_PI * 0.02, 1e-15);
  EXPECT_NEAR(run.mean_abs_precession_per_orbit, M_PI * 0.02, 1e-15);
  // Learned |omega| (0.5, 0) and (0.5, 0.01) against a true 0.5: the
  // network's own basis differs by 2 pi 0.5 / 0.5 and 2 pi 0.49 / 0.5.
  EXPECT_NEAR(run.max_abs_learned_difference_per_orbit, 2 * M_PI, 1e-12);
  EXPECT_NEAR(run.mean_abs_learned_difference_per_orbit, M_PI * (1 + 0.98),
              1e-12);
  EXPECT_EQ(MatrixText(run.basis->basis(), 2), "[[1, 1], [0, 1]]");

  const std::string text = BasisText(run);
  EXPECT_THAT(text, HasSubstr("M = [[1, 1], [0, 1]] (det 1)"));
  EXPECT_THAT(text, HasSubstr("relative residual 0.01; the best real matrix "
                              "leaves 0.009"));
  EXPECT_THAT(text, HasSubstr("An integer change of basis explains"));
  EXPECT_THAT(text, HasSubstr("1 trajectory(ies) left out"));
  EXPECT_THAT(text, HasSubstr("largest 0.1257 rad"));

  const Table table = BasisTable(run);
  ASSERT_EQ(table.rows.size(), 3u);
  EXPECT_EQ(CellAt(table, table.rows[1], "mapped ω = Mᵀ ω_learned"),
            "[0.5, 0.51]");
  EXPECT_EQ(CellAt(table, table.rows[1], "precession (rad per time unit)"),
            "0.01");
  EXPECT_EQ(CellAt(table, table.rows[2], "trajectory"), "2 (left out)");
  EXPECT_EQ(BasisCsv(runs).rows.size(), 6u);  // 3 trajectories x 2

  absl::StatusOr<Section> section = ActionBasisSection(context);
  ASSERT_TRUE(section.ok()) << section.status();
  std::string all;
  for (const Block& b : section->blocks) all += b.text;
  EXPECT_THAT(all, HasSubstr("## 5c. Learned actions up to a change of basis"));
  EXPECT_THAT(all, HasSubstr("polar map's singular point"));
}

TEST(ActionBasisSectionTest, SaysWhenNoIntegerBasisExplainsTheActions) {
  const StudyData study = Study(false);
  const ReportContext context(study, DefaultOptions());
  const std::vector<BasisRun> runs = ComputeActionBases(context);
  ASSERT_EQ(runs.size(), 1u);
  const std::string text = BasisText(runs.front());
  EXPECT_THAT(text, HasSubstr("No integer change of basis explains"));
  EXPECT_THAT(text, Not(HasSubstr("An integer change of basis explains")));
  EXPECT_THAT(text, HasSubstr("not meaningful: M does not explain"));
  EXPECT_THAT(text, HasSubstr("in the network's own basis"));
}

TEST(ActionBasisSectionTest, NothingWithoutABasis) {
  EXPECT_TRUE(ComputeActionBases(SyntheticContext()).empty());
  absl::StatusOr<Section> section = ActionBasisSection(SyntheticContext());
  ASSERT_TRUE(section.ok());
  EXPECT_TRUE(section->blocks.empty());
}

}  // namespace
}  // namespace aanet::reports
