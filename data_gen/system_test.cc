#include "data_gen/system.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "data_gen/dataset.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "proto/experiment.pb.h"
#include "testing/test_util.h"

namespace aanet::data_gen {
namespace {

using ::aanet::test_util::SameBits;
using ::aanet::test_util::StatusIs;
using ::aanet::test_util::TestDir;
using ::testing::Contains;
using ::testing::HasSubstr;

SimulationConfig ParseSimulation(const std::string& text) {
  SimulationConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config));
  return config;
}

TEST(RegistryTest, ListsTheRegisteredSystemsSorted) {
  const std::vector<std::string> names = RegisteredSystemNames();
  EXPECT_THAT(names, Contains("harmonic"));
  EXPECT_THAT(names, Contains("toy_oscillator_for_tests"));
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  absl::StatusOr<const System*> harmonic = FindSystem("harmonic");
  ASSERT_TRUE(harmonic.ok());
  EXPECT_EQ((*harmonic)->name(), "harmonic");
}

TEST(RegistryTest, UnknownNamesAndUnsetSystemsAreErrors) {
  EXPECT_THAT(FindSystem("x"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("unknown system 'x' (registered: ")));
  EXPECT_THAT(SystemFor(SimulationConfig()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("simulation: no system set (expected one of: "
                                 "double_pendulum, harmonic")));
  absl::StatusOr<const System*> harmonic =
      SystemFor(ParseSimulation("harmonic { num_particles: 2 }"));
  ASSERT_TRUE(harmonic.ok());
  EXPECT_EQ((*harmonic)->name(), "harmonic");
}

// The toy system is registered from its own library alone (its oneof field,
// no dataset code): it generates, writes and reads back through the
// registry, with its energy and true actions.
TEST(ToySystemTest, GeneratesWritesAndReadsBackThroughTheRegistry) {
  absl::StatusOr<const System*> toy = FindSystem("toy_oscillator_for_tests");
  ASSERT_TRUE(toy.ok()) << toy.status();
  const std::string text = R"pb(
    name: "toy"
    simulation {
      toy_oscillator_for_tests {}
      num_samples: 7
      time_step: 0.25
      num_trajectories: 3
      seed: 1
    }
  )pb";
  Experiment experiment;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &experiment));
  absl::StatusOr<Dataset> d = GenerateDatasetWith(**toy, experiment, text);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->system, "toy_oscillator_for_tests");
  EXPECT_EQ(d->name, "toy");
  EXPECT_EQ(d->num_degrees_of_freedom(), 1);
  // H = q0^2 / 2 along trajectory k, which starts at q0 = 1 + k.
  for (int k = 0; k < 3; ++k) {
    for (int s = 0; s < 7; ++s) {
      EXPECT_NEAR(d->energy(k, s), 0.5 * (1 + k) * (1 + k), 1e-12);
    }
    EXPECT_NEAR(d->true_actions(k, 0), 0.5 * (1 + k) * (1 + k), 1e-15);
    EXPECT_EQ(d->true_frequencies(k, 0), 1.0);
  }
  // The default ParameterNames: the group is kept in name order (the toy
  // generates omega first).
  ASSERT_EQ(d->parameters.arrays.size(), 2u);
  EXPECT_EQ(d->parameters.arrays[0].name, "initial_q");
  EXPECT_EQ(d->parameters.arrays[1].name, "omega");

  const std::string path = TestDir() + "/toy.h5";
  ASSERT_TRUE(WriteDataset(*d, path).ok());
  absl::StatusOr<Dataset> read = ReadDataset(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->system, d->system);
  EXPECT_EQ(read->name, "toy");
  EXPECT_EQ(DatasetHash(*read), DatasetHash(*d));
  EXPECT_TRUE(SameBits(read->energy, d->energy));
  EXPECT_TRUE(SameBits(read->true_actions, d->true_actions));
  ASSERT_EQ(read->parameters.arrays.size(), 2u);
  EXPECT_EQ(read->parameters.arrays[0].values, (std::vector<double>{1, 2, 3}));

  // Evolve follows the stored trajectory.
  Eigen::MatrixXd start(1, 2);
  start << d->q[2](0, 0), d->p[2](0, 0);
  absl::StatusOr<Eigen::MatrixXd> later =
      (*toy)->Evolve(d->parameters, start, d->t[6]);
  ASSERT_TRUE(later.ok());
  EXPECT_NEAR((*later)(0, 0), d->q[2](6, 0), 1e-12);
  EXPECT_NEAR((*later)(0, 1), d->p[2](6, 0), 1e-12);
}

TEST(HarmonicSystemTest, ActionsTimesFrequenciesSumToTheEnergy) {
  const std::string text = R"pb(
    name: "three"
    simulation {
      harmonic {
        num_particles: 3
        masses { min: 1 max: 5 }
        k_wall { min: 0.005 max: 0.01 }
        k_pair: 0.3
        amplitudes { min: 1 max: 10 }
        phases { min: 0 max: 3 }
        trajectory_sampling: UNIFORM
      }
      num_samples: 50
      time_step: 1.0
      num_trajectories: 4
      seed: 2
    }
  )pb";
  Experiment experiment;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &experiment));
  absl::StatusOr<Dataset> d = GenerateDataset(experiment, text);
  ASSERT_TRUE(d.ok()) << d.status();
  absl::StatusOr<const System*> system = DatasetSystem(*d);
  ASSERT_TRUE(system.ok());
  ASSERT_EQ(d->true_actions.rows(), 4);
  ASSERT_EQ(d->true_actions.cols(), 3);
  const NamedArray* modes = d->parameters.Find("normal_modes/frequencies");
  ASSERT_NE(modes, nullptr);
  for (int k = 0; k < 4; ++k) {
    // Every trajectory has the normal-mode frequencies.
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(d->true_frequencies(k, i), modes->values[i]);
      EXPECT_GT(d->true_actions(k, i), 0.0);
    }
    const double sum =
        (d->true_actions.row(k).array() * d->true_frequencies.row(k).array())
            .sum();
    EXPECT_NEAR(sum, d->energy(k, 0), 1e-12 * d->energy(k, 0));
    // The actions are conserved along the trajectory.
    Eigen::MatrixXd later(1, 6);
    later << d->q[k].row(49), d->p[k].row(49);
    Eigen::MatrixXd actions, frequencies;
    ASSERT_TRUE((*system)
                    ->ActionsAndFrequencies(d->parameters, later, &actions,
                                            &frequencies)
                    .ok());
    for (int i = 0; i < 3; ++i) {
      EXPECT_NEAR(actions(0, i), d->true_actions(k, i),
                  1e-9 * d->true_actions.row(k).sum());
    }
    // Evolve is the closed form the dataset holds.
    Eigen::MatrixXd first(1, 6);
    first << d->q[k].row(0), d->p[k].row(0);
    absl::StatusOr<Eigen::MatrixXd> evolved =
        (*system)->Evolve(d->parameters, first, d->t[49]);
    ASSERT_TRUE(evolved.ok());
    EXPECT_LT((evolved->row(0) - later.row(0)).norm(), 1e-9 * later.norm());
  }
  EXPECT_THAT((*system)->Describe(d->parameters),
              HasSubstr("harmonic: 3 particle(s), k_pair 0.3, masses ["));
}

TEST(HarmonicSystemTest, CheckParametersNamesTheArray) {
  absl::StatusOr<const System*> system = FindSystem("harmonic");
  ASSERT_TRUE(system.ok());
  ParameterGroup group;
  EXPECT_THAT((*system)->CheckParameters(group, 2, 1),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("missing dataset 'parameters/masses'")));
  group.arrays.push_back({"masses", {3}, {1, 2, 3}});
  EXPECT_THAT((*system)->CheckParameters(group, 2, 1),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("dataset 'parameters/masses' has shape [3], "
                                 "expected [n] = [2]")));
}

// The shared check of a parameter group read from a file: every kind of
// problem is named, each once, in the words of the systems' messages.
TEST(ParameterGroupProblemsTest, NamesEveryProblem) {
  const std::vector<ExpectedArray> expected = {
      {"mass", {}, /*positive=*/true},
      {"gravity", {}, /*positive=*/true},
      {"initial_q", {3}},
      {"initial_p", {3}},
      {"phase", {3}}};
  ParameterGroup group;
  group.arrays = {{"mass", {}, {-1}},
                  {"initial_q", {2}, {0, 1}},
                  {"initial_p", {3}, {0, 1}},
                  {"phase", {3}, {0, NAN, 1}},
                  {"extra", {}, {1}}};
  const std::vector<std::string> problems =
      ParameterGroupProblems("toy", group, expected);
  EXPECT_THAT(problems,
              ::testing::UnorderedElementsAre(
                  "parameters/extra is not a toy parameter (expected mass, "
                  "gravity, initial_q, initial_p, phase)",
                  "parameters/mass must be > 0, got -1",
                  "parameters/gravity is missing",
                  "parameters/initial_q has shape [2], expected [3]",
                  "parameters/initial_p has 2 values for shape [3]",
                  "parameters/phase has a non-finite value nan"));

  ParameterGroup good;
  good.arrays = {{"mass", {}, {1}},
                 {"gravity", {}, {9.81}},
                 {"initial_q", {3}, {0, 1, 2}},
                 {"initial_p", {3}, {0, -1, 2}},
                 {"phase", {3}, {0, -1, 1}}};
  EXPECT_TRUE(ParameterGroupProblems("toy", good, expected).empty());
}

}  // namespace
}  // namespace aanet::data_gen
