#include "reports/report.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/files.h"
#include "reports/study.h"
#include "reports/synthetic_sweep.h"
#include "testing/test_util.h"

namespace aanet::reports {
namespace {

using ::aanet::test_util::FreshDir;

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A CSV file as a header and rows of named fields (no quoted fields in the
// files these tests read, except where noted).
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
};

CsvTable ReadCsv(const std::string& path) {
  CsvTable table;
  absl::StatusOr<std::string> text = ReadFile(path);
  EXPECT_TRUE(text.ok()) << text.status();
  if (!text.ok()) return table;
  std::vector<std::string> lines =
      absl::StrSplit(*text, '\n', absl::SkipEmpty());
  if (lines.empty()) return table;
  table.header = absl::StrSplit(lines[0], ',');
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> fields = absl::StrSplit(lines[i], ',');
    EXPECT_EQ(fields.size(), table.header.size()) << path << ": " << lines[i];
    std::map<std::string, std::string> row;
    for (size_t j = 0; j < fields.size() && j < table.header.size(); ++j) {
      row[table.header[j]] = fields[j];
    }
    table.rows.push_back(row);
  }
  return table;
}

double Number(const std::map<std::string, std::string>& row,
              const std::string& column) {
  auto it = row.find(column);
  EXPECT_NE(it, row.end()) << column;
  if (it == row.end()) return NAN;
  if (it->second == "nan") return NAN;
  double value = NAN;
  EXPECT_TRUE(absl::SimpleAtod(it->second, &value)) << it->second;
  return value;
}

// Rows whose fields equal `match`.
std::vector<std::map<std::string, std::string>> Select(
    const CsvTable& table, const std::map<std::string, std::string>& match) {
  std::vector<std::map<std::string, std::string>> selected;
  for (const auto& row : table.rows) {
    bool all = true;
    for (const auto& [column, value] : match) {
      auto it = row.find(column);
      if (it == row.end() || it->second != value) all = false;
    }
    if (all) selected.push_back(row);
  }
  return selected;
}

// %.6g relative precision.
void ExpectClose(double actual, double expected) {
  EXPECT_NEAR(actual, expected, 1e-5 * std::abs(expected));
}

class ReportTest : public ::testing::Test {
 protected:
  // Writes the synthetic sweep and its report once for all tests.
  static void SetUpTestSuite() {
    sweep_dir_ = new std::string(FreshDir("sweep"));
    out_dir_ = new std::string(FreshDir("report"));
    ASSERT_TRUE(WriteSyntheticSweep(*sweep_dir_).ok());
    absl::StatusOr<StudyData> study = LoadSweep(*sweep_dir_);
    ASSERT_TRUE(study.ok()) << study.status();
    ReportOptions options;
    options.budget_description = "synthetic budget: 2,000 steps, 2 seeds";
    status_ = new absl::Status(WriteReport(*study, options, *out_dir_));
  }
  static void TearDownTestSuite() {
    delete sweep_dir_;
    delete out_dir_;
    delete status_;
  }
  void SetUp() override { ASSERT_TRUE(status_->ok()) << *status_; }

  static std::string Out(const std::string& name) {
    return (fs::path(*out_dir_) / name).string();
  }
  static std::string Report() {
    absl::StatusOr<std::string> text = ReadFile(Out(kReportFile));
    EXPECT_TRUE(text.ok()) << text.status();
    return text.ok() ? *text : std::string();
  }

  static std::string* sweep_dir_;
  static std::string* out_dir_;
  static absl::Status* status_;
};

std::string* ReportTest::sweep_dir_ = nullptr;
std::string* ReportTest::out_dir_ = nullptr;
absl::Status* ReportTest::status_ = nullptr;

TEST_F(ReportTest, ReportHasHeaderSectionsAndFailedPoint) {
  const std::string report = Report();
  EXPECT_THAT(report, HasSubstr("# Study report: synthetic"));
  EXPECT_THAT(report,
              HasSubstr("| budget | synthetic budget: 2,000 steps, 2 seeds |"));
  EXPECT_THAT(report, HasSubstr(absl::StrCat("| sweep description | ",
                                             kSyntheticDescription, " |")));
  EXPECT_THAT(report,
              HasSubstr("| reference point | the sweep's is_reference points: "
                        "harmonic_k_pair_0.5, 100 samples |"));
  EXPECT_THAT(report, HasSubstr("2 cores, synthetic CPU"));
  EXPECT_THAT(report, HasSubstr("4321.5 s (1h 12min 02s)"));
  EXPECT_THAT(report,
              HasSubstr("36: 29 done, 6 skipped (results existed), 1 failed, 0 "
                        "pending"));
  // The datasets, once: name (reference marked), system, parameters,
  // shape, time step, hash prefix.
  EXPECT_THAT(report,
              HasSubstr("| harmonic_k_pair_0.5 (reference) | harmonic | "
                        "harmonic: num_particles 2, masses 1..5, k_wall "
                        "0.005..0.01, k_pair 0.5, amplitudes 1..10, phases "
                        "0..1 | 1 × 1000 | 1 | `00000000000"));
  EXPECT_THAT(report, HasSubstr("| num_train_samples | 10, 100, 500 |"));
  EXPECT_THAT(report, HasSubstr("| seeds | 1, 2 |"));
  EXPECT_THAT(report,
              HasSubstr("| evaluated jumps, reference points (error vs Δt, "
                        "timings) | 1, 2, 5, 10, 20, 50, 100, 200, 400 |"));
  EXPECT_THAT(report,
              HasSubstr("| evaluated jumps, every other point | 1, 10, 50 |"));
  EXPECT_THAT(report,
              HasSubstr("| action_angle_flow | action_angle | "
                        "configs/harmonic/action_angle_flow.pbtxt | 2000 |"));
  // The failed point with its error, the pipe escaped for Markdown.
  EXPECT_THAT(report,
              HasSubstr("| neural_ode | harmonic_k_pair_1.0 | 500 | 2 | "
                        "train: step 1200: loss is NaN \\| diverged |"));
  for (const char* title :
       {"## 1. Table 1, measured", "## 2. Data efficiency (Figure 2)",
        "## 3. Inference time vs Δt (Figure 3a)",
        "## 4. Prediction error vs Δt (Figure 3b)",
        "## 5. Recovered frequencies (Figure 4)"}) {
    EXPECT_THAT(report, HasSubstr(title));
  }
  for (const char* figure :
       {"fig_table1", "fig_data_efficiency", "fig_inference_time",
        "fig_error_vs_dt", "fig_frequencies"}) {
    EXPECT_THAT(report, HasSubstr(absl::StrCat("(", figure, ".png)")));
  }
  EXPECT_THAT(report, HasSubstr("## Sweep config"));
  EXPECT_THAT(report, Not(HasSubstr("No Action-Angle Network")));
}

TEST_F(ReportTest, FiguresArePngsWithTheirScriptsKept) {
  for (const char* figure :
       {"fig_table1", "fig_data_efficiency", "fig_inference_time",
        "fig_error_vs_dt", "fig_frequencies"}) {
    absl::StatusOr<std::string> png =
        ReadFile(Out(absl::StrCat(figure, ".png")));
    ASSERT_TRUE(png.ok()) << png.status();
    EXPECT_THAT(*png, StartsWith("\x89PNG\r\n\x1a\n")) << figure;
    EXPECT_GT(png->size(), 5000u) << figure;
    EXPECT_TRUE(fs::exists(Out(absl::StrCat(figure, ".gp")))) << figure;
    EXPECT_TRUE(fs::exists(Out(absl::StrCat(figure, ".dat")))) << figure;
  }
  for (const auto& entry : fs::directory_iterator(*out_dir_)) {
    EXPECT_THAT(entry.path().filename().string(), Not(HasSubstr(".tmp")));
  }
}

// Bars on a log axis have lengths that depend on where the axis starts;
// legends below a panel collide with its x label.
TEST_F(ReportTest, FiguresUsePointsOnLogAxesAndKeepLegendsOffLabels) {
  absl::StatusOr<std::string> table = ReadFile(Out("fig_table1.gp"));
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_THAT(*table, HasSubstr("set logscale y"));
  EXPECT_THAT(*table, Not(HasSubstr("with boxes")));
  EXPECT_THAT(*table, HasSubstr("with points pointtype 7"));
  for (const char* figure :
       {"fig_table1", "fig_data_efficiency", "fig_inference_time",
        "fig_error_vs_dt", "fig_frequencies"}) {
    absl::StatusOr<std::string> script =
        ReadFile(Out(absl::StrCat(figure, ".gp")));
    ASSERT_TRUE(script.ok()) << script.status();
    EXPECT_THAT(*script, Not(HasSubstr("key below"))) << figure;
    EXPECT_THAT(*script, Not(HasSubstr("key bottom"))) << figure;
  }
}

// The top of the report: the title, the summary of headline numbers, the
// contents linking every section, then the facts.
TEST_F(ReportTest, SummaryAndContentsAtTheTop) {
  const std::string report = Report();
  const size_t summary = report.find("## Summary\n");
  const size_t contents = report.find("## Contents\n");
  const size_t facts = report.find("| sweep | synthetic |");
  ASSERT_NE(summary, std::string::npos);
  ASSERT_NE(contents, std::string::npos);
  ASSERT_NE(facts, std::string::npos);
  EXPECT_LT(report.find("# Study report: synthetic"), summary);
  EXPECT_LT(summary, contents);
  EXPECT_LT(contents, facts);
  EXPECT_THAT(report, HasSubstr("| model | reference point | seeds | loss, "
                                "jump 1 | loss, largest jump |"));
  EXPECT_THAT(report, HasSubstr("| action_angle_flow | harmonic_k_pair_0.5, "
                                "100 samples | 2 | 2 ± 1.414 |"));
  for (const char* link :
       {"- [Summary](#summary)",
        "- [1. Table 1, measured](#1-table-1-measured)",
        "- [2. Data efficiency (Figure 2)](#2-data-efficiency-figure-2)",
        "- [5. Recovered frequencies (Figure 4)]"
        "(#5-recovered-frequencies-figure-4)",
        "- [6. Training curves and convergence]"
        "(#6-training-curves-and-convergence)",
        "- [Sweep config](#sweep-config)"}) {
    EXPECT_THAT(report, HasSubstr(link));
  }
}

TEST_F(ReportTest, DataEfficiencyCsvHasMeanAndStdOverSeeds) {
  const CsvTable csv = ReadCsv(Out("data_efficiency.csv"));
  EXPECT_EQ(absl::StrJoin(csv.header, ","),
            "model,dataset,num_train_samples,jump,mean_loss,std_loss,num_seeds,"
            "mean_loss_test_scaled,std_loss_test_scaled,train_mean_loss,"
            "random_phase_loss,train_mean_loss_test_scaled,"
            "random_phase_loss_test_scaled,num_failed_pairs,num_pairs");
  // 2 models x (8 cells x 3 jumps + the reference cell x 9 jumps).
  EXPECT_EQ(csv.rows.size(), 66u);
  // Losses 1 and 3: mean 2, std sqrt(2).
  auto rows = Select(csv, {{"model", "action_angle_flow"},
                           {"dataset", "harmonic_k_pair_0.5"},
                           {"num_train_samples", "100"},
                           {"jump", "1"}});
  ASSERT_EQ(rows.size(), 1u);
  ExpectClose(Number(rows[0], "mean_loss"), 2.0);
  ExpectClose(Number(rows[0], "std_loss"), std::sqrt(2.0));
  EXPECT_EQ(rows[0].at("num_seeds"), "2");
  // Every row follows the synthetic formula.
  for (const auto& row : csv.rows) {
    const double f =
        SyntheticLoss(row.at("model"), SyntheticKPair(row.at("dataset")),
                      Number(row, "num_train_samples"), Number(row, "jump"));
    if (row.at("num_seeds") == "2") {
      ExpectClose(Number(row, "mean_loss"), 2 * f);
      ExpectClose(Number(row, "std_loss"), std::sqrt(2.0) * f);
    } else {
      // The failed point leaves seed 1 alone: no std.
      EXPECT_EQ(row.at("model"), "neural_ode");
      EXPECT_EQ(row.at("dataset"), "harmonic_k_pair_1.0");
      EXPECT_EQ(row.at("num_train_samples"), "500");
      ExpectClose(Number(row, "mean_loss"), f);
      EXPECT_EQ(row.at("std_loss"), "nan");
    }
    // The common unit and the levels, per point in that point's units.
    const double ratio =
        SyntheticTestScaledRatio(Number(row, "num_train_samples"));
    ExpectClose(Number(row, "mean_loss_test_scaled"),
                Number(row, "mean_loss") * ratio);
    ExpectClose(Number(row, "train_mean_loss_test_scaled"),
                kSyntheticTrainMeanLevel);
    ExpectClose(Number(row, "random_phase_loss_test_scaled"),
                kSyntheticRandomPhaseLevel);
    ExpectClose(Number(row, "train_mean_loss"),
                kSyntheticTrainMeanLevel / ratio);
    ExpectClose(Number(row, "random_phase_loss"),
                kSyntheticRandomPhaseLevel / ratio);
    EXPECT_EQ(row.at("num_failed_pairs"), "0");
  }
  // The Markdown shows the same cell as "2 ± 1.414", and its seeds, which
  // differ by a factor of 3.
  EXPECT_THAT(Report(), HasSubstr("| action_angle_flow | 100 | 2 | 2 ± 1.414 "
                                  "(seed 1: 1, seed 2: 3) |"));
}

TEST_F(ReportTest, TableOneUsesTheReferencePoint) {
  const CsvTable csv = ReadCsv(Out("table1.csv"));
  ASSERT_EQ(csv.rows.size(), 2u);
  for (const auto& row : csv.rows) {
    const std::string& model = row.at("model");
    EXPECT_EQ(row.at("dataset"), "harmonic_k_pair_0.5");
    EXPECT_EQ(row.at("num_train_samples"), "100");
    EXPECT_EQ(row.at("num_seeds"), "2");
    ExpectClose(Number(row, "num_parameters"), SyntheticNumParameters(model));
    EXPECT_EQ(row.at("timing_small_jump"), "1");
    EXPECT_EQ(row.at("timing_large_jump"), "400");
    ExpectClose(Number(row, "single_state_median_us_small"),
                2e6 * SyntheticSingleStateSeconds(model, 1));
    ExpectClose(Number(row, "inference_time_growth"),
                SyntheticSingleStateSeconds(model, 400) /
                    SyntheticSingleStateSeconds(model, 1));
    EXPECT_EQ(row.at("energy_large_jump"), "400");
    ExpectClose(Number(row, "energy_change_small_mean"),
                2 * SyntheticEnergyChange(model, 1));
    ExpectClose(Number(row, "energy_change_large_std"),
                std::sqrt(2.0) * SyntheticEnergyChange(model, 400));
  }
  EXPECT_THAT(Report(), HasSubstr("1.399 (jump 400 / jump 1)"));
  EXPECT_THAT(Report(), HasSubstr("400 (jump 400 / jump 1)"));
}

TEST_F(ReportTest, InferenceTimeAndErrorVsDtCoverEveryJump) {
  const CsvTable timing = ReadCsv(Out("inference_time.csv"));
  EXPECT_EQ(timing.rows.size(), 18u);  // 2 models x 9 jumps
  auto rows = Select(timing, {{"model", "neural_ode"}, {"jump", "50"}});
  ASSERT_EQ(rows.size(), 1u);
  ExpectClose(Number(rows[0], "single_state_median_us_mean"),
              2e6 * SyntheticSingleStateSeconds("neural_ode", 50));
  ExpectClose(Number(rows[0], "batch_median_ms_mean"),
              2e5 * SyntheticSingleStateSeconds("neural_ode", 50));
  EXPECT_EQ(rows[0].at("batch_size"), "500");

  const CsvTable error = ReadCsv(Out("error_vs_dt.csv"));
  EXPECT_EQ(error.rows.size(), 18u);
  for (const auto& row : error.rows) {
    EXPECT_EQ(row.at("beyond_trained_range"),
              Number(row, "jump") > 10 ? "1" : "0");
    ExpectClose(
        Number(row, "mean_loss"),
        2 * SyntheticLoss(row.at("model"), 0.5, 100, Number(row, "jump")));
  }
  EXPECT_THAT(Report(), HasSubstr("| 20 † |"));
  EXPECT_THAT(Report(), Not(HasSubstr("| 10 † |")));
}

TEST_F(ReportTest, FrequenciesAndTheirDensity) {
  const CsvTable csv = ReadCsv(Out("frequencies.csv"));
  // action_angle_flow on harmonic_k_pair_0.5: 3 sample counts x 2 modes.
  ASSERT_EQ(csv.rows.size(), 6u);
  const std::vector<double> truth = SyntheticTrueFrequencies(0.5);
  for (const auto& row : csv.rows) {
    EXPECT_EQ(row.at("model"), "action_angle_flow");
    EXPECT_EQ(row.at("dataset"), "harmonic_k_pair_0.5");
    const int mode = static_cast<int>(Number(row, "mode"));
    const int samples = static_cast<int>(Number(row, "num_train_samples"));
    ExpectClose(Number(row, "true_frequency"), truth[mode]);
    const double learned =
        0.5 * (SyntheticLearnedFrequency(truth[mode], samples, 1) +
               SyntheticLearnedFrequency(truth[mode], samples, 2));
    ExpectClose(Number(row, "learned_mean"), learned);
    EXPECT_EQ(row.at("num_seeds"), "2");
  }

  const CsvTable density = ReadCsv(Out("frequency_density.csv"));
  ASSERT_EQ(density.rows.size(), 2u * 256);
  for (int mode = 0; mode < 2; ++mode) {
    auto rows = Select(density, {{"mode", absl::StrCat(mode)}});
    ASSERT_EQ(rows.size(), 256u);
    double integral = 0, peak_x = 0, peak = -1;
    for (size_t i = 0; i < rows.size(); ++i) {
      const double x = Number(rows[i], "omega");
      const double y = Number(rows[i], "density");
      if (i > 0) {
        integral += 0.5 * (y + Number(rows[i - 1], "density")) *
                    (x - Number(rows[i - 1], "omega"));
      }
      if (y > peak) {
        peak = y;
        peak_x = x;
      }
    }
    EXPECT_NEAR(integral, 1.0, 2e-3) << "mode " << mode;
    // Seeds 1 and 2 learn 1% and 2% above the truth; |omega| of mode 1 is
    // negative in the data and must come out positive.
    EXPECT_NEAR(peak_x, truth[mode] * 1.015, truth[mode] * 0.02)
        << "mode " << mode;
    EXPECT_EQ(rows[0].at("num_values"), "1000");
  }
}

// Section 6: the synthetic Action-Angle Network's test loss settles by step
// 1200 of 2000 (converged), the Neural ODE's keeps falling by exp(-0.004
// step); both logged every 10 steps after the ramp (1,889 steps).
TEST_F(ReportTest, ConvergenceVerdictsAndTrainingCurves) {
  const CsvTable csv = ReadCsv(Out("convergence.csv"));
  ASSERT_EQ(csv.rows.size(), 35u * 2);  // every evaluated point, 2 jumps
  for (const auto& row : csv.rows) {
    const bool flow = row.at("model") == "action_angle_flow";
    EXPECT_EQ(row.at("verdict"), flow ? "converged" : "improving")
        << row.at("model");
    EXPECT_EQ(row.at("best_step"), "2000");
    // The halves of the steps after the ramp; with 10 samples max_jump is
    // 9, reached after 1,876 steps.
    const bool ten = row.at("num_train_samples") == "10";
    EXPECT_EQ(row.at("earlier_window_begin"), ten ? "1876" : "1889");
    EXPECT_EQ(row.at("later_window_begin"), ten ? "1938" : "1944.5");
    EXPECT_EQ(row.at("earlier_evaluations"), ten ? "5" : "6");
    EXPECT_EQ(row.at("later_evaluations"), ten ? "7" : "6");
  }
  auto node = Select(csv, {{"model", "neural_ode"}, {"jump", "10"}});
  ASSERT_FALSE(node.empty());
  // Medians over 1890..1940 and 1950..2000: 60 steps apart.
  EXPECT_NEAR(std::stod(node[0].at("relative_improvement")),
              1 - std::exp(-0.004 * 60), 1e-6);
  const std::string report = *ReadFile(Out("REPORT.md"));
  EXPECT_THAT(report, HasSubstr("## 6. Training curves and convergence"));
  EXPECT_THAT(report, HasSubstr("jump 1: 18 converged"));
  EXPECT_THAT(report, HasSubstr("jump 10: 17 improving"));  // Neural ODE
  EXPECT_THAT(report, HasSubstr("(1889, 1944.5] vs (1944.5, 2000]"));
  for (const char* model : {"action_angle_flow", "neural_ode"}) {
    absl::StatusOr<std::string> png =
        ReadFile(Out(absl::StrCat("fig_training_", model, ".png")));
    ASSERT_TRUE(png.ok()) << png.status();
    EXPECT_THAT(*png, StartsWith("\x89PNG\r\n\x1a\n")) << model;
  }
}

TEST_F(ReportTest, PointsCsvListsEveryPointWithStatus) {
  const CsvTable csv = ReadCsv(Out("points.csv"));
  ASSERT_EQ(csv.rows.size(), 36u);
  auto failed = Select(csv, {{"status", "FAILED"}});
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].at("error"), kSyntheticError);
  EXPECT_EQ(failed[0].at("num_parameters"), "");
  EXPECT_EQ(Select(csv, {{"status", "SKIPPED"}}).size(), 6u);
}

TEST(ReportWithoutActionAngleTest, SectionFiveSaysSoAndTheRestIsThere) {
  const std::string sweep = FreshDir("sweep_node_only");
  const std::string out = FreshDir("report_node_only");
  SyntheticSweepOptions options;
  options.include_action_angle = false;
  ASSERT_TRUE(WriteSyntheticSweep(sweep, options).ok());
  absl::StatusOr<StudyData> study = LoadSweep(sweep);
  ASSERT_TRUE(study.ok()) << study.status();
  absl::Status written = WriteReport(*study, {}, out);
  ASSERT_TRUE(written.ok()) << written;
  absl::StatusOr<std::string> report =
      ReadFile((fs::path(out) / kReportFile).string());
  ASSERT_TRUE(report.ok());
  EXPECT_THAT(*report, HasSubstr("No Action-Angle Network"));
  // Without --budget_description the sweep config's description stands.
  EXPECT_THAT(*report, HasSubstr(kSyntheticDescription));
  EXPECT_THAT(*report, Not(HasSubstr("(not described)")));
  EXPECT_THAT(*report, HasSubstr("(fig_error_vs_dt.png)"));
  EXPECT_THAT(*report, Not(HasSubstr("(fig_frequencies.png)")));
  EXPECT_FALSE(fs::exists(fs::path(out) / "fig_frequencies.png"));
  const CsvTable frequencies =
      ReadCsv((fs::path(out) / "frequencies.csv").string());
  EXPECT_TRUE(frequencies.rows.empty());
}

// A sweep with failed solves renders, and REPORT.md says where they are:
// no time, no growth, counted failed predictions, the point the figure
// leaves out; the new columns and the levels are there.
TEST(ReportWithFailedSolveTest, TheFailuresAreNamed) {
  const std::string sweep = FreshDir("sweep_failed_solve");
  const std::string out = FreshDir("report_failed_solve");
  SyntheticSweepOptions options;
  options.include_failed_solve = true;
  ASSERT_TRUE(WriteSyntheticSweep(sweep, options).ok());
  absl::StatusOr<StudyData> study = LoadSweep(sweep);
  ASSERT_TRUE(study.ok()) << study.status();
  absl::Status written = WriteReport(*study, {}, out);
  ASSERT_TRUE(written.ok()) << written;
  absl::StatusOr<std::string> report =
      ReadFile((fs::path(out) / kReportFile).string());
  ASSERT_TRUE(report.ok());
  EXPECT_THAT(*report,
              HasSubstr("| solve failed at jump 400 in 1 of 2 seeds |"));
  EXPECT_THAT(*report, HasSubstr("(solve failed in 1 of 2 seeds)"));
  EXPECT_THAT(*report, HasSubstr("jump 200: 7 of 300 predictions failed in 1 "
                                 "of 2 seeds (" +
                                 std::string(kSyntheticFailure) + ")"));
  EXPECT_THAT(
      *report,
      HasSubstr("left out (no positive finite value): neural_ode "
                "(harmonic_k_pair_0.5, 100 samples), jump 400: mean loss nan"));
  EXPECT_THAT(*report, HasSubstr("| test-σ loss, jump 1 |"));
  EXPECT_THAT(*report, HasSubstr("*Reference levels*"));
  const CsvTable errors = ReadCsv((fs::path(out) / "error_vs_dt.csv").string());
  auto rows = Select(errors, {{"model", "neural_ode"}, {"jump", "200"}});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("num_failed_pairs"), "7");
  absl::StatusOr<std::string> script =
      ReadFile((fs::path(out) / "fig_error_vs_dt.gp").string());
  ASSERT_TRUE(script.ok());
  EXPECT_THAT(*script, HasSubstr("title 'training mean'"));
  EXPECT_THAT(*script, HasSubstr("title 'true orbit, random phase'"));
  EXPECT_TRUE(fs::exists(fs::path(out) / "fig_data_efficiency.png"));
}

TEST(ReportEmptySweepTest, EverySectionSaysThereIsNoData) {
  StudyData study;
  study.sweep_dir = "nowhere";
  study.results.set_name("empty");
  StudyPoint failed;
  failed.point.set_model("neural_ode");
  failed.point.set_status(SweepPoint::FAILED);
  failed.point.set_error("out of memory");
  study.points.push_back(failed);
  const std::string out = FreshDir("report_empty");
  absl::Status written = WriteReport(study, {}, out);
  ASSERT_TRUE(written.ok()) << written;
  absl::StatusOr<std::string> report =
      ReadFile((fs::path(out) / kReportFile).string());
  ASSERT_TRUE(report.ok());
  EXPECT_THAT(*report, HasSubstr("out of memory"));
  EXPECT_THAT(*report, HasSubstr("| budget | (not described) |"));
  EXPECT_THAT(*report, HasSubstr("No evaluated point in this sweep"));
  EXPECT_THAT(*report, HasSubstr("No timing was measured"));
  EXPECT_THAT(*report, HasSubstr("No Action-Angle Network"));
  EXPECT_THAT(*report, Not(HasSubstr(".png)")));
}

TEST(ReportErrorsTest, MissingGnuplotIsNamed) {
  StudyData study;
  ReportOptions options;
  options.gnuplot = "/nonexistent/bin/gnuplot";
  const std::string out = FreshDir("report_no_gnuplot");
  absl::Status written = WriteReport(study, options, out);
  ASSERT_FALSE(written.ok());
  EXPECT_THAT(
      std::string(written.message()),
      HasSubstr("gnuplot is not installed at /nonexistent/bin/gnuplot"));
  EXPECT_THAT(std::string(written.message()), HasSubstr("tools/setup.sh"));
  EXPECT_FALSE(fs::exists(out));
}

TEST(ReportErrorsTest, UnwritableOutputIsNamed) {
  const std::string blocker = FreshDir("blocker");
  ASSERT_TRUE(WriteFileAtomically(blocker, "a file, not a directory").ok());
  absl::Status written = WriteReport(StudyData(), {}, blocker + "/report");
  ASSERT_FALSE(written.ok());
  EXPECT_THAT(std::string(written.message()), HasSubstr(blocker));
}

}  // namespace
}  // namespace aanet::reports
