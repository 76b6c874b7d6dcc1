#!/usr/bin/env bash
# Issue 24: inputs that cannot mislead. Each case was found by a hostile
# probe; each must be refused with one line naming the flag, file or value.
#   input_checks_test.sh DATA_GEN TRAIN EVAL PREDICT DATA_CONFIG MODEL_CONFIG
set -uo pipefail
source tests/cli_checks.sh
data_gen="$1" train="$2" eval_bin="$3" predict="$4"
data_config="$5" model_config="$6"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"

"$data_gen" --config="$data_config" --out="$tmp/data.h5" \
  --set=simulation.num_trajectories=2 > /dev/null || fail "data_gen"
tiny=(--set=training.num_steps=6 --set=training.eval_every=3
      --set=training.test_jumps=1)
"$train" --config="$model_config" --dataset="$tmp/data.h5" --out="$tmp/run" \
  "${tiny[@]}" > /dev/null 2>&1 || fail "train"
ckpt="$tmp/run/best.h5"

# --- predict --states: the error names --states, not --out's format. --------
mkdir -p "$tmp/a_directory"
expect_error "predict --states=directory" \
  "predict: --states: $tmp/a_directory: is a directory, expected a .csv, .npy or .h5 file" \
  "$predict" --checkpoint="$ckpt" --states="$tmp/a_directory"
expect_error "predict --states=missing" \
  "predict: --states: $tmp/missing: no such file" \
  "$predict" --checkpoint="$ckpt" --states="$tmp/missing"
expect_error "predict --states=missing.csv" \
  "predict: --states: $tmp/missing.csv: no such file" \
  "$predict" --checkpoint="$ckpt" --states="$tmp/missing.csv"
printf '1,2,3,4\n' > "$tmp/states.txt"
expect_error "predict --states=states.txt" \
  "predict: --states: $tmp/states.txt: unknown format '.txt'" \
  "$predict" --checkpoint="$ckpt" --states="$tmp/states.txt"

# --- predict: a first line with a number is a state, not a header. --------
printf '1,2,abc,4\n5,6,7,8\n' > "$tmp/typo.csv"
expect_error "predict a CSV whose first line has a typo" \
  "predict: $tmp/typo.csv:1: 'abc' is not a number" \
  "$predict" --checkpoint="$ckpt" --states="$tmp/typo.csv" --out="$tmp/typo_pred.csv"
# --- predict: finite states that overflow, and a negative dt. --------------
printf '1e308,1e308,1e308,1e308\n' > "$tmp/huge.csv"
expect_error "predict states that overflow" \
  "the prediction at dt 1 is not finite" \
  "$predict" --checkpoint="$ckpt" --states="$tmp/huge.csv" --out="$tmp/huge_pred.csv"
[ -e "$tmp/huge_pred.csv" ] && fail "predict wrote predictions that are not finite"
expect_error "predict --dt=-1" \
  "predict: --dt: dt -1: must be a finite number >= 0 (predictions run forward in time only)" \
  "$predict" --checkpoint="$ckpt" --states="$tmp/huge.csv" --dt=1,-1 --out="$tmp/neg.csv"

# --- eval --jumps= evaluated no jump at all. --------------------------------
for jumps in "" "," " "; do
  expect_error "eval --jumps='$jumps'" \
    "eval: --jumps: no jump given (expected comma-separated positive integers, e.g. 1,2,5)" \
    "$eval_bin" --checkpoint="$ckpt" --dataset="$tmp/data.h5" --jumps="$jumps" \
    --out="$tmp/e.json" --timing_repetitions=0
done
[ -e "$tmp/e.json" ] && fail "eval --jumps= wrote $tmp/e.json"

# --- data_gen refuses a time step at which no state moves; train refuses --
# --- data that moves only by rounding (1e-16: a few ulps over the window). --
expect_error "data_gen time_step=1e-320" \
  "simulation.time_step: 9.99989e-321 is too small: trajectory 0's 1000 states are all identical" \
  "$data_gen" --config="$data_config" --out="$tmp/frozen.h5" \
  --set=simulation.num_trajectories=2 --set=simulation.time_step=1e-320
[ -e "$tmp/frozen.h5" ] && fail "data_gen time_step=1e-320 wrote $tmp/frozen.h5"
"$data_gen" --config="$data_config" --out="$tmp/still.h5" \
  --set=simulation.num_trajectories=2 --set=simulation.time_step=1e-16 \
  > /dev/null || fail "data_gen time_step=1e-16"
expect_error "train on states that do not change" \
  "$tmp/still.h5: the training states do not change: every coordinate is constant along each trajectory" \
  "$train" --config="$model_config" --dataset="$tmp/still.h5" --out="$tmp/still_run" \
  "${tiny[@]}"
[ -e "$tmp/still_run/best.h5" ] && fail "train on still.h5 wrote a checkpoint"

# --- train --extend_to: a line cut in the middle of metrics.jsonl. ---------
cp -r "$tmp/run" "$tmp/cut_run"
{ printf '{"step": 3, "jump": 1, "train_lo\n'; cat "$tmp/run/metrics.jsonl"; } \
  > "$tmp/cut_run/metrics.jsonl"
cp "$tmp/cut_run/metrics.jsonl" "$tmp/cut_before.jsonl"
expect_error "train --extend_to with a cut line in metrics.jsonl" \
  "metrics.jsonl:1: malformed line: {\"step\": 3, \"jump\": 1, \"train_lo (not a whole JSON object" \
  "$train" --out="$tmp/cut_run" --extend_to=9
cmp -s "$tmp/cut_run/metrics.jsonl" "$tmp/cut_before.jsonl" \
  || fail "train --extend_to changed the refused metrics.jsonl"

# --- predict --truth: the true future, its error, the training range. -------
# State 0 is a training sample (sample 10 of trajectory 0), so its energy
# and its encoded actions lie inside the training split's ranges whatever
# the model learned; state 1 (energy 75) lies far outside.
/usr/bin/python3 -c 'import h5py, sys
with h5py.File(sys.argv[1], "r") as f:
    state = list(f["q"][0, 10]) + list(f["p"][0, 10])
print(",".join(repr(float(x)) for x in state))' "$tmp/data.h5" \
  > "$tmp/truth_states.csv" || fail "reading a training sample with h5py"
printf '100,100,0,0\n' >> "$tmp/truth_states.csv"
"$predict" --checkpoint="$ckpt" --states="$tmp/truth_states.csv" --dt=0,3 \
  --out="$tmp/truth.csv" --truth="$tmp/data.h5" >/dev/null 2>"$tmp/truth_warnings.txt" \
  || fail "predict --truth"
[ "$(head -1 "$tmp/truth.csv")" = \
  "state,dt,q_0,q_1,p_0,p_1,true_q_0,true_q_1,true_p_0,true_p_1,error,outside_training_range" ] \
  || fail "predict --truth header: $(head -1 "$tmp/truth.csv")"
# At dt 0 the true state is the input, and so is the prediction up to the
# float32 flow's rounding (decode(encode(x)) in float32: ~1e-7 relative);
# state 1 (energy 75) is outside.
awk -F, 'NR > 1 && $2 == 0 { for (i = 3; i <= 6; ++i) {
           d = $i - $(i + 4); if (d < 0) d = -d; t = $(i + 4); if (t < 0) t = -t
           if (d > 1e-5 * (1 + t)) bad = 1 } }
         NR > 1 { outside[$1] = $12 }
         END { exit bad || outside[0] != 0 || outside[1] != 1 }' "$tmp/truth.csv" \
  || fail "predict --truth: truth at dt 0 or outside_training_range wrong: $(cat "$tmp/truth.csv")"
case "$(cat "$tmp/truth_warnings.txt")" in
  "predict: warning: state 1: energy 75 outside the training split's ["*) ;;
  *) fail "predict --truth warned: $(cat "$tmp/truth_warnings.txt")" ;;
esac
[ "$(wc -l < "$tmp/truth_warnings.txt")" -eq 1 ] || fail "predict --truth: not one warning"
"$predict" --checkpoint="$ckpt" --states="$tmp/truth_states.csv" --dt=0,3 \
  --out="$tmp/truth.npy" --truth="$data_config" >/dev/null 2>&1 \
  || fail "predict --truth=<config> to .npy"
for kind in true error outside_training_range; do
  [ -f "$tmp/truth_$kind.npy" ] || fail "predict --truth .npy: no truth_$kind.npy"
done
"$data_gen" --config="$data_config" --out="$tmp/other.h5" \
  --set=simulation.harmonic.k_pair=0.3 > /dev/null || fail "data_gen other.h5"
expect_error "predict --truth of another system" \
  "predict: --truth: $tmp/other.h5: its system (harmonic: 2 particle(s), k_pair 0.3, masses [5, 1], k_wall [0.01, 0.005]) is not the one the checkpoint $ckpt was trained on (harmonic: 2 particle(s), k_pair 0.5, masses [5, 1], k_wall [0.01, 0.005])" \
  "$predict" --checkpoint="$ckpt" --states="$tmp/truth_states.csv" \
  --out="$tmp/other.csv" --truth="$tmp/other.h5"
[ -e "$tmp/other.csv" ] && fail "predict --truth of another system wrote $tmp/other.csv"
expect_error "predict --truth=missing" "predict: --truth: $tmp/missing.h5: no such file" \
  "$predict" --checkpoint="$ckpt" --states="$tmp/truth_states.csv" \
  --out="$tmp/other.csv" --truth="$tmp/missing.h5"
expect_error "predict --truth=x.txt" \
  "predict: --truth: $tmp/truth_states.txt: unknown format '.txt' (expected a dataset .h5 or a dataset config .pbtxt)" \
  "$predict" --checkpoint="$ckpt" --states="$tmp/truth_states.csv" \
  --out="$tmp/other.csv" --truth="$tmp/truth_states.txt"

# --- an unknown flag names the binary and the flag meant. -----------------
expect_error "train --datset" \
  "train: unknown flag --datset (did you mean --dataset?)" \
  "$train" --config="$model_config" --datset="$tmp/data.h5"
expect_error "predict --state" \
  "predict: unknown flag --state (did you mean --states?)" \
  "$predict" --checkpoint="$ckpt" --state="$tmp/states.csv"
expect_error "eval --bogus_thing" \
  "eval: unknown flag --bogus_thing (--help lists the flags)" \
  "$eval_bin" --bogus_thing

# --- AANET_ISA=bogus: one warning naming the valid values, then the run. ---
printf '1.0,-0.5,0.3,0.0\n' > "$tmp/states.csv"
for binary in "$predict" "$train"; do
  name=$(basename "$binary")
  case "$name" in
    predict) args=(--checkpoint="$ckpt" --states="$tmp/states.csv" --out="$tmp/isa.csv") ;;
    train) args=(--out="$tmp/run" --extend_to=7) ;;
  esac
  warnings=$(AANET_ISA=bogus "$binary" "${args[@]}" 2>&1 >/dev/null | grep AANET_ISA)
  case "$warnings" in
    "warning: AANET_ISA=bogus is not an instruction set (expected generic, avx2 or avx512); using "*) ;;
    *) fail "$name with AANET_ISA=bogus: warned '$warnings'" ;;
  esac
  [ "$(printf '%s\n' "$warnings" | wc -l)" -eq 1 ] || fail "$name: more than one AANET_ISA warning"
done

finish "input checks passed"
