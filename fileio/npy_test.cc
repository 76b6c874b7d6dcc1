#include "fileio/npy.h"

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aanet {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Bytes as numpy 1.24 writes np.save(f, np.array(..., dtype=...)).
std::string Header(const std::string& dict) {
  std::string header = dict;
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes.push_back(static_cast<char>(header.size()));
  bytes.push_back('\0');
  return bytes + header;
}

TEST(NpyTest, RoundTripsFloat64) {
  NpyArray array{{2, 3}, {1, 2, 3, 4, 5, 6.5}};
  const std::string bytes = SerializeNpy(array);
  EXPECT_EQ((bytes.size() - 6 * 8) % 64, 0u);  // data aligned to 64 bytes
  absl::StatusOr<NpyArray> parsed = ParseNpy(bytes, "x.npy");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->shape, ElementsAre(2, 3));
  EXPECT_EQ(parsed->values, array.values);
  EXPECT_THAT(SerializeNpy(NpyArray{{4}, {1, 2, 3, 4}}),
              HasSubstr("'shape': (4,)"));
}

TEST(NpyTest, ReadsOtherDtypesAndFortranOrder) {
  std::string bytes =
      Header("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }");
  for (int32_t v : {1, 4, 2, 5, 3, 6}) {  // column-major [[1,2,3],[4,5,6]]
    bytes.append(reinterpret_cast<const char*>(&v), 4);
  }
  absl::StatusOr<NpyArray> parsed = ParseNpy(bytes, "x.npy");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->values, ElementsAre(1, 2, 3, 4, 5, 6));

  bytes = Header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }");
  for (float v : {0.5f, -2.0f})
    bytes.append(reinterpret_cast<const char*>(&v), 4);
  parsed = ParseNpy(bytes, "x.npy");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->shape, ElementsAre(2));
  EXPECT_THAT(parsed->values, ElementsAre(0.5, -2.0));
}

TEST(NpyTest, ErrorsNameTheFileAndTheProblem) {
  EXPECT_EQ(ParseNpy("hello world", "x.npy").status().message(),
            "x.npy: not a .npy file (bad magic)");
  EXPECT_THAT(
      ParseNpy(
          Header("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }"),
          "x.npy")
          .status()
          .message(),
      HasSubstr("x.npy: dtype '>f8' is not supported"));
  std::string truncated =
      Header("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }");
  truncated.append(8, '\0');
  EXPECT_EQ(ParseNpy(truncated, "x.npy").status().message(),
            "x.npy: truncated: header says 3 values, the file holds 1");
  EXPECT_THAT(ParseNpy(Header("{'descr': '<f8'}"), "x.npy").status().message(),
              HasSubstr("malformed header"));
}

TEST(NpyTest, WritesAndReadsFiles) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/a.npy";
  ASSERT_TRUE(WriteNpy(NpyArray{{1, 2}, {3, 4}}, path).ok());
  absl::StatusOr<NpyArray> read = ReadNpy(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(read->values, ElementsAre(3, 4));
  EXPECT_EQ(ReadNpy(path + ".missing").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace aanet
