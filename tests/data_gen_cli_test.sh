#!/usr/bin/env bash
# End to end: the data_gen binary writes a dataset h5py can read with the
# documented names, and every user error is one line, exit status 1, and no
# file left under the output name.
set -uo pipefail

data_gen="$1"
config="$2"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_error NAME SUBSTRING ARGS... : exit 1, one stderr line containing
# SUBSTRING, and no file at $tmp/NAME.h5.
expect_error() {
  local name="$1" substring="$2"
  shift 2
  local err
  err=$("$data_gen" "$@" 2>&1 >/dev/null)
  local status=$?
  [ "$status" -eq 1 ] || fail "$name: exit status $status, expected 1"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$name: expected one line, got: $err"
  case "$err" in *"$substring"*) ;; *) fail "$name: '$err' lacks '$substring'" ;; esac
  [ ! -e "$tmp/$name.h5" ] || fail "$name: left $tmp/$name.h5 behind"
  ls "$tmp" | grep -q "^$name.h5.tmp" && fail "$name: left a temporary file"
}

# A good run.
"$data_gen" --config="$config" --out="$tmp/good.h5" > "$tmp/good.log" || fail "good run failed"
grep -q "normal-mode frequencies" "$tmp/good.log" || fail "no summary printed"

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
    # The stored energy is the Hamiltonian of the stored states.
    m = f["parameters/masses"][:]; kw = f["parameters/k_wall"][:]
    q = f["q"][0]; p = f["p"][0]
    H = (p**2 / (2 * m)).sum(1) + (kw * q**2 / 2).sum(1) + 0.5 / 2 * (q[:, 0] - q[:, 1])**2
    assert np.allclose(H, f["energy"][0], rtol=1e-12, atol=0)
print("h5py ok")
PY

# User errors.
expect_error missing_flag "--config is required" --out="$tmp/missing_flag.h5"
expect_error no_file "nonexistent.pbtxt" --config="$tmp/nonexistent.pbtxt" --out="$tmp/no_file.h5"

printf 'simulation {\n  harmonic { num_particle: 2 }\n}\n' > "$tmp/unknown.pbtxt"
expect_error unknown "unknown.pbtxt:2:" --config="$tmp/unknown.pbtxt" --out="$tmp/unknown.h5"

sed 's/num_particles: 2/num_particles: 0/' "$config" > "$tmp/zero.pbtxt"
expect_error zero "simulation.harmonic.num_particles" --config="$tmp/zero.pbtxt" --out="$tmp/zero.h5"

sed 's/masses { min: 1 max: 5 }/masses { min: -1 max: 5 }/' "$config" > "$tmp/mass.pbtxt"
expect_error mass "simulation.harmonic.masses.min" --config="$tmp/mass.pbtxt" --out="$tmp/mass.h5"

sed 's/num_samples: 1000/num_samples: 1/' "$config" > "$tmp/samples.pbtxt"
expect_error samples "simulation.num_samples" --config="$tmp/samples.pbtxt" --out="$tmp/samples.h5"

expect_error stray "unexpected argument" --config="$config" extra

# An unwritable destination fails cleanly too.
expect_error unwritable "/proc/" --config="$config" --out="/proc/unwritable.h5"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all data_gen CLI checks passed"
