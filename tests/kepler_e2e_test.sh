#!/usr/bin/env bash
# Kepler orbits end to end through the binaries (issue 21): data_gen on a
# tiny Kepler config in each coordinate form, a few training steps of the
# shipped Action-Angle Network, evaluation; and a Kepler config error is one
# line naming the field.
#   kepler_e2e_test.sh DATA_GEN TRAIN EVAL DATA_CONFIG MODEL_CONFIG
set -uo pipefail

data_gen="$1"
train="$2"
eval_bin="$3"
data_config="$4"
model_config="$5"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
source tests/cli_checks.sh

# Four orbits (one semi-major axis, four eccentricities), 700 samples (the
# shipped split: 70 training, 500 test).
for form in CARTESIAN POLAR_WRAPPED; do
  "$data_gen" --config="$data_config" --out="$tmp/$form.h5" \
    --set=simulation.num_trajectories=4 --set=simulation.num_samples=700 \
    --set=simulation.kepler.coordinates=$form > "$tmp/$form.log" 2>&1 \
    || fail "data_gen $form: $(cat "$tmp/$form.log")"
done
grep -q "kepler: m 1, k 1, cartesian" "$tmp/CARTESIAN.log" \
  || fail "data_gen did not describe the Cartesian dataset"
grep -q "kepler: m 1, k 1, polar_wrapped" "$tmp/POLAR_WRAPPED.log" \
  || fail "data_gen did not describe the polar dataset"
/usr/bin/python3 - "$tmp/CARTESIAN.h5" "$tmp/POLAR_WRAPPED.h5" <<'PY' \
  || fail "the two files do not hold the same orbits"
import sys, h5py, numpy as np
c, p = (h5py.File(name, "r") for name in sys.argv[1:])
assert c["q"].shape == (4, 700, 2), c["q"].shape
assert c["true_frequencies"].shape == (4, 2)
assert c["parameters/coordinates"][()] == 0 and p["parameters/coordinates"][()] == 1
r, phi = p["q"][..., 0], p["q"][..., 1]
assert (phi >= 0).all() and (phi < 2 * np.pi).all()
assert np.allclose(r * np.cos(phi), c["q"][..., 0], atol=1e-12)
assert np.allclose(r * np.sin(phi), c["q"][..., 1], atol=1e-12)
assert np.allclose(p["p"][..., 1], c["q"][..., 0] * c["p"][..., 1] - c["q"][..., 1] * c["p"][..., 0], atol=1e-12)
PY

# The shipped Action-Angle Network, 40 steps, one orbit held out (the
# shipped held-out orbits are of the 16-orbit dataset).
sed 's/num_steps: 50000/num_steps: 40/; s/checkpoint_every: 5000/checkpoint_every: 20/; s/eval_every: 50/eval_every: 20/' \
  "$model_config" > "$tmp/model.pbtxt"
"$train" --config="$tmp/model.pbtxt" --dataset="$tmp/CARTESIAN.h5" \
  --out="$tmp/run" --set='training.held_out_trajectories=[2]' \
  > "$tmp/train.log" 2> "$tmp/train.err" || fail "train: $(tail -n 3 "$tmp/train.err")"
grep -q "trained 40 steps" "$tmp/train.log" || fail "no training summary"
"$eval_bin" --checkpoint="$tmp/run/best.h5" --dataset="$tmp/CARTESIAN.h5" \
  --jumps=1,10,100 --timing_repetitions=2 > "$tmp/eval.log" 2>&1 \
  || fail "eval: $(tail -n 3 "$tmp/eval.log")"
/usr/bin/python3 - "$tmp/run/evaluation.json" <<'PY' || fail "evaluation.json"
import json, math, sys
r = json.load(open(sys.argv[1]))
assert r["model_kind"] == "action_angle", r["model_kind"]
assert [j["jump"] for j in r["jumps"]] == [1, 10, 100]
assert r["num_latent_pairs"] == 2
assert len(r["frequencies"]) == 2
PY

expect_error eccentricity "simulation.kepler.eccentricity.max: must be in [0, 0.9], got 0.95" \
  "$data_gen" --config="$data_config" --out="$tmp/bad.h5" \
  --set=simulation.kepler.eccentricity.max=0.95
[ ! -e "$tmp/bad.h5" ] || fail "a refused config left a file"

finish "kepler end to end: OK"
