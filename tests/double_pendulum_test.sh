#!/usr/bin/env bash
# End to end on the double pendulum: data_gen on the shipped default config
# (the published setup 1), the Action-Angle Network trained a few steps with
# the shipped config, eval, and the lyapunov binary on the chaotic setup with
# its user errors (one line, exit status 1).
set -uo pipefail

data_gen="$1"
train="$2"
eval_bin="$3"
lyapunov="$4"
data_config="$5"
chaotic_config="$6"
model_config="$7"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
source tests/cli_checks.sh

"$data_gen" --config="$data_config" --out="$tmp/dp.h5" > "$tmp/data_gen.log" \
  2>&1 || fail "data_gen: $(cat "$tmp/data_gen.log")"
grep -q "double_pendulum: m1 0.5, m2 0.5, l1 0.5, l2 0.5, g 9.81" \
  "$tmp/data_gen.log" || fail "data_gen does not describe the system"
grep -q "true frequencies: not known for this system" "$tmp/data_gen.log" \
  || fail "data_gen claims true frequencies"

# The shipped training (fixed jump 5, 200 samples) for 40 steps.
"$train" --config="$model_config" --dataset="$tmp/dp.h5" --out="$tmp/run" \
  --set=training.num_steps=40 --set=training.eval_every=20 \
  --set=training.checkpoint_every=20 > "$tmp/train.log" 2> "$tmp/train.err" \
  || fail "train: $(cat "$tmp/train.err")"
grep -q "trained 40 steps" "$tmp/train.log" || fail "no training summary"
grep -q "200 training samples per trajectory" "$tmp/train.err" \
  || fail "not the published split of 200 samples: $(head -1 "$tmp/train.err")"
grep -q "sampled jump 5 (max 5)" "$tmp/train.err" \
  || fail "the jump is not the fixed 5"

# The valid prediction time over 20 jumps: its truth is integrated from
# every start state for every jump (the default 1,000 jumps take minutes).
"$eval_bin" --checkpoint="$tmp/run/best.h5" --dataset="$tmp/dp.h5" \
  --vpt_max_jump=20 > "$tmp/eval.log" 2> "$tmp/eval.err" || fail "eval: $(cat "$tmp/eval.err")"
[ -s "$tmp/run/evaluation.json" ] || fail "no evaluation.json"
grep -q '"jump": 10' "$tmp/run/evaluation.json" \
  || fail "evaluation.json lacks jump 10"

# The chaotic setup over 100 time units: a plateau, a Lyapunov time, a CSV.
"$lyapunov" --config="$chaotic_config" --horizon=100 \
  --output="$tmp/lyapunov.csv" > "$tmp/lyapunov.log" 2>&1 \
  || fail "lyapunov: $(cat "$tmp/lyapunov.log")"
grep -q "^chaotic: lambda" "$tmp/lyapunov.log" || fail "not chaotic: $(cat "$tmp/lyapunov.log")"
grep -q "^Lyapunov time " "$tmp/lyapunov.log" || fail "no Lyapunov time"
[ "$(head -1 "$tmp/lyapunov.csv")" = "t,lambda" ] || fail "CSV header"
[ "$(wc -l < "$tmp/lyapunov.csv")" -eq 101 ] || fail "expected 100 rows"
ls "$tmp"/lyapunov.csv.tmp-* >/dev/null 2>&1 && fail "temporary left behind"

expect_error no_config "--config is required" "$lyapunov"
expect_error trajectory "--trajectory: must be in [0, 1), got 2" \
  "$lyapunov" --config="$chaotic_config" --trajectory=2 --output="$tmp/x.csv"
expect_error horizon "--horizon: must be > 0, got -5" \
  "$lyapunov" --config="$chaotic_config" --horizon=-5 --output="$tmp/x.csv"
ln -s "$tmp/elsewhere.csv" "$tmp/link.csv"
expect_error symlink "is a symbolic link" \
  "$lyapunov" --config="$chaotic_config" --output="$tmp/link.csv"
[ -e "$tmp/elsewhere.csv" ] && fail "wrote through the link"
expect_error directory "is a directory" \
  "$lyapunov" --config="$chaotic_config" --output="$tmp"
expect_error bad_field "simulation.double_pendulum.mass_1: must be > 0" \
  "$lyapunov" --config="$chaotic_config" \
  --set=simulation.double_pendulum.mass_1=-1 --output="$tmp/x.csv"

finish "double pendulum end to end: data_gen, train, eval, lyapunov"
