#include "fileio/fnv1a.h"

#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace aanet {
namespace {

// The published FNV-1a 64 test vectors.
TEST(Fnv1aTest, MatchesReferenceVectors) {
  EXPECT_EQ(Fnv1a().Hex(), "cbf29ce484222325");
  Fnv1a a;
  a.Add("a", 1);
  EXPECT_EQ(a.Hex(), "af63dc4c8601ec8c");
  Fnv1a foobar;
  foobar.Add("foobar", 6);
  EXPECT_EQ(foobar.Hex(), "85944171f73967e8");
}

TEST(HashFileTest, HashesTheBytesAcrossBufferBoundaries) {
  const std::string path = ::testing::TempDir() + "/fnv1a_input";
  const std::string bytes(200000, 'x');  // more than one 64 KiB read
  std::ofstream(path, std::ios::binary) << bytes;
  Fnv1a expected;
  expected.Add(bytes.data(), bytes.size());
  absl::StatusOr<std::string> hash = HashFile(path);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(*hash, expected.Hex());
  EXPECT_EQ(HashFile(path + ".missing").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace aanet
