#!/usr/bin/env bash
# End to end, the README's "Your own question" walkthrough: a custom dataset
# made with --set overrides (3 coupled oscillators at k_pair 0.3, two
# trajectories), two models trained with overrides, one run extended, and
# predictions for the user's own CSV states from the command line and from
# Python. Also the one-line errors of bad overrides.
set -uo pipefail

data_gen="$1"
train="$2"
data_config="$3"
aa_config="$4"
eu_config="$5"
predict="$6"
predict_one="$7"
module="$8"
paper="$9"
sweep_config="${10}"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
source tests/cli_checks.sh

# 1. A custom dataset with overrides.
"$data_gen" --config="$data_config" --out="$tmp/data.h5" \
  --set=simulation.harmonic.num_particles=3 \
  --set=simulation.harmonic.k_pair=0.3 \
  --set=simulation.num_trajectories=2 --set=simulation.num_samples=300 \
  --set=simulation.harmonic.trajectory_sampling=UNIFORM \
  > "$tmp/data_gen.log" || fail "data_gen with overrides"
/usr/bin/python3 - "$tmp/data.h5" <<'PY' || fail "the dataset is not the overridden one"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    assert f["q"].shape == (2, 300, 3), f["q"].shape
    config = f.attrs["config"]
    config = config.decode() if isinstance(config, bytes) else config
    assert "k_pair: 0.3" in config, config
    assert "--set=simulation.harmonic.k_pair=0.3" in config, config
PY
expect_error data_gen_bad_field "simulation.harmonic.k_par: aanet.HarmonicOscillatorConfig has no field 'k_par'" \
  "$data_gen" --config="$data_config" --out="$tmp/bad.h5" --set=simulation.harmonic.k_par=0.3
expect_error data_gen_bad_value "--set=simulation.num_samples=many: simulation.num_samples: expected an int32, got 'many'" \
  "$data_gen" --config="$data_config" --out="$tmp/bad.h5" --set=simulation.num_samples=many
expect_error data_gen_invalid "simulation.harmonic.k_pair" \
  "$data_gen" --config="$data_config" --out="$tmp/bad.h5" --set=simulation.harmonic.k_pair=-1
[ ! -e "$tmp/bad.h5" ] || fail "a failed data_gen left a file"

# 2. Two models trained with overrides (a tiny budget).
small=(--set=training.num_steps=40 --set=training.batch_size=50
       --set=training.num_train_samples=100 --set=training.num_test_samples=100
       --set=training.test_jumps=1,10 --set=training.eval_every=20
       --set=training.checkpoint_every=20)
"$train" --config="$aa_config" --dataset="$tmp/data.h5" --out="$tmp/aa" "${small[@]}" \
  --set=model.action_angle.encoder.flow.num_layers=4 \
  > "$tmp/aa.log" 2> "$tmp/aa.err" || fail "train action_angle: $(cat "$tmp/aa.err")"
"$train" --config="$eu_config" --dataset="$tmp/data.h5" --out="$tmp/eu" "${small[@]}" \
  --set=model.euler_update.encoder.flow.num_layers=4 \
  > "$tmp/eu.log" 2> "$tmp/eu.err" || fail "train euler_update: $(cat "$tmp/eu.err")"
grep -q "loss = prediction + lambda \* action variance (lambda = 1)" "$tmp/aa.err" || fail "aa: banner lacks the loss legend"
grep -q "loss [0-9.e+-]* + 1 \* [0-9.e+-]*" "$tmp/aa.err" || fail "aa: progress loss is not prediction + lambda * variance"
grep -q "loss = prediction$" "$tmp/eu.err" || fail "eu: banner lacks the loss legend"
for run in aa eu; do
  grep -q "trained 40 steps" "$tmp/$run.log" || fail "$run: not 40 steps: $(cat "$tmp/$run.log")"
  grep -q "batch 50, 100 training samples per trajectory (2 trajectories)" "$tmp/$run.err" \
    || fail "$run: banner: $(head -2 "$tmp/$run.err")"
  grep -q "sampled jump [0-9]* (max [0-9]*)  loss" "$tmp/$run.err" || fail "$run: progress line lacks the sampled jump"
  # The recorded config is the effective one.
  grep -q "batch_size: 50" "$tmp/$run/config.pbtxt" || fail "$run: config.pbtxt lacks the override"
  grep -q "num_layers: 4" "$tmp/$run/config.pbtxt" || fail "$run: config.pbtxt lacks num_layers 4"
  grep -q -- "--set=training.batch_size=50" "$tmp/$run/config.pbtxt" || fail "$run: config.pbtxt does not name the overrides"
done
expect_error train_bad_field "--set=training.batch_sze=5: training.batch_sze: aanet.TrainingConfig has no field 'batch_sze'" \
  "$train" --config="$aa_config" --dataset="$tmp/data.h5" --out="$tmp/bad_run" --set=training.batch_sze=5
expect_error train_invalid "training.batch_size: must be set and >= 1, got 0" \
  "$train" --config="$aa_config" --dataset="$tmp/data.h5" --out="$tmp/bad_run" --set=training.batch_size=0
[ ! -e "$tmp/bad_run/checkpoint.h5" ] || fail "a failed run left a checkpoint"

# 3. Extend one run: 40 more steps, config and dataset from the run itself.
"$train" --out="$tmp/aa" --extend_to=80 > "$tmp/extend.log" 2> "$tmp/extend.err" \
  || fail "extend: $(cat "$tmp/extend.err")"
grep -q "continuing $tmp/aa at step 40 of 80" "$tmp/extend.err" || fail "extend: no continuing line: $(cat "$tmp/extend.err")"
grep -q "trained 40 steps" "$tmp/extend.log" || fail "extend: not 40 more steps: $(cat "$tmp/extend.log")"
grep -q "num_steps: 80" "$tmp/aa/config.pbtxt" || fail "extended config lacks num_steps 80"
grep -q "jump_ramp_steps: 40" "$tmp/aa/config.pbtxt" || fail "extended config lacks the ramp"
head -2 "$tmp/aa/config.pbtxt" | grep -q -- "--set=training.batch_size=50" \
  || fail "the extended config lost the history of its overrides"
[ "$(wc -l < "$tmp/aa/metrics.jsonl")" -eq 4 ] || fail "expected 4 metrics lines after extension"
"$train" --out="$tmp/aa" --resume > "$tmp/finished.log" 2>&1 || fail "resume of a finished run"
grep -q "finished at step 80 of 80; nothing to train (--extend_to=N" "$tmp/finished.log" \
  || fail "finished run: $(cat "$tmp/finished.log")"
expect_error extend_down "--extend_to: cannot extend to 60 steps: the run already has training.num_steps = 80" \
  "$train" --out="$tmp/aa" --extend_to=60
expect_error extend_nothing "holds no run to continue" "$train" --out="$tmp/none" --extend_to=60
# A warm start: a new run from the extended run's best parameters.
"$train" --config="$eu_config" --dataset="$tmp/data.h5" --out="$tmp/eu_warm" "${small[@]}" \
  --set=model.euler_update.encoder.flow.num_layers=4 --init_from="$tmp/eu/best.h5" \
  > "$tmp/warm.log" 2>&1 || fail "init_from: $(cat "$tmp/warm.log")"
grep -q "init_from: \"$tmp/eu/best.h5\"" "$tmp/eu_warm/config.pbtxt" || fail "warm run does not record init_from"
expect_error warm_mismatch "training.init_from: " "$train" --config="$eu_config" \
  --dataset="$tmp/data.h5" --out="$tmp/eu_bad" "${small[@]}" --init_from="$tmp/eu/best.h5"

# 4. Predictions for your own states, from the command line.
cat > "$tmp/states.csv" <<'CSV'
q_0,q_1,q_2,p_0,p_1,p_2
1.0,-2.0,0.5,0.3,0.0,-1.2
-3.0,1.0,2.0,0.0,2.5,0.4
CSV
"$predict" --checkpoint="$tmp/aa/best.h5" --states="$tmp/states.csv" --dt=1,10,50 \
  --out="$tmp/pred.csv" --action_angle > "$tmp/predict.log" || fail "predict csv"
grep -q "action_angle model (step .*): 2 state(s) x 3 dt -> $tmp/pred.csv" "$tmp/predict.log" \
  || fail "predict summary: $(cat "$tmp/predict.log")"
head -1 "$tmp/pred.csv" | grep -q "^state,dt,q_0,q_1,q_2,p_0,p_1,p_2,action_0,.*,angular_velocity_2$" \
  || fail "pred.csv header: $(head -1 "$tmp/pred.csv")"
[ "$(wc -l < "$tmp/pred.csv")" -eq 7 ] || fail "pred.csv: expected 1 + 3 x 2 lines"
# The same predictions through .npy and HDF5, and from a program of your own
# package on the public //models:predictor.
/usr/bin/python3 - "$tmp" <<'PY' || fail "npy states"
import sys, numpy as np
tmp = sys.argv[1]
np.save(tmp + "/states.npy", np.loadtxt(tmp + "/states.csv", delimiter=",", skiprows=1))
PY
"$predict" --checkpoint="$tmp/aa/best.h5" --states="$tmp/states.npy" --dt=1,10,50 \
  --action_angle > /dev/null || fail "predict npy"
"$predict" --checkpoint="$tmp/aa/best.h5" --states="$tmp/states.csv" --dt=1,10,50 \
  --out="$tmp/pred.h5" > /dev/null || fail "predict h5"
/usr/bin/python3 - "$tmp" <<'PY' || fail "csv, npy and h5 predictions disagree"
import sys, h5py, numpy as np
tmp = sys.argv[1]
csv = np.loadtxt(tmp + "/pred.csv", delimiter=",", skiprows=1)
npy = np.load(tmp + "/states_predictions.npy")
assert npy.shape == (3, 2, 6), npy.shape
assert np.array_equal(csv[:, 2:8], npy.reshape(6, 6))
assert list(csv[:, 1]) == [1, 1, 10, 10, 50, 50] and list(csv[:, 0]) == [0, 1] * 3
actions = np.load(tmp + "/states_predictions_actions.npy")
assert actions.shape == (3, 2, 3) and np.array_equal(csv[:, 8:11], actions.reshape(6, 3))
with h5py.File(tmp + "/pred.h5", "r") as f:
    assert np.array_equal(f["predictions"][()], npy)
    assert list(f["dt"][()]) == [1, 10, 50]
    assert "actions" not in f
PY
"$predict_one" "$tmp/aa/best.h5" 10 1.0 -2.0 0.5 0.3 0.0 -1.2 > "$tmp/one.txt" \
  || fail "examples:predict_one"
/usr/bin/python3 - "$tmp" <<'PY' || fail "examples:predict_one disagrees with predict"
import sys, numpy as np
tmp = sys.argv[1]
one = np.array(open(tmp + "/one.txt").read().split(), dtype=float)
csv = np.loadtxt(tmp + "/pred.csv", delimiter=",", skiprows=1)
assert np.allclose(one, csv[2, 2:8], rtol=1e-5), (one, csv[2, 2:8])
PY
# 5. The same from Python (Debian's /usr/bin/python3, the module on
# PYTHONPATH as the README says).
PYTHONPATH="$(dirname "$module")" /usr/bin/python3 - "$tmp" <<'PY' || fail "Python predictions"
import sys, numpy as np
import aanet
tmp = sys.argv[1]
m = aanet.load(tmp + "/aa/best.h5")
states = np.loadtxt(tmp + "/states.csv", delimiter=",", skiprows=1)
pred = m.predict(states, [1, 10, 50])
csv = np.loadtxt(tmp + "/pred.csv", delimiter=",", skiprows=1)
assert pred.shape == (3, 2, 6), pred.shape
assert np.array_equal(pred.reshape(6, 6), csv[:, 2:8])
c = m.action_angles(states, dt=50)
assert np.array_equal(c["angular_velocities"], csv[4:6, 14:17])
PY

# The truth of the same states (README: --truth), from the command line and
# from Python: the same predictions, plus the true states and errors.
"$predict" --checkpoint="$tmp/aa/best.h5" --states="$tmp/states.csv" --dt=1,10,50 \
  --out="$tmp/pred_truth.csv" --action_angle --truth="$tmp/data.h5" \
  > /dev/null 2> "$tmp/truth.err" || fail "predict --truth"
head -1 "$tmp/pred_truth.csv" | grep -q ",angular_velocity_2,true_q_0,true_q_1,true_q_2,true_p_0,true_p_1,true_p_2,error,outside_training_range$" \
  || fail "pred_truth.csv header: $(head -1 "$tmp/pred_truth.csv")"
PYTHONPATH="$(dirname "$module")" /usr/bin/python3 - "$tmp" <<'PY' || fail "the truth"
import sys, warnings, numpy as np
import aanet
tmp = sys.argv[1]
csv = np.loadtxt(tmp + "/pred.csv", delimiter=",", skiprows=1)
truth = np.loadtxt(tmp + "/pred_truth.csv", delimiter=",", skiprows=1)
assert np.array_equal(truth[:, :17], csv)  # --truth adds, changes nothing
m = aanet.load(tmp + "/aa/best.h5")
states = np.loadtxt(tmp + "/states.csv", delimiter=",", skiprows=1)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    r = m.compare_with_truth(tmp + "/data.h5", states, [1, 10, 50])
assert np.array_equal(r["true"].reshape(6, 6), truth[:, 17:23])
assert np.array_equal(r["error"].reshape(6), truth[:, 23])
assert np.array_equal(aanet.true_trajectory(tmp + "/data.h5", states, [1, 10, 50]),
                      r["true"])
PY
printf '1,2,3,4,5\n' > "$tmp/short.csv"
expect_error predict_short "short.csv:1: expected 6 values (q_0..q_2, p_0..p_2), got 5" \
  "$predict" --checkpoint="$tmp/aa/best.h5" --states="$tmp/short.csv" --out="$tmp/bad.csv"
expect_error predict_dt "--dt: 'x' is not a finite number" \
  "$predict" --checkpoint="$tmp/aa/best.h5" --states="$tmp/states.csv" --dt=1,x --out="$tmp/bad.csv"
expect_error predict_eu "which has no action-angle coordinates" \
  "$predict" --checkpoint="$tmp/eu/best.h5" --states="$tmp/states.csv" --action_angle --out="$tmp/bad.csv"
expect_error predict_format "unknown format '.txt'" \
  "$predict" --checkpoint="$tmp/aa/best.h5" --states="$tmp/states.csv" --out="$tmp/bad.txt"
[ ! -e "$tmp/bad.csv" ] || fail "a failed predict left a file"

# 6. A small sweep of your own through the main job: a dataset with
# overrides, two models with overrides, a learning-rate axis.
"$paper" --sweep="$sweep_config" --output_root="$tmp/out" --out="$tmp/report" --jobs=2 \
  > "$tmp/paper.log" 2>&1 || fail "paper --sweep: $(tail -n 5 "$tmp/paper.log")"
for model in action_angle_flow@learning_rate=1e-3 action_angle_flow@learning_rate=3e-4 \
    euler_update_flow@learning_rate=1e-3 euler_update_flow@learning_rate=3e-4; do
  dir="$tmp/out/sweeps/own_question/$model/three_k_pair_0.3/samples_100/seed_0"
  [ -f "$dir/evaluation.json" ] || fail "sweep point $model not evaluated"
  grep -q "batch_size: 50" "$dir/config.pbtxt" || fail "$model: batch size override lost"
done
grep -q "learning_rate: 0.0003" \
  "$tmp/out/sweeps/own_question/euler_update_flow@learning_rate=3e-4/three_k_pair_0.3/samples_100/seed_0/config.pbtxt" \
  || fail "axis value not applied"
/usr/bin/python3 - "$tmp/out/datasets/three_k_pair_0.3.h5" <<'PY' || fail "sweep dataset is not the overridden one"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    assert f["q"].shape == (2, 300, 3), f["q"].shape
PY
grep -q "| action_angle_flow@learning_rate=3e-4 | action_angle | configs/harmonic/action_angle_flow.pbtxt | 30 |" \
  "$tmp/report/REPORT.md" || fail "report lacks the axis models and their config"

finish "user workflow: all checks passed"
