#include "reports/sections/pictures.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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
#include "reports/format.h"
#include "reports/gnuplot.h"
#include "reports/render.h"
#include "reports/section.h"
#include "reports/sections/testing.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kJumps = 10;
constexpr double kDt = 0.5;
const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// A unit circle in (q, p) sampled every kDt; the predictions as given.
eval::PicturedArrays Arrays(double one_shot_offset, bool failed) {
  eval::PicturedArrays a;
  a.t.resize(kJumps + 1);
  a.truth.resize(kJumps + 1, 2);
  for (int j = 0; j <= kJumps; ++j) {
    a.t[j] = j * kDt;
    a.truth(j, 0) = std::cos(j * kDt);
    a.truth(j, 1) = -std::sin(j * kDt);
  }
  a.one_shot = a.truth;
  a.one_shot.col(0).array() += one_shot_offset;
  a.rollout = a.truth;
  if (failed) {
    a.one_shot(kJumps, 1) = kNan;
    a.rollout(kJumps - 1, 0) = kInf;
    a.rollout.row(kJumps).setConstant(kNan);
  }
  PicturedTrajectory& s = a.summary;
  s.set_file(eval::kTrajectoriesFile);
  s.set_trajectory(3);
  s.set_held_out(true);
  s.set_start_sample(500);
  s.set_num_jumps(kJumps);
  s.set_dt(kDt);
  s.set_num_recorded_rows(6);
  s.set_num_non_finite_one_shot(failed ? 1 : 0);
  s.set_num_non_finite_rollout(failed ? 2 : 0);
  a.model_kind = "neural_ode";
  a.config_text = "name: 'x'";
  return a;
}

StudyPoint Point(const std::string& model, const std::string& kind) {
  StudyPoint p;
  p.point.set_model(model);
  p.point.set_model_kind(kind);
  p.point.set_dataset("pendulum");
  p.point.set_dataset_hash("abc");
  p.point.set_system("pendulum");
  p.point.set_num_train_samples(100);
  p.point.set_seed(1);
  p.point.set_num_steps(2000);
  p.point.set_protocol(EQUAL_STEPS);
  p.point.set_is_reference(true);
  p.point.set_directory(absl::StrCat(model, "/pendulum/samples_100/seed_1"));
  p.point.set_evaluation_file(p.point.directory() + "/evaluation.json");
  p.point.set_status(SweepPoint::DONE);
  p.evaluation = EvaluationReport();
  p.evaluation->set_model_kind(kind);
  return p;
}

// Two models with pictures (one failed far out), one whose file is missing.
StudyData Study() {
  StudyData study;
  study.sweep_dir =
      (fs::path(std::getenv("TEST_TMPDIR")) / "pictures").string();
  struct Run {
    const char* model;
    double offset;
    bool failed;
    bool write;
  };
  for (const Run& r :
       {Run{"action_angle_flow", 0.2, false, true},
        Run{"neural_ode", 0.0, true, true}, Run{"hnn", 0.0, false, false}}) {
    StudyPoint p = Point(r.model, "x");
    const eval::PicturedArrays a = Arrays(r.offset, r.failed);
    *p.evaluation->mutable_pictured_trajectory() = a.summary;
    const fs::path file =
        fs::path(study.sweep_dir) / p.point.directory() / "trajectories.h5";
    if (r.write) {
      EXPECT_TRUE(eval::WritePicturedTrajectory(a, file.string()).ok());
    }
    study.points.push_back(std::move(p));
  }
  // A point without a pictured trajectory is not shown.
  study.points.push_back(Point("euler_update_flow", "euler_update"));
  return study;
}

TEST(PicturesSectionTest, TableCountsFailuresAndNeverAveragesThem) {
  const StudyData study = Study();
  const ReportContext context(study, DefaultOptions());
  const std::vector<PicturedDataset> data = ComputePictures(context);
  ASSERT_EQ(data.size(), 1u);
  ASSERT_EQ(data[0].runs.size(), 3u);
  const Table table = PicturesTable(data[0]);
  const std::vector<std::string>* aa = FindRow(table, {"action_angle_flow"});
  ASSERT_NE(aa, nullptr);
  EXPECT_EQ(CellAt(table, *aa, "trajectory"), "3 (held out), from sample 500");
  EXPECT_EQ(CellAt(table, *aa, "Δt = 1..N steps"), "N = 10 (5 time units)");
  EXPECT_EQ(CellAt(table, *aa, "truth rows from the dataset"), "6 of 11");
  // (0.2^2 / var(q) + 0) / 2 at the last row, var over the 11 true rows.
  const eval::PicturedArrays a = Arrays(0.2, false);
  const double mean = a.truth.col(0).mean();
  const double var = (a.truth.col(0).array() - mean).square().mean();
  EXPECT_EQ(CellAt(table, *aa, "one-shot error at N"), Short(0.04 / var / 2));
  EXPECT_EQ(CellAt(table, *aa, "rollout error at N"), "0");
  const std::vector<std::string>* ode = FindRow(table, {"neural_ode"});
  ASSERT_NE(ode, nullptr);
  EXPECT_EQ(CellAt(table, *ode, "one-shot rows not finite"), "1");
  EXPECT_EQ(CellAt(table, *ode, "one-shot error at N"), "not finite");
  EXPECT_EQ(CellAt(table, *ode, "rollout rows not finite"), "2");
  EXPECT_EQ(CellAt(table, *ode, "rollout error at N"), "not finite");
  const std::vector<std::string>* hnn = FindRow(table, {"hnn"});
  ASSERT_NE(hnn, nullptr);
  EXPECT_THAT(CellAt(table, *hnn, "trajectory"), HasSubstr("not read: "));
  EXPECT_THAT(CellAt(table, *hnn, "trajectory"), HasSubstr("trajectories.h5"));
  EXPECT_EQ(PicturesCsv(data).rows.size(), 3u);
}

TEST(PicturesSectionTest, PhaseSpacePanelsAndTheAnimation) {
  const StudyData study = Study();
  const ReportContext context(study, DefaultOptions());
  const std::vector<PicturedDataset> data = ComputePictures(context);
  ASSERT_EQ(data.size(), 1u);
  const Figure figure = PhaseSpaceFigure(data[0], 0, context);
  ASSERT_EQ(figure.panels.size(), 2u);  // two read models x one dof
  EXPECT_FALSE(figure.animated());
  EXPECT_EQ(figure.panels[0].series.size(), 3u);
  EXPECT_EQ(figure.panels[0].series[1].using_columns, "4:5");  // one-shot
  EXPECT_EQ(figure.panels[0].series[2].using_columns, "6:7");  // rollout
  // Non-finite values are written as NaN, which gnuplot leaves out.
  EXPECT_THAT(figure.data, HasSubstr("nan"));
  EXPECT_THAT(figure.data, Not(HasSubstr("inf")));
  absl::StatusOr<std::string> png = GnuplotScript(figure, "png");
  ASSERT_TRUE(png.ok()) << png.status();
  EXPECT_THAT(*png, HasSubstr("set xrange [-1.98"));

  const Figure animation = PhaseSpaceAnimation(data[0], 0, context);
  ASSERT_EQ(animation.panels.size(), 1u);
  EXPECT_TRUE(animation.animated());
  EXPECT_EQ(animation.animation.num_rows, kJumps + 1);
  EXPECT_EQ(animation.animation.step, 1);
  EXPECT_EQ(animation.panels[0].series.size(), 4u);  // orbit, truth, 2 models
  EXPECT_FALSE(GnuplotScript(animation, "png").ok());
  absl::StatusOr<std::string> gif = GnuplotScript(animation, "gif");
  ASSERT_TRUE(gif.ok()) << gif.status();
  EXPECT_THAT(*gif, HasSubstr("set terminal gif animate"));
  EXPECT_THAT(*gif, HasSubstr("do for [frame = 0:10:1] {"));
  EXPECT_THAT(*gif, HasSubstr("every ::0::frame"));
  EXPECT_THAT(*gif, HasSubstr("every ::frame::frame"));
}

TEST(PicturesSectionTest, RendersThePngAndTheGifOrSaysWhyNot) {
  const StudyData study = Study();
  const ReportContext context(study, DefaultOptions());
  absl::StatusOr<Section> section = PicturesSection(context);
  ASSERT_TRUE(section.ok()) << section.status();
  std::vector<const Figure*> figures;
  const std::string with_gif = RenderMarkdown({*section}, &figures, true);
  EXPECT_THAT(with_gif, HasSubstr("## 5d. Pictures of the dynamics"));
  EXPECT_THAT(with_gif, HasSubstr("one-shot"));
  EXPECT_THAT(with_gif, HasSubstr("recursive"));
  EXPECT_THAT(with_gif, HasSubstr("(anim_phase_space_0.gif)"));
  EXPECT_THAT(with_gif, HasSubstr("(fig_phase_space_0.png)"));
  EXPECT_EQ(figures.size(), 2u);
  figures.clear();
  const std::string without = RenderMarkdown({*section}, &figures, false);
  EXPECT_THAT(without, HasSubstr("anim_phase_space_0.gif is not drawn: this "
                                 "machine's gnuplot has no `gif` terminal"));
  EXPECT_EQ(figures.size(), 1u);

  // Drawn for real where gnuplot has the terminal (Debian's has).
  absl::StatusOr<std::string> gnuplot = FindGnuplot();
  ASSERT_TRUE(gnuplot.ok()) << gnuplot.status();
  absl::StatusOr<bool> has_gif = HasGifAnimation(*gnuplot);
  ASSERT_TRUE(has_gif.ok());
  const std::string out =
      (fs::path(std::getenv("TEST_TMPDIR")) / "rendered").string();
  ASSERT_TRUE(
      WriteSections({*section}, *gnuplot, "png", out, "REPORT.md").ok());
  EXPECT_TRUE(fs::exists(fs::path(out) / "fig_phase_space_0.png"));
  if (*has_gif) {
    std::ifstream in(fs::path(out) / "anim_phase_space_0.gif",
                     std::ios::binary);
    std::string magic(6, '\0');
    in.read(magic.data(), 6);
    EXPECT_EQ(magic, "GIF89a");
  }
}

TEST(PicturesSectionTest, NothingWithoutPictures) {
  StudyData study;
  study.sweep_dir = std::getenv("TEST_TMPDIR");
  study.points.push_back(Point("neural_ode", "neural_ode"));
  const ReportContext context(study, DefaultOptions());
  absl::StatusOr<Section> section = PicturesSection(context);
  ASSERT_TRUE(section.ok());
  EXPECT_TRUE(section->blocks.empty());
  EXPECT_TRUE(section->csv_files.empty());
}

}  // namespace
}  // namespace aanet::reports
