#!/usr/bin/env bash
# The sweep binary end to end: a failing point is recorded without stopping
# the sweep (exit status 1), and a sweep interrupted after some points
# finishes only the rest when rerun.
#   sweep_cli_test.sh SWEEP_BINARY SWEEP_CONFIG
set -uo pipefail

sweep="$1"
config="$2"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
out="$tmp/out"
results="$out/sweeps/with_failure/sweep_results.json"
py=/usr/bin/python3
source tests/cli_checks.sh

# count STATUS: points of the results file with that status.
count() {
  "$py" -c 'import json,sys
r = json.load(open(sys.argv[1]))
print(sum(p["status"] == sys.argv[2] for p in r["points"]))' "$results" "$1"
}

# 1. Interrupt a sweep (one point at a time) once a point has finished.
setsid "$sweep" --sweep="$config" --output_root="$out" --jobs=1 \
  > "$tmp/run1.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  if [ -f "$results" ] && [ "$(count DONE)" -ge 1 ]; then break; fi
  sleep 0.1
done
kill -TERM -- -"$pid" 2>/dev/null
wait "$pid" 2>/dev/null
done_before=$(count DONE)
[ "$done_before" -ge 1 ] || fail "no point finished before the interruption"
[ "$done_before" -lt 4 ] || fail "the sweep finished before it was interrupted"

# 2. Rerun: the finished points are skipped, the rest run; the failing point
# is recorded and makes the exit status 1.
"$sweep" --sweep="$config" --output_root="$out" --jobs=2 > "$tmp/run2.log" 2>&1
status=$?
[ "$status" -eq 1 ] || fail "exit status $status with a failed point, expected 1"
grep -q "already done" "$tmp/run2.log" || fail "rerun did not report done points"
[ "$(count SKIPPED)" -eq "$done_before" ] \
  || fail "$(count SKIPPED) points skipped, expected the $done_before finished before"
[ "$(count DONE)" -eq $((4 - done_before)) ] || fail "$(count DONE) points run, expected $((4 - done_before))"
[ "$(count FAILED)" -eq 4 ] || fail "$(count FAILED) failed points, expected 4"
grep -q "diverged.*latent ODE solve failed" "$results" || fail "the failure and its cause are not recorded: $(grep -m1 error "$results")"
grep -q "points failed" "$tmp/run2.log" || fail "no failure summary"

# 3. Every Action-Angle point has a readable evaluation with a finite loss.
"$py" - "$out/sweeps/with_failure" <<'PYEOF' || fail "evaluation files"
import json, math, os, sys
root = sys.argv[1]
r = json.load(open(os.path.join(root, "sweep_results.json")))
for p in r["points"]:
    if p["model"] != "action_angle_flow":
        continue
    e = json.load(open(os.path.join(root, p["evaluation_file"])))
    losses = [j["prediction_loss"] for j in e["jumps"]]
    assert len(losses) == 2 and all(math.isfinite(x) for x in losses), (p, losses)
PYEOF

# 4. A third run has nothing left but the failing points.
"$sweep" --sweep="$config" --output_root="$out" --jobs=2 > "$tmp/run3.log" 2>&1
[ "$(count SKIPPED)" -eq 4 ] || fail "third run re-ran finished points"
"$py" -c 'import json,sys
r = json.load(open(sys.argv[1]))
assert all(p["wall_seconds"] > 0 for p in r["points"] if p["status"] == "SKIPPED")' \
  "$results" || fail "skipped points lost the wall time of the run that finished them"

# A bad config is one line naming the file.
expect_error bad_sweep "missing.pbtxt" "$sweep" --sweep="$tmp/missing.pbtxt"

# 5. Sweeps never mix: another sweep on the same output root whose dataset
# has the name 'harmonic_k_pair_0.5' (the default config's) but other
# contents is refused before it trains anything, and the first sweep's
# dataset file is left as it was.
cp "$out/datasets/harmonic_k_pair_0.5.h5" "$tmp/default_before.h5"
cat > "$tmp/other_default.pbtxt" <<'PBEOF'
name: "other_default"
models { config: "configs/harmonic/action_angle_flow.pbtxt" num_steps: 20 }
dataset_variants { name: "harmonic_k_pair_0.5" config: "configs/harmonic/default.pbtxt"
                   set: "simulation.harmonic.k_pair=0.1" }
num_train_samples: [10]
seeds: [0]
PBEOF
expect_error other_contents "$out/datasets/harmonic_k_pair_0.5.h5: holds other contents" \
  "$sweep" --sweep="$tmp/other_default.pbtxt" --output_root="$out" --jobs=1
cmp -s "$out/datasets/harmonic_k_pair_0.5.h5" "$tmp/default_before.h5" \
  || fail "the other sweep replaced datasets/harmonic_k_pair_0.5.h5"
[ -e "$out/sweeps/other_default/action_angle_flow" ] \
  && fail "the refused sweep started points"

# Repeated grid values would run twice into one directory: refused.
sed 's/seeds: \[0, 1\]/seeds: [0, 0]/' "$config" > "$tmp/twice.pbtxt"
expect_error seeds_twice "seeds: 0 appears twice" "$sweep" --sweep="$tmp/twice.pbtxt" \
  --output_root="$out"

if [ "$failures" -ne 0 ]; then
  echo "--- run2.log"; cat "$tmp/run2.log"
  echo "$failures check(s) failed"
  exit 1
fi
echo "sweep CLI checks passed"
