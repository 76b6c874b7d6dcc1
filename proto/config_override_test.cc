#include "proto/config_override.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "proto/experiment.pb.h"
#include "proto/sweep.pb.h"

namespace aanet {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Experiment Base() {
  Experiment e;
  google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "base"
        simulation {
          harmonic { num_particles: 3 k_pair: 0.5 }
          num_samples: 10
        }
        training {
          num_steps: 100
          batch_size: 10
          train_split_proportion: 0.1
          test_jumps: [ 1, 2 ]
        }
      )pb",
      &e);
  return e;
}

std::string Error(const std::string& assignment) {
  Experiment e = Base();
  absl::Status status = ApplyOverride(assignment, &e);
  EXPECT_FALSE(status.ok()) << assignment;
  return std::string(status.message());
}

TEST(ConfigOverrideTest, SetsScalarsOfEveryKind) {
  Experiment e = Base();
  ASSERT_TRUE(ApplyOverride("training.num_steps=5000", &e).ok());
  ASSERT_TRUE(ApplyOverride("training.learning_rate = 3e-4", &e).ok());
  ASSERT_TRUE(ApplyOverride("simulation.harmonic.k_pair=0.3", &e).ok());
  ASSERT_TRUE(ApplyOverride("training.seed=18446744073709551615", &e).ok());
  ASSERT_TRUE(ApplyOverride("training.jump_schedule=CONSTANT", &e).ok());
  ASSERT_TRUE(ApplyOverride("name=my run", &e).ok());
  EXPECT_EQ(e.training().num_steps(), 5000);
  EXPECT_EQ(e.training().batch_size(), 10);  // untouched
  EXPECT_DOUBLE_EQ(e.training().learning_rate(), 3e-4);
  EXPECT_DOUBLE_EQ(e.simulation().harmonic().k_pair(), 0.3);
  EXPECT_EQ(e.simulation().harmonic().num_particles(), 3);
  EXPECT_EQ(e.training().seed(), 18446744073709551615ULL);
  EXPECT_EQ(e.training().jump_schedule(), CONSTANT);
  EXPECT_EQ(e.name(), "my run");
  ASSERT_TRUE(ApplyOverride("name=\"quoted \\\"x\\\"\"", &e).ok());
  EXPECT_EQ(e.name(), "quoted \"x\"");
}

TEST(ConfigOverrideTest, CreatesMessagesAndSwitchesOneofs) {
  Experiment e = Base();
  ASSERT_TRUE(
      ApplyOverride("model.action_angle.encoder.flow.num_layers=4", &e).ok());
  EXPECT_EQ(e.model().action_angle().encoder().flow().num_layers(), 4);
  ASSERT_TRUE(ApplyOverride("training.num_train_samples=200", &e).ok());
  EXPECT_EQ(e.training().train_size_case(), TrainingConfig::kNumTrainSamples);
  EXPECT_EQ(e.training().num_train_samples(), 200);
}

TEST(ConfigOverrideTest, ListsAndMessagesReplaceTheWhole) {
  Experiment e = Base();
  ASSERT_TRUE(ApplyOverride("training.test_jumps=5,10,50", &e).ok());
  EXPECT_THAT(e.training().test_jumps(), ElementsAre(5, 10, 50));
  ASSERT_TRUE(ApplyOverride("training.test_jumps=[1, 3]", &e).ok());
  EXPECT_THAT(e.training().test_jumps(), ElementsAre(1, 3));
  ASSERT_TRUE(
      ApplyOverride("simulation.harmonic={num_particles: 2 k_pair: 1}", &e)
          .ok());
  EXPECT_EQ(e.simulation().harmonic().num_particles(), 2);
  EXPECT_DOUBLE_EQ(e.simulation().harmonic().k_pair(), 1.0);
  ASSERT_TRUE(
      ApplyOverride("simulation.harmonic.masses=min: 1 max: 2", &e).ok());
  EXPECT_DOUBLE_EQ(e.simulation().harmonic().masses().max(), 2.0);
}

TEST(ConfigOverrideTest, EmptyValueClears) {
  Experiment e = Base();
  ASSERT_TRUE(ApplyOverride("training.batch_size=", &e).ok());
  EXPECT_FALSE(e.training().has_batch_size());
  ASSERT_TRUE(ApplyOverride("training.test_jumps=", &e).ok());
  EXPECT_TRUE(e.training().test_jumps().empty());
}

TEST(ConfigOverrideTest, ErrorsNameTheField) {
  EXPECT_THAT(Error("training.batch_sze=5"),
              HasSubstr("training.batch_sze: aanet.TrainingConfig has no "
                        "field 'batch_sze' (fields: num_steps, batch_size"));
  EXPECT_EQ(Error("training.batch_size=5x"),
            "training.batch_size: expected an int32, got '5x'");
  EXPECT_EQ(Error("training.batch_size=2.5"),
            "training.batch_size: expected an int32, got '2.5'");
  EXPECT_EQ(Error("training.jump_schedule=FAST"),
            "training.jump_schedule: expected one of LINEAR, CONSTANT, FIXED, "
            "got 'FAST'");
  EXPECT_EQ(Error("training.test_jumps=1,x"),
            "training.test_jumps: expected an int32, got 'x'");
  EXPECT_EQ(Error("training.num_steps.x=1"),
            "training.num_steps: is an int32, not a message with fields");
  EXPECT_THAT(Error("simulation.harmonic={bogus: 1}"),
              HasSubstr("simulation.harmonic: expected text-format "
                        "aanet.HarmonicOscillatorConfig contents"));
  EXPECT_THAT(Error("training.num_steps"),
              HasSubstr("expected path.to.field=value"));
  EXPECT_THAT(Error("=3"), HasSubstr("expected path.to.field=value"));
}

TEST(ConfigOverrideTest, RepeatedMessagesAreRefused) {
  SweepConfig sweep;
  absl::Status status = ApplyOverride("models=config: \"x\"", &sweep);
  EXPECT_EQ(status.message(),
            "models: is a repeated message; edit it in the config file");
}

TEST(ConfigOverrideTest, ApplyOverridesNamesTheFlagAndLastWins) {
  Experiment e = Base();
  ASSERT_TRUE(ApplyOverrides({"training.num_steps=1", "training.num_steps=2"},
                             "--set", &e)
                  .ok());
  EXPECT_EQ(e.training().num_steps(), 2);
  absl::Status status = ApplyOverrides(
      {"training.num_steps=3", "training.batch_size=x"}, "--set", &e);
  EXPECT_EQ(status.message(),
            "--set=training.batch_size=x: training.batch_size: expected an "
            "int32, got 'x'");
}

}  // namespace
}  // namespace aanet
