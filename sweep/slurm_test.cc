#include "sweep/slurm.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace aanet::sweep {
namespace {

TEST(JobArrayScriptTest, OneTaskPerPointOneCoreEachWithTheUsersOptions) {
  SlurmOptions options;
  options.partition = "cpu";
  options.time = "4:00:00";
  options.mem = "2G";
  options.extra = "--account=phys  --qos=long";
  const std::string script = JobArrayScript(
      options, "aanet-quick", "/nfs/out/sweeps/q/slurm/worker-ab12",
      {"/nfs/out/sweeps/q/a", "/nfs/out/it's/b"},
      "/nfs/out/sweeps/q/slurm/logs");
  for (const char* line :
       {"#!/bin/bash\n", "#SBATCH --job-name=aanet-quick\n",
        "#SBATCH --array=0-1\n", "#SBATCH --cpus-per-task=1\n",
        "#SBATCH --output=/nfs/out/sweeps/q/slurm/logs/%A_%a.out\n",
        "#SBATCH --partition=cpu\n", "#SBATCH --time=4:00:00\n",
        "#SBATCH --mem=2G\n", "#SBATCH --account=phys\n",
        "#SBATCH --qos=long\n", "  '/nfs/out/sweeps/q/a'\n",
        "  '/nfs/out/it'\\''s/b'\n", "dir=${points[$SLURM_ARRAY_TASK_ID]}\n",
        "exec '/nfs/out/sweeps/q/slurm/worker-ab12' "
        "--sweep_point=\"$dir\" >> \"$dir/log.txt\" 2>&1\n"}) {
    EXPECT_TRUE(absl::StrContains(script, line)) << line << "\n" << script;
  }
}

TEST(JobArrayScriptTest, LeavesUnsetOptionsToTheCluster) {
  const std::string script =
      JobArrayScript(SlurmOptions(), "j", "/w", {"/a"}, "/logs");
  EXPECT_FALSE(absl::StrContains(script, "--partition"));
  EXPECT_FALSE(absl::StrContains(script, "--time"));
  EXPECT_FALSE(absl::StrContains(script, "--mem"));
  EXPECT_TRUE(absl::StrContains(script, "#SBATCH --array=0-0\n"));
}

TEST(SplitExtraOptionsTest, RefusesWordsThatAreNotOptions) {
  EXPECT_EQ(SplitExtraOptions(" --a=1 --b ")->size(), 2u);
  absl::StatusOr<std::vector<std::string>> bad =
      SplitExtraOptions("--account=x long");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "'long'"));
}

TEST(ParseSbatchJobIdTest, ReadsPlainAndClusterForms) {
  EXPECT_EQ(*ParseSbatchJobId("1234\n"), "1234");
  EXPECT_EQ(*ParseSbatchJobId("1234;mycluster\n"), "1234");
  EXPECT_EQ(*ParseSbatchJobId("sbatch: warning: x\n77\n"), "77");
  EXPECT_FALSE(ParseSbatchJobId("Submitted batch job\n").ok());
  EXPECT_FALSE(ParseSbatchJobId("").ok());
}

TEST(ParseSqueueTest, ReadsTasksAndExpandsFoldedPendingRanges) {
  const std::map<std::string, QueuedTask> tasks = ParseSqueue(
      "1234_[5-7,9%2]|PENDING|Resources|N/A\n"
      "1234_0|RUNNING|None|2026-11-30T10:00:00\n"
      "1234_1|COMPLETING|None|2026-11-30T10:00:01\n"
      "999|RUNNING|None|2026-11-30T10:00:00\n"  // not an array task
      "garbage\n");
  ASSERT_EQ(tasks.size(), 6u);
  EXPECT_EQ(tasks.at("1234_0").state, "RUNNING");
  EXPECT_EQ(tasks.at("1234_0").start, "2026-11-30T10:00:00");
  EXPECT_EQ(tasks.at("1234_6").state, "PENDING");
  EXPECT_EQ(tasks.at("1234_6").reason, "Resources");
  EXPECT_EQ(tasks.at("1234_6").start, "");
  EXPECT_EQ(tasks.count("1234_8"), 0u);
  EXPECT_EQ(tasks.count("1234_9"), 1u);
}

TEST(ParseSacctTest, FindsTheTaskAndItsState) {
  const std::string out =
      "1234_0|COMPLETED|0:0|None\n"
      "1234_1|TIMEOUT|0:0|TimeLimit\n"
      "1234_2|CANCELLED by 0|0:15|None\n"
      "1234_3|OUT_OF_MEMORY|0:125|None\n"
      "1234_4|NODE_FAIL|0:0|NodeDown\n"
      "1234_5|FAILED|1:0|NonZeroExitCode\n";
  EXPECT_EQ(ParseSacct(out, "1234_1")->state, "TIMEOUT");
  EXPECT_EQ(ParseSacct(out, "1234_1")->detail, "ExitCode=0:0 Reason=TimeLimit");
  EXPECT_EQ(ParseSacct(out, "1234_2")->state, "CANCELLED");
  EXPECT_EQ(ParseSacct(out, "1234_3")->state, "OUT_OF_MEMORY");
  EXPECT_EQ(ParseSacct(out, "1234_4")->state, "NODE_FAIL");
  EXPECT_EQ(ParseSacct(out, "1234_5")->state, "FAILED");
  EXPECT_FALSE(ParseSacct(out, "1234_6").has_value());
  EXPECT_FALSE(ParseSacct("", "1234_1").has_value());
}

TEST(ParseScontrolJobTest, ReadsStateReasonAndExitCode) {
  const std::optional<TaskEnd> end = ParseScontrolJob(
      "JobId=1236 ArrayJobId=1234 ArrayTaskId=2 JobName=aanet-q "
      "UserId=root(0) JobState=TIMEOUT Reason=TimeLimit Dependency=(null) "
      "ExitCode=0:0 RunTime=00:01:00\n");
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->state, "TIMEOUT");
  EXPECT_EQ(end->detail, "Reason=TimeLimit ExitCode=0:0");
  EXPECT_FALSE(
      ParseScontrolJob("slurm_load_jobs error: Invalid job id specified\n")
          .has_value());
}

TEST(ParseSlurmstepdTest, ReadsEachKindOfKill) {
  EXPECT_EQ(ParseSlurmstepd("slurmstepd: error: *** JOB 1236 ON node1 "
                            "CANCELLED AT 2026-11-30T10:01:00 DUE TO TIME "
                            "LIMIT ***\n")
                ->state,
            "TIMEOUT");
  EXPECT_EQ(ParseSlurmstepd("slurmstepd: error: *** JOB 1236 ON node1 "
                            "CANCELLED AT 2026-11-30T10:01:00 ***\n")
                ->state,
            "CANCELLED");
  EXPECT_EQ(ParseSlurmstepd("slurmstepd: error: *** JOB 1236 ON node1 "
                            "CANCELLED AT 2026-11-30T10:01:00 DUE TO NODE "
                            "FAILURE, SEE SLURMCTLD LOG FOR DETAILS ***\n")
                ->state,
            "NODE_FAIL");
  EXPECT_EQ(ParseSlurmstepd("slurmstepd: error: *** JOB 7 ON n CANCELLED AT "
                            "2026-11-30T10:01:00 DUE TO PREEMPTION ***\n")
                ->state,
            "PREEMPTED");
  EXPECT_EQ(ParseSlurmstepd(
                "training...\nslurmstepd: error: Detected 1 oom-kill "
                "event(s) in StepId=1236.batch. Some of your processes may "
                "have been killed by the cgroup out-of-memory handler.\n")
                ->state,
            "OUT_OF_MEMORY");
  EXPECT_FALSE(ParseSlurmstepd("step 100/200 loss 1e-3\n").has_value());
}

TEST(KillReasonTest, NamesSlurmsKillsOnly) {
  EXPECT_EQ(*KillReason({"TIMEOUT", ""}), "time limit (Slurm TIMEOUT)");
  EXPECT_EQ(*KillReason({"OUT_OF_MEMORY", ""}),
            "out of memory (Slurm OUT_OF_MEMORY)");
  EXPECT_EQ(*KillReason({"NODE_FAIL", ""}), "node failure (Slurm NODE_FAIL)");
  EXPECT_EQ(*KillReason({"CANCELLED", ""}), "cancelled (Slurm CANCELLED)");
  EXPECT_FALSE(KillReason({"COMPLETED", ""}).has_value());
  EXPECT_FALSE(KillReason({"FAILED", ""}).has_value());
}

TEST(IsLiveTest, QueuedAndRunningAreLiveFinishedAreNot) {
  EXPECT_TRUE(IsLive("PENDING"));
  EXPECT_TRUE(IsLive("RUNNING"));
  EXPECT_TRUE(IsLive("COMPLETING"));
  EXPECT_FALSE(IsLive("COMPLETED"));
  EXPECT_FALSE(IsLive("TIMEOUT"));
  EXPECT_FALSE(IsLive("CANCELLED"));
}

}  // namespace
}  // namespace aanet::sweep
