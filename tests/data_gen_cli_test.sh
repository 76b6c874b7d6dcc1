#!/usr/bin/env bash
# End to end: the data_gen binary writes a dataset h5py can read with the
# documented names, and every user error is one line, exit status 1, and no
# file left under the output name.
set -uo pipefail

data_gen="$1"
config="$2"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
source tests/cli_checks.sh

# data_gen_error NAME SUBSTRING ARGS...: one-line error (expect_error) and no
# file at $tmp/NAME.h5, not even a temporary one.
data_gen_error() {
  local name="$1"
  expect_error "$@"
  [ ! -e "$tmp/$name.h5" ] || fail "$name: left $tmp/$name.h5 behind"
  ls "$tmp" | grep -q "^$name.h5.tmp" && fail "$name: left a temporary file"
}

# A good run.
"$data_gen" --config="$config" --out="$tmp/good.h5" > "$tmp/good.log" || fail "good run failed"
grep -q "true frequencies (rad/time)" "$tmp/good.log" || fail "no summary printed"
# The same config gives a byte-identical file, even a second later (HDF5
# records no object times).
sleep 1.1
"$data_gen" --config="$config" --out="$tmp/again.h5" > /dev/null || fail "second run failed"
cmp -s "$tmp/good.h5" "$tmp/again.h5" || fail "two runs of one config gave different bytes"

/usr/bin/python3 - "$tmp/good.h5" <<'PY' || fail "h5py could not read the dataset as documented"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    K, T, n = f["q"].shape
    assert (K, T, n) == (1, 1000, 2), f["q"].shape
    assert f["p"].shape == (K, T, n) and f["q"].dtype == np.float64
    assert f["t"].shape == (T,) and f["energy"].shape == (K, T)
    assert f["parameters/masses"].shape == (n,)
    assert f["parameters/k_wall"].shape == (n,)
    assert float(f["parameters/k_pair"][()]) == 0.5
    assert f["parameters/amplitudes"].shape == (K, n)
    assert f["parameters/phases"].shape == (K, n)
    w = f["normal_modes/frequencies"][:]
    assert np.all(np.diff(w) > 0)
    assert abs(w[0] - 0.0500) < 1e-3 and abs(w[1] - 0.7775) < 1e-3, w
    assert f["normal_modes/eigenvectors"].shape == (n, n)
    system = f.attrs["system"]
    system = system.decode() if isinstance(system, bytes) else system
    assert system == "harmonic", system
    assert int(f.attrs["format_version"]) == 1
    config = f.attrs["config"]
    config = config.decode() if isinstance(config, bytes) else config
    assert "k_pair: 0.5" in config
    name = f.attrs["name"]
    name = name.decode() if isinstance(name, bytes) else name
    assert name == "harmonic_k_pair_0.5", name
    assert int(f.attrs["num_degrees_of_freedom"]) == n
    # Each trajectory's true frequencies (the normal modes) and actions,
    # whose frequency-weighted sum is the energy.
    assert np.array_equal(f["true_frequencies"][0], w)
    J = f["true_actions"][:]
    assert J.shape == (K, n) and np.all(J > 0)
    assert abs((J[0] * w).sum() - f["energy"][0, 0]) < 1e-12 * f["energy"][0, 0]
    # The stored energy is the Hamiltonian of the stored states.
    m = f["parameters/masses"][:]; kw = f["parameters/k_wall"][:]
    q = f["q"][0]; p = f["p"][0]
    H = (p**2 / (2 * m)).sum(1) + (kw * q**2 / 2).sum(1) + 0.5 / 2 * (q[:, 0] - q[:, 1])**2
    assert np.allclose(H, f["energy"][0], rtol=1e-12, atol=0)
print("h5py ok")
PY

# User errors.
data_gen_error missing_flag "--config is required" "$data_gen" --out="$tmp/missing_flag.h5"
data_gen_error no_file "nonexistent.pbtxt" "$data_gen" --config="$tmp/nonexistent.pbtxt" --out="$tmp/no_file.h5"

printf 'simulation {\n  harmonic { num_particle: 2 }\n}\n' > "$tmp/unknown.pbtxt"
data_gen_error unknown "unknown.pbtxt:2:" "$data_gen" --config="$tmp/unknown.pbtxt" --out="$tmp/unknown.h5"

sed 's/num_particles: 2/num_particles: 0/' "$config" > "$tmp/zero.pbtxt"
data_gen_error zero "simulation.harmonic.num_particles" "$data_gen" --config="$tmp/zero.pbtxt" --out="$tmp/zero.h5"

sed 's/masses { min: 1 max: 5 }/masses { min: -1 max: 5 }/' "$config" > "$tmp/mass.pbtxt"
data_gen_error mass "simulation.harmonic.masses.min" "$data_gen" --config="$tmp/mass.pbtxt" --out="$tmp/mass.h5"

sed 's/num_samples: 1000/num_samples: 1/' "$config" > "$tmp/samples.pbtxt"
data_gen_error samples "simulation.num_samples" "$data_gen" --config="$tmp/samples.pbtxt" --out="$tmp/samples.h5"

data_gen_error stray "unexpected argument" "$data_gen" --config="$config" extra

# Without --out the file is named after the config's `name`, as the sweep
# names its datasets (configs/harmonic/default.pbtxt and
# configs/pendulum/default.pbtxt share a file stem), else the file stem.
ws="$tmp/workspace"
mkdir -p "$ws"
BUILD_WORKSPACE_DIRECTORY="$ws" "$data_gen" --config="$config" > /dev/null \
  || fail "default output: run failed"
[ -f "$ws/out/datasets/harmonic_k_pair_0.5.h5" ] \
  || fail "default output: no out/datasets/harmonic_k_pair_0.5.h5 (the config's name)"
[ ! -e "$ws/out/datasets/default.h5" ] || fail "default output: named after the file stem"
BUILD_WORKSPACE_DIRECTORY="$ws" "$data_gen" --config="$config" \
  --set=simulation.harmonic.k_pair=0.3 > /dev/null || fail "default output with --set failed"
[ -f "$ws/out/datasets/harmonic_k_pair_0.5_k_pair_0.3.h5" ] \
  || fail "default output with --set: $(ls "$ws/out/datasets")"
grep -v '^name:' "$config" > "$tmp/nameless.pbtxt"
BUILD_WORKSPACE_DIRECTORY="$ws" "$data_gen" --config="$tmp/nameless.pbtxt" > /dev/null \
  || fail "default output of a nameless config failed"
[ -f "$ws/out/datasets/nameless.h5" ] || fail "a nameless config: not named after its stem"
sed 's|^name:.*|name: "a/b"|' "$config" > "$tmp/slash.pbtxt"
expect_error slash "slash.pbtxt: name: 'a/b' is not a file name" \
  env BUILD_WORKSPACE_DIRECTORY="$ws" "$data_gen" --config="$tmp/slash.pbtxt"
[ ! -e "$ws/out/datasets/a" ] || fail "slash: wrote under out/datasets/a"

# An unwritable destination fails cleanly too.
data_gen_error unwritable "/proc/" "$data_gen" --config="$config" --out="/proc/unwritable.h5"

finish "all data_gen CLI checks passed"
