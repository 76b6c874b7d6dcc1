#include "reports/sections/model_size.h"

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "reports/study.h"
#include "testing/test_util.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

Experiment ParseConfig(const std::string& text) {
  Experiment experiment;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &experiment))
      << text;
  return experiment;
}

std::string FlowConfig(int layers) {
  return absl::StrCat(
      "model { action_angle { encoder { flow { num_layers: ", layers,
      " hidden_width: 100 } } angular_velocity_net { hidden_widths: 100 } } "
      "} training { max_jump: 10 }");
}

constexpr char kNodeConfig[] =
    "model { neural_ode { encoder { mlp { num_encoder_layers: 1 "
    "num_decoder_layers: 2 } } derivative_net { hidden_widths: [100, 100, "
    "100] } } }";

TEST(ModelSizeTextTest, ReadsTheDepthsFromTheConfig) {
  EXPECT_EQ(ModelSizeText(ParseConfig(FlowConfig(30))),
            "30 flow layers, angular-velocity net 2");
  EXPECT_EQ(ModelFamily(ParseConfig(FlowConfig(30))), "action_angle (flow)");
  EXPECT_EQ(ModelSizeText(ParseConfig(kNodeConfig)),
            "encoder 1, decoder 2, derivative net 4");
  EXPECT_EQ(ModelFamily(ParseConfig(kNodeConfig)), "neural_ode (mlp)");
  // Depth 1, the published smallest derivative net: no hidden layer.
  EXPECT_EQ(ModelSizeText(ParseConfig(
                "model { euler_update { encoder { flow { num_layers: 5 } } "
                "derivative_net { } } }")),
            "5 flow layers, derivative net 1");
  EXPECT_EQ(ModelSizeText(ParseConfig(
                "model { hamiltonian { encoder { mlp { num_encoder_layers: 2 "
                "num_decoder_layers: 2 } } hamiltonian_net { hidden_widths: "
                "[100, 100] } } }")),
            "encoder 2, decoder 2, Hamiltonian net 3");
  EXPECT_EQ(ModelSizeText(Experiment()), "—");
}

// A study of known numbers: action_angle at 5 flow layers (2 seeds, both
// timed) and at 10 (one seed done and untimed, one failed); a Neural ODE
// whose loss at jump 10 is NaN; an Euler Update Network whose only point
// failed.
class ModelSizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    study_.sweep_dir = test_util::FreshDir("model_size_sweep");
    study_.results.set_sweep_config_text("evaluation { jumps: [1, 10] }");
    Add("action_angle_flow@num_layers=5", "action_angle", 0, FlowConfig(5),
        3000, {0.1, 1.0}, 5, 0.002);
    Add("action_angle_flow@num_layers=5", "action_angle", 1, FlowConfig(5),
        3000, {0.3, 3.0}, 15, 0.004);
    Add("action_angle_flow@num_layers=10", "action_angle", 0, FlowConfig(10),
        6000, {0.05, 0.5}, 20, -1);
    AddFailed("action_angle_flow@num_layers=10", "action_angle", 1,
              "training diverged at step 7 (jump 1)");
    Add("neural_ode@enc1_dec2_deriv4", "neural_ode", 0, kNodeConfig, 100000,
        {0.01, std::nan("")}, 1000, 0.05);
    AddFailed("euler_update_flow@num_layers=5", "euler_update", 0, "boom");
  }

  void Add(const std::string& model, const std::string& kind, int seed,
           const std::string& config, int64_t parameters,
           const std::vector<double>& losses, double vpt, double cpu_step) {
    StudyPoint p;
    SetPoint(model, kind, seed, &p.point);
    p.point.set_status(SweepPoint::DONE);
    EvaluationReport e;
    e.set_model_kind(kind);
    e.set_num_parameters(parameters);
    e.set_config_text(config);
    const int jumps[] = {1, 10};
    for (size_t i = 0; i < losses.size(); ++i) {
      JumpMetrics* j = e.add_jumps();
      j->set_jump(jumps[i]);
      j->set_dt(jumps[i]);
      j->set_prediction_loss(losses[i]);
      j->set_num_pairs(10);
    }
    e.mutable_vpt()->set_median_time(vpt);
    e.mutable_vpt()->set_max_time(1000);
    e.mutable_vpt()->set_num_start_states(50);
    p.evaluation = e;
    const fs::path dir = fs::path(study_.sweep_dir) / p.point.directory();
    fs::create_directories(dir);
    if (cpu_step >= 0) {
      // As the trainer writes it (proto/timing.proto).
      test_util::WriteAll(
          (dir / kTimingFile).string(),
          absl::StrCat("{\"step\": \"2000\", \"timed_steps\": \"2000\", "
                       "\"train_step_seconds\": ",
                       4000 * cpu_step,
                       ", \"train_step_cpu_seconds\": ", 2000 * cpu_step,
                       ", \"seconds_per_step\": ", 2 * cpu_step,
                       ", \"cpu_seconds_per_step\": ", cpu_step, "}"));
    }
    study_.points.push_back(std::move(p));
    *study_.results.add_points() = study_.points.back().point;
  }

  void AddFailed(const std::string& model, const std::string& kind, int seed,
                 const std::string& error) {
    StudyPoint p;
    SetPoint(model, kind, seed, &p.point);
    p.point.set_status(SweepPoint::FAILED);
    p.point.set_error(error);
    study_.points.push_back(std::move(p));
    *study_.results.add_points() = study_.points.back().point;
  }

  static void SetPoint(const std::string& model, const std::string& kind,
                       int seed, SweepPoint* point) {
    point->set_model(model);
    point->set_model_kind(kind);
    point->set_dataset("harmonic_k_pair_0.5");
    point->set_num_train_samples(100);
    point->set_seed(seed);
    point->set_num_steps(2000);
    point->set_is_reference(true);
    point->set_directory(absl::StrCat(model, "/seed_", seed));
    point->set_evaluation_file(point->directory() + "/evaluation.json");
  }

  StudyData study_;
  ReportOptions options_;
};

TEST_F(ModelSizeTest, RowsPerModelWithSizesLossesVptTimingAndFailures) {
  const ReportContext context(study_, options_);
  const ModelSizeStudy result = ComputeModelSize(context);
  EXPECT_TRUE(result.has_sizes);
  EXPECT_EQ(result.jumps, (std::vector<int>{1, 10}));
  ASSERT_EQ(result.rows.size(), 4u);
  const ModelSizeRow& five = result.rows[0];
  EXPECT_EQ(five.model, "action_angle_flow@num_layers=5");
  EXPECT_EQ(five.family, "action_angle (flow)");
  EXPECT_EQ(five.size, "5 flow layers, angular-velocity net 2");
  EXPECT_EQ(five.num_parameters, 3000);
  EXPECT_EQ(five.num_points, 2);
  EXPECT_EQ(five.num_failed, 0);
  EXPECT_DOUBLE_EQ(five.test_loss.at(1).mean, 0.2);
  EXPECT_NEAR(five.test_loss.at(1).std, std::sqrt(0.02), 1e-12);
  EXPECT_DOUBLE_EQ(five.test_loss.at(10).mean, 2.0);
  EXPECT_DOUBLE_EQ(five.vpt.mean, 10);
  EXPECT_EQ(five.timed_points, 2);
  EXPECT_DOUBLE_EQ(five.cpu_seconds_per_step.mean, 0.003);
  EXPECT_DOUBLE_EQ(five.seconds_per_step.mean, 0.006);

  const ModelSizeRow& ten = result.rows[1];
  EXPECT_EQ(ten.num_parameters, 6000);
  EXPECT_EQ(ten.num_points, 2);
  EXPECT_EQ(ten.num_failed, 1);
  EXPECT_EQ(ten.first_error, "training diverged at step 7 (jump 1)");
  EXPECT_EQ(ten.test_loss.at(1).count, 1);
  EXPECT_EQ(ten.timed_points, 0);

  EXPECT_EQ(result.rows[2].family, "neural_ode (mlp)");
  EXPECT_EQ(result.rows[2].size, "encoder 1, decoder 2, derivative net 4");
  // Failed-only models last, without a size.
  EXPECT_EQ(result.rows[3].model, "euler_update_flow@num_layers=5");
  EXPECT_EQ(result.rows[3].size, "—");
  EXPECT_EQ(result.rows[3].num_failed, 1);

  const Table table = ModelSizeMarkdown(result);
  ASSERT_EQ(table.rows.size(), 4u);
  EXPECT_EQ(table.header[5], "test loss @1");
  EXPECT_EQ(table.rows[0][3], "3000");
  EXPECT_EQ(table.rows[0][7], "10 ± 7.071");  // VPT over two seeds
  EXPECT_EQ(table.rows[0][8], "3 ± 1.414");   // CPU ms per step
  EXPECT_EQ(table.rows[1][8], "not recorded");
  EXPECT_EQ(table.rows[1].back(),
            "2 (1): training diverged at step 7 (jump 1)");
  EXPECT_EQ(table.rows[2][7], "> 1000");  // the median never crossed
  EXPECT_EQ(table.rows[3][3], "—");
  EXPECT_EQ(table.rows[3].back(), "1 (1): boom");
}

TEST_F(ModelSizeTest, FigureIsLossAgainstParametersPerFamily) {
  const ReportContext context(study_, options_);
  std::vector<std::string> left_out;
  const Figure figure = ModelSizeFigure(ComputeModelSize(context), &left_out);
  ASSERT_EQ(figure.panels.size(), 2u);
  EXPECT_TRUE(figure.panels[0].log_x);
  EXPECT_TRUE(figure.panels[0].log_y);
  ASSERT_EQ(figure.panels[0].series.size(), 2u);
  EXPECT_EQ(figure.panels[0].series[0].title, "action_angle (flow)");
  EXPECT_EQ(figure.panels[0].series[1].title, "neural_ode (mlp)");
  // The Neural ODE's NaN at jump 10 is named, not drawn.
  EXPECT_EQ(figure.panels[1].series.size(), 1u);
  EXPECT_THAT(left_out,
              ::testing::ElementsAre("neural_ode@enc1_dec2_deriv4, jump 10"));
  EXPECT_THAT(figure.data, HasSubstr("3000 0.2 "));
}

TEST_F(ModelSizeTest, SectionSaysWhatItsBudgetCanShowAndCountsFailures) {
  const ReportContext context(study_, options_);
  absl::StatusOr<Section> section = ModelSizeSection(context);
  ASSERT_TRUE(section.ok()) << section.status();
  ASSERT_FALSE(section->blocks.empty());
  EXPECT_THAT(section->blocks[0].text, HasSubstr("## 9. Model size"));
  EXPECT_THAT(section->blocks[0].text,
              HasSubstr("2000 training steps per model and at most 2 seeds"));
  EXPECT_THAT(section->blocks[0].text, HasSubstr("**2 of 6 points failed**"));
  ASSERT_EQ(section->csv_files.size(), 1u);
  EXPECT_EQ(section->csv_files[0].name, "model_size.csv");
}

TEST_F(ModelSizeTest, NoSectionWhenNoFamilyComesInTwoSizes) {
  study_.points.erase(study_.points.begin() + 2, study_.points.begin() + 4);
  const ReportContext context(study_, options_);
  EXPECT_FALSE(ComputeModelSize(context).has_sizes);
  absl::StatusOr<Section> section = ModelSizeSection(context);
  ASSERT_TRUE(section.ok());
  EXPECT_TRUE(section->blocks.empty());
  EXPECT_TRUE(section->csv_files.empty());
}

}  // namespace
}  // namespace aanet::reports
