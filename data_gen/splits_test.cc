#include "data_gen/splits.h"

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
