#!/usr/bin/env bash
# Installs every Debian package this project needs. Idempotent: packages that
# are already installed are left alone, and the script says what it installs.
# Run as root (or with sudo) on Debian 12.
#
#   tools/setup.sh                # what building and testing need
#   tools/setup.sh --with-slurm   # also a one-machine Slurm cluster's packages
#                                 # (tools/slurm_local.sh, sweep --backend=slurm)
set -euo pipefail

with_slurm=0
for arg in "$@"; do
  case "$arg" in
    --with-slurm) with_slurm=1 ;;
    *) echo "setup: unknown option '$arg' (expected --with-slurm)" >&2; exit 1 ;;
  esac
done

packages=(
  bazel-bootstrap     # Bazel 4.2.3
  bazel-rules-java    # rules_java that Bazel 4.2.3 loads (offline)
  g++
  libeigen3-dev       # Eigen 3.4
  libabsl-dev         # Abseil
  libprotobuf-dev     # Protobuf runtime
  protobuf-compiler   # protoc
  libhdf5-dev         # HDF5 C++ API
  libgtest-dev
  libgmock-dev
  libbenchmark-dev    # Google Benchmark
  libboost-dev        # Boost headers (odeint, used by tests)
  gnuplot-nox         # plots in the report
  python3-h5py        # for users reading datasets from Python
  python3-numpy
  python3-dev         # Python 3.11 headers and pybind11, for the module
  pybind11-dev        # //python:aanet
  clang-format        # Debian 12: clang-format 14; tools/check_format.sh
  clang-14            # libFuzzer builds (fuzz/README.md)
  libclang-rt-14-dev  # the fuzzer and sanitizer runtimes for clang 14
)
if [ "$with_slurm" -eq 1 ]; then
  packages+=(
    munge             # authentication between Slurm's daemons
    slurmctld         # the controller
    slurmd            # the compute-node daemon
    slurm-client      # sbatch, squeue, sacct, scancel, scontrol
  )
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed."
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

echo "setup: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
echo "setup: done."
