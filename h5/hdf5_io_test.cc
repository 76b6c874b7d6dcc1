#include "h5/hdf5_io.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "H5Cpp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/hdf5_test_util.h"
#include "testing/test_util.h"

namespace aanet::h5 {
namespace {

using ::aanet::test_util::EditHdf5File;
using ::aanet::test_util::ListDir;
using ::aanet::test_util::ReadAll;
using ::aanet::test_util::SameBits;
using ::aanet::test_util::StatusIs;
using ::aanet::test_util::TestDir;

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// Values that a lossy path would change: signed zero, subnormals, extremes.
Eigen::MatrixXd Awkward(int rows, int cols) {
  Eigen::MatrixXd m(rows, cols);
  const double specials[] = {-0.0,
                             std::numeric_limits<double>::denorm_min(),
                             std::numeric_limits<double>::max(),
                             -std::numeric_limits<double>::min(),
                             1.0 / 3.0,
                             -2.5e-300};
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) {
      m(i, j) = specials[(i * cols + j) % 6] * (1 + i) + 0.125 * j;
    }
  }
  m(0, 0) = -0.0;
  return m;
}

// A file written by `fill` (which must succeed).
std::string WriteFile(const std::string& path,
                      const std::function<absl::Status(H5::H5File&)>& fill) {
  const absl::Status status = WriteFileAtomically(path, fill);
  EXPECT_TRUE(status.ok()) << status;
  return path;
}

// Runs `read` on the file at `path` and returns its status.
absl::Status Read(const std::string& path,
                  const std::function<absl::Status(const H5::H5File&)>& read) {
  return ReadFile(path, read);
}

// ---------------------------------------------------------------------------
// Small helpers.

TEST(HelpersTest, ShapeStringAndNumValues) {
  EXPECT_EQ(ShapeString({}), "[]");
  EXPECT_EQ(ShapeString({3, 1000, 2}), "[3,1000,2]");
  EXPECT_EQ(NumValues({}), 1u);
  EXPECT_EQ(NumValues({3, 0, 2}), 0u);
  EXPECT_EQ(NumValues({3, 1000, 2}), 6000u);
  const hsize_t big = hsize_t{1} << 40;
  EXPECT_EQ(NumValues({big, big}), std::numeric_limits<uint64_t>::max());
}

TEST(HelpersTest, TypeNames) {
  EXPECT_EQ(TypeName(H5::PredType::IEEE_F64LE), "float64");
  EXPECT_EQ(TypeName(H5::PredType::IEEE_F32BE), "float32");
  EXPECT_EQ(TypeName(H5::PredType::STD_I32LE), "int32");
  EXPECT_EQ(TypeName(H5::PredType::STD_U8LE), "uint8");
  EXPECT_EQ(TypeName(H5::StrType(H5::PredType::C_S1, 4)), "string");
  EXPECT_EQ(TypeName(H5::CompType(size_t{16})), "compound");
}

TEST(HelpersTest, AnnotateKeepsCodeAndOk) {
  EXPECT_TRUE(Annotate(absl::OkStatus(), "x").ok());
  const absl::Status s = Annotate(absl::NotFoundError("gone"), "/a/b.h5");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "/a/b.h5: gone");
}

TEST(HelpersTest, CheckFiniteNamesTheFirstBadValue) {
  const double ok[] = {1, -0.0, 1e308};
  EXPECT_TRUE(CheckFinite("x", ok, 3).ok());
  const double bad[] = {1, 2, NAN, INFINITY};
  const absl::Status s = CheckFinite("group/x", bad, 4);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "dataset 'group/x' has a non-finite value (nan) at flat index 2");
  const double inf[] = {-INFINITY};
  EXPECT_THAT(CheckFinite("y", inf, 1).message(), HasSubstr("(-inf)"));
}

// ---------------------------------------------------------------------------
// Round trips.

TEST(RoundTripTest, EveryKindOfItemIsBitExact) {
  const std::string path = TestDir() + "/all.h5";
  const Eigen::MatrixXd matrix = Awkward(3, 5);
  const Eigen::VectorXd vector = Awkward(7, 1).col(0);
  const std::vector<Eigen::MatrixXd> stack = {Awkward(4, 2), -Awkward(4, 2),
                                              Awkward(4, 2) * 3};
  const double scalar = -std::numeric_limits<double>::denorm_min();
  WriteFile(path, [&](H5::H5File& file) -> absl::Status {
    for (absl::Status s : {
             WriteStringAttribute(file, "text", "line 1\nline 2 \xc3\xa9"),
             WriteStringAttribute(file, "empty", ""),
             WriteIntAttribute(file, "count", -(int64_t{1} << 40)),
             WriteDoubleAttribute(file, "loss", -0.0),
             WriteDoubleAttribute(file, "best", INFINITY),
             WriteMatrix(file, "matrix", matrix),
             WriteVector(file, "vector", vector),
             WriteScalar(file, "scalar", scalar),
             WriteStack(file, "stack", stack),
             WriteMatrix(file, "empty_matrix", Eigen::MatrixXd(0, 3)),
             WriteStack(file, "empty_stack", {}),
             WriteMatrix(file, "a/b/c/nested", matrix.transpose()),
             WriteVector(file, "a/b/sibling", vector),
         }) {
      if (!s.ok()) return s;
    }
    absl::StatusOr<H5::Group> group = OpenOrCreateGroup(file, "a/b");
    if (!group.ok()) return group.status();
    return WriteIntAttribute(*group, "on_group", 7);
  });

  const absl::Status status = Read(path, [&](const H5::H5File& file) {
    EXPECT_EQ(*ReadStringAttribute(file, "text"), "line 1\nline 2 \xc3\xa9");
    EXPECT_EQ(*ReadStringAttribute(file, "empty"), "");
    EXPECT_EQ(*ReadIntAttribute(file, "count"), -(int64_t{1} << 40));
    const double loss = *ReadDoubleAttribute(file, "loss");
    EXPECT_TRUE(loss == 0.0 && std::signbit(loss));
    EXPECT_EQ(*ReadDoubleAttribute(file, "best"), INFINITY);

    absl::StatusOr<Array> m = OpenArray(file, "matrix", "matrix");
    EXPECT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(m->dims, (Dims{3, 5}));
    EXPECT_TRUE(SameBits(*ReadMatrix(*m), matrix));
    absl::StatusOr<Array> v = OpenArray(file, "vector", "vector");
    EXPECT_EQ(v->dims, (Dims{7}));
    EXPECT_TRUE(SameBits(*ReadVector(*v), vector));
    absl::StatusOr<Array> s = OpenArray(file, "scalar", "scalar");
    EXPECT_EQ(s->dims, Dims{});
    const double read_scalar = *ReadScalar(*s);
    EXPECT_EQ(std::memcmp(&read_scalar, &scalar, sizeof scalar), 0);
    absl::StatusOr<Array> st = OpenArray(file, "stack", "stack");
    EXPECT_EQ(st->dims, (Dims{3, 4, 2}));
    absl::StatusOr<std::vector<Eigen::MatrixXd>> read_stack = ReadStack(*st);
    EXPECT_TRUE(read_stack.ok());
    EXPECT_EQ(read_stack->size(), 3u);
    for (size_t i = 0; i < stack.size(); ++i) {
      EXPECT_TRUE(SameBits((*read_stack)[i], stack[i])) << i;
    }
    absl::StatusOr<Array> em = OpenArray(file, "empty_matrix", "empty_matrix");
    EXPECT_EQ(em->dims, (Dims{0, 3}));
    EXPECT_EQ(ReadMatrix(*em)->cols(), 3);
    absl::StatusOr<Array> es = OpenArray(file, "empty_stack", "empty_stack");
    EXPECT_EQ(es->dims, (Dims{0, 0, 0}));
    EXPECT_TRUE(ReadStack(*es)->empty());

    EXPECT_THAT(
        *ListDatasets(file, "/"),
        ElementsAre("a/b/c/nested", "a/b/sibling", "empty_matrix",
                    "empty_stack", "matrix", "scalar", "stack", "vector"));
    EXPECT_TRUE(*HasChild(file, "a/b/c/nested"));
    EXPECT_FALSE(*HasChild(file, "a/x/nested"));
    EXPECT_FALSE(*HasChild(file, "matrix/x"));  // through a dataset
    absl::StatusOr<H5::Group> b = OpenGroup(file, "a/b", "a/b");
    EXPECT_TRUE(b.ok()) << b.status();
    EXPECT_EQ(*ReadIntAttribute(*b, "on_group"), 7);
    EXPECT_THAT(*ListDatasets(*b, "a/b"), ElementsAre("c/nested", "sibling"));
    absl::StatusOr<Array> nested = OpenArray(*b, "c/nested", "a/b/c/nested");
    EXPECT_TRUE(nested.ok()) << nested.status();
    EXPECT_TRUE(
        SameBits(*ReadMatrix(*nested), Eigen::MatrixXd(matrix.transpose())));
    EXPECT_TRUE(
        SameBits(*ReadVector(*OpenArray(*b, "sibling", "sibling")), vector));
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
}

// What any HDF5 reader (h5py) sees: IEEE float64, row-major, UTF-8 strings.
TEST(RoundTripTest, OnDiskLayoutIsRowMajorFloat64) {
  const std::string path = TestDir() + "/layout.h5";
  Eigen::MatrixXd m(2, 3);
  m << 1, 2, 3, 4, 5, 6;
  WriteFile(path, [&](H5::H5File& file) {
    if (absl::Status s = WriteMatrix(file, "m", m); !s.ok()) return s;
    return WriteStringAttribute(file, "name", "x");
  });
  H5::H5File file(path, H5F_ACC_RDONLY);
  H5::DataSet dataset = file.openDataSet("m");
  EXPECT_EQ(dataset.getDataType(), H5::PredType::IEEE_F64LE);
  double values[6];
  dataset.read(values, H5::PredType::NATIVE_DOUBLE);
  EXPECT_THAT(values, ElementsAre(1, 2, 3, 4, 5, 6));
  H5::StrType type = file.openAttribute("name").getStrType();
  EXPECT_TRUE(type.isVariableStr());
  EXPECT_EQ(type.getCset(), H5T_CSET_UTF8);
}

TEST(RoundTripTest, OpenOrCreateGroupReusesExistingGroups) {
  const std::string path = TestDir() + "/groups.h5";
  WriteFile(path, [](H5::H5File& file) -> absl::Status {
    absl::StatusOr<H5::Group> first = OpenOrCreateGroup(file, "x/y");
    if (!first.ok()) return first.status();
    if (absl::Status s = WriteScalar(*first, "a", 1); !s.ok()) return s;
    absl::StatusOr<H5::Group> again = OpenOrCreateGroup(file, "x/y");
    if (!again.ok()) return again.status();
    if (absl::Status s = WriteScalar(*again, "b", 2); !s.ok()) return s;
    return WriteScalar(file, "x/y/c", 3);
  });
  H5::H5File file(path, H5F_ACC_RDONLY);
  EXPECT_EQ(file.openGroup("x/y").getNumObjs(), 3u);
}

// ---------------------------------------------------------------------------
// Write errors.

TEST(WriteErrorTest, ItemsThatCannotBeCreatedAreNamed) {
  const std::string path = TestDir() + "/errors.h5";
  WriteFile(path, [](H5::H5File& file) {
    EXPECT_TRUE(WriteScalar(file, "d", 1).ok());
    EXPECT_TRUE(WriteIntAttribute(file, "a", 1).ok());

    absl::Status s = WriteScalar(file, "d", 2);
    EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
    EXPECT_THAT(std::string(s.message()), HasSubstr("writing dataset 'd': "));
    s = WriteStringAttribute(file, "a", "again");
    EXPECT_THAT(std::string(s.message()), HasSubstr("writing attribute 'a': "));
    s = WriteMatrix(file, "d/x", Eigen::MatrixXd::Zero(1, 1));
    EXPECT_THAT(std::string(s.message()),
                HasSubstr("cannot create group 'd': 'd' exists "
                          "and is not a group"));
    absl::StatusOr<H5::Group> g = OpenOrCreateGroup(file, "d/e/f");
    EXPECT_FALSE(g.ok());
    EXPECT_THAT(std::string(g.status().message()),
                HasSubstr("'d' exists and is not a group"));
    s = WriteStack(file, "st",
                   {Eigen::MatrixXd::Zero(2, 2), Eigen::MatrixXd::Zero(3, 2)});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(s.message()),
                HasSubstr("writing dataset 'st': matrix 1 is "
                          "[3,2], matrix 0 is [2,2]"));
    return absl::OkStatus();
  });
  H5::H5File file(path, H5F_ACC_RDONLY);
  EXPECT_FALSE(file.nameExists("st"));
}

// ---------------------------------------------------------------------------
// Atomic writing.

TEST(AtomicWriteTest, CreatesParentsAndLeavesNoTemporary) {
  const std::string dir = TestDir();
  const std::string path = dir + "/a/b/c/out.h5";
  WriteFile(path, [](H5::H5File& file) { return WriteScalar(file, "x", 1); });
  EXPECT_THAT(ListDir(dir + "/a/b/c"), ElementsAre("out.h5"));
  EXPECT_TRUE(H5::H5File::isHdf5(path));
}

TEST(AtomicWriteTest, ReplacesAnExistingFile) {
  const std::string dir = TestDir();
  const std::string path = dir + "/out.h5";
  WriteFile(path, [](H5::H5File& file) { return WriteScalar(file, "x", 1); });
  WriteFile(path, [](H5::H5File& file) { return WriteScalar(file, "y", 2); });
  H5::H5File file(path, H5F_ACC_RDONLY);
  EXPECT_FALSE(file.nameExists("x"));
  EXPECT_TRUE(file.nameExists("y"));
  EXPECT_THAT(ListDir(dir), ElementsAre("out.h5"));
}

// Every way `fill` can fail: no file appears, an existing one is untouched,
// no temporary is left, and the error names the path.
TEST(AtomicWriteTest, FailingFillLeavesNothingBehind) {
  const std::string dir = TestDir();
  const std::string path = dir + "/out.h5";
  const std::string existing = dir + "/existing.h5";
  WriteFile(existing,
            [](H5::H5File& file) { return WriteScalar(file, "old", 1); });
  struct Case {
    std::string name;
    std::function<absl::Status(H5::H5File&)> fill;
    absl::StatusCode code;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"error from fill",
       [](H5::H5File& file) {
         EXPECT_TRUE(WriteScalar(file, "x", 1).ok());
         return absl::FailedPreconditionError("no good");
       },
       absl::StatusCode::kFailedPrecondition, "failed: no good"},
      {"error from a writer",
       [](H5::H5File& file) -> absl::Status {
         if (absl::Status s = WriteScalar(file, "x", 1); !s.ok()) return s;
         return WriteScalar(file, "x", 2);
       },
       absl::StatusCode::kInternal, "failed: writing dataset 'x': "},
      {"H5::Exception thrown by fill",
       [](H5::H5File& file) -> absl::Status {
         file.openDataSet("does_not_exist");
         return absl::OkStatus();
       },
       absl::StatusCode::kInternal, "failed: H5Dopen2 failed ("},
      {"std::exception thrown by fill",
       [](H5::H5File&) -> absl::Status { throw std::runtime_error("boom"); },
       absl::StatusCode::kInternal, "failed: boom"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    for (const std::string& target : {path, existing}) {
      const absl::Status status = WriteFileAtomically(target, c.fill);
      EXPECT_EQ(status.code(), c.code);
      EXPECT_THAT(std::string(status.message()),
                  HasSubstr(target + ": writing " + target + ".tmp-"));
      EXPECT_THAT(std::string(status.message()), HasSubstr(c.expected));
      EXPECT_THAT(ListDir(dir), ElementsAre("existing.h5"));
    }
  }
  H5::H5File file(existing, H5F_ACC_RDONLY);
  EXPECT_TRUE(file.nameExists("old"));
}

// The bytes of a file holding one string attribute (which HDF5 keeps in a
// global heap collection); empty if it could not be written.
std::string FileWithAStringAttribute(const std::string& name) {
  const std::string path = TestDir() + "/" + name;
  if (!WriteFileAtomically(path, [](H5::H5File& file) {
         return WriteStringAttribute(file, "config", "name: \"x\"");
       }).ok()) {
    return "";
  }
  return ReadAll(path);
}

// A string attribute lives in a global heap collection; a corrupt object
// size there is refused before HDF5 reads it (HDF5 1.10 would copy past its
// buffers; found by //fuzz:dataset_fuzzer).
TEST(ReadImageTest, ChecksGlobalHeapSizes) {
  std::string bytes = FileWithAStringAttribute("heap.h5");
  ASSERT_FALSE(bytes.empty());
  EXPECT_TRUE(CheckGlobalHeaps(bytes).ok());
  auto read = [](const H5::H5File& file) {
    return ReadStringAttribute(file, "config").status();
  };
  EXPECT_TRUE(ReadImage(bytes, "heap.h5", read).ok());
  const size_t at = bytes.find("GCOL");
  ASSERT_NE(at, std::string::npos);
  // The first object's size field: 8 bytes at collection + 16 + 8.
  bytes[at + 16 + 8 + 7] = '\x08';
  absl::Status status = ReadImage(bytes, "heap.h5", read);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("heap.h5: malformed HDF5 file: object 1 of the global "
                        "heap collection at byte"));
}

// A free-space object of size zero makes HDF5 1.10 loop forever while it
// reads the collection; it is refused first (found by //fuzz:dataset_fuzzer).
TEST(ReadImageTest, RefusesAFreeSpaceObjectSmallerThanItsHeader) {
  std::string bytes = FileWithAStringAttribute("free.h5");
  ASSERT_FALSE(bytes.empty());
  const size_t at = bytes.find("GCOL");
  ASSERT_NE(at, std::string::npos);
  // Walk to the free-space object (index 0): 16-byte headers, sizes aligned
  // to 8 bytes.
  size_t p = at + 16;
  while (bytes[p] != 0 || bytes[p + 1] != 0) {
    uint64_t size = 0;
    for (int i = 7; i >= 0; --i) {
      size = (size << 8) | static_cast<unsigned char>(bytes[p + 8 + i]);
    }
    p += 16 + (size + 7) / 8 * 8;
    ASSERT_LT(p, bytes.size());
  }
  for (int i = 0; i < 8; ++i) bytes[p + 8 + i] = '\0';
  auto read = [](const H5::H5File& file) {
    return ReadStringAttribute(file, "config").status();
  };
  const absl::Status status = ReadImage(bytes, "free.h5", read);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("free.h5: malformed HDF5 file: the free space of the "
                        "global heap collection at byte"));
}

TEST(DescribeTest, IsOneLine) {
  const H5::FileIException e("H5Fopen", "first line\nsecond line\r\n");
  const std::string text = Describe(e);
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos) << text;
  EXPECT_NE(text.find("first line second line"), std::string::npos) << text;
}

TEST(AtomicWriteTest, FilesystemErrorsNameThePath) {
  const std::string dir = TestDir();
  auto fill = [](H5::H5File& file) { return WriteScalar(file, "x", 1); };
  // The parent "directory" is a regular file.
  std::ofstream(dir + "/file") << "x";
  absl::Status status = WriteFileAtomically(dir + "/file/out.h5", fill);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(dir + "/file/out.h5: cannot create directory"));
  // The target is a directory: refused, only a regular file is replaced
  // (fileio/text_file.h).
  fs::create_directories(dir + "/target.h5");
  status = WriteFileAtomically(dir + "/target.h5", fill);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(dir + "/target.h5: is a directory, not a regular "
                              "file; refusing to replace it"));
  EXPECT_THAT(ListDir(dir), UnorderedElementsAre("file", "target.h5"));
}

// ---------------------------------------------------------------------------
// Opening files.

void ExpectOpenError(const std::string& path, absl::StatusCode code,
                     const std::string& expected) {
  absl::StatusOr<H5::H5File> file = OpenFileForReading(path);
  EXPECT_THAT(file, StatusIs(code, HasSubstr(path + ": " + expected)));
  // ReadFile reports the same and never calls `read`.
  const absl::Status status = Read(path, [](const H5::H5File&) {
    ADD_FAILURE() << "read called";
    return absl::OkStatus();
  });
  EXPECT_THAT(status, StatusIs(code, HasSubstr(path + ": " + expected)));
}

TEST(OpenTest, MissingFileIsNotFound) {
  const std::string path = TestDir() + "/nothing.h5";
  ExpectOpenError(path, absl::StatusCode::kNotFound, "no such file");
  EXPECT_EQ(OpenFileForReading(path).status().message(),
            path + ": no such file");
}

TEST(OpenTest, DirectoryIsNotAFile) {
  const std::string dir = TestDir();
  ExpectOpenError(dir, absl::StatusCode::kInvalidArgument,
                  "is a directory, expected an HDF5 file");
}

TEST(OpenTest, GarbageEmptyAndTruncatedFiles) {
  const std::string dir = TestDir();
  const std::string path = dir + "/bad.h5";
  std::ofstream(path) << "this is not an HDF5 file, just some bytes\n";
  ExpectOpenError(path, absl::StatusCode::kInvalidArgument,
                  "not an HDF5 file (or truncated)");
  std::ofstream(path, std::ios::trunc);  // empty
  ExpectOpenError(path, absl::StatusCode::kInvalidArgument,
                  "not an HDF5 file (or truncated)");
  const std::string valid = dir + "/valid.h5";
  WriteFile(valid, [](H5::H5File& file) {
    return WriteMatrix(file, "m", Eigen::MatrixXd::Ones(100, 100));
  });
  fs::resize_file(valid, fs::file_size(valid) / 2);
  ExpectOpenError(valid, absl::StatusCode::kInvalidArgument,
                  "not an HDF5 file (or truncated)");
}

TEST(ReadFileTest, ErrorsAndExceptionsFromReadNameThePath) {
  const std::string path = TestDir() + "/f.h5";
  WriteFile(path, [](H5::H5File& file) { return WriteScalar(file, "x", 1); });
  absl::Status status = Read(
      path, [](const H5::H5File&) { return absl::OutOfRangeError("custom"); });
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(status.message(), path + ": custom");
  status = Read(path, [](const H5::H5File& file) {
    file.openGroup("nope");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(path + ": malformed HDF5 file: "));
  status = Read(
      path, [](const H5::H5File&) -> absl::Status { throw std::bad_alloc(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(), path + ": out of memory while reading");
  EXPECT_TRUE(
      Read(path, [](const H5::H5File&) { return absl::OkStatus(); }).ok());
}

// ---------------------------------------------------------------------------
// Read errors. Each test edits a small valid file with the raw API.

class ReadErrorTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = TestDir() + "/f.h5";
    WriteFile(path_, [](H5::H5File& file) -> absl::Status {
      for (absl::Status s : {
               WriteMatrix(file, "g/m", Eigen::MatrixXd::Ones(2, 3)),
               WriteVector(file, "v", Eigen::VectorXd::Ones(4)),
               WriteScalar(file, "s", 1.5),
               WriteStringAttribute(file, "name", "abc"),
               WriteIntAttribute(file, "version", 1),
               WriteDoubleAttribute(file, "loss", 0.5),
           }) {
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    });
  }

  // The error of `read` on the file, without the "<path>: " prefix.
  std::string ReadError(
      const std::function<absl::Status(const H5::H5File&)>& read) {
    const absl::Status status = Read(path_, read);
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    const std::string prefix = path_ + ": ";
    const std::string message(status.message());
    EXPECT_EQ(message.substr(0, prefix.size()), prefix);
    return message.substr(std::min(prefix.size(), message.size()));
  }

  // The error of opening `name` as an array.
  std::string OpenError(const std::string& name) {
    return ReadError([&](const H5::H5File& file) {
      return OpenArray(file, name, name).status();
    });
  }

  std::string path_;
};

TEST_F(ReadErrorTest, MissingOrWrongKindOfItem) {
  EXPECT_EQ(OpenError("w"), "missing dataset 'w'");
  EXPECT_EQ(OpenError("g/x"), "missing dataset 'g/x'");
  EXPECT_EQ(OpenError("h/m"), "missing dataset 'h/m'");  // no group 'h'
  EXPECT_EQ(OpenError("v/m"), "missing dataset 'v/m'");  // 'v' is a dataset
  EXPECT_EQ(OpenError("g"), "'g' is not a dataset");
  EXPECT_EQ(ReadError([](const H5::H5File& file) {
              return OpenGroup(file, "nope", "nope").status();
            }),
            "missing group 'nope'");
  EXPECT_EQ(ReadError([](const H5::H5File& file) {
              return OpenGroup(file, "v", "v").status();
            }),
            "'v' is not a group");
  // full_name is what messages show.
  EXPECT_EQ(ReadError([](const H5::H5File& file) -> absl::Status {
              absl::StatusOr<H5::Group> g = OpenGroup(file, "g", "g");
              if (!g.ok()) return g.status();
              return OpenArray(*g, "x", "g/x").status();
            }),
            "missing dataset 'g/x'");
}

TEST_F(ReadErrorTest, DanglingLinks) {
  EditHdf5File(path_, [](H5::H5File& file) {
    file.link(H5L_TYPE_SOFT, "/nowhere", "g/dangling");
  });
  EXPECT_THAT(ReadError([](const H5::H5File& file) {
                return ListDatasets(file, "/").status();
              }),
              HasSubstr("malformed HDF5 file: reading group '/': "));
  EXPECT_THAT(OpenError("g/dangling"),
              HasSubstr("malformed HDF5 file: reading dataset 'g/dangling': "));
}

TEST_F(ReadErrorTest, WrongDtypeOrDataspace) {
  EditHdf5File(path_, [](H5::H5File& file) {
    const hsize_t dims[1] = {4};
    file.createDataSet("i32", H5::PredType::STD_I32LE, H5::DataSpace(1, dims));
    file.createDataSet("f32", H5::PredType::IEEE_F32LE, H5::DataSpace(1, dims));
    file.createDataSet("u8", H5::PredType::STD_U8LE, H5::DataSpace(1, dims));
    H5::StrType str(H5::PredType::C_S1, H5T_VARIABLE);
    file.createDataSet("str", str, H5::DataSpace(H5S_SCALAR));
    file.createDataSet("null", H5::PredType::IEEE_F64LE,
                       H5::DataSpace(H5S_NULL));
  });
  EXPECT_EQ(OpenError("i32"),
            "dataset 'i32' has dtype int32, expected float64");
  EXPECT_EQ(OpenError("f32"),
            "dataset 'f32' has dtype float32, expected float64");
  EXPECT_EQ(OpenError("u8"), "dataset 'u8' has dtype uint8, expected float64");
  EXPECT_EQ(OpenError("str"),
            "dataset 'str' has dtype string, expected float64");
  EXPECT_EQ(OpenError("null"),
            "dataset 'null' has no dataspace (null or unknown)");
}

TEST_F(ReadErrorTest, ShapeRankAndSizeChecks) {
  const absl::Status status = Read(path_, [](const H5::H5File& file) {
    absl::StatusOr<Array> m = OpenArray(file, "g/m", "g/m");
    EXPECT_TRUE(m.ok()) << m.status();
    EXPECT_TRUE(CheckShape(*m, {2, 3}, "[a,b]", "x").ok());
    EXPECT_EQ(CheckShape(*m, {3, 3}, "[n,n]", "q").message(),
              "dataset 'g/m' has shape [2,3], expected [n,n] = [3,3] to match "
              "'q'");
    EXPECT_EQ(CheckShape(*m, {3, 3}, "", "p/x").message(),
              "dataset 'g/m' has shape [2,3], expected [3,3] to match 'p/x'");
    EXPECT_EQ(CheckShape(*m, {3}, "[n]", "").message(),
              "dataset 'g/m' has shape [2,3], expected [n] = [3]");
    EXPECT_EQ(CheckShape(*m, {}, "scalar", "q").message(),
              "dataset 'g/m' has shape [2,3], expected a scalar");
    EXPECT_TRUE(CheckRank(*m, 2, "").ok());
    EXPECT_EQ(CheckRank(*m, 3, "[K,T,n]").message(),
              "dataset 'g/m' has shape [2,3], expected rank 3 [K,T,n]");
    EXPECT_EQ(CheckRank(*m, 1, "").message(),
              "dataset 'g/m' has shape [2,3], expected rank 1");
    EXPECT_TRUE(CheckNumValues(*m, 6).ok());
    EXPECT_EQ(CheckNumValues(*m, 5).message(),
              "dataset 'g/m' has shape [2,3], more than the limit of 5 values "
              "per array");
    // Each reader checks the rank.
    EXPECT_EQ(ReadVector(*m).status().message(),
              "dataset 'g/m' has shape [2,3], expected rank 1");
    EXPECT_EQ(ReadScalar(*m).status().message(),
              "dataset 'g/m' has shape [2,3], expected rank 0");
    EXPECT_EQ(ReadStack(*m).status().message(),
              "dataset 'g/m' has shape [2,3], expected rank 3");
    absl::StatusOr<Array> s = OpenArray(file, "s", "s");
    EXPECT_EQ(ReadMatrix(*s).status().message(),
              "dataset 's' has shape [], expected rank 2");
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
}

TEST_F(ReadErrorTest, ImplausiblyLargeShapeIsRejectedWithoutAllocating) {
  EditHdf5File(path_, [](H5::H5File& file) {
    // Never written, so the file stays small.
    const hsize_t big[2] = {100000, 100000};
    file.createDataSet("big", H5::PredType::IEEE_F64LE, H5::DataSpace(2, big));
    const hsize_t many[3] = {hsize_t{1} << 40, 0, 5};
    file.createDataSet("many", H5::PredType::IEEE_F64LE,
                       H5::DataSpace(3, many));
  });
  EXPECT_THAT(ReadError([](const H5::H5File& file) {
                return ReadMatrix(*OpenArray(file, "big", "big")).status();
              }),
              HasSubstr("dataset 'big' has shape [100000,100000], more than "
                        "the limit of 268435456 values per array"));
  EXPECT_THAT(ReadError([](const H5::H5File& file) {
                return ReadStack(*OpenArray(file, "many", "many")).status();
              }),
              HasSubstr("more than the limit"));
}

TEST_F(ReadErrorTest, Attributes) {
  EditHdf5File(path_, [](H5::H5File& file) {
    const hsize_t dims[1] = {2};
    const int64_t values[2] = {1, 2};
    file.createAttribute("pair", H5::PredType::STD_I64LE,
                         H5::DataSpace(1, dims))
        .write(H5::PredType::NATIVE_INT64, values);
    file.createAttribute("nothing", H5::PredType::STD_I64LE,
                         H5::DataSpace(H5S_NULL));
    const int32_t small = -5;
    file.createAttribute("i32", H5::PredType::STD_I32BE,
                         H5::DataSpace(H5S_SCALAR))
        .write(H5::PredType::NATIVE_INT32, &small);
    const float f = 0.25f;
    file.createAttribute("f32", H5::PredType::IEEE_F32LE,
                         H5::DataSpace(H5S_SCALAR))
        .write(H5::PredType::NATIVE_FLOAT, &f);
    // As h5py writes np.bytes_(b"harmonic"): fixed length, NUL padded.
    H5::StrType fixed(H5::PredType::C_S1, 12);
    fixed.setStrpad(H5T_STR_NULLPAD);
    file.createAttribute("fixed", fixed, H5::DataSpace(H5S_SCALAR))
        .write(fixed, std::string("harmonic\0\0\0\0", 12).data());
  });
  auto string_error = [&](const char* name) {
    return ReadError([&](const H5::H5File& file) {
      return ReadStringAttribute(file, name).status();
    });
  };
  auto int_error = [&](const char* name) {
    return ReadError([&](const H5::H5File& file) {
      return ReadIntAttribute(file, name).status();
    });
  };
  auto double_error = [&](const char* name) {
    return ReadError([&](const H5::H5File& file) {
      return ReadDoubleAttribute(file, name).status();
    });
  };
  EXPECT_EQ(string_error("missing"), "missing attribute 'missing'");
  EXPECT_EQ(string_error("version"),
            "attribute 'version' has type int64, expected string");
  EXPECT_EQ(int_error("name"),
            "attribute 'name' has type string, expected integer");
  EXPECT_EQ(int_error("loss"),
            "attribute 'loss' has type float64, expected integer");
  EXPECT_EQ(double_error("version"),
            "attribute 'version' has type int64, expected float");
  EXPECT_EQ(int_error("pair"),
            "attribute 'pair' must hold a single value, got 2");
  EXPECT_EQ(int_error("nothing"),
            "attribute 'nothing' must hold a single value, got 0");
  const absl::Status status = Read(path_, [](const H5::H5File& file) {
    EXPECT_EQ(*ReadStringAttribute(file, "fixed"), "harmonic");
    EXPECT_EQ(*ReadIntAttribute(file, "i32"), -5);
    EXPECT_EQ(*ReadDoubleAttribute(file, "f32"), 0.25);
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
}

}  // namespace
}  // namespace aanet::h5
