#!/usr/bin/env bash
# SIGINT and SIGTERM at random moments keep the work done:
# 1. train finishes its step, writes a checkpoint, says in one line where and
#    how to resume, and exits 130 (SIGINT) or 143 (SIGTERM); the resumed run
#    ends with the files of an uninterrupted one, byte for byte.
# 2. A second signal ends train at once (exit status of that signal, one
#    line); the last complete checkpoint is intact and resumes to the same
#    bytes.
# 3. eval and predict exit 130/143 with one line and never leave a file
#    half-written (or a temporary) behind: the output is absent or complete.
#   interrupt_test.sh [--sanitized] DATA_GEN TRAIN EVAL PREDICT DATA_CONFIG MODEL_CONFIG
# --sanitized (bazel test --config=asan): 100 training steps instead of 400.
set -uo pipefail

steps=400
if [ "${1:-}" = "--sanitized" ]; then
  steps=100
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

"$data_gen" --config="$data_config" --out="$tmp/data.h5" >/dev/null || fail "data_gen"

# A tiny budget, a checkpoint only at the end: every interruption falls
# between checkpoints.
budget=(--set=training.num_steps=$steps --set=training.checkpoint_every=100000
        --set=training.eval_every=25 --set=training.batch_size=50)
now() { date +%s%N; }
start=$(now)
"$train" --config="$model_config" --dataset="$tmp/data.h5" --out="$tmp/ref" \
  "${budget[@]}" > /dev/null 2>&1 || fail "the uninterrupted run"
# Milliseconds the run takes, the range of the random moments.
span=$(( ($(now) - start) / 1000000 ))
[ "$span" -ge 1 ] || span=1

# sleep_random: sleeps a random part of the run's span.
sleep_random() {
  local ms=$(( (RANDOM * 32768 + RANDOM) % span ))
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
}

# wait_handlers PID: waits until PID catches SIGINT and SIGTERM (its
# handlers are in place; before, a signal would kill it the default way,
# unlike a user's Ctrl-C once it runs). A binary that never catches them
# fails the test.
wait_handlers() {
  local mask
  for _ in $(seq 1 2000); do
    mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null)
    [ -z "$mask" ] && break  # exited
    # Bits 1 and 14: signals 2 (SIGINT) and 15 (SIGTERM).
    (( (16#$mask & 0x4002) == 0x4002 )) && return 0
    sleep 0.005
  done
  fail "pid $1 never caught SIGINT and SIGTERM"
}

# same_as_ref NAME DIR: DIR's run files are those of the uninterrupted run
# ($ref).
ref="$tmp/ref"
same_as_ref() {
  for f in checkpoint.h5 best.h5 metrics.jsonl config.pbtxt; do
    cmp -s "$2/$f" "$ref/$f" || fail "$1: $f differs from the uninterrupted run"
  done
  ls -a "$2" | grep -q '\.tmp-' && fail "$1: temporaries left: $(ls -a "$2")"
}

# finish_run NAME DIR: continues DIR to the end (--resume if a checkpoint
# was saved, else a new run).
finish_run() {
  if [ -f "$2/checkpoint.h5" ]; then
    "$train" --out="$2" --resume > /dev/null 2> "$tmp/resume.err" \
      || fail "$1: resume failed: $(cat "$tmp/resume.err")"
  else
    "$train" --config="$model_config" --dataset="$tmp/data.h5" --out="$2" \
      "${budget[@]}" > /dev/null 2> "$tmp/resume.err" \
      || fail "$1: rerun failed: $(cat "$tmp/resume.err")"
  fi
}

trial=0
for signal in INT TERM INT TERM; do
  trial=$((trial + 1))
  run="$tmp/run_$trial"
  "$train" --config="$model_config" --dataset="$tmp/data.h5" --out="$run" \
    "${budget[@]}" > /dev/null 2> "$tmp/err_$trial" &
  pid=$!
  wait_handlers "$pid"
  sleep_random
  kill -"$signal" "$pid" 2>/dev/null
  wait "$pid"
  rc=$?
  expected=$([ "$signal" = INT ] && echo 130 || echo 143)
  # The last line of stderr (progress lines come before it).
  last=$(tr '\r' '\n' < "$tmp/err_$trial" | grep -v '^$' | tail -n 1)
  if [ "$rc" -eq 0 ]; then
    echo "trial $trial: SIG$signal came after the last step"
  else
    [ "$rc" -eq "$expected" ] || fail "trial $trial: exit status $rc after SIG$signal, expected $expected ($last)"
    case "$last" in
      "train: interrupted by SIG$signal; stopped at step "*"holds it; resume with: "*"--out=$run --resume") ;;
      "train: interrupted by SIG$signal; stopped before the first step; nothing was saved") ;;
      *) fail "trial $trial: last line '$last'" ;;
    esac
    echo "trial $trial: SIG$signal: $last"
  fi
  finish_run "trial $trial" "$run"
  same_as_ref "trial $trial" "$run"
done

# A second signal, 0 to 40 ms after the first: exits at once; the last
# complete checkpoint (here every 37 steps) is intact and resumes to the
# bytes of an uninterrupted run.
budget=(--set=training.num_steps=$steps --set=training.checkpoint_every=37
        --set=training.eval_every=25 --set=training.batch_size=50)
ref="$tmp/ref_37"
"$train" --config="$model_config" --dataset="$tmp/data.h5" --out="$ref" \
  "${budget[@]}" > /dev/null 2>&1 || fail "the uninterrupted run (checkpoints every 37)"
for signals in "INT INT" "INT TERM" "TERM INT" "TERM TERM"; do
  trial=$((trial + 1))
  read -r first second <<< "$signals"
  run="$tmp/run_$trial"
  "$train" --config="$model_config" --dataset="$tmp/data.h5" --out="$run" \
    "${budget[@]}" > /dev/null 2> "$tmp/err_$trial" &
  pid=$!
  wait_handlers "$pid"
  sleep_random
  kill -"$first" "$pid" 2>/dev/null
  sleep "0.0$((RANDOM % 5))"
  kill -"$second" "$pid" 2>/dev/null
  wait "$pid"
  rc=$?
  last=$(tr '\r' '\n' < "$tmp/err_$trial" | grep -v '^$' | tail -n 1)
  echo "trial $trial: SIG$first then SIG$second: exit $rc: $last"
  case "$rc:$last" in
    0:*) ;;
    130:"train: interrupted again by SIGINT; exiting now; $run/checkpoint.h5, if any, holds the last complete checkpoint") ;;
    143:"train: interrupted again by SIGTERM; exiting now; $run/checkpoint.h5, if any, holds the last complete checkpoint") ;;
    # The second signal came after the first had stopped the run.
    *:"train: interrupted by SIG$first; "*) ;;
    *) fail "trial $trial: exit status $rc, last line '$last'" ;;
  esac
  finish_run "trial $trial" "$run"
  same_as_ref "trial $trial" "$run"
done

# eval and predict: absent or complete outputs, no temporaries.
start=$(now)
"$eval_bin" --checkpoint="$tmp/ref/best.h5" --dataset="$tmp/data.h5" \
  --timing_repetitions=30 --out="$tmp/eval_ref.json" > /dev/null || fail "eval"
eval_span=$(( ($(now) - start) / 1000000 ))
[ "$eval_span" -ge 1 ] || eval_span=1
/usr/bin/python3 -c "
import random
print('q_0,q_1,p_0,p_1')
r = random.Random(1)
for _ in range(20000): print(','.join('%.6f' % r.uniform(-3, 3) for _ in range(4)))
" > "$tmp/states.csv"
start=$(now)
"$predict" --checkpoint="$tmp/ref/best.h5" --states="$tmp/states.csv" \
  --dt=1,5,10,20,50 --out="$tmp/pred_ref.csv" > /dev/null || fail "predict"
predict_span=$(( ($(now) - start) / 1000000 ))
[ "$predict_span" -ge 1 ] || predict_span=1
for signal in INT TERM INT TERM; do
  span=$predict_span
  trial=$((trial + 1))
  mkdir -p "$tmp/p_$trial"
  "$predict" --checkpoint="$tmp/ref/best.h5" --states="$tmp/states.csv" \
    --dt=1,5,10,20,50 --out="$tmp/p_$trial/pred.csv" > /dev/null 2> "$tmp/err_$trial" &
  pid=$!
  wait_handlers "$pid"
  sleep_random
  kill -"$signal" "$pid" 2>/dev/null
  wait "$pid"
  rc=$?
  last=$(tail -n 1 "$tmp/err_$trial")
  echo "trial $trial: predict, SIG$signal: exit $rc: $last"
  if [ "$rc" -ne 0 ]; then
    expected=$([ "$signal" = INT ] && echo 130 || echo 143)
    [ "$rc" -eq "$expected" ] || fail "predict trial $trial: exit status $rc"
    [ "$(wc -l < "$tmp/err_$trial")" -eq 1 ] || fail "predict trial $trial: not one line"
    case "$last" in
      "predict: interrupted by SIG$signal; nothing written") ;;
      "predict: interrupted by SIG$signal after writing $tmp/p_$trial/pred.csv") ;;
      *) fail "predict trial $trial: '$last'" ;;
    esac
  fi
  if [ -e "$tmp/p_$trial/pred.csv" ]; then
    cmp -s "$tmp/p_$trial/pred.csv" "$tmp/pred_ref.csv" || fail "predict trial $trial: a partial output"
  fi
  ls -a "$tmp/p_$trial" | grep -q '\.tmp-' && fail "predict trial $trial: temporaries left"

  mkdir -p "$tmp/e_$trial"
  span=$eval_span
  "$eval_bin" --checkpoint="$tmp/ref/best.h5" --dataset="$tmp/data.h5" \
    --timing_repetitions=30 --out="$tmp/e_$trial/eval.json" > /dev/null 2> "$tmp/eerr_$trial" &
  pid=$!
  wait_handlers "$pid"
  sleep_random
  kill -"$signal" "$pid" 2>/dev/null
  wait "$pid"
  rc=$?
  last=$(tail -n 1 "$tmp/eerr_$trial")
  echo "trial $trial: eval, SIG$signal: exit $rc: $last"
  if [ "$rc" -ne 0 ]; then
    expected=$([ "$signal" = INT ] && echo 130 || echo 143)
    [ "$rc" -eq "$expected" ] || fail "eval trial $trial: exit status $rc"
    case "$last" in
      "eval: interrupted by SIG$signal; nothing written") ;;
      "eval: interrupted by SIG$signal after writing $tmp/e_$trial/eval.json") ;;
      *) fail "eval trial $trial: '$last'" ;;
    esac
  fi
  if [ -e "$tmp/e_$trial/eval.json" ]; then
    /usr/bin/python3 -c "import json,sys; json.load(open(sys.argv[1]))" \
      "$tmp/e_$trial/eval.json" || fail "eval trial $trial: a partial output"
  fi
  ls -a "$tmp/e_$trial" | grep -q '\.tmp-' && fail "eval trial $trial: temporaries left"
done

finish "interrupts keep the work done"
