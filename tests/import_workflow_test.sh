#!/usr/bin/env bash
# End to end, trajectories of your own (data_gen/README.md, "Your own
# trajectories"): a pendulum dataset exported by Python to CSV and .npy as if
# from another code, imported by //data_gen:import (the CSV with no
# Hamiltonian, the .npy with the pendulum's), the Action-Angle Network trained
# a few steps on the CSV import, evaluated (the truth-needing fields absent,
# the rest present), predict's --truth refused, and a sweep naming the
# imported file whose report says what is left out and why.
set -uo pipefail

data_gen="$1"
import="$2"
train="$3"
eval="$4"
predict="$5"
paper="$6"
pendulum_config="$7"
aa_config="$8"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
source tests/cli_checks.sh

# 1. "Another code's" trajectories: 3 pendulum swings, exported by Python.
"$data_gen" --config="$pendulum_config" --out="$tmp/pendulum.h5" \
  --set=simulation.num_trajectories=3 --set=simulation.num_samples=300 \
  --set='simulation.pendulum.initial_angle={min: 0.5 max: 1.5}' \
  > /dev/null || fail "data_gen pendulum"
/usr/bin/python3 - "$tmp" <<'PY' || fail "export with python"
import sys, h5py, numpy as np
tmp = sys.argv[1]
with h5py.File(tmp + "/pendulum.h5", "r") as f:
    q, p, t = f["q"][:], f["p"][:], f["t"][:]
t = t + 5.0  # starts at 5: the import shifts it to 0
with open(tmp + "/traj.csv", "w") as out:
    out.write("trajectory,t,q_1,p_1\n")
    for k in range(q.shape[0]):
        for s in range(q.shape[1]):
            out.write("%d,%r,%r,%r\n" % (k, t[s], q[k, s, 0], p[k, s, 0]))
np.save(tmp + "/q.npy", q)
np.save(tmp + "/p.npy", p.astype(np.float32))
np.save(tmp + "/t.npy", t)
# A CSV whose 17th data row (line 18) breaks the even spacing.
with open(tmp + "/uneven.csv", "w") as out:
    out.write("t,q_1,p_1\n")
    for s in range(20):
        out.write("%r,0,0\n" % (1.7 if s == 16 else s * 0.1))
PY

# 2. Import: the CSV with no Hamiltonian, the .npy with the pendulum's.
"$import" --csv="$tmp/traj.csv" --name=mine --output="$tmp/mine.h5" \
  > "$tmp/import.log" 2>&1 || fail "import csv: $(cat "$tmp/import.log")"
grep -q "imported (csv: $tmp/traj.csv); no Hamiltonian named: energy unknown" "$tmp/import.log" \
  || fail "import csv summary: $(cat "$tmp/import.log")"
grep -q "3 trajectory(ies) x 300 samples, t in \[0, 29.9\]" "$tmp/import.log" \
  || fail "import csv shape: $(cat "$tmp/import.log")"
"$import" --q="$tmp/q.npy" --p="$tmp/p.npy" --t="$tmp/t.npy" --name=mine_h \
  --output="$tmp/mine_h.h5" --hamiltonian_config="$pendulum_config" \
  > "$tmp/import_h.log" 2>&1 || fail "import npy: $(cat "$tmp/import_h.log")"
grep -q "energy under the Hamiltonian of pendulum" "$tmp/import_h.log" \
  || fail "import npy summary: $(cat "$tmp/import_h.log")"
/usr/bin/python3 - "$tmp" <<'PY' || fail "the imported files"
import sys, h5py, numpy as np
tmp = sys.argv[1]
with h5py.File(tmp + "/mine.h5", "r") as f, h5py.File(tmp + "/pendulum.h5", "r") as g:
    assert f.attrs["system"] == "imported", f.attrs["system"]
    assert "energy" not in f and "true_frequencies" not in f, list(f)
    assert np.array_equal(f["q"][:], g["q"][:])
    assert np.array_equal(f["p"][:], g["p"][:])
    assert f["t"][0] == 0
    assert "t_start: 5" in f.attrs["config"], f.attrs["config"]
with h5py.File(tmp + "/mine_h.h5", "r") as f:
    assert f.attrs["hamiltonian"] == "pendulum"
    assert f["energy"].shape == (3, 300)
PY
expect_error import_uneven "uneven.csv: line 18 (trajectory 0, sample 16): t = 1.7 breaks the even spacing 0.1 (expected 1.6)" \
  "$import" --csv="$tmp/uneven.csv" --name=bad --output="$tmp/bad.h5"
expect_error import_two_sources "give one source" \
  "$import" --csv="$tmp/traj.csv" --hdf5="$tmp/pendulum.h5" --name=bad --output="$tmp/bad.h5"
expect_error import_over_input "is the input" \
  "$import" --csv="$tmp/traj.csv" --output="$tmp/traj.csv"
ln -sf "$tmp/elsewhere.h5" "$tmp/link.h5"
expect_error import_symlink "is a symbolic link" \
  "$import" --csv="$tmp/traj.csv" --name=bad --output="$tmp/link.h5"
[ ! -e "$tmp/bad.h5" ] && [ ! -e "$tmp/elsewhere.h5" ] || fail "a refused import left a file"

# 3. Train a few steps, evaluate: the truth-needing fields are absent.
small=(--set=training.num_steps=20 --set=training.batch_size=50
       --set=training.num_train_samples=100 --set=training.num_test_samples=100
       --set=training.test_jumps=1 --set=training.eval_every=10
       --set=training.checkpoint_every=10
       --set=model.action_angle.encoder.flow.num_layers=2)
"$train" --config="$aa_config" --dataset="$tmp/mine.h5" --out="$tmp/aa" "${small[@]}" \
  > "$tmp/train.log" 2>&1 || fail "train on the import: $(tail -n 3 "$tmp/train.log")"
"$eval" --checkpoint="$tmp/aa/best.h5" --dataset="$tmp/mine.h5" --jumps=1,10 \
  --timing_repetitions=0 --vpt_max_jump=50 > "$tmp/eval.log" 2>&1 \
  || fail "eval on the import: $(tail -n 3 "$tmp/eval.log")"
grep -q "energy changes unknown: the dataset holds imported trajectories" "$tmp/eval.log" \
  || fail "eval does not say the energy is unknown: $(cat "$tmp/eval.log")"
/usr/bin/python3 - "$tmp/aa/evaluation.json" <<'PY' || fail "evaluation.json of the import"
import json, sys
e = json.load(open(sys.argv[1]))
for jump in e["jumps"]:
    assert "meanAbsEnergyChange" not in jump and "mean_abs_energy_change" not in jump, jump
    assert "predictionLoss" in jump or "prediction_loss" in jump, jump
assert not e.get("trueFrequencies", e.get("true_frequencies")), e.get("trueFrequencies")
assert "vpt" not in e, e["vpt"]  # needs the true future past the recorded samples
freqs = e.get("trajectoryFrequencies", e.get("trajectory_frequencies", []))
for f in freqs:
    assert not f.get("trueFrequency", f.get("true_frequency")), f
# The pictured trajectory: no system to continue the truth, so it stops at
# the test window's last recorded sample (100 samples: jumps 0..99).
p = e["pictured_trajectory"]
assert p["file"] == "trajectories.h5" and p["num_jumps"] == 99, p
assert p["num_recorded_rows"] == 100, p
c = e["action_conservation"]
assert len(c["trained"]["median"]) == c["num_latent_pairs"] == 1, c
PY
/usr/bin/python3 - "$tmp/aa/trajectories.h5" <<'PY' || fail "trajectories.h5 of the import"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
assert f["t"].shape == (100,) and f["truth"].shape == (100, 2), f["truth"].shape
assert f["one_shot"].shape == f["rollout"].shape == (100, 2)
assert f["actions"].shape == (100, 1)
assert np.array_equal(f["one_shot"][0], f["truth"][0])
text = lambda v: v.decode() if isinstance(v, bytes) else v
assert int(f.attrs["num_recorded_rows"]) == 100
assert text(f.attrs["model_kind"]) == "action_angle"
assert "action_angle" in text(f.attrs["config"])
PY
# With the named Hamiltonian the energy change of predictions is there.
"$eval" --checkpoint="$tmp/aa/best.h5" --dataset="$tmp/mine_h.h5" --allow_other_dataset \
  --jumps=1 --timing_repetitions=0 --vpt_max_jump=0 --out="$tmp/eval_h.json" \
  > "$tmp/eval_h.log" 2>&1 || fail "eval on the import with a Hamiltonian: $(tail -n 3 "$tmp/eval_h.log")"
grep -qi "energyChange\|energy_change" "$tmp/eval_h.json" || fail "no energy change under the named Hamiltonian"
printf 'q_1,p_1\n0.5,0\n' > "$tmp/states.csv"
expect_error predict_truth "holds imported trajectories" \
  "$predict" --checkpoint="$tmp/aa/best.h5" --states="$tmp/states.csv" --dt=1 \
  --out="$tmp/pred.csv" --truth="$tmp/mine.h5"
"$predict" --checkpoint="$tmp/aa/best.h5" --states="$tmp/states.csv" --dt=1,2 \
  --out="$tmp/pred.csv" > /dev/null 2>&1 || fail "predict on the import's checkpoint"

# 4. A sweep naming the imported file, and its report.
cat > "$tmp/sweep.pbtxt" <<EOF2
name: "imported"
description: "tiny: the Action-Angle Network on imported pendulum trajectories"
models {
  config: "$aa_config"
  num_steps: 10
  set: "training.batch_size=50"
  set: "model.action_angle.encoder.flow.num_layers=2"
}
dataset_variants { file: "$tmp/mine.h5" }
num_train_samples: [100]
seeds: [0]
training { eval_every: 10 test_jumps: [1] checkpoint_every: 10
           set: "training.num_test_samples=100" }
evaluation { jumps: [1, 10] reference_jumps: [1, 10] timing_repetitions: 1
             timing_budget_seconds: 0.1 vpt_max_jump: 20 }
EOF2
"$paper" --sweep="$tmp/sweep.pbtxt" --output_root="$tmp/out" --out="$tmp/report" --jobs=1 \
  > "$tmp/paper.log" 2>&1 || fail "paper --sweep on the import: $(tail -n 5 "$tmp/paper.log")"
[ -f "$tmp/out/sweeps/imported/action_angle_flow/mine/samples_100/seed_0/evaluation.json" ] \
  || fail "sweep point on the import not evaluated: $(ls -R "$tmp/out/sweeps" | head -20)"
[ ! -e "$tmp/out/datasets/mine.h5" ] || fail "the sweep copied or regenerated the imported file"
grep -q "Imported trajectories\* (mine): no system of the project describes them" "$tmp/report/REPORT.md" \
  || fail "the report does not say what is left out"
grep -q "not known (imported)" "$tmp/report/REPORT.md" \
  || fail "the report's energy columns do not say 'not known'"

finish "import workflow: all checks passed"
