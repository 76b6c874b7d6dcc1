#!/usr/bin/env bash
# Trains two tiny models and runs python_module_test.py on them under Debian's
# /usr/bin/python3 (not whatever python3 is first on PATH).
set -euo pipefail
module="$1" data_gen="$2" train="$3" predict="$4"
data_config="$5" aa_config="$6" eu_config="$7"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
"$data_gen" --config="$data_config" --out="$tmp/data.h5" >/dev/null
tiny=(--set=training.num_steps=20 --set=training.eval_every=10
      --set=training.test_jumps=1)
"$train" --config="$aa_config" --dataset="$tmp/data.h5" --out="$tmp/aa" "${tiny[@]}" \
  --set=model.action_angle.encoder.flow.num_layers=2 >/dev/null 2>&1
"$train" --config="$eu_config" --dataset="$tmp/data.h5" --out="$tmp/eu" "${tiny[@]}" \
  --set=model.euler_update.encoder.flow.num_layers=2 >/dev/null 2>&1
printf '1.0,-2.0,0.3,0.0\n-3.0,1.0,0.5,2.5\n' > "$tmp/states.csv"
"$predict" --checkpoint="$tmp/aa/best.h5" --states="$tmp/states.csv" --dt=1,10 \
  --out="$tmp/pred.csv" --action_angle >/dev/null
# The command line's error for a negative dt, which the module must match.
if "$predict" --checkpoint="$tmp/aa/best.h5" --states="$tmp/states.csv" --dt=-1 \
    --out="$tmp/neg.csv" 2>"$tmp/dt_error.txt"; then
  echo "predict accepted --dt=-1" >&2
  exit 1
fi
# The truth (issue 24 item 3): the module's must equal the command line's,
# and another system is refused with the command line's message.
"$predict" --checkpoint="$tmp/eu/best.h5" --states="$tmp/states.csv" --dt=1,10 \
  --out="$tmp/truth.csv" --truth="$tmp/data.h5" >/dev/null 2>&1
"$data_gen" --config="$data_config" --out="$tmp/other.h5" \
  --set=simulation.harmonic.k_pair=0.3 >/dev/null
if "$predict" --checkpoint="$tmp/eu/best.h5" --states="$tmp/states.csv" \
    --truth="$tmp/other.h5" --out="$tmp/other.csv" 2>"$tmp/truth_error.txt"; then
  echo "predict accepted --truth of another system" >&2
  exit 1
fi
PYTHONPATH="$(dirname "$module")" /usr/bin/python3 tests/python_module_test.py \
  "$tmp" "$data_config"
