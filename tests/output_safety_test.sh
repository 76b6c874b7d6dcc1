#!/usr/bin/env bash
# Issue 18, items 1 and 3, through every binary that writes: nothing is
# written that is not ours (lock files and outputs that are links, pipes or
# devices; an output that is one of the inputs), nothing mixed or half-done
# on a full disk (predict's .npy files, the report's directory), and the
# temporaries of killed writers are removed by the next run.
#   output_safety_test.sh DATA_GEN TRAIN EVAL PREDICT SWEEP REPORT
#       WRITE_SYNTHETIC_SWEEP PAPER DATA_CONFIG MODEL_CONFIG SWEEP_CONFIG
#       PRELOAD
set -uo pipefail

data_gen="$1"
train="$2"
eval_bin="$3"
predict="$4"
sweep="$5"
report="$6"
write_synthetic_sweep="$7"
paper="$8"
data_config="$9"
model_config="${10}"
sweep_config="${11}"
preload="$(pwd)/${12}"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
source tests/cli_checks.sh

# A file that is not ours, which nothing may change.
victim="$tmp/victim.txt"
echo "not yours" > "$victim"
check_victim() {
  [ "$(cat "$victim")" = "not yours" ] || fail "$1: $victim was overwritten: $(head -c 60 "$victim")"
}

# A pid that is no live process: a subshell that has exited.
dead_pid() {
  sh -c 'echo $$'
}

# full BUDGET COMMAND...: runs COMMAND with BUDGET bytes of disk left
# (tests/fault/enospc_preload.c); its status in $status.
full() {
  local budget="$1"
  shift
  LD_PRELOAD="$preload" ENOSPC_AFTER_BYTES="$budget" \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    "$@" > /dev/null 2> "$tmp/err"
  status=$?
}

# --- data_gen ---------------------------------------------------------------
cp "$data_config" "$tmp/data.pbtxt"
"$data_gen" --config="$tmp/data.pbtxt" --out="$tmp/data.h5" > /dev/null || fail "data_gen"
# A killed run's temporary is removed by the next run of the same output.
stale="$tmp/data.h5.tmp-$(dead_pid)"
head -c 100000 /dev/zero > "$stale"
"$data_gen" --config="$tmp/data.pbtxt" --out="$tmp/data.h5" > /dev/null || fail "data_gen rerun"
[ ! -e "$stale" ] || fail "data_gen: stale temporary $stale left"

expect_error "data_gen --out=config" "is the input" \
  "$data_gen" --config="$tmp/data.pbtxt" --out="$tmp/data.pbtxt"
cmp -s "$tmp/data.pbtxt" "$data_config" || fail "data_gen overwrote its config"
data_gen_path=$(realpath "$data_gen")
(cd "$tmp" && expect_error "data_gen --out=./config" "is the input" \
  "$data_gen_path" --config=data.pbtxt --out=./data.pbtxt; exit "$failures") \
  || fail "data_gen --out=./config"
cmp -s "$tmp/data.pbtxt" "$data_config" || fail "data_gen overwrote its config (./)"
mkfifo "$tmp/pipe.h5"
expect_error "data_gen --out=fifo" "is a named pipe, not a regular file" \
  "$data_gen" --config="$tmp/data.pbtxt" --out="$tmp/pipe.h5"
[ -p "$tmp/pipe.h5" ] || fail "data_gen replaced a named pipe"
ln -s "$victim" "$tmp/link.h5"
expect_error "data_gen --out=symlink" "is a symbolic link, not a regular file" \
  "$data_gen" --config="$tmp/data.pbtxt" --out="$tmp/link.h5"
[ -L "$tmp/link.h5" ] || fail "data_gen replaced a symbolic link"
check_victim "data_gen --out=symlink"

# --- train ------------------------------------------------------------------
sed 's/num_steps: 50000/num_steps: 20/; s/checkpoint_every: 5000/checkpoint_every: 20/; s/eval_every: 50/eval_every: 20/' \
  "$model_config" > "$tmp/model.pbtxt"
mkdir -p "$tmp/locked_run"
ln -s "$victim" "$tmp/locked_run/.lock"
expect_error "train with a .lock symlink" ".lock: is a symbolic link; refusing to use it as a lock file" \
  "$train" --config="$tmp/model.pbtxt" --dataset="$tmp/data.h5" --out="$tmp/locked_run"
check_victim "train .lock"
"$train" --config="$tmp/model.pbtxt" --dataset="$tmp/data.h5" --out="$tmp/run" \
  > /dev/null 2>&1 || fail "train"
ckpt="$tmp/run/best.h5"
cp "$ckpt" "$tmp/best_before.h5"

# --- eval -------------------------------------------------------------------
for out in "$ckpt" "$tmp/data.h5"; do
  cp "$tmp/data.h5" "$tmp/data_before.h5"
  expect_error "eval --out=$out" "is the input" \
    "$eval_bin" --checkpoint="$ckpt" --dataset="$tmp/data.h5" --out="$out" \
    --jumps=1 --timing_repetitions=0
  cmp -s "$ckpt" "$tmp/best_before.h5" || fail "eval overwrote the checkpoint"
  cmp -s "$tmp/data.h5" "$tmp/data_before.h5" || fail "eval overwrote the dataset"
done
ln "$ckpt" "$tmp/hard_link.h5"
expect_error "eval --out=hard link of the checkpoint" "is the input" \
  "$eval_bin" --checkpoint="$ckpt" --dataset="$tmp/data.h5" --out="$tmp/hard_link.h5" \
  --jumps=1 --timing_repetitions=0
cmp -s "$ckpt" "$tmp/best_before.h5" || fail "eval overwrote the checkpoint (hard link)"
expect_error "eval --out=fifo" "is a named pipe" \
  "$eval_bin" --checkpoint="$ckpt" --dataset="$tmp/data.h5" --out="$tmp/pipe.h5" \
  --jumps=1 --timing_repetitions=0

# --- predict ----------------------------------------------------------------
printf 'q_0,q_1,p_0,p_1\n1.0,-0.5,0.3,0.0\n-1.0,0.5,0.0,0.4\n' > "$tmp/states.csv"
cp "$tmp/states.csv" "$tmp/states_before.csv"
expect_error "predict --out=checkpoint" "is the input" \
  "$predict" --checkpoint="$ckpt" --states="$tmp/states.csv" --out="$ckpt"
cmp -s "$ckpt" "$tmp/best_before.h5" || fail "predict overwrote the checkpoint"
expect_error "predict --out=states" "is the input" \
  "$predict" --checkpoint="$ckpt" --states="$tmp/states.csv" --out="$tmp/states.csv"
cmp -s "$tmp/states.csv" "$tmp/states_before.csv" || fail "predict overwrote the states"
expect_error "predict --out=symlink" "is a symbolic link" \
  "$predict" --checkpoint="$ckpt" --states="$tmp/states.csv" --out="$tmp/link.h5"
check_victim "predict --out=symlink"

# .npy with --action_angle is four files: on a full disk none changes.
"$predict" --checkpoint="$ckpt" --states="$tmp/states.csv" --dt=1,2 \
  --out="$tmp/pred.npy" --action_angle > /dev/null || fail "predict .npy"
mkdir -p "$tmp/pred_before"
cp "$tmp"/pred*.npy "$tmp/pred_before/"
size=$(stat -c %s "$tmp/pred.npy")
for budget in 0 $((size + 10)) $((2 * size)); do
  full "$budget" "$predict" --checkpoint="$ckpt" --states="$tmp/states.csv" \
    --dt=3,4 --out="$tmp/pred.npy" --action_angle
  [ "$status" -eq 1 ] || fail "predict with $budget bytes left: status $status"
  for f in "$tmp"/pred_before/*.npy; do
    cmp -s "$f" "$tmp/$(basename "$f")" || fail "predict with $budget bytes left changed $(basename "$f")"
  done
  if ls "$tmp" | grep -q 'pred.*\.tmp-'; then fail "predict left temporaries: $(ls "$tmp")"; fi
done

# --- sweep and the main job -------------------------------------------------
# Both refuse a sweep directory whose .lock is a link before any work.
for binary in sweep paper; do
  root="$tmp/root_$binary"
  name=$(sed -n 's/^name: "\(.*\)"/\1/p' "$sweep_config")
  mkdir -p "$root/sweeps/$name"
  ln -s "$victim" "$root/sweeps/$name/.lock"
  if [ "$binary" = sweep ]; then
    timeout 60 "$sweep" --sweep="$sweep_config" --output_root="$root" --jobs=1 \
      > /dev/null 2> "$tmp/err"
  else
    timeout 60 "$paper" --sweep="$sweep_config" --output_root="$root" --jobs=1 \
      --out="$tmp/paper_report" > /dev/null 2> "$tmp/err"
  fi
  status=$?
  [ "$status" -eq 1 ] || fail "$binary with a .lock symlink: status $status"
  grep -q "\.lock: is a symbolic link; refusing to use it as a lock file" "$tmp/err" \
    || fail "$binary with a .lock symlink: $(tail -1 "$tmp/err")"
  check_victim "$binary .lock"
done

# --- report -----------------------------------------------------------------
"$write_synthetic_sweep" --out="$tmp/sweep_a" > /dev/null || fail "synthetic sweep a"
"$write_synthetic_sweep" --out="$tmp/sweep_b" --include_action_angle=false \
  > /dev/null || fail "synthetic sweep b"
"$report" --sweep_dir="$tmp/sweep_a" --out="$tmp/report" > /dev/null || fail "report a"
mkdir -p "$tmp/report/nested" && echo "a nested report" > "$tmp/report/nested/REPORT.md"
cp -r "$tmp/report" "$tmp/report_before"
stale_dir="$tmp/report.tmp-$(dead_pid)"
mkdir -p "$stale_dir" && echo x > "$stale_dir/REPORT.md"
# Another sweep's report on a full disk: the old report stays whole, nothing
# of the new one is mixed in, nothing is left beside it.
"$report" --sweep_dir="$tmp/sweep_b" --out="$tmp/report_b" > /dev/null || fail "report b alone"
# The budget is per process (gnuplot writes the PNGs): the report's own files.
size_b=$(cat "$tmp"/report_b/*.csv "$tmp"/report_b/*.md "$tmp"/report_b/*.gp "$tmp"/report_b/*.dat | wc -c)
for budget in 0 3000 30000 $((size_b - 500)); do
  full "$budget" "$report" --sweep_dir="$tmp/sweep_b" --out="$tmp/report"
  [ "$status" -eq 1 ] || fail "report with $budget bytes left: status $status"
  tail -1 "$tmp/err" | grep -q "^report: $tmp/report/[^ ]*: cannot write (No space left on device)$" \
    || fail "report with $budget bytes left: $(tail -1 "$tmp/err")"
  diff -r "$tmp/report_before" "$tmp/report" > /dev/null \
    || fail "report with $budget bytes left changed the old report"
  if ls "$tmp" | grep -q '^report\..*tmp-'; then fail "report left temporaries: $(ls "$tmp")"; fi
done
# With room the new report replaces the old one whole; the nested one stays.
"$report" --sweep_dir="$tmp/sweep_b" --out="$tmp/report" > /dev/null || fail "report b"
diff -r -x nested "$tmp/report_b" "$tmp/report" > /dev/null || fail "report b is mixed with report a"
[ -f "$tmp/report/nested/REPORT.md" ] || fail "the nested report was lost"
# Named with a trailing slash or as ".", the directory is still replaced
# whole (not staged inside itself).
"$report" --sweep_dir="$tmp/sweep_a" --out="$tmp/report/" > /dev/null || fail "report --out=dir/"
diff -r -x nested "$tmp/report_before" "$tmp/report" > /dev/null || fail "report --out=dir/ differs"
report_path=$(realpath "$report")
(cd "$tmp/report" && "$report_path" --sweep_dir="$tmp/sweep_b" --out=. > /dev/null) || fail "report --out=."
diff -r -x nested "$tmp/report_b" "$tmp/report" > /dev/null || fail "report --out=. differs"
if ls -a "$tmp/report" "$tmp" | grep -q '\.tmp-'; then fail "report left temporaries: $(ls -a "$tmp/report")"; fi
# Not through a link, not over a directory that is not a report's.
ln -s "$tmp/report_b" "$tmp/report_link"
expect_error "report --out=symlink" "is a symbolic link" \
  "$report" --sweep_dir="$tmp/sweep_a" --out="$tmp/report_link"
mkdir -p "$tmp/own" && echo "mine" > "$tmp/own/notes.txt"
expect_error "report --out=a directory of other files" "notes.txt" \
  "$report" --sweep_dir="$tmp/sweep_a" --out="$tmp/own"
[ -f "$tmp/own/notes.txt" ] || fail "report removed a directory of other files"
# The sweep's own directory, or one holding it, is never replaced.
expect_error "report --out=the sweep" "which no report writes" \
  "$report" --sweep_dir="$tmp/sweep_a" --out="$tmp/sweep_a"
mkdir -p "$tmp/root" && cp -r "$tmp/sweep_a" "$tmp/root/sweep_a"
expect_error "report --out=above the sweep" "which no report writes" \
  "$report" --sweep_dir="$tmp/root/sweep_a" --out="$tmp/root"
[ -f "$tmp/root/sweep_a/sweep_results.json" ] || fail "report replaced the directory above the sweep"

finish "output safety checks passed"
