#!/usr/bin/env bash
# The Slurm backend against a real one-machine cluster (tools/slurm_local.sh):
# a tiny sweep (two models, two sample counts, a few steps) through
# --backend=slurm gives the same evaluation files as the local backend
# (apart from timings and paths); a task killed with scancel is recorded
# with Slurm's reason and resubmitted by the rerun; the cluster is stopped
# at the end. The cluster is the test's own (a private state directory and
# ports), so another cluster on the machine, busy or not, does not matter.
# Needs root and `tools/setup.sh --with-slurm`; .ci/run runs it
# after `bazel test //...`:
#   bash tests/slurm_backend_test.sh          (from the workspace root)
# Never hangs: the cluster start and every sweep run under a time limit.
set -uo pipefail
cd "$(dirname "$0")/.."
source tests/cli_checks.sh

limit=${SLURM_TEST_TIMEOUT:-600}  # seconds per sweep run
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/slurm_backend_test.XXXXXX)
chmod 755 "$tmp"  # the slurm user writes the cluster's state under it

# A private cluster of our own, beside any other on this machine (its own
# state, configuration and ports): nobody's queued jobs delay this test, and
# it inherits none (a shared state directory once held a previous run's
# array, and the test's tasks waited behind it until they timed out).
cluster="$tmp/cluster"
port=$("$py" - <<'PY'
import random, socket
# Two free neighbouring ports: slurmctld on P, slurmd on P + 1.
for p in random.Random().sample(range(20000, 30000, 2), 200):
    try:
        for q in (p, p + 1):
            with socket.socket() as s:
                s.bind(("", q))
        print(p)
        break
    except OSError:
        pass
PY
)
[ -n "$port" ] || { echo "FAIL: no two free ports for the test cluster"; exit 1; }
export AANET_SLURM_DIR="$cluster" AANET_SLURM_CONF="$cluster/slurm.conf" \
  AANET_SLURM_PORT="$port" SLURM_CONF="$cluster/slurm.conf"
trap 'tools/slurm_local.sh stop >/dev/null 2>&1; rm -rf "$tmp"' EXIT

bazel build //sweep:sweep >/dev/null 2>&1 || { echo "FAIL: cannot build //sweep"; exit 1; }
sweep="$tmp/sweep"
cp bazel-bin/sweep/sweep "$sweep"

timeout 120 tools/slurm_local.sh start || { echo "FAIL: the Slurm cluster did not start"; exit 1; }

cat > "$tmp/tiny.pbtxt" <<'CONFIG'
name: "slurm_tiny"
description: "the Slurm backend test: two models, two sample counts, 60 steps"
models { config: "configs/harmonic/action_angle_flow.pbtxt" num_steps: 60 }
models { config: "configs/harmonic/euler_update_flow.pbtxt" num_steps: 60 }
datasets: "configs/harmonic/default.pbtxt"
num_train_samples: [10, 20]
seeds: [0]
training { eval_every: 20 test_jumps: [1, 2] }
evaluation {
  jumps: [1, 2, 5]
  reference_jumps: [1, 2, 5]
  reference_num_train_samples: 20
  timing_repetitions: 2
  timing_budget_seconds: 0.1
}
CONFIG

# count RESULTS STATUS: points of a results file with that status.
count() {
  "$py" -c 'import json,sys
r = json.load(open(sys.argv[1]))
print(sum(p["status"] == sys.argv[2] for p in r["points"]))' "$1" "$2"
}

# 1. The same sweep on both backends.
timeout "$limit" "$sweep" --sweep="$tmp/tiny.pbtxt" --output_root="$tmp/local" \
  --jobs=2 > "$tmp/local.log" 2>&1 || fail "local sweep: $(tail -1 "$tmp/local.log")"
timeout "$limit" "$sweep" --sweep="$tmp/tiny.pbtxt" --output_root="$tmp/slurm" \
  --backend=slurm --slurm_time=10:00 --slurm_poll_seconds=1 \
  > "$tmp/slurm.log" 2>&1 || fail "slurm sweep: $(tail -1 "$tmp/slurm.log")"
grep -q "submitted Slurm job" "$tmp/slurm.log" || fail "no job submitted: $(cat "$tmp/slurm.log")"
grep -q "total core-h" "$tmp/slurm.log" || fail "no plan printed before submitting"
results="$tmp/slurm/sweeps/slurm_tiny/sweep_results.json"
[ "$(count "$results" DONE)" = 4 ] || fail "expected 4 DONE points on Slurm: $(cat "$results")"

# Evaluation files equal apart from timings and paths.
"$py" - "$tmp/local/sweeps/slurm_tiny" "$tmp/slurm/sweeps/slurm_tiny" <<'PY' || fail "local and Slurm evaluations differ"
import json, pathlib, sys
local, slurm = map(pathlib.Path, sys.argv[1:])
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items()
                if not (k.endswith("_path") or "seconds" in k
                        or k in ("single_state", "batch"))}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
files = sorted(p.relative_to(local) for p in local.rglob("evaluation.json"))
assert len(files) == 4, files
for f in files:
    a = strip(json.load(open(local / f)))
    b = strip(json.load(open(slurm / f)))
    if a != b:
        print("differ:", f)
        sys.exit(1)
print("4 evaluation files identical apart from timings and paths")
PY

# 2. A running task killed with scancel is recorded with Slurm's reason and
# resubmitted by the rerun. Longer points, so that the task is caught
# running.
sed -e 's/num_steps: 60/num_steps: 4000/' -e 's/slurm_tiny/slurm_kill/' \
  "$tmp/tiny.pbtxt" > "$tmp/kill.pbtxt"
timeout "$limit" "$sweep" --sweep="$tmp/kill.pbtxt" --output_root="$tmp/kill" \
  --backend=slurm --no_wait > "$tmp/kill1.log" 2>&1 || fail "--no_wait: $(tail -1 "$tmp/kill1.log")"
grep -q -- "--no_wait: 4 point(s) queued or running" "$tmp/kill1.log" \
  || fail "--no_wait did not say what it left queued: $(cat "$tmp/kill1.log")"
point="$tmp/kill/sweeps/slurm_kill/action_angle_flow/harmonic_k_pair_0.5/samples_10/seed_0"
task=$(awk '$1 == "submitted" {t = $2} END {print t}' "$point/slurm_tasks.txt")
[ -n "$task" ] || fail "no task recorded in $point/slurm_tasks.txt"
for _ in $(seq 1 600); do
  [ "$(squeue -h -r -j "${task%_*}" -o '%i %T' | awk -v t="$task" '$1 == t {print $2}')" = RUNNING ] && break
  sleep 0.1
done
scancel "$task" || fail "scancel $task"
for _ in $(seq 1 300); do  # until the task has left the queue
  [ -z "$(squeue -h -r -j "${task%_*}" -o '%i' | grep -x "$task")" ] && break
  sleep 0.1
done
timeout "$limit" "$sweep" --sweep="$tmp/kill.pbtxt" --output_root="$tmp/kill" \
  --backend=slurm --slurm_poll_seconds=1 > "$tmp/kill2.log" 2>&1 \
  || fail "rerun after scancel: $(tail -1 "$tmp/kill2.log")"
grep -q "Slurm task $task ended without results: CANCELLED cancelled (Slurm CANCELLED)" "$tmp/kill2.log" \
  || fail "the cancelled task's reason was not reported: $(cat "$tmp/kill2.log")"
grep -q "^ended $task CANCELLED cancelled (Slurm CANCELLED)" "$point/slurm_tasks.txt" \
  || fail "the cancellation is not in $point/slurm_tasks.txt: $(cat "$point/slurm_tasks.txt")"
[ "$(grep -c '^submitted' "$point/slurm_tasks.txt")" = 2 ] || fail "the cancelled point was not resubmitted once"
[ "$(count "$tmp/kill/sweeps/slurm_kill/sweep_results.json" DONE)" = 4 ] \
  || fail "not every point done after the rerun"

# 3. A rerun of a finished sweep submits nothing.
"$sweep" --sweep="$tmp/kill.pbtxt" --output_root="$tmp/kill" --backend=slurm \
  > "$tmp/again.log" 2>&1 || fail "rerun of a finished sweep"
grep -q "submitted Slurm job" "$tmp/again.log" && fail "a finished sweep was submitted again"

# 4. Ctrl-C while waiting leaves the array running and says how to pick it
# up or cancel it; --cancel then scancels the tasks and marks their points.
"$sweep" --sweep="$tmp/kill.pbtxt" --output_root="$tmp/ctrlc" --backend=slurm \
  --slurm_poll_seconds=1 > "$tmp/ctrlc.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  grep -q "submitted Slurm job" "$tmp/ctrlc.log" && break
  sleep 0.1
done
job=$(sed -n 's/^submitted Slurm job \([0-9]*\):.*/\1/p' "$tmp/ctrlc.log")
kill -INT "$pid"
wait "$pid"
status=$?
[ "$status" -eq 1 ] || fail "interrupted wait: exit status $status, expected 1"
grep -q "keep running" "$tmp/ctrlc.log" && grep -q -- "--cancel" "$tmp/ctrlc.log" \
  || fail "the interrupt message does not say how to go on: $(tail -2 "$tmp/ctrlc.log")"
live=$(squeue -h -r -j "$job" -o '%i' | wc -l)
[ "$live" -ge 1 ] || fail "the array did not keep running after Ctrl-C"
"$sweep" --sweep="$tmp/kill.pbtxt" --output_root="$tmp/ctrlc" --backend=slurm \
  --cancel > "$tmp/cancel.log" 2>&1 || fail "--cancel: $(tail -1 "$tmp/cancel.log")"
grep -q "cancelled [1-9][0-9]* Slurm task(s)" "$tmp/cancel.log" || fail "--cancel: $(cat "$tmp/cancel.log")"
sleep 1
[ "$(squeue -h -r -j "$job" -o '%i' | wc -l)" -eq 0 ] || fail "tasks of job $job still queued after --cancel"
cancelled=$("$py" -c 'import json,sys
r = json.load(open(sys.argv[1]))
print(sum(p["error"].startswith("cancelled by --cancel") for p in r["points"]))' \
  "$tmp/ctrlc/sweeps/slurm_kill/sweep_results.json")
[ "$cancelled" -ge 1 ] || fail "--cancel marked no point"

timeout 60 tools/slurm_local.sh stop >/dev/null || fail "the cluster did not stop"
tools/slurm_local.sh status >/dev/null 2>&1 && fail "the cluster still runs after stop"
finish "slurm backend test passed"
