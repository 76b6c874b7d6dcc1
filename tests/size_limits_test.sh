#!/usr/bin/env bash
# Sizes are checked before work starts: each case below ran for minutes and
# grew to gigabytes (or died in std::bad_alloc, exit status 134); now each is
# one line naming the flag or field and the estimate, exit status 1, in
# seconds. The binaries run under a 6 GB address-space limit and a time
# limit, so that a regression fails here instead of exhausting the machine.
#   size_limits_test.sh [--sanitized] DATA_GEN TRAIN EVAL PREDICT DATA_CONFIG MODEL_CONFIG
# --sanitized (bazel test --config=asan): no address-space limit, which
# AddressSanitizer's shadow memory cannot start under.
set -uo pipefail

sanitized=0
if [ "${1:-}" = "--sanitized" ]; then
  sanitized=1
  shift
fi

data_gen="$1"
train="$2"
eval_bin="$3"
predict="$4"
data_config="$5"
model_config="$6"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
source tests/cli_checks.sh
[ "$sanitized" -eq 1 ] || ulimit -v 6000000

"$data_gen" --config="$data_config" --out="$tmp/data.h5" >/dev/null || fail "data_gen"

# limited NAME SUBSTRING COMMAND...: expect_error within 60 s.
limited() {
  local name="$1" substring="$2"
  shift 2
  expect_error "$name" "$substring" timeout 60 "$@"
  echo "$name: $last_error"
}

# train: batch 100,000 drawn in full and flow width 10,000 (both within the
# validated limits): std::bad_alloc before.
limited train_big "training.batch_size=100000 with this model" \
  "$train" --config="$model_config" --dataset="$tmp/data.h5" --out="$tmp/big" \
  --set=training.batch_size=100000 --set=training.batch_rule=ALWAYS_BATCH_SIZE \
  --set=model.action_angle.encoder.flow.hidden_width=10000
case "$last_error" in
  *"needs about "*"GB to train"*"over the memory budget of "*"--max_memory_gb sets it"*) ;;
  *) fail "train_big: no estimate and budget in '$last_error'" ;;
esac
[ -e "$tmp/big/checkpoint.h5" ] && fail "train_big: trained anyway"
# The budget is a flag: a normal run under a tiny budget is refused too.
limited train_budget "over the memory budget of 1.0 MB (--max_memory_gb=0.001)" \
  "$train" --config="$model_config" --dataset="$tmp/data.h5" --out="$tmp/small" \
  --set=training.num_steps=5 --max_memory_gb=0.001

expect_error train_negative_budget "--max_memory_gb: must be >= 0" \
  "$train" --config="$model_config" --dataset="$tmp/data.h5" --out="$tmp/neg" \
  --max_memory_gb=-1

# A tiny run to evaluate and predict with.
"$train" --config="$model_config" --dataset="$tmp/data.h5" --out="$tmp/run" \
  --set=training.num_steps=5 > /dev/null 2>&1 || fail "train"

# eval: 2,000,000,000 timing repetitions (hours, 16 GB reserved).
limited eval_timing "--timing_repetitions=2000000000: " \
  "$eval_bin" --checkpoint="$tmp/run/best.h5" --dataset="$tmp/data.h5" \
  --timing_repetitions=2000000000 --out="$tmp/eval.json"
case "$last_error" in
  *"would take about "*"over --max_timing_seconds=3600"*) ;;
  *) fail "eval_timing: no estimate in '$last_error'" ;;
esac
[ -e "$tmp/eval.json" ] && fail "eval_timing: wrote a file"

# predict: 100,000 states x 2,000 dt (minutes, then gigabytes).
/usr/bin/python3 -c "
print('q_0,q_1,p_0,p_1')
for i in range(100000): print('%d,0.5,-0.25,1' % (i % 7))
" > "$tmp/states.csv"
dts=$(seq -s, 1 2000)
limited predict_big "--states x --dt: 100000 state(s) x 2000 dt need about " \
  "$predict" --checkpoint="$tmp/run/best.h5" --states="$tmp/states.csv" \
  --dt="$dts" --out="$tmp/pred.csv"
case "$last_error" in
  *"GB to predict and write to $tmp/pred.csv, over the memory budget of "*) ;;
  *) fail "predict_big: no estimate and budget in '$last_error'" ;;
esac
[ -e "$tmp/pred.csv" ] && fail "predict_big: wrote a file"

expect_error predict_negative_budget "--max_memory_gb: must be >= 0" \
  "$predict" --checkpoint="$tmp/run/best.h5" --states="$tmp/states.csv" \
  --dt=1 --out="$tmp/pred1.csv" --max_memory_gb=-1

finish "sizes are checked before work starts"
