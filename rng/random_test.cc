#include "rng/random.h"

#include <algorithm>
#include <cmath>

#include "gtest/gtest.h"

namespace aanet {
namespace {

TEST(RandomTest, SameSeedSameStream) {
  Random a(42), b(42);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(a.Bits(), b.Bits());
    ASSERT_EQ(a.Normal(), b.Normal());
  }
}

TEST(RandomTest, KnownFirstValueOfMt19937_64) {
  // The C++ standard fixes the 10000th output of a default-seeded
  // mt19937_64 (seed 5489); this pins the engine our streams rest on.
  Random r(5489);
  uint64_t x = 0;
  for (int i = 0; i < 10000; ++i) x = r.Bits();
  EXPECT_EQ(x, 9981545732273789042ULL);
}

TEST(RandomTest, UniformMomentsAndRange) {
  Random r(1);
  const int n = 200000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const double u = r.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum_sq += u * u;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.005);
  EXPECT_NEAR(sum_sq / n - 0.25, 1.0 / 12.0, 0.005);
}

TEST(RandomTest, NormalMoments) {
  Random r(2);
  const int n = 200000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const double z = r.Normal();
    sum += z;
    sum_sq += z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sum_sq / n, 1.0, 0.01);
}

TEST(RandomTest, UniformIntCoversRangeEvenly) {
  Random r(3);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) ++counts[r.UniformInt(7)];
  for (int c : counts) EXPECT_NEAR(c, 10000, 400);
}

TEST(RandomTest, PermutationIsAPermutation) {
  Random r(4);
  std::vector<int> p = r.Permutation(50);
  std::vector<int> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 50; ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_NE(p, sorted);  // 1/50! chance of a false failure for this seed.
}

TEST(RandomTest, DerivedSeedsDiffer) {
  EXPECT_NE(Random::DeriveSeed(0, 0), Random::DeriveSeed(0, 1));
  EXPECT_NE(Random::DeriveSeed(0, 0), Random::DeriveSeed(1, 0));
  EXPECT_EQ(Random::DeriveSeed(7, 3), Random::DeriveSeed(7, 3));
}

TEST(RandomTest, SavedStateContinuesTheStream) {
  Random a(9);
  a.Bits();
  a.Normal();  // leaves a cached normal behind
  Random b(0);
  ASSERT_TRUE(b.RestoreState(a.SaveState()).ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(a.Normal(), b.Normal());
    ASSERT_EQ(a.Bits(), b.Bits());
  }
  EXPECT_FALSE(b.RestoreState("not a state").ok());
}

}  // namespace
}  // namespace aanet
