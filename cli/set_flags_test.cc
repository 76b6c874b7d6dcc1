#include "cli/set_flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aanet {
namespace {

using ::testing::ElementsAre;

TEST(SetFlagsTest, TakesEveryOccurrenceInOrderAndKeepsTheRest) {
  std::vector<std::string> args = {"train",
                                   "--config=c.pbtxt",
                                   "--set=training.test_jumps=1,10",
                                   "--set",
                                   "training.batch_size=50",
                                   "-set=name=x",
                                   "--settings=kept",
                                   "--",
                                   "--set=after"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  ExtractSetFlags(&argc, argv.data());
  EXPECT_THAT(SetFlags(), ElementsAre("training.test_jumps=1,10",
                                      "training.batch_size=50", "name=x"));
  ASSERT_EQ(argc, 5);
  EXPECT_EQ(std::string(argv[1]), "--config=c.pbtxt");
  EXPECT_EQ(std::string(argv[2]), "--settings=kept");
  EXPECT_EQ(std::string(argv[3]), "--");
  EXPECT_EQ(std::string(argv[4]), "--set=after");
  EXPECT_EQ(argv[5], nullptr);
}

TEST(SetFlagsTest, SuffixNamesTheOverriddenFields) {
  EXPECT_EQ(OverridesSuffix({}), "");
  EXPECT_EQ(OverridesSuffix({"simulation.harmonic.k_pair=0.3"}), "_k_pair_0.3");
  EXPECT_EQ(OverridesSuffix({"training.test_jumps=1,10", "name=a b/c"}),
            "_test_jumps_1_10_name_a_b_c");
}

}  // namespace
}  // namespace aanet
