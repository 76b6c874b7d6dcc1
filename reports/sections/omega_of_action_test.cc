#include "reports/sections/omega_of_action.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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

// A pendulum-like evaluation: three trajectories of one pair, the second
// held out, learned omega `scale` times the truth.
EvaluationReport Evaluation(double scale, int step) {
  EvaluationReport e;
  e.set_model_kind("action_angle");
  e.set_step(step);
  e.set_action_conversion("C = 0.5");
  const double truth[][2] = {{0.1, 3.1}, {0.8, 2.9}, {2.0, 2.5}};
  for (int k = 0; k < 3; ++k) {
    TrajectoryFrequency* t = e.add_trajectory_frequencies();
    t->set_trajectory(k);
    t->set_held_out(k == 1);
    t->add_latent_index(0);
    t->add_true_action(truth[k][0]);
    t->add_true_frequency(truth[k][1]);
    t->add_learned_mean(scale * truth[k][1]);
    t->add_learned_std(0.01);
    t->add_learned_action_mean(1.1 * truth[k][0]);
    t->add_learned_action_std(0.02);
  }
  return e;
}

StudyPoint Point(const std::string& model, Protocol protocol, bool reference,
                 int steps, std::optional<EvaluationReport> evaluation) {
  StudyPoint p;
  p.point.set_model(model);
  p.point.set_model_kind("action_angle");
  p.point.set_dataset("pendulum");
  p.point.set_dataset_hash("abc");
  p.point.set_num_train_samples(100);
  p.point.set_seed(0);
  p.point.set_num_steps(steps);
  p.point.set_protocol(protocol);
  p.point.set_is_reference(reference);
  p.point.set_directory(absl::StrCat(model, "/pendulum/samples_100/seed_0"));
  p.point.set_status(SweepPoint::DONE);
  p.evaluation = std::move(evaluation);
  return p;
}

// Writes a metrics.jsonl for `point` whose test loss at jump 1 falls by
// half over the last fifth of 1,000 steps: "improving", not converged.
void WriteImprovingCurve(const std::string& sweep_dir, const StudyPoint& p) {
  const fs::path dir = fs::path(sweep_dir) / p.point.directory();
  fs::create_directories(dir);
  std::ofstream out(dir / "metrics.jsonl");
  for (int step = 10; step <= 1000; step += 10) {
    const double loss = step <= 900 ? 1.0 : 0.5;
    out << "{\"step\": " << step
        << ", \"jump\": 1, \"train_loss\": 1, \"test_loss\": {\"1\": " << loss
        << "}, \"selection_loss\": 1, \"best_step\": " << step
        << ", \"best_loss\": 1}\n";
  }
}

StudyData Study(const std::string& name, bool with_figure_run) {
  StudyData study;
  study.sweep_dir = (fs::path(std::getenv("TEST_TMPDIR")) / name).string();
  study.points.push_back(Point("action_angle_flow", EQUAL_STEPS, true, 1000,
                               Evaluation(0.9, 1000)));
  if (with_figure_run) {
    study.points.push_back(Point("action_angle_flow@omega_of_action",
                                 FIGURE_ONLY, false, 1000,
                                 Evaluation(1.0, 990)));
    WriteImprovingCurve(study.sweep_dir, study.points.back());
  }
  // A model without actions: no trajectory frequencies.
  StudyPoint node =
      Point("neural_ode", EQUAL_STEPS, true, 1000, EvaluationReport());
  node.point.set_model_kind("neural_ode");
  study.points.push_back(node);
  return study;
}

TEST(OmegaOfActionTest, UsesTheFigureOnlyRunAndSaysItDidNotConverge) {
  const StudyData study = Study("figure", true);
  const ReportContext context(study, DefaultOptions());
  // The comparison sections never see the figure-only run.
  for (const Cell& cell : context.cells) {
    EXPECT_NE(cell.model, "action_angle_flow@omega_of_action");
  }
  const std::vector<OmegaRun> runs = ComputeOmegaOfAction(context);
  ASSERT_EQ(runs.size(), 1u);
  const OmegaRun& run = runs.front();
  EXPECT_EQ(run.point->point.model(), "action_angle_flow@omega_of_action");
  ASSERT_EQ(run.rows.size(), 3u);
  EXPECT_TRUE(run.rows[1].held_out);
  EXPECT_FALSE(run.rows[0].held_out);
  EXPECT_DOUBLE_EQ(run.rows[2].true_frequency, 2.5);
  EXPECT_DOUBLE_EQ(run.rows[2].learned, 2.5);
  EXPECT_DOUBLE_EQ(run.rows[2].relative_error, 0);
  EXPECT_DOUBLE_EQ(run.rows[0].learned_action, 1.1 * 0.1);
  EXPECT_THAT(ConvergenceText(run), HasSubstr("did not converge"));
  EXPECT_THAT(ConvergenceText(run), HasSubstr("jump 1: improving"));

  const Table table = OmegaTable(run);
  const std::vector<std::string>* held = FindRow(table, {"1", "yes"});
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(CellAt(table, *held, "true ω"), "2.9");
  EXPECT_EQ(OmegaCsv(runs).rows.size(), 3u);

  const Figure figure = OmegaFigure(runs);
  ASSERT_EQ(figure.panels.size(), 2u);
  // Trained and held-out points in another point type, in both panels.
  for (const PlotPanel& panel : figure.panels) {
    std::vector<std::string> styles;
    for (const PlotSeries& s : panel.series) styles.push_back(s.style);
    EXPECT_THAT(styles, ::testing::Contains(HasSubstr("pointtype 7")));
    EXPECT_THAT(styles, ::testing::Contains(HasSubstr("pointtype 4")));
  }

  absl::StatusOr<Section> section = OmegaOfActionSection(context);
  ASSERT_TRUE(section.ok()) << section.status();
  ASSERT_FALSE(section->blocks.empty());
  std::string text;
  for (const Block& b : section->blocks) text += b.text;
  EXPECT_THAT(text, HasSubstr("1000 steps trained"));
  EXPECT_THAT(text, HasSubstr("FIGURE_ONLY"));
  EXPECT_THAT(text, HasSubstr("did not converge"));
}

TEST(OmegaOfActionTest, WithoutAFigureRunTheEqualStepReferenceSaysSo) {
  const StudyData study = Study("no_figure", false);
  const ReportContext context(study, DefaultOptions());
  const std::vector<OmegaRun> runs = ComputeOmegaOfAction(context);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs.front().point->point.model(), "action_angle_flow");
  EXPECT_THAT(runs.front().chosen_as, HasSubstr("equal-step reference"));
  EXPECT_DOUBLE_EQ(runs.front().rows[0].relative_error, 0.1);
  // No metrics.jsonl written: unknown, never "converged".
  EXPECT_THAT(ConvergenceText(runs.front()), HasSubstr("unknown"));
  EXPECT_THAT(ConvergenceText(runs.front()), Not(HasSubstr("converged")));
}

TEST(OmegaOfActionTest, AbsentWithoutTrajectoryFrequencies) {
  absl::StatusOr<Section> section = OmegaOfActionSection(SyntheticContext());
  ASSERT_TRUE(section.ok()) << section.status();
  EXPECT_TRUE(section->blocks.empty());
  EXPECT_TRUE(section->csv_files.empty());
}

}  // namespace
}  // namespace aanet::reports
