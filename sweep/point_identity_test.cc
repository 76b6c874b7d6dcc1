#include "sweep/point_identity.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/text_config.h"

namespace aanet::sweep {
namespace {

using ::testing::HasSubstr;

Experiment Read(const std::string& path) {
  absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(path);
  EXPECT_TRUE(config.ok()) << config.status();
  return config->experiment;
}

// Defaults are spelled out, so that a change of default changes the
// identity even though the config text does not change.
TEST(PointIdentityTest, DefaultsAreResolvedIntoTheIdentity) {
  const SimulationConfig simulation =
      Read("configs/harmonic/default.pbtxt").simulation();
  Experiment node = Read("configs/harmonic/neural_ode.pbtxt");
  absl::StatusOr<std::string> settings = ResolvedSettings(node, simulation, 2);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_THAT(*settings, HasSubstr("model.solver.precision: float32\n"));
  EXPECT_THAT(*settings,
              HasSubstr("training.best_state: TRAIN_LOSS_AT_FIXED_JUMPS\n"));
  EXPECT_THAT(*settings, HasSubstr("training.batch_rule: "
                                   "MIN_OF_BATCH_SIZE_AND_PAIRS\n"));
  EXPECT_THAT(*settings, HasSubstr("training.selection_jumps: 1 2 5 10\n"));
  EXPECT_THAT(*settings, HasSubstr("result_semantics: "));

  // Setting a default explicitly to another value changes the identity.
  node.mutable_model()->mutable_neural_ode()->mutable_solver()->set_precision(
      OdeSolverConfig::FLOAT64);
  absl::StatusOr<std::string> float64 = ResolvedSettings(node, simulation, 2);
  ASSERT_TRUE(float64.ok());
  EXPECT_NE(*float64, *settings);
  EXPECT_THAT(*float64, HasSubstr("model.solver.precision: float64\n"));

  Experiment flow = Read("configs/harmonic/action_angle_flow.pbtxt");
  absl::StatusOr<std::string> ours = ResolvedSettings(flow, simulation, 2);
  ASSERT_TRUE(ours.ok()) << ours.status();
  EXPECT_THAT(*ours, HasSubstr("model.flow.symplectic_pair_scale: true\n"));
  EXPECT_THAT(*ours,
              HasSubstr("model.flow.conditioner: SYMPLECTIC_SKIP_GATE\n"));
  absl::StatusOr<std::string> published = ResolvedSettings(
      Read("configs/harmonic/action_angle_flow_published.pbtxt"), simulation,
      2);
  ASSERT_TRUE(published.ok());
  EXPECT_THAT(*published,
              HasSubstr("model.flow.symplectic_pair_scale: false\n"));
}

// The parameter count follows the dataset's degrees of freedom, whatever
// its system: a one-degree-of-freedom dataset (a pendulum's) is another
// identity than a two-degree-of-freedom one, with no system field read.
TEST(PointIdentityTest, ParameterCountFollowsTheDegreesOfFreedom) {
  const Experiment flow = Read("configs/harmonic/action_angle_flow.pbtxt");
  SimulationConfig pendulum;
  pendulum.mutable_pendulum()->set_mass(1);
  pendulum.set_num_samples(1000);
  absl::StatusOr<std::string> one = ResolvedSettings(flow, pendulum, 1);
  absl::StatusOr<std::string> two = ResolvedSettings(flow, pendulum, 2);
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_THAT(*one, HasSubstr("model.num_parameters: "));
  EXPECT_NE(*one, *two);
}

TEST(PointIdentityTest, ErrorsNameTheField) {
  Experiment node = Read("configs/harmonic/neural_ode.pbtxt");
  node.mutable_training()->set_batch_size(0);
  absl::StatusOr<std::string> settings = ResolvedSettings(
      node, Read("configs/harmonic/default.pbtxt").simulation(), 2);
  ASSERT_FALSE(settings.ok());
  EXPECT_THAT(settings.status().message(), HasSubstr("training.batch_size"));
}

}  // namespace
}  // namespace aanet::sweep
