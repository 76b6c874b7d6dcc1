#include "sweep/slurm_runner.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "proto/text_config.h"

namespace aanet::sweep {
namespace {

namespace fs = std::filesystem;

// A cluster that runs nothing: the test decides what squeue shows and
// finishes tasks by writing their points' evaluation.json.
class FakeCluster : public SlurmClient {
 public:
  absl::StatusOr<std::string> Submit(const std::string& script) override {
    scripts.push_back(script);
    const std::string job = std::to_string(next_job++);
    // Every task of the new array is pending.
    std::ifstream in(script);
    std::string line;
    int tasks = 0;
    while (std::getline(in, line)) {
      if (absl::StartsWith(line, "  '")) ++tasks;
    }
    for (int t = 0; t < tasks; ++t) {
      queue[absl::StrCat(job, "_", t)] = {"PENDING", "Priority", ""};
    }
    return job;
  }
  absl::StatusOr<std::map<std::string, QueuedTask>> Queue(
      const std::vector<std::string>& job_ids) override {
    ++queue_calls;
    std::map<std::string, QueuedTask> out;
    for (const auto& [task, state] : queue) {
      for (const std::string& job : job_ids) {
        if (absl::StartsWith(task, job + "_")) out[task] = state;
      }
    }
    return out;
  }
  std::optional<TaskEnd> Ended(const std::string& task) override {
    const auto it = ends.find(task);
    if (it == ends.end()) return std::nullopt;
    return it->second;
  }
  absl::Status Cancel(const std::vector<std::string>& tasks) override {
    for (const std::string& t : tasks) {
      cancelled.push_back(t);
      queue.erase(t);
    }
    return absl::OkStatus();
  }

  int next_job = 100;
  int queue_calls = 0;
  std::vector<std::string> scripts;
  std::vector<std::string> cancelled;
  std::map<std::string, QueuedTask> queue;
  std::map<std::string, TaskEnd> ends;
};

class SlurmRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) /
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(root_);
    ASSERT_TRUE(
        ParseTextProto(R"pb(
                         name: "tiny"
                         models {
                           config: "configs/harmonic/action_angle_flow.pbtxt"
                           num_steps: 5
                         }
                         datasets: "configs/harmonic/default.pbtxt"
                         num_train_samples: [ 10, 20 ]
                         seeds: [ 0 ]
                       )pb",
                       "tiny.pbtxt", &config_.config)
            .ok());
    options_.workspace = fs::current_path().string();
    options_.output_root = root_.string();
    options_.worker_executable = "/bin/true";
    slurm_.client = &cluster_;
    slurm_.out = &out_;
    slurm_.poll_seconds = 0.01;
  }

  std::string PointDir(const SweepResults& results, int i) const {
    return (root_ / "sweeps" / "tiny" / results.points(i).directory()).string();
  }
  static void Finish(const std::string& dir) {
    std::ofstream(fs::path(dir) / "evaluation.json") << "{}";
  }

  fs::path root_;
  SweepConfigFile config_;
  RunnerOptions options_;
  SlurmRunOptions slurm_;
  FakeCluster cluster_;
  std::ostringstream out_;
};

TEST_F(SlurmRunnerTest, NoWaitSubmitsOneArrayAndRecordsTheTasks) {
  slurm_.wait = false;
  absl::StatusOr<SweepResults> results =
      RunSweepOnSlurm(config_, options_, slurm_);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(cluster_.scripts.size(), 1u);
  ASSERT_EQ(results->points_size(), 2);
  EXPECT_EQ(results->points(0).slurm_task(), "100_0");
  EXPECT_EQ(results->points(1).slurm_task(), "100_1");
  EXPECT_EQ(results->points(1).slurm_state(), "PENDING");
  EXPECT_EQ(NumUnfinished(*results), 2);
  EXPECT_TRUE(absl::StrContains(out_.str(), "--no_wait"));
  // The worker ran from a staged copy, not from where it was built.
  std::ifstream script(cluster_.scripts[0]);
  std::stringstream text;
  text << script.rdbuf();
  EXPECT_TRUE(absl::StrContains(text.str(), "/slurm/bin/worker-"));
  EXPECT_FALSE(absl::StrContains(text.str(), "'/bin/true'"));

  // A rerun while the tasks are queued submits nothing.
  results = RunSweepOnSlurm(config_, options_, slurm_);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(cluster_.scripts.size(), 1u);
  EXPECT_EQ(results->points(0).slurm_task(), "100_0");
}

TEST_F(SlurmRunnerTest, KilledTaskIsRecordedWithSlurmsReasonAndResubmitted) {
  slurm_.wait = false;
  ASSERT_TRUE(RunSweepOnSlurm(config_, options_, slurm_).ok());
  // Task 0 finishes; task 1 hits its time limit.
  absl::StatusOr<SweepResults> first =
      RunSweepOnSlurm(config_, options_, slurm_);
  ASSERT_TRUE(first.ok());
  Finish(PointDir(*first, 0));
  cluster_.queue.clear();
  cluster_.ends["100_1"] = {"TIMEOUT", "Reason=TimeLimit"};

  absl::StatusOr<SweepResults> second =
      RunSweepOnSlurm(config_, options_, slurm_);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(absl::StrContains(out_.str(),
                                "Slurm task 100_1 ended without results: "
                                "TIMEOUT time limit (Slurm TIMEOUT)"))
      << out_.str();
  // Only the killed point went into the new array.
  ASSERT_EQ(cluster_.scripts.size(), 2u);
  EXPECT_EQ(second->points(0).status(), SweepPoint::SKIPPED);
  std::ifstream record(fs::path(PointDir(*second, 1)) / "slurm_tasks.txt");
  std::stringstream history;
  history << record.rdbuf();
  EXPECT_TRUE(absl::StrContains(history.str(), "submitted 100_1 "));
  EXPECT_TRUE(absl::StrContains(
      history.str(), "ended 100_1 TIMEOUT time limit (Slurm TIMEOUT)"));
  EXPECT_TRUE(absl::StrContains(history.str(), "submitted 101_0 "));
}

TEST_F(SlurmRunnerTest, WaitRecordsDoneAndKilledPoints) {
  // The fake cluster "runs" task 0 to completion and kills task 1 for
  // memory as soon as squeue is asked the second time.
  class Runner : public FakeCluster {
   public:
    absl::StatusOr<std::map<std::string, QueuedTask>> Queue(
        const std::vector<std::string>& job_ids) override {
      if (++polls == 2) {
        queue.clear();
        ends["100_1"] = {"OUT_OF_MEMORY", ""};
      }
      return FakeCluster::Queue(job_ids);
    }
    int polls = 0;
  };
  Runner runner;
  slurm_.client = &runner;
  // Finish point 0 before the wait starts looking.
  slurm_.plan = [&](const PreparedSweep& sweep) -> absl::StatusOr<std::string> {
    Finish(sweep.plan.points[0].directory);
    return std::string("plan\n");
  };
  absl::StatusOr<SweepResults> results =
      RunSweepOnSlurm(config_, options_, slurm_);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(results->points(0).status(), SweepPoint::DONE);
  EXPECT_EQ(results->points(1).status(), SweepPoint::FAILED);
  EXPECT_EQ(results->points(1).error(),
            "Slurm task 100_1: out of memory (Slurm OUT_OF_MEMORY)");
  EXPECT_EQ(NumUnfinished(*results), 0);
  EXPECT_TRUE(absl::StrContains(out_.str(), "plan\n"));
}

TEST_F(SlurmRunnerTest, SlurmstepdLinesGiveTheReasonWithoutAccounting) {
  slurm_.wait = false;
  absl::StatusOr<SweepResults> results =
      RunSweepOnSlurm(config_, options_, slurm_);
  ASSERT_TRUE(results.ok());
  cluster_.queue.clear();  // both gone; no sacct, no scontrol record
  fs::create_directories(root_ / "sweeps/tiny/slurm/logs");
  std::ofstream(root_ / "sweeps/tiny/slurm/logs/100_0.out")
      << "slurmstepd: error: *** JOB 101 ON n1 CANCELLED AT "
         "2026-11-30T10:00:00 DUE TO NODE FAILURE, SEE SLURMCTLD LOG ***\n";
  std::ofstream(root_ / "sweeps/tiny/slurm/logs/100_1.out");  // it started
  std::ofstream(fs::path(PointDir(*results, 1)) / "log.txt")
      << "step 3/5\nsweep: training diverged at step 4\n";
  slurm_.dry_run = true;
  out_.str("");
  ASSERT_TRUE(RunSweepOnSlurm(config_, options_, slurm_).ok());
  EXPECT_TRUE(absl::StrContains(
      out_.str(), "task 100_0 ended without results: NODE_FAIL node failure"))
      << out_.str();
  EXPECT_TRUE(absl::StrContains(
      out_.str(),
      "task 100_1 ended without results: ENDED sweep: training diverged"))
      << out_.str();
  // A dry run shows the array and submits nothing.
  EXPECT_TRUE(absl::StrContains(out_.str(), "#SBATCH --array=0-1"));
  EXPECT_EQ(cluster_.scripts.size(), 1u);
}

TEST_F(SlurmRunnerTest, ATaskThatNeverStartedAndLeftNoRecordIsSaidToBeSo) {
  slurm_.wait = false;
  ASSERT_TRUE(RunSweepOnSlurm(config_, options_, slurm_).ok());
  cluster_.queue.clear();  // gone before starting: no output, no record
  out_.str("");
  ASSERT_TRUE(RunSweepOnSlurm(config_, options_, slurm_).ok());
  EXPECT_TRUE(absl::StrContains(out_.str(),
                                "task 100_0 ended without results: UNKNOWN "
                                "left the queue before it started"))
      << out_.str();
  EXPECT_EQ(cluster_.scripts.size(), 2u);  // and both were resubmitted
}

TEST_F(SlurmRunnerTest, CancelScancelsLiveTasksAndMarksTheirPoints) {
  slurm_.wait = false;
  ASSERT_TRUE(RunSweepOnSlurm(config_, options_, slurm_).ok());
  absl::StatusOr<SweepResults> results =
      CancelSweepOnSlurm(config_, options_, slurm_);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(cluster_.cancelled, (std::vector<std::string>{"100_0", "100_1"}));
  EXPECT_EQ(results->points(0).status(), SweepPoint::FAILED);
  EXPECT_EQ(results->points(0).error(),
            "cancelled by --cancel (Slurm task 100_0)");
  // The next run resubmits both.
  ASSERT_TRUE(RunSweepOnSlurm(config_, options_, slurm_).ok());
  EXPECT_EQ(cluster_.scripts.size(), 2u);
}

TEST_F(SlurmRunnerTest, RefusesExtraWordsThatAreNotOptions) {
  slurm_.sbatch.extra = "--account=x oops";
  absl::StatusOr<SweepResults> results =
      RunSweepOnSlurm(config_, options_, slurm_);
  ASSERT_FALSE(results.ok());
  EXPECT_TRUE(absl::StrContains(results.status().message(), "'oops'"));
  EXPECT_TRUE(cluster_.scripts.empty());
}

}  // namespace
}  // namespace aanet::sweep
