#include "sweep/runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fileio/directory_lock.h"
#include "gtest/gtest.h"
#include "proto/text_config.h"

namespace aanet::sweep {
namespace {

namespace fs = std::filesystem;

// Runs no process: a started point finishes at the next Poll, writing its
// evaluation.json, or fails with a line in its log if its directory is in
// `fail`.
class FakeBackend : public WorkerBackend {
 public:
  absl::StatusOr<int64_t> Start(const std::string& executable,
                                const std::string& directory) override {
    started.push_back(directory);
    running.push_back({next_id, directory});
    max_running = std::max(max_running, static_cast<int>(running.size()));
    return next_id++;
  }
  std::optional<Finished> Poll() override {
    if (running.empty()) return std::nullopt;
    const auto [id, dir] = running.front();
    running.pop_front();
    Finished finished;
    finished.id = id;
    if (fail.count(dir) > 0) {
      std::ofstream(fs::path(dir) / "log.txt")
          << "step 1\nsweep: training diverged at step 3\n";
      finished.exited_zero = false;
    } else {
      std::ofstream(fs::path(dir) / "evaluation.json") << "{}";
      finished.exited_zero = true;
    }
    return finished;
  }
  OnInterrupt on_interrupt() const override {
    return OnInterrupt::kStopWorkers;
  }
  int StopAll() override { return 0; }

  int64_t next_id = 1;
  int max_running = 0;
  std::vector<std::string> started;
  std::deque<std::pair<int64_t, std::string>> running;
  std::set<std::string> fail;
};

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) /
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(root_);
    SetSteps(5);
    options_.workspace = fs::current_path().string();
    options_.output_root = root_.string();
    options_.worker_executable = "/bin/true";
    options_.parallelism = 2;
    options_.backend = &backend_;
  }
  void SetSteps(int steps) {
    config_.config.Clear();
    ASSERT_TRUE(
        ParseTextProto(
            absl::StrCat(R"pb(
                           name: "tiny"
                           models {
                             config: "configs/harmonic/action_angle_flow.pbtxt"
                             num_steps:)pb",
                         steps, R"pb(
              }
              datasets: "configs/harmonic/default.pbtxt"
                                      num_train_samples: [ 10, 20, 50 ]
                                      seeds: [ 0 ]
                                    )pb"),
            "tiny.pbtxt", &config_.config)
            .ok());
  }

  fs::path root_;
  SweepConfigFile config_;
  RunnerOptions options_;
  FakeBackend backend_;
};

TEST_F(RunnerTest, RunsEveryPointAtMostParallelismAtATime) {
  absl::StatusOr<SweepResults> results = RunSweep(config_, options_);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->points_size(), 3);
  for (const SweepPoint& p : results->points()) {
    EXPECT_EQ(p.status(), SweepPoint::DONE) << p.directory();
  }
  EXPECT_EQ(backend_.started.size(), 3u);
  EXPECT_LE(backend_.max_running, 2);
  EXPECT_EQ(results->parallelism(), 2);
  EXPECT_TRUE(fs::exists(root_ / "sweeps/tiny/sweep_results.json"));
  EXPECT_TRUE(fs::exists(root_ / "datasets/harmonic_k_pair_0.5.h5"));
  // The dataset's identity is recorded with every point once its file is in
  // place, and the points' identities are resolved for its n.
  EXPECT_EQ(results->reference_dataset(), "harmonic_k_pair_0.5");
  for (const SweepPoint& p : results->points()) {
    EXPECT_EQ(p.dataset(), "harmonic_k_pair_0.5");
    EXPECT_FALSE(p.dataset_hash().empty());
    EXPECT_EQ(p.dataset_hash(), results->points(0).dataset_hash());
    EXPECT_EQ(p.system(), "harmonic");
    std::ifstream spec(root_ / "sweeps/tiny" / p.directory() / "point.pbtxt");
    std::stringstream text;
    text << spec.rdbuf();
    EXPECT_TRUE(absl::StrContains(text.str(), "model.num_parameters: "))
        << text.str();
  }
}

TEST_F(RunnerTest, AFailingPointIsRecordedWithItsLastLogLineAndRetried) {
  absl::StatusOr<SweepResults> first = RunSweep(config_, options_);
  ASSERT_TRUE(first.ok());
  const std::string failing =
      (root_ / "sweeps/tiny" / first->points(1).directory()).string();
  // Start over with point 1 failing.
  fs::remove_all(root_ / "sweeps");
  backend_.started.clear();
  backend_.fail.insert(failing);
  absl::StatusOr<SweepResults> results = RunSweep(config_, options_);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(results->points(0).status(), SweepPoint::DONE);
  EXPECT_EQ(results->points(1).status(), SweepPoint::FAILED);
  EXPECT_EQ(results->points(1).error(), "sweep: training diverged at step 3");
  EXPECT_EQ(NumFailed(*results), 1);

  // A rerun skips the finished points and retries the failed one only.
  backend_.started.clear();
  backend_.fail.clear();
  results = RunSweep(config_, options_);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(backend_.started, std::vector<std::string>{failing});
  EXPECT_EQ(results->points(0).status(), SweepPoint::SKIPPED);
  EXPECT_EQ(results->points(1).status(), SweepPoint::DONE);
  EXPECT_EQ(results->points(2).status(), SweepPoint::SKIPPED);
}

TEST_F(RunnerTest, AChangedConfigRerunsItsPointsFromScratch) {
  ASSERT_TRUE(RunSweep(config_, options_).ok());
  const fs::path stale = root_ /
                         "sweeps/tiny/action_angle_flow/harmonic_k_pair_0.5/"
                         "samples_10/seed_0/checkpoint.h5";
  std::ofstream(stale) << "old";
  SetSteps(6);
  backend_.started.clear();
  absl::StatusOr<SweepResults> results = RunSweep(config_, options_);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(backend_.started.size(), 3u);
  EXPECT_FALSE(fs::exists(stale));  // the changed point's directory emptied
  std::ifstream spec(stale.parent_path() / "point.pbtxt");
  std::stringstream text;
  text << spec.rdbuf();
  EXPECT_TRUE(absl::StrContains(text.str(), "num_steps: 6"));
}

TEST_F(RunnerTest, ASecondSweepOnTheSameDirectoryIsRefused) {
  absl::StatusOr<DirectoryLock> held =
      DirectoryLock::Acquire((root_ / "sweeps/tiny").string());
  ASSERT_TRUE(held.ok());
  absl::StatusOr<SweepResults> results = RunSweep(config_, options_);
  ASSERT_FALSE(results.ok());
  EXPECT_EQ(results.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(results.status().message(), "in use by"));
  EXPECT_TRUE(backend_.started.empty());
}

// Issue 18: a killed run's dataset temporary (`datasets/big.h5.tmp-4211`)
// stayed forever. The next sweep removes it, even when it reuses the
// dataset; a live writer's temporary stays.
TEST_F(RunnerTest, StaleDatasetTemporariesAreRemoved) {
  ASSERT_TRUE(RunSweep(config_, options_).ok());
  const pid_t dead = fork();
  if (dead == 0) _exit(0);
  int status = 0;
  waitpid(dead, &status, 0);
  const fs::path stale =
      root_ / absl::StrCat("datasets/harmonic_k_pair_0.5.h5.tmp-", dead);
  const fs::path live =
      root_ / absl::StrCat("datasets/harmonic_k_pair_0.5.h5.tmp-", getppid());
  std::ofstream(stale) << "partial";
  std::ofstream(live) << "partial";
  ASSERT_TRUE(RunSweep(config_, options_).ok());
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));
}

}  // namespace
}  // namespace aanet::sweep
