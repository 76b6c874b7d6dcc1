#!/usr/bin/env bash
# End to end: data_gen -> train -> resume -> eval (and its evaluation.json)
# through the binaries, and their user errors (one line, exit status 1).
set -uo pipefail

data_gen="$1"
train="$2"
eval_bin="$3"
data_config="$4"
model_config="$5"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
source tests/cli_checks.sh

"$data_gen" --config="$data_config" --out="$tmp/data.h5" >/dev/null || fail "data_gen"

# A tiny budget of the shipped config: 60 steps, checkpoints every 20.
sed 's/num_steps: 50000/num_steps: 60/; s/checkpoint_every: 5000/checkpoint_every: 20/' \
  "$model_config" > "$tmp/model.pbtxt"
"$train" --config="$tmp/model.pbtxt" --dataset="$tmp/data.h5" --out="$tmp/run" \
  > "$tmp/train.log" 2> "$tmp/train.err" || fail "train: $(cat "$tmp/train.err")"
grep -q "trained 60 steps" "$tmp/train.log" || fail "no training summary"
grep -q "steps/s" "$tmp/train.err" || fail "no progress lines"
for f in checkpoint.h5 best.h5 metrics.jsonl config.pbtxt; do
  [ -f "$tmp/run/$f" ] || fail "missing run file $f"
done
[ "$(wc -l < "$tmp/run/metrics.jsonl")" -eq 2 ] || fail "expected 2 metrics lines (steps 50, 60)"

# A finished run resumes to nothing more; an existing run needs --resume.
expect_error existing "pass --resume" "$train" --config="$tmp/model.pbtxt" \
  --dataset="$tmp/data.h5" --out="$tmp/run"
"$train" --config="$tmp/model.pbtxt" --dataset="$tmp/data.h5" --out="$tmp/run" \
  --resume > /dev/null 2>&1 || fail "resume of a finished run"
sed 's/seed: 0/seed: 1/' "$tmp/model.pbtxt" > "$tmp/other.pbtxt"
expect_error other_config "different config" "$train" --config="$tmp/other.pbtxt" \
  --dataset="$tmp/data.h5" --out="$tmp/run" --resume

# Three trajectories, one held out: the banner, the summary and
# metrics.jsonl name the split; an index the dataset lacks is one line naming
# the field and the value.
"$data_gen" --config="$data_config" --set=simulation.num_trajectories=3 \
  --set=simulation.harmonic.trajectory_sampling=UNIFORM \
  --out="$tmp/three.h5" >/dev/null || fail "data_gen of 3 trajectories"
"$train" --config="$tmp/model.pbtxt" --dataset="$tmp/three.h5" \
  --out="$tmp/held" --set='training.held_out_trajectories=[1]' \
  > "$tmp/held.log" 2> "$tmp/held.err" \
  || fail "train with a held-out trajectory: $(cat "$tmp/held.err")"
grep -q "per trajectory (2 training trajectories, 1 held out (1))" \
  "$tmp/held.err" || fail "the banner does not name the held-out trajectory"
grep -q "held-out trajectories' test prediction loss" "$tmp/held.log" \
  || fail "no held-out test loss in the summary"
grep -q '"train_trajectories": 2, "held_out_trajectories": \[1\]' \
  "$tmp/held/metrics.jsonl" || fail "metrics.jsonl does not record the split"
expect_error held_out_range \
  "training.held_out_trajectories: 3 is not a trajectory of the dataset (it has 3, numbered 0..2)" \
  "$train" --config="$tmp/model.pbtxt" --dataset="$tmp/three.h5" \
  --out="$tmp/held_bad" --set='training.held_out_trajectories=[3]'
expect_error held_out_all "at least one must be left for training" \
  "$train" --config="$tmp/model.pbtxt" --dataset="$tmp/data.h5" \
  --out="$tmp/held_bad" --set='training.held_out_trajectories=[0]'

"$eval_bin" --checkpoint="$tmp/run/best.h5" --dataset="$tmp/data.h5" \
  --timing_repetitions=3 > "$tmp/eval.log" || fail "eval"
grep -qE "relative error [0-9.e+-]+$" "$tmp/eval.log" || fail "eval printed no frequencies (relative errors as fractions)"
grep -q "%" "$tmp/eval.log" && fail "eval printed a percent; relative errors are fractions everywhere"
grep -qE '^ +400 ' "$tmp/eval.log" || fail "eval printed no jump 400"
grep -q "wrote $tmp/run/evaluation.json" "$tmp/eval.log" || fail "eval did not say where it wrote"
# The results file next to the checkpoint, as documented in eval/README.md.
/usr/bin/python3 - "$tmp/run/evaluation.json" <<'PY' || fail "evaluation.json is not the documented JSON"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["model_kind"] == "action_angle", r["model_kind"]
assert [j["jump"] for j in r["jumps"]] == [1, 2, 5, 10, 20, 50, 100, 200, 400]
assert r["jumps"][-1]["num_pairs"] == 100
assert all(j["batch"]["batch_size"] == 500 and j["batch"]["repetitions"] == 3
           for j in r["jumps"])
assert all(0 < j["single_state"]["median_seconds"] for j in r["jumps"])
n = r["num_latent_pairs"]
assert n == 2 and len(r["angular_velocities"]) == r["num_test_samples"] * n
assert len(r["frequencies"]) == n
assert int(r["num_parameters"]) > 0  # int64: a JSON string
assert "action_angle" in r["config_text"]
PY
"$eval_bin" --checkpoint="$tmp/run/best.h5" --dataset="$tmp/data.h5" --jumps=3 \
  --timing_repetitions=0 --out="$tmp/other/eval.json" > /dev/null || fail "eval --out"
[ -f "$tmp/other/eval.json" ] || fail "eval --out wrote nothing"

# One writer per run directory: a second train on a run directory in use
# fails naming the first one (host:PID) and leaves its files alone.
sed 's/num_steps: 60/num_steps: 10000000/' "$tmp/model.pbtxt" > "$tmp/long.pbtxt"
"$train" --config="$tmp/long.pbtxt" --dataset="$tmp/data.h5" --out="$tmp/busy" \
  > /dev/null 2>&1 &
busy_pid=$!
for _ in $(seq 1 300); do
  [ -f "$tmp/busy/config.pbtxt" ] && break
  sleep 0.1
done
expect_error locked "$tmp/busy: in use by $(hostname):$busy_pid" "$train" \
  --config="$tmp/model.pbtxt" --dataset="$tmp/data.h5" --out="$tmp/busy"
expect_error locked_resume "in use by $(hostname):$busy_pid" "$train" \
  --config="$tmp/long.pbtxt" --dataset="$tmp/data.h5" --out="$tmp/busy" --resume
cmp -s "$tmp/busy/config.pbtxt" "$tmp/long.pbtxt" || fail "the second writer replaced config.pbtxt"
kill -KILL "$busy_pid"
wait "$busy_pid" 2>/dev/null

# User errors.
expect_error no_config "--config is required" "$train" --dataset="$tmp/data.h5"
expect_error no_dataset "no such file" "$train" --config="$tmp/model.pbtxt" \
  --dataset="$tmp/missing.h5" --out="$tmp/run2"
printf 'not hdf5' > "$tmp/garbage.h5"
expect_error garbage "not an HDF5 file" "$train" --config="$tmp/model.pbtxt" \
  --dataset="$tmp/garbage.h5" --out="$tmp/run3"
sed 's/batch_size: 100/batch_size: 0/' "$tmp/model.pbtxt" > "$tmp/bad.pbtxt"
expect_error batch "training.batch_size" "$train" --config="$tmp/bad.pbtxt" \
  --dataset="$tmp/data.h5" --out="$tmp/run4"
[ ! -e "$tmp/run4/checkpoint.h5" ] || fail "a failed run left a checkpoint"
expect_error eval_missing "no such file" "$eval_bin" --checkpoint="$tmp/none.h5" \
  --dataset="$tmp/data.h5"
expect_error eval_jumps "--jumps: 'x'" "$eval_bin" --checkpoint="$tmp/run/best.h5" \
  --dataset="$tmp/data.h5" --jumps=1,x
expect_error eval_twice "--jumps: 2 is listed twice" "$eval_bin" \
  --checkpoint="$tmp/run/best.h5" --dataset="$tmp/data.h5" --jumps=2,2
[ ! -e "$tmp/evaluation.json" ] || fail "a failed eval wrote a file"

finish "all train/eval CLI checks passed"
