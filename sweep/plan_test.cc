#include "sweep/plan.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "data_gen/dataset.h"
#include "data_gen/import.h"
#include "eval/trajectories.h"
#include "eval/vpt.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/text_config.h"

namespace aanet::sweep {
namespace {

namespace fs = std::filesystem;

SweepConfig Parse(const std::string& text) {
  SweepConfig config;
  EXPECT_TRUE(ParseTextProto(text, "test", &config).ok());
  return config;
}

constexpr char kSweep[] = R"pb(
  name: "t"
  models { config: "configs/harmonic/action_angle_flow.pbtxt" num_steps: 7 }
  models { config: "configs/harmonic/neural_ode.pbtxt" }
  datasets: "configs/harmonic/k_pair_0.1.pbtxt"
  datasets: "configs/harmonic/default.pbtxt"
  num_train_samples: [ 10, 90, 500 ]
  seeds: [ 3, 4 ]
  training {
    eval_every: 25
    test_jumps: [ 1, 10 ]
  }
  evaluation {
    jumps: [ 1, 5 ]
    reference_jumps: [ 1, 400 ]
    reference_dataset: "configs/harmonic/default.pbtxt"
  }
)pb";

TEST(PlanSweepTest, ExpandsTheGridWithOverridesAndReferencePoints) {
  absl::StatusOr<SweepPlan> plan = PlanSweep(Parse(kSweep), ".", "/o");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->sweep_dir, "/o/sweeps/t");
  ASSERT_EQ(plan->datasets.size(), 2u);
  // Named by their configs' `name`, not their file stems.
  EXPECT_EQ(plan->datasets[0].name, "harmonic_k_pair_0.1");
  EXPECT_EQ(plan->datasets[0].system, "harmonic");
  EXPECT_EQ(plan->datasets[0].system_parameters,
            "harmonic: num_particles 2, masses 1..5, k_wall 0.005..0.01, "
            "k_pair 0.1, amplitudes 1..10, phases 0..1");
  EXPECT_EQ(plan->datasets[1].path, "/o/datasets/harmonic_k_pair_0.5.h5");
  EXPECT_EQ(plan->reference_dataset, "harmonic_k_pair_0.5");
  ASSERT_EQ(plan->points.size(), 2u * 2 * 3 * 2);

  int references = 0, timed = 0;
  for (const PlannedPoint& p : plan->points) {
    Experiment experiment;
    ASSERT_TRUE(
        ParseTextProto(p.spec.experiment_text(), "spec", &experiment).ok());
    const TrainingConfig& training = experiment.training();
    EXPECT_EQ(training.num_train_samples(), p.point.num_train_samples());
    EXPECT_EQ(training.seed(), p.point.seed());
    EXPECT_EQ(training.eval_every(), 25);
    EXPECT_EQ(training.test_jumps_size(), 2);
    EXPECT_EQ(training.num_steps(), p.point.num_steps());
    EXPECT_EQ(p.point.num_steps(),
              p.point.model() == "action_angle_flow" ? 7 : 50000);
    EXPECT_EQ(p.point.model_kind(), p.point.model() == "action_angle_flow"
                                        ? "action_angle"
                                        : "neural_ode");
    EXPECT_FALSE(experiment.has_simulation());
    // The reference: the default dataset and the sample count closest to
    // 100; only its first seed is timed.
    const bool reference = p.point.dataset() == "harmonic_k_pair_0.5" &&
                           p.point.num_train_samples() == 90;
    EXPECT_EQ(p.point.system(), "harmonic");
    EXPECT_EQ(p.point.system_parameters(),
              plan->datasets[p.dataset_index].system_parameters);
    EXPECT_EQ(p.point.dataset(), plan->datasets[p.dataset_index].name);
    EXPECT_EQ(p.point.dataset_num_trajectories(), 1);
    EXPECT_EQ(p.point.dataset_num_samples(), 1000);
    EXPECT_EQ(p.point.dataset_time_step(), 1.0);
    EXPECT_EQ(p.point.axis_values_size(), 0);
    EXPECT_EQ(p.point.is_reference(), reference);
    EXPECT_EQ(p.spec.jumps_size(), 2);
    EXPECT_EQ(p.spec.jumps(1), reference ? 400 : 5);
    EXPECT_EQ(p.spec.measure_timing(), reference && p.point.seed() == 3);
    // Every point, one J for the study (the default here).
    EXPECT_EQ(p.spec.vpt_max_jump(), eval::kDefaultVptMaxJump);
    // Pictures of the dynamics with the timings: one per reference model.
    EXPECT_EQ(p.spec.picture_jumps(), reference && p.point.seed() == 3
                                          ? eval::kDefaultPictureJumps
                                          : 0);
    references += reference;
    timed += p.spec.measure_timing();
    EXPECT_EQ(p.directory, "/o/sweeps/t/" + p.point.directory());
  }
  EXPECT_EQ(references, 4);  // 2 models x 2 seeds
  EXPECT_EQ(timed, 2);
  EXPECT_EQ(plan->points[0].point.directory(),
            "action_angle_flow/harmonic_k_pair_0.1/samples_10/seed_3");
}

TEST(PlanSweepTest, OverridesPerModelSweepWideAndPerAxis) {
  SweepConfig config = Parse(R"pb(
    name: "o"
    models {
      config: "configs/harmonic/action_angle_flow.pbtxt"
      num_steps: 7
      set: "training.learning_rate=0.01"
      set: "training.batch_size=20"
    }
    models {
      config: "configs/harmonic/action_angle_flow.pbtxt"
      name: "aa_small"
      set: "model.action_angle.encoder.flow.num_layers=2"
    }
    datasets: "configs/harmonic/default.pbtxt"
    num_train_samples: [ 10 ]
    seeds: [ 0 ]
    training {
      eval_every: 25
      set: "training.eval_every=5"
      set: "training.batch_size=30"
    }
    axes {
      field: "training.max_jump"
      values: [ "3", "4" ]
    }
  )pb");
  absl::StatusOr<SweepPlan> plan = PlanSweep(config, ".", "/o");
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->points.size(), 4u);
  const char* names[] = {"action_angle_flow@max_jump=3",
                         "action_angle_flow@max_jump=4", "aa_small@max_jump=3",
                         "aa_small@max_jump=4"};
  for (int i = 0; i < 4; ++i) {
    const PlannedPoint& p = plan->points[i];
    EXPECT_EQ(p.point.model(), names[i]);
    EXPECT_EQ(p.point.directory(),
              std::string(names[i]) + "/harmonic_k_pair_0.5/samples_10/seed_0");
    ASSERT_EQ(p.point.axis_values_size(), 1);
    EXPECT_EQ(p.point.axis_values(0),
              absl::StrCat("training.max_jump=", i % 2 == 0 ? 3 : 4));
    Experiment e;
    ASSERT_TRUE(ParseTextProto(p.spec.experiment_text(), "spec", &e).ok());
    const bool first = i < 2;
    // The model's own set wins over the sweep-wide one, which wins over the
    // fixed training overrides.
    EXPECT_EQ(e.training().batch_size(), first ? 20 : 30);
    EXPECT_EQ(e.training().eval_every(), 5);
    EXPECT_DOUBLE_EQ(e.training().learning_rate(), first ? 0.01 : 0.001);
    EXPECT_EQ(e.training().num_steps(), first ? 7 : 50000);
    EXPECT_EQ(p.point.num_steps(), e.training().num_steps());
    EXPECT_EQ(e.training().max_jump(), i % 2 == 0 ? 3 : 4);
    EXPECT_EQ(e.model().action_angle().encoder().flow().num_layers(),
              first ? 20 : 2);
    EXPECT_EQ(e.training().num_train_samples(), 10);
  }
}

TEST(PlanSweepTest, DatasetVariantsApplyOverrides) {
  SweepConfig config = Parse(R"pb(
    name: "v"
    models { config: "configs/harmonic/action_angle_flow.pbtxt" }
    dataset_variants {
      name: "three_k0.3"
      config: "configs/harmonic/default.pbtxt"
      set: "simulation.harmonic.num_particles=3"
      set: "simulation.harmonic.k_pair=0.3"
    }
    datasets: "configs/harmonic/default.pbtxt"
    num_train_samples: [ 100 ]
    seeds: [ 0 ]
    evaluation { reference_dataset: "three_k0.3" }
  )pb");
  absl::StatusOr<SweepPlan> plan = PlanSweep(config, ".", "/o");
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->datasets.size(), 2u);
  const PlannedDataset& variant = plan->datasets[1];
  EXPECT_EQ(variant.name, "three_k0.3");
  EXPECT_EQ(variant.path, "/o/datasets/three_k0.3.h5");
  EXPECT_EQ(variant.experiment.simulation().harmonic().num_particles(), 3);
  EXPECT_NE(variant.config_text.find("--set=simulation.harmonic.k_pair=0.3"),
            std::string::npos);
  ASSERT_EQ(plan->points.size(), 2u);
  EXPECT_FALSE(plan->points[0].point.is_reference());
  EXPECT_TRUE(plan->points[1].point.is_reference());
  EXPECT_EQ(plan->points[1].point.directory(),
            "action_angle_flow/three_k0.3/samples_100/seed_0");

  config.mutable_evaluation()->clear_reference_dataset();
  config.mutable_dataset_variants(0)->set_name("harmonic_k_pair_0.5");
  EXPECT_THAT(
      std::string(PlanSweep(config, ".", "/o").status().message()),
      ::testing::HasSubstr("two datasets are named 'harmonic_k_pair_0.5'"));
  // Without a name, a variant is named by its config: the same name as the
  // plain entry, refused, since the two have different contents.
  config.mutable_dataset_variants(0)->clear_name();
  EXPECT_THAT(
      std::string(PlanSweep(config, ".", "/o").status().message()),
      ::testing::HasSubstr("two datasets are named 'harmonic_k_pair_0.5'"));
  config.mutable_dataset_variants(0)->set_name("x");
  config.mutable_dataset_variants(0)->add_set("simulation.harmonic.k=1");
  EXPECT_THAT(std::string(PlanSweep(config, ".", "/o").status().message()),
              ::testing::HasSubstr(
                  "dataset_variants[0]: --set=simulation.harmonic.k=1"));
}

// Two datasets that share k_pair but not their masses are two datasets: two
// names, two descriptions, two sets of points; the reference is chosen by
// name.
TEST(PlanSweepTest, DatasetsSharingKPairStayApartAndTheReferenceIsByName) {
  SweepConfig config = Parse(R"pb(
    name: "m"
    models { config: "configs/harmonic/action_angle_flow.pbtxt" }
    datasets: "configs/harmonic/default.pbtxt"
    dataset_variants {
      name: "heavy"
      config: "configs/harmonic/default.pbtxt"
      set: "simulation.harmonic.masses.min=2"
      set: "simulation.harmonic.masses.max=2"
    }
    num_train_samples: [ 100 ]
    seeds: [ 0 ]
    evaluation { reference_dataset: "heavy" }
  )pb");
  absl::StatusOr<SweepPlan> plan = PlanSweep(config, ".", "/o");
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->points.size(), 2u);
  EXPECT_EQ(plan->points[0].point.dataset(), "harmonic_k_pair_0.5");
  EXPECT_EQ(plan->points[1].point.dataset(), "heavy");
  EXPECT_NE(plan->points[0].point.system_parameters(),
            plan->points[1].point.system_parameters());
  EXPECT_THAT(plan->points[1].point.system_parameters(),
              ::testing::HasSubstr("masses 2..2"));
  EXPECT_FALSE(plan->points[0].point.is_reference());
  EXPECT_TRUE(plan->points[1].point.is_reference());
  EXPECT_EQ(plan->reference_dataset, "heavy");

  // By a `datasets` entry's path too: the dataset read from it.
  config.mutable_evaluation()->set_reference_dataset(
      "configs/harmonic/default.pbtxt");
  plan = PlanSweep(config, ".", "/o");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->reference_dataset, "harmonic_k_pair_0.5");
  EXPECT_TRUE(plan->points[0].point.is_reference());
}

TEST(PlanSweepTest, EqualComputeModelsTrainTheirOwnSamplesAndAreNoReference) {
  SweepConfig config = Parse(kSweep);
  config.MergeFrom(
      Parse(R"pb(models {
                   config: "configs/harmonic/action_angle_flow.pbtxt"
                   name: "action_angle_flow@equal_compute"
                   num_steps: 50000
                   protocol: EQUAL_COMPUTE
                   num_train_samples: [ 90, 500 ]
                 })pb"));
  absl::StatusOr<SweepPlan> plan = PlanSweep(config, ".", "/o");
  ASSERT_TRUE(plan.ok()) << plan.status();
  int equal_compute = 0;
  for (const PlannedPoint& p : plan->points) {
    if (p.point.model() != "action_angle_flow@equal_compute") {
      EXPECT_EQ(p.point.protocol(), EQUAL_STEPS);
      continue;
    }
    ++equal_compute;
    EXPECT_EQ(p.point.protocol(), EQUAL_COMPUTE);
    EXPECT_EQ(p.point.num_steps(), 50000);
    EXPECT_NE(p.point.num_train_samples(), 10);
    EXPECT_FALSE(p.point.is_reference());
    EXPECT_FALSE(p.spec.measure_timing());
  }
  EXPECT_EQ(equal_compute, 2 * 2 * 2);  // datasets x samples x seeds
}

TEST(PlanSweepTest, InvalidConfigsNameTheField) {
  struct Case {
    const char* edit;
    const char* message;
  } cases[] = {
      {R"pb(num_train_samples: [ 1 ])pb", "num_train_samples: must be >= 2"},
      {R"pb(evaluation { reference_dataset: "x.pbtxt" })pb",
       "evaluation.reference_dataset"},
      {R"pb(models { config: "" })pb", "models.config: must be set"},
      {R"pb(models { config: "configs/harmonic/nope.pbtxt" })pb", "nope.pbtxt"},
      {R"pb(models { config: "configs/harmonic/action_angle_flow.pbtxt" })pb",
       "two models are named 'action_angle_flow'"},
      {R"pb(models {
              config: "configs/harmonic/euler_update_flow.pbtxt"
              set: "training.batch_sze=5"
            })pb",
       "models[2].set=training.batch_sze=5: training.batch_sze: "
       "aanet.TrainingConfig has no field 'batch_sze'"},
      {R"pb(training { set: "training.batch_size=x" })pb",
       "training.set=training.batch_size=x: training.batch_size: expected an "
       "int32, got 'x'"},
      {R"pb(axes { field: "training.batch_size" values: "5x" })pb",
       "axes[0].values[0]: training.batch_size: expected an int32, got '5x'"},
      {R"pb(axes { field: "training.batch_size" })pb",
       "axes[0].values: must not be empty"},
      {R"pb(evaluation { vpt_max_jump: -1 })pb",
       "evaluation.vpt_max_jump: must be >= 0"},
      {R"pb(evaluation { picture_jumps: -1 })pb",
       "evaluation.picture_jumps: must be >= 0"},
      {R"pb(models {
              config: "configs/harmonic/euler_update_flow.pbtxt"
              name: "a/b"
            })pb",
       "models.name: 'a/b' contains '/' or spaces"},
      {R"pb(models {
              config: "configs/harmonic/euler_update_flow.pbtxt"
              num_train_samples: 100
            })pb",
       "models.num_train_samples: 100 is not one of the sweep's"},
  };
  for (const Case& c : cases) {
    SweepConfig config = Parse(kSweep);
    SweepConfig edit = Parse(c.edit);
    config.MergeFrom(edit);
    if (edit.num_train_samples_size() > 0) {
      config.mutable_num_train_samples()->Clear();
      config.add_num_train_samples(1);
    }
    absl::StatusOr<SweepPlan> plan = PlanSweep(config, ".", "/o");
    ASSERT_FALSE(plan.ok()) << c.edit;
    EXPECT_NE(plan.status().message().find(c.message), std::string::npos)
        << plan.status();
  }
}

TEST(ReadSweepConfigTest,
     AblationPairsThePublishedFlowWithOursInBothFlowModels) {
  absl::StatusOr<SweepConfigFile> file =
      ReadSweepConfig("configs/sweeps/ablation.pbtxt");
  ASSERT_TRUE(file.ok()) << file.status();
  absl::StatusOr<SweepPlan> plan = PlanSweep(file->config, ".", "/o");
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::map<std::string, int> points;
  for (const PlannedPoint& p : plan->points) ++points[p.point.model()];
  const std::map<std::string, int> expected = {
      {"action_angle_flow", 3},
      {"action_angle_flow_published", 3},
      {"euler_update_flow", 3},
      {"euler_update_flow_published", 3}};
  EXPECT_EQ(points, expected);
}

// A repeated grid value would run twice into one directory and be reported
// as two seeds (or sample counts) with a spread of 0.
// A `file` entry names a dataset file used as it is (here trajectories
// imported by //data_gen:import): named by the file, read in place, its
// system "imported"; with a config or overrides it is refused.
TEST(PlanSweepTest, FileEntriesUseTheFileAsItIs) {
  data_gen::SourceTrajectories source;
  source.t = Eigen::VectorXd::LinSpaced(20, 0, 1.9);
  source.q = {Eigen::MatrixXd::Random(20, 1)};
  source.p = {Eigen::MatrixXd::Random(20, 1)};
  ImportedTrajectories from;
  from.set_format("csv");
  from.add_files("traj.csv");
  absl::StatusOr<data_gen::ImportedDataset> imported =
      data_gen::MakeImportedDataset(source, "mine", from, nullptr);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const std::string path =
      (fs::path(std::getenv("TEST_TMPDIR")) / "mine_file.h5").string();
  ASSERT_TRUE(data_gen::WriteDataset(imported->dataset, path).ok());
  SweepConfig config = Parse(R"pb(
    name: "f"
    models { config: "configs/harmonic/action_angle_flow.pbtxt" }
    num_train_samples: [ 10 ]
    seeds: [ 0 ]
  )pb");
  config.add_dataset_variants()->set_file(path);
  absl::StatusOr<SweepPlan> plan = PlanSweep(config, ".", "/o");
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->datasets.size(), 1u);
  const PlannedDataset& d = plan->datasets[0];
  EXPECT_TRUE(d.from_file);
  EXPECT_EQ(d.name, "mine");
  EXPECT_EQ(d.path, path);
  EXPECT_EQ(d.system, "imported");
  EXPECT_EQ(d.config_text, imported->dataset.config_text);
  ASSERT_EQ(plan->points.size(), 1u);
  EXPECT_EQ(plan->points[0].point.dataset(), "mine");
  EXPECT_EQ(plan->points[0].spec.dataset_path(), path);

  config.mutable_dataset_variants(0)->set_config(
      "configs/harmonic/default.pbtxt");
  EXPECT_THAT(std::string(PlanSweep(config, ".", "/o").status().message()),
              ::testing::HasSubstr("dataset_variants[0]: file '" + path +
                                   "' is used as it is: give no config or "
                                   "set"));
}

TEST(PlanSweepTest, DuplicateGridValuesAreRefused) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {R"pb(seeds: [ 0, 0 ])pb", "seeds: 0 appears twice"},
      {R"pb(seeds: [ 3, 4, 3 ])pb", "seeds: 3 appears twice"},
      {R"pb(num_train_samples: [ 50, 50 ])pb",
       "num_train_samples: 50 appears twice"},
      {R"pb(axes {
              field: "training.batch_size"
              values: [ "5", "5" ]
            })pb",
       "axes[0].values: '5' appears twice"},
  };
  for (const Case& c : cases) {
    SweepConfig config = Parse(kSweep);
    SweepConfig edit = Parse(c.text);
    if (edit.seeds_size() > 0) *config.mutable_seeds() = edit.seeds();
    if (edit.num_train_samples_size() > 0) {
      *config.mutable_num_train_samples() = edit.num_train_samples();
    }
    *config.mutable_axes() = edit.axes();
    absl::StatusOr<SweepPlan> plan = PlanSweep(config, ".", "/o");
    ASSERT_FALSE(plan.ok()) << c.text;
    EXPECT_NE(plan.status().message().find(c.message), std::string::npos)
        << plan.status();
  }
}

// The pendulum part: the four models like for like (the same steps), and
// the omega(I) run apart from them, never a reference point.
TEST(ReadSweepConfigTest, PendulumIsLikeForLikePlusAFigureOnlyRun) {
  for (const char* path : {"configs/sweeps/pendulum.pbtxt",
                           "configs/sweeps/pendulum_paper.pbtxt"}) {
    SCOPED_TRACE(path);
    absl::StatusOr<SweepConfigFile> file = ReadSweepConfig(path);
    ASSERT_TRUE(file.ok()) << file.status();
    absl::StatusOr<SweepPlan> plan = PlanSweep(file->config, ".", "/o");
    ASSERT_TRUE(plan.ok()) << plan.status();
    std::set<int64_t> equal_steps;
    std::set<std::string> models;
    for (const PlannedPoint& p : plan->points) {
      EXPECT_EQ(p.point.dataset(), "pendulum");
      if (p.point.protocol() == FIGURE_ONLY) {
        EXPECT_EQ(p.point.model(), "action_angle_flow@omega_of_action");
        EXPECT_EQ(p.point.num_steps(), 50000);
        EXPECT_FALSE(p.point.is_reference());
        continue;
      }
      EXPECT_EQ(p.point.protocol(), EQUAL_STEPS);
      equal_steps.insert(p.point.num_steps());
      models.insert(p.point.model());
    }
    EXPECT_EQ(equal_steps.size(), 1u);
    EXPECT_EQ(models, (std::set<std::string>{"action_angle_flow",
                                             "euler_update_flow", "neural_ode",
                                             "hamiltonian_neural_network"}));
  }
}

// The noise study: the quick grid gives each flow model six levels and
// each integrating model two, every point's config carrying its noise; the
// full budget multiplies both noise models by six levels for all four
// models and three seeds.
TEST(ReadSweepConfigTest, NoiseStudyVariesTheNoiseInTheConfigs) {
  absl::StatusOr<SweepConfigFile> quick =
      ReadSweepConfig("configs/sweeps/noise.pbtxt");
  ASSERT_TRUE(quick.ok()) << quick.status();
  absl::StatusOr<SweepPlan> plan = PlanSweep(quick->config, ".", "/o");
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::map<std::string, std::set<double>> levels;
  for (const PlannedPoint& p : plan->points) {
    const NoiseConfig& noise = p.experiment.training().noise();
    EXPECT_EQ(noise.model(), NoiseConfig::PUBLISHED_INPUT_NOISE);
    EXPECT_TRUE(noise.has_std());
    EXPECT_EQ(p.point.num_steps(), 2000);
    levels[p.experiment.name()].insert(noise.std());
  }
  EXPECT_EQ(levels["action_angle_flow"],
            (std::set<double>{0, 0.01, 0.03, 0.1, 0.3, 1}));
  EXPECT_EQ(levels["euler_update_flow"], levels["action_angle_flow"]);
  EXPECT_EQ(levels["neural_ode"], (std::set<double>{0, 0.3}));
  EXPECT_EQ(levels["hamiltonian_neural_network"], levels["neural_ode"]);

  absl::StatusOr<SweepConfigFile> full =
      ReadSweepConfig("configs/sweeps/noise_paper.pbtxt");
  ASSERT_TRUE(full.ok()) << full.status();
  plan = PlanSweep(full->config, ".", "/o");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->points.size(), 4u * 2 * 6 * 3);
  std::set<std::pair<int, double>> settings;
  for (const PlannedPoint& p : plan->points) {
    const NoiseConfig& noise = p.experiment.training().noise();
    settings.insert({noise.model(), noise.std()});
    EXPECT_EQ(p.point.axis_values_size(), 2);
  }
  EXPECT_EQ(settings.size(), 12u);
}

// The Kepler part: the four models like for like on the default orbits.
TEST(ReadSweepConfigTest, KeplerIsLikeForLike) {
  for (const char* path :
       {"configs/sweeps/kepler.pbtxt", "configs/sweeps/kepler_paper.pbtxt"}) {
    SCOPED_TRACE(path);
    absl::StatusOr<SweepConfigFile> file = ReadSweepConfig(path);
    ASSERT_TRUE(file.ok()) << file.status();
    absl::StatusOr<SweepPlan> plan = PlanSweep(file->config, ".", "/o");
    ASSERT_TRUE(plan.ok()) << plan.status();
    std::set<int64_t> steps;
    std::set<std::string> models;
    for (const PlannedPoint& p : plan->points) {
      EXPECT_EQ(p.point.dataset(), "kepler");
      EXPECT_EQ(p.point.protocol(), EQUAL_STEPS);
      steps.insert(p.point.num_steps());
      models.insert(p.point.model());
    }
    EXPECT_EQ(steps.size(), 1u);
    EXPECT_EQ(models, (std::set<std::string>{"action_angle_flow",
                                             "euler_update_flow", "neural_ode",
                                             "hamiltonian_neural_network"}));
  }
}

// The double-pendulum part: the four models like for like on the three
// setups, the chaotic one the reference dataset.
TEST(ReadSweepConfigTest, DoublePendulumIsLikeForLikeOnThreeSetups) {
  for (const auto& [path, seeds, steps] :
       {std::tuple<const char*, size_t, int64_t>{
            "configs/sweeps/double_pendulum.pbtxt", 1, 2000},
        {"configs/sweeps/double_pendulum_paper.pbtxt", 3, 5000}}) {
    SCOPED_TRACE(path);
    absl::StatusOr<SweepConfigFile> file = ReadSweepConfig(path);
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_FALSE(file->config.description().empty());
    absl::StatusOr<SweepPlan> plan = PlanSweep(file->config, ".", "/o");
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_EQ(plan->points.size(), 4 * 3 * seeds);
    std::set<std::string> datasets;
    for (const PlannedPoint& p : plan->points) {
      EXPECT_EQ(p.point.protocol(), EQUAL_STEPS);
      EXPECT_EQ(p.point.num_steps(), steps);
      EXPECT_EQ(p.point.num_train_samples(), 200);
      EXPECT_EQ(p.point.is_reference(),
                p.point.dataset() == "double_pendulum_chaotic");
      datasets.insert(p.point.dataset());
    }
    EXPECT_EQ(datasets, (std::set<std::string>{"double_pendulum",
                                               "double_pendulum_setup_2",
                                               "double_pendulum_chaotic"}));
  }
}

// The model size study: the published depths, each a model of its own,
// resolved into the fields they map to (configs/sweeps/model_size.pbtxt:
// derivative-net depth L is L - 1 hidden layers of width 100).
TEST(ReadSweepConfigTest, ModelSizeSweepsResolveThePublishedDepths) {
  for (const auto& [path, num_node, seeds, steps] :
       {std::tuple<const char*, size_t, size_t, int64_t>{
            "configs/sweeps/model_size.pbtxt", 3, 1, 2000},
        {"configs/sweeps/model_size_paper.pbtxt", 16, 3, 50000}}) {
    SCOPED_TRACE(path);
    absl::StatusOr<SweepConfigFile> file = ReadSweepConfig(path);
    ASSERT_TRUE(file.ok()) << file.status();
    absl::StatusOr<SweepPlan> plan = PlanSweep(file->config, ".", "/o");
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_EQ(plan->points.size(), (12 + num_node) * seeds);
    std::map<std::string, std::set<int>> flow_layers;
    std::set<std::tuple<int, int, int>> node_depths;
    for (const PlannedPoint& p : plan->points) {
      EXPECT_EQ(p.point.protocol(), EQUAL_STEPS);
      EXPECT_EQ(p.point.num_steps(), steps);
      EXPECT_EQ(p.point.dataset(), "harmonic_k_pair_0.5");
      const ModelConfig& model = p.experiment.model();
      if (model.has_action_angle()) {
        const int n = model.action_angle().encoder().flow().num_layers();
        flow_layers["action_angle"].insert(n);
        EXPECT_EQ(p.point.model(),
                  absl::StrCat("action_angle_flow@num_layers=", n));
      } else if (model.has_euler_update()) {
        const int n = model.euler_update().encoder().flow().num_layers();
        flow_layers["euler_update"].insert(n);
        EXPECT_EQ(p.point.model(),
                  absl::StrCat("euler_update_flow@num_layers=", n));
      } else {
        ASSERT_TRUE(model.has_neural_ode()) << p.point.model();
        const auto& mlp = model.neural_ode().encoder().mlp();
        const int depth =
            model.neural_ode().derivative_net().hidden_widths_size() + 1;
        for (int width : model.neural_ode().derivative_net().hidden_widths()) {
          EXPECT_EQ(width, 100);
        }
        node_depths.insert(
            {mlp.num_encoder_layers(), mlp.num_decoder_layers(), depth});
        EXPECT_EQ(
            p.point.model(),
            absl::StrCat("neural_ode@enc", mlp.num_encoder_layers(), "_dec",
                         mlp.num_decoder_layers(), "_deriv", depth));
      }
    }
    const std::set<int> published = {5, 10, 20, 30, 40, 50};
    EXPECT_EQ(flow_layers["action_angle"], published);
    EXPECT_EQ(flow_layers["euler_update"], published);
    EXPECT_EQ(node_depths.size(), num_node);
  }
}

// The training length study: one long run per model and dataset, longer
// than the default study's 2,000 steps.
TEST(ReadSweepConfigTest, TrainingLengthSweepsAreOneLongRunPerModel) {
  for (const auto& [path, num_points, steps] :
       {std::tuple<const char*, size_t, int64_t>{
            "configs/sweeps/training_length.pbtxt", 2, 20000},
        {"configs/sweeps/training_length_paper.pbtxt", 12, 50000}}) {
    SCOPED_TRACE(path);
    absl::StatusOr<SweepConfigFile> file = ReadSweepConfig(path);
    ASSERT_TRUE(file.ok()) << file.status();
    absl::StatusOr<SweepPlan> plan = PlanSweep(file->config, ".", "/o");
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_EQ(plan->points.size(), num_points);
    std::set<std::pair<std::string, std::string>> runs;
    for (const PlannedPoint& p : plan->points) {
      EXPECT_EQ(p.point.num_steps(), steps);
      EXPECT_TRUE(runs.insert({p.point.model(), p.point.dataset()}).second);
    }
  }
}

// The multi-step study: every model once per prediction_targets value, the
// value in the point's config and its axis value, like for like otherwise.
TEST(ReadSweepConfigTest, MultiStepTrainsEachModelInBothModes) {
  for (const auto& [path, models, seeds, steps] :
       {std::tuple<const char*, size_t, size_t, int64_t>{
            "configs/sweeps/multi_step.pbtxt", 2, 1, 2000},
        {"configs/sweeps/multi_step_paper.pbtxt", 4, 3, 50000}}) {
    SCOPED_TRACE(path);
    absl::StatusOr<SweepConfigFile> file = ReadSweepConfig(path);
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_FALSE(file->config.description().empty());
    absl::StatusOr<SweepPlan> plan = PlanSweep(file->config, ".", "/o");
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_EQ(plan->points.size(), models * 2 * seeds);
    std::map<std::string, int> modes;
    for (const PlannedPoint& p : plan->points) {
      EXPECT_EQ(p.point.dataset(), "pendulum");
      EXPECT_EQ(p.point.protocol(), EQUAL_STEPS);
      EXPECT_EQ(p.point.num_steps(), steps);
      ASSERT_EQ(p.point.axis_values_size(), 1);
      const std::string& value = p.point.axis_values(0);
      const bool multi =
          value == "training.prediction_targets=EVERY_STEP_TO_JUMP";
      EXPECT_TRUE(multi || value == "training.prediction_targets=SINGLE_STEP")
          << value;
      Experiment experiment;
      ASSERT_TRUE(
          ParseTextProto(p.spec.experiment_text(), "point", &experiment).ok());
      EXPECT_EQ(experiment.training().prediction_targets(),
                multi ? TrainingConfig::EVERY_STEP_TO_JUMP
                      : TrainingConfig::SINGLE_STEP);
      ++modes[value];
    }
    EXPECT_EQ(modes.size(), 2u);
    for (const auto& [value, count] : modes) {
      EXPECT_EQ(count, static_cast<int>(models * seeds)) << value;
    }
  }
}

TEST(ReadSweepConfigTest, ShippedBudgetsPlan) {
  for (const char* path :
       {"configs/sweeps/quick.pbtxt", "configs/sweeps/paper.pbtxt",
        "configs/sweeps/example_own_question.pbtxt",
        "configs/sweeps/paper_flows.pbtxt", "configs/sweeps/ablation.pbtxt",
        "configs/sweeps/pendulum.pbtxt", "configs/sweeps/pendulum_paper.pbtxt",
        "configs/sweeps/kepler.pbtxt", "configs/sweeps/kepler_paper.pbtxt"}) {
    absl::StatusOr<SweepConfigFile> file = ReadSweepConfig(path);
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_FALSE(file->config.description().empty());
    absl::StatusOr<SweepPlan> plan = PlanSweep(file->config, ".", "/o");
    ASSERT_TRUE(plan.ok()) << plan.status();
  }
  const fs::path bad = fs::path(::testing::TempDir()) / "bad.pbtxt";
  std::ofstream(bad) << "name: \"x\"\nseeds: [0]\n";
  absl::StatusOr<SweepConfigFile> file = ReadSweepConfig(bad.string());
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().message(),
            bad.string() + ": models: must not be empty");
}

}  // namespace
}  // namespace aanet::sweep
