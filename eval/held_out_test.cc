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
  EXPECT_EQ(selected.true_frequencies.row(0), dataset->true_frequencies.row(2));
  // UNIFORM draws give each trajectory its own energy, hence own actions.
  EXPECT_NE(selected.true_actions.row(0), selected.true_actions.row(1));
}

}  // namespace
}  // namespace aanet::eval
