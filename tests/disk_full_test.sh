#!/usr/bin/env bash
# A full disk, by fault injection: fault/enospc_preload.so makes writes to
# regular files fail with ENOSPC once ENOSPC_AFTER_BYTES bytes are written (a
# size-limited tmpfs would need root). At every budget, from nothing to
# almost a whole run, `train`, `data_gen` and `eval` must exit 1 with one
# last line naming the file and "No space left on device", never crash,
# never print HDF5's own diagnostics, leave every file already on disk
# readable and as it was, and leave no temporary; the run then resumes on a
# disk with room.
#   disk_full_test.sh DATA_GEN TRAIN EVAL DATA_CONFIG MODEL_CONFIG PRELOAD
set -uo pipefail

data_gen="$1"
train="$2"
eval_bin="$3"
data_config="$4"
model_config="$5"
preload="$(pwd)/$6"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
source tests/cli_checks.sh
py=/usr/bin/python3

# full BUDGET COMMAND...: runs COMMAND with BUDGET bytes of disk left; its
# stderr goes to $tmp/err, its status to $status.
full() {
  local budget="$1"
  shift
  LD_PRELOAD="$preload" ENOSPC_AFTER_BYTES="$budget" \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    "$@" > /dev/null 2> "$tmp/err"
  status=$?
}

# check_failure NAME DIR: the last run failed as a full disk should.
check_failure() {
  local name="$1" dir="$2"
  [ "$status" -eq 1 ] || fail "$name: exit status $status, expected 1: $(tail -3 "$tmp/err")"
  tail -1 "$tmp/err" | grep -q "^[a-z_]*: $dir/[^ ]*: cannot [a-z]* (No space left on device)$" \
    || fail "$name: last line: $(tail -1 "$tmp/err")"
  if grep -q "H5\|HDF5" "$tmp/err"; then
    fail "$name: HDF5 diagnostics: $(grep -m2 "H5\|HDF5" "$tmp/err")"
  fi
  if ls "$dir" | grep -q '\.tmp-'; then
    fail "$name: temporaries left: $(ls "$dir")"
  fi
}

# readable FILE...: every HDF5 file opens.
readable() {
  "$py" -c 'import h5py, sys
for path in sys.argv[1:]:
    h5py.File(path, "r").close()' "$@"
}

"$data_gen" --config="$data_config" --out="$tmp/data.h5" > /dev/null || fail "data_gen"
sed 's/num_steps: 50000/num_steps: 60/; s/checkpoint_every: 5000/checkpoint_every: 20/; s/eval_every: 50/eval_every: 20/' \
  "$model_config" > "$tmp/model.pbtxt"

# A whole run writes about 1.5 MB: budgets from none to most of it.
for budget in 0 500 5000 50000 140000 300000 600000 1000000; do
  run="$tmp/run_$budget"
  full "$budget" "$train" --config="$tmp/model.pbtxt" --dataset="$tmp/data.h5" --out="$run"
  if [ "$status" -eq 0 ]; then
    fail "train with $budget bytes left succeeded; raise the run's size"
    continue
  fi
  check_failure "train/$budget" "$run"
  h5s=$(ls "$run"/*.h5 2>/dev/null)
  [ -z "$h5s" ] || readable $h5s || fail "train/$budget: unreadable file among $h5s"
  # On a disk with room the run continues (or starts, if it wrote nothing).
  resume=()
  [ -f "$run/checkpoint.h5" ] && resume=(--resume)
  "$train" --config="$tmp/model.pbtxt" --dataset="$tmp/data.h5" --out="$run" \
    "${resume[@]}" > "$tmp/out" 2>&1 || fail "train/$budget: rerun with room: $(tail -1 "$tmp/out")"
done

# Files already on disk stay as they were: a full disk while resuming a
# finished run's directory leaves its checkpoint and log alone.
run="$tmp/run_1000000"
sed 's/num_steps: 60/num_steps: 100/' "$tmp/model.pbtxt" > "$tmp/longer.pbtxt"
cp "$tmp/model.pbtxt" "$tmp/model_copy.pbtxt"
cp "$run/checkpoint.h5" "$tmp/checkpoint_before.h5"
cp "$run/metrics.jsonl" "$tmp/metrics_before.jsonl"
full 100 "$train" --config="$tmp/model.pbtxt" --dataset="$tmp/data.h5" --out="$run" --resume
# Nothing to write for a finished run: it succeeds or fails cleanly.
[ "$status" -eq 0 ] || check_failure "train/finished" "$run"
cmp -s "$run/checkpoint.h5" "$tmp/checkpoint_before.h5" || fail "checkpoint.h5 changed"

# data_gen over an existing file, and eval over an existing evaluation.
cp "$tmp/data.h5" "$tmp/data_before.h5"
for budget in 0 20000 $(( $(stat -c %s "$tmp/data.h5") - 1000 )); do
  full "$budget" "$data_gen" --config="$data_config" --out="$tmp/data.h5"
  check_failure "data_gen/$budget" "$tmp"
  cmp -s "$tmp/data.h5" "$tmp/data_before.h5" || fail "data_gen/$budget: the existing file changed"
done
"$eval_bin" --checkpoint="$run/best.h5" --dataset="$tmp/data.h5" --jumps=1 \
  --timing_repetitions=0 > /dev/null 2>&1 || fail "eval"
cp "$run/evaluation.json" "$tmp/evaluation_before.json"
full 10 "$eval_bin" --checkpoint="$run/best.h5" --dataset="$tmp/data.h5" --jumps=1,2 \
  --timing_repetitions=0
check_failure "eval" "$run"
cmp -s "$run/evaluation.json" "$tmp/evaluation_before.json" || fail "eval: the existing file changed"

finish "disk-full checks passed"
