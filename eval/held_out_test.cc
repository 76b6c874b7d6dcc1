#include "eval/held_out.h"

#include <string>
#include <vector>

#include "data_gen/dataset.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "proto/text_config.h"

namespace aanet::eval {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

google::protobuf::RepeatedField<int32_t> List(std::vector<int> values) {
  return google::protobuf::RepeatedField<int32_t>(values.begin(), values.end());
}

TEST(HeldOutTest, SplitsTrainedFromHeldOut) {
  absl::StatusOr<TrajectorySplit> split = SplitTrajectories(List({3, 1}), 5);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_THAT(split->held_out, ElementsAre(3, 1));
  EXPECT_THAT(split->trained, ElementsAre(0, 2, 4));
  split = SplitTrajectories(List({}), 2);
  ASSERT_TRUE(split.ok());
  EXPECT_THAT(split->trained, ElementsAre(0, 1));
  EXPECT_TRUE(split->held_out.empty());
}

TEST(HeldOutTest, ErrorsNameTheEntry) {
  EXPECT_THAT(SplitTrajectories(List({0, 7}), 4).status().message(),
              HasSubstr("training.held_out_trajectories[1]: 7 is not a "
                        "trajectory of the dataset (0..3)"));
  EXPECT_THAT(SplitTrajectories(List({-1}), 4).status().message(),
              HasSubstr("[0]: -1 is not a trajectory"));
  EXPECT_THAT(
      SplitTrajectories(List({2, 0, 2}), 4).status().message(),
      HasSubstr("training.held_out_trajectories[2]: 2 is listed twice"));
  EXPECT_THAT(SplitTrajectories(List({1, 0}), 2).status().message(),
              HasSubstr("holds out all 2 trajectories"));
}

TEST(HeldOutTest, SelectsTrajectoriesInOrder) {
  absl::StatusOr<ExperimentConfig> config =
      ReadExperimentConfig("configs/harmonic/default.pbtxt");
  ASSERT_TRUE(config.ok()) << config.status();
  Experiment experiment = config->experiment;
  experiment.mutable_simulation()->set_num_trajectories(3);
  experiment.mutable_simulation()->set_num_samples(20);
  experiment.mutable_simulation()->mutable_harmonic()->set_trajectory_sampling(
      UNIFORM);
  std::string text;
  google::protobuf::TextFormat::PrintToString(experiment, &text);
  absl::StatusOr<data_gen::Dataset> dataset =
      data_gen::GenerateDataset(experiment, text);
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  const data_gen::Dataset selected = SelectTrajectories(*dataset, {2, 0});
  ASSERT_EQ(selected.num_trajectories(), 2);
  EXPECT_EQ(selected.q[0], dataset->q[2]);
  EXPECT_EQ(selected.p[1], dataset->p[0]);
  EXPECT_EQ(selected.energy.row(0), dataset->energy.row(2));
  EXPECT_EQ(selected.energy.row(1), dataset->energy.row(0));
  EXPECT_EQ(selected.t, dataset->t);
  EXPECT_EQ(selected.true_actions.row(0), dataset->true_actions.row(2));
  EXPECT_EQ(selected.true_actions.row(1), dataset->true_actions.row(0));
  EXPECT_EQ(selected.true_frequencies.row(0),
            dataset->true_frequencies.row(2));
  // UNIFORM draws give each trajectory its own energy, hence own actions.
  EXPECT_NE(selected.true_actions.row(0), selected.true_actions.row(1));
}

}  // namespace
}  // namespace aanet::eval
