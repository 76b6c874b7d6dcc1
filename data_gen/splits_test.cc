#include "data_gen/splits.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aanet::data_gen {
namespace {

using ::testing::HasSubstr;

// K = 2 trajectories of T = 10 samples, n = 1, with q = 100 k + t and
// p = -(100 k + t), so every entry says where it came from.
Dataset TaggedDataset() {
  Dataset d;
  d.system = "harmonic";
  d.t = Eigen::VectorXd::LinSpaced(10, 0, 9);
  for (int k = 0; k < 2; ++k) {
    Eigen::MatrixXd q(10, 1);
    for (int t = 0; t < 10; ++t) q(t, 0) = 100 * k + t;
    d.q.push_back(q);
    d.p.push_back(-q);
  }
  return d;
}

TEST(SplitsTest, TrainIsFirstAndTestIsLast) {
  absl::StatusOr<TimeSplit> split = MakeTimeSplit(TaggedDataset(), 3, 4);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->train.begin, 0);
  EXPECT_EQ(split->train.count, 3);
  EXPECT_EQ(split->test.begin, 6);
  EXPECT_EQ(split->test.count, 4);
}

TEST(SplitsTest, RejectsTooSmallOrOverlappingSplits) {
  EXPECT_THAT(MakeTimeSplit(TaggedDataset(), 1, 4).status().message(),
              HasSubstr("training split"));
  EXPECT_THAT(MakeTimeSplit(TaggedDataset(), 3, 1).status().message(),
              HasSubstr("test split"));
  EXPECT_THAT(MakeTimeSplit(TaggedDataset(), 6, 5).status().message(),
              HasSubstr("exceed the dataset's 10 samples"));
}

TEST(SplitsTest, PairsStayInsideTheRangeOfEachTrajectory) {
  const Dataset d = TaggedDataset();
  StatePairs pairs = MakePairs(d, {6, 4}, 3);
  ASSERT_EQ(pairs.inputs.rows(), 2);  // one pair (6, 9) per trajectory
  EXPECT_EQ(pairs.inputs(0, 0), 6);
  EXPECT_EQ(pairs.targets(0, 0), 9);
  EXPECT_EQ(pairs.inputs(0, 1), -6);
  EXPECT_EQ(pairs.targets(0, 1), -9);
  EXPECT_EQ(pairs.inputs(1, 0), 106);
  EXPECT_EQ(pairs.targets(1, 0), 109);
  EXPECT_EQ(MakePairs(d, {6, 4}, 4).inputs.rows(), 0);
  StatePairs ones = MakePairs(d, {0, 3}, 1);
  ASSERT_EQ(ones.inputs.rows(), 4);
  EXPECT_EQ(ones.inputs(1, 0), 1);
  EXPECT_EQ(ones.targets(1, 0), 2);
  EXPECT_EQ(ones.inputs(2, 0), 100);
  EXPECT_EQ(ones.trajectories, (std::vector<int>{0, 0, 1, 1}));
}

TEST(SplitsTest, HoldsOutTrajectoriesInAnyOrder) {
  absl::StatusOr<TrajectorySplit> none = MakeTrajectorySplit(3, {});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->train, (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(none->held_out.empty());
  absl::StatusOr<TrajectorySplit> split = MakeTrajectorySplit(5, {3, 0});
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->train, (std::vector<int>{1, 2, 4}));
  EXPECT_EQ(split->held_out, (std::vector<int>{0, 3}));
}

TEST(SplitsTest, RefusesHeldOutTrajectoriesNamingTheFieldAndValue) {
  EXPECT_EQ(MakeTrajectorySplit(16, {2, 16}).status().message(),
            "training.held_out_trajectories: 16 is not a trajectory of the "
            "dataset (it has 16, numbered 0..15)");
  EXPECT_THAT(MakeTrajectorySplit(16, {-1}).status().message(),
              HasSubstr("training.held_out_trajectories: -1 is not a "
                        "trajectory"));
  EXPECT_EQ(MakeTrajectorySplit(4, {1, 3, 1}).status().message(),
            "training.held_out_trajectories: 1 is listed more than once");
  EXPECT_EQ(MakeTrajectorySplit(2, {1, 0}).status().message(),
            "training.held_out_trajectories: holds out all 2 of the "
            "dataset's trajectories; at least one must be left for training");
  EXPECT_EQ(MakeTrajectorySplit(1, {0}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SplitsTest, PairsAndStatesOfChosenTrajectoriesOnly) {
  const Dataset d = TaggedDataset();
  const std::vector<int> second = {1};
  StatePairs pairs = MakePairs(d, {0, 4}, 2, second);
  ASSERT_EQ(pairs.inputs.rows(), 2);
  EXPECT_EQ(pairs.inputs(0, 0), 100);
  EXPECT_EQ(pairs.targets(1, 0), 103);
  EXPECT_EQ(pairs.targets(1, 1), -103);
  EXPECT_EQ(pairs.trajectories, (std::vector<int>{1, 1}));
  // In the order given; all of them in order is the plain form.
  StatePairs reversed = MakePairs(d, {0, 4}, 2, std::vector<int>{1, 0});
  EXPECT_EQ(reversed.trajectories, (std::vector<int>{1, 1, 0, 0}));
  EXPECT_EQ(reversed.inputs(2, 0), 0);
  StatePairs all = MakePairs(d, {0, 4}, 2, std::vector<int>{0, 1});
  EXPECT_EQ(all.inputs, MakePairs(d, {0, 4}, 2).inputs);
  EXPECT_EQ(all.targets, MakePairs(d, {0, 4}, 2).targets);
  Eigen::MatrixXd states = RangeStates(d, {5, 3}, second);
  ASSERT_EQ(states.rows(), 3);
  EXPECT_EQ(states(0, 0), 105);
  EXPECT_EQ(states(2, 1), -107);
  EXPECT_EQ(RangeStates(d, {0, 3}, std::vector<int>{0, 1}),
            RangeStates(d, {0, 3}));
}

TEST(SplitsTest, StatesConcatenatePositionsAndMomenta) {
  const Dataset d = TaggedDataset();
  Eigen::MatrixXd states = RangeStates(d, {0, 3});
  ASSERT_EQ(states.rows(), 6);
  ASSERT_EQ(states.cols(), 2);
  EXPECT_EQ(states(4, 0), 101);
  EXPECT_EQ(states(4, 1), -101);
  Eigen::MatrixXd all = TrajectoryStates(d, 1);
  EXPECT_EQ(all.rows(), 10);
  EXPECT_EQ(all(9, 0), 109);
}

}  // namespace
}  // namespace aanet::data_gen
