#!/usr/bin/env bash
# Every shipped model config trains a few steps through the training binary,
# and the checkpoint it writes loads and predicts through the eval binary
# (the inference API).
#   all_models_cli_test.sh [--sanitized] DATA_GEN TRAIN EVAL DATA_CONFIG MODEL_CONFIG...
# --sanitized (bazel test --config=asan): a test split of 50 samples and no
# timings, since the integrating models crawl under the sanitizers.
set -uo pipefail

sanitized=0
if [ "${1:-}" = "--sanitized" ]; then
  sanitized=1
  shift
fi

data_gen="$1"
train="$2"
eval_bin="$3"
data_config="$4"
shift 4
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
source tests/cli_checks.sh

"$data_gen" --config="$data_config" --out="$tmp/data.h5" >/dev/null || fail "data_gen"

for config in "$@"; do
  name=$(basename "$config" .pbtxt)
  # A tiny budget: 6 steps of batch 10, jumps up to 2, one evaluation.
  sed -e 's/num_steps: [0-9]*/num_steps: 6/' -e 's/batch_size: 100/batch_size: 10/' \
      -e 's/max_jump: 10/max_jump: 2/' -e 's/eval_every: 50/eval_every: 6/' \
      -e 's/test_jumps: .*/test_jumps: [1, 2]/' "$config" > "$tmp/$name.pbtxt"
  eval_flags=()
  if [ "$sanitized" -eq 1 ]; then
    sed -i 's/num_test_samples: [0-9]*/num_test_samples: 50/' "$tmp/$name.pbtxt"
    eval_flags=(--timing_repetitions=0)
  fi
  if ! "$train" --config="$tmp/$name.pbtxt" --dataset="$tmp/data.h5" \
      --out="$tmp/$name" > "$tmp/$name.log" 2>&1; then
    fail "$name: training failed: $(tail -n 3 "$tmp/$name.log")"
    continue
  fi
  grep -q "trained 6 steps" "$tmp/$name.log" || fail "$name: no training summary"
  for f in checkpoint.h5 best.h5 metrics.jsonl config.pbtxt; do
    [ -f "$tmp/$name/$f" ] || fail "$name: missing $f"
  done
  if ! "$eval_bin" --checkpoint="$tmp/$name/best.h5" --dataset="$tmp/data.h5" \
      --jumps=1,5 "${eval_flags[@]}" > "$tmp/$name.eval" 2>&1; then
    fail "$name: eval failed: $(cat "$tmp/$name.eval")"
    continue
  fi
  # The eval table has a finite loss at jump 5.
  loss=$(awk '$1 == 5 { print $2 }' "$tmp/$name.eval")
  case "$loss" in
    "" | *nan* | *inf*) fail "$name: no finite loss at jump 5: $(cat "$tmp/$name.eval")" ;;
  esac
  echo "$name: jump-5 test loss $loss"
done

finish "all models trained, checkpointed, loaded and predicted"
