#include "sweep/prepare.h"

#include <cstdio>
#include <filesystem>
#include <string>

#include "data_gen/dataset.h"
#include "gtest/gtest.h"
#include "proto/text_config.h"

namespace aanet::sweep {
namespace {

namespace fs = std::filesystem;

// The sweep's dataset `name` from a simulation config, with `sets` applied,
// to live at `path`.
PlannedDataset Planned(const std::string& name, const std::string& config,
                       const std::vector<std::string>& sets,
                       const std::string& path) {
  PlannedDataset d;
  d.name = name;
  d.config_path = config;
  d.path = path;
  absl::StatusOr<ExperimentConfig> read = ReadExperimentConfig(config, sets);
  EXPECT_TRUE(read.ok()) << read.status();
  if (read.ok()) {
    d.experiment = read->experiment;
    d.config_text = read->text;
  }
  return d;
}

std::string Bytes(const std::string& path) {
  std::string bytes;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    char buffer[4096];
    for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), f)) > 0;) {
      bytes.append(buffer, n);
    }
    std::fclose(f);
  }
  return bytes;
}

// Two sweeps on one output root whose datasets share a name must not
// overwrite each other's file: a dataset is its name and its contents.
TEST(EnsureDatasetTest, RefusesOtherContentsUnderAnExistingName) {
  const fs::path root = fs::path(::testing::TempDir()) / "ensure_other";
  fs::remove_all(root);
  const std::string path = (root / "datasets" / "mine.h5").string();
  ProgressLine progress(stderr, 10.0, false);
  PlannedDataset first = Planned("mine", "configs/harmonic/default.pbtxt",
                                 {"simulation.harmonic.k_pair=0.1"}, path);
  ASSERT_TRUE(EnsureDataset(first, progress).ok());
  ASSERT_FALSE(first.hash.empty());
  // Read from the file: what the points' resolved settings are built for.
  EXPECT_EQ(first.degrees_of_freedom, 2);
  const std::string written = Bytes(path);
  ASSERT_FALSE(written.empty());

  PlannedDataset other = Planned("mine", "configs/harmonic/default.pbtxt",
                                 {"simulation.harmonic.k_pair=0.5"}, path);
  const absl::Status status = EnsureDataset(other, progress);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_NE(status.message().find(path), std::string::npos) << status;
  EXPECT_NE(status.message().find(first.hash), std::string::npos) << status;
  EXPECT_NE(status.message().find(other.hash), std::string::npos) << status;
  EXPECT_NE(first.hash, other.hash);
  EXPECT_EQ(Bytes(path), written) << "the first sweep's file was replaced";

  // The same numbers from another config text (a comment, another name)
  // are the same dataset: the file is kept.
  PlannedDataset same = first;
  same.config_text = "# a comment\n" + first.config_text;
  ASSERT_TRUE(EnsureDataset(same, progress).ok());
  EXPECT_EQ(same.hash, first.hash);
  EXPECT_EQ(same.degrees_of_freedom, 2);
  EXPECT_EQ(Bytes(path), written);
  EXPECT_TRUE(fs::exists(root / "datasets" / ".mine.h5.lock"));
}

SweepCounts TwoOfSixDone() {
  SweepCounts counts;
  counts.total = 6;
  counts.done = 2;
  counts.running = 2;
  counts.pending = 2;
  counts.eta.parallel = 2;
  counts.eta.running = {{"neural_ode", 60, 0, 0}, {"neural_ode", 60, 0, 0}};
  counts.eta.pending = {"neural_ode", "neural_ode"};
  return counts;
}

TEST(ProgressTextTest, NoEtaBeforeAnythingIsKnown) {
  EXPECT_EQ(ProgressText("s", TwoOfSixDone(), 65),
            "sweep s: 2/6 done, 2 running, 2 pending, 0 failed, elapsed 1:05, "
            "ETA ?");
}

TEST(ProgressTextTest, EtaFromTheCompletedPointsOfTheModel) {
  SweepCounts counts = TwoOfSixDone();
  counts.finished_this_run = 2;
  counts.eta.completed_seconds = {{"neural_ode", {100, 100}}};
  // 40 s left on each running point, then one pending point each: 2:20.
  EXPECT_NE(ProgressText("s", counts, 130).find("ETA 2:20"), std::string::npos)
      << ProgressText("s", counts, 130);
}

TEST(ProgressTextTest, EtaMovesWithTheRunningPoints) {
  SweepCounts counts = TwoOfSixDone();
  counts.eta.running = {{"neural_ode", 60, 0, 0.5}, {"neural_ode", 60, 0, 0.5}};
  // 120 s a point: 60 s left, then 120 s: 3:00.
  EXPECT_NE(ProgressText("s", counts, 65).find("ETA 3:00"), std::string::npos)
      << ProgressText("s", counts, 65);
}

}  // namespace
}  // namespace aanet::sweep
