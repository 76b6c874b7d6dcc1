#!/usr/bin/env bash
# Sweep workers live and die with their sweep, and one sweep at a time writes
# a sweep directory:
# 1. SIGKILL to the sweep process alone: its workers die too (no orphans).
# 2. A second sweep on a running sweep's directory fails with one line naming
#    the first one's host:PID, and starts no worker.
# 3. SIGTERM to the sweep process alone: it stops its workers (each
#    finishes its step and checkpoints it), says so in one line, exits 1 and
#    leaves the stopped points PENDING (not FAILED).
#   sweep_lifetime_test.sh SWEEP_BINARY SWEEP_CONFIG
set -uo pipefail

sweep="$1"
config="$2"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
out="$tmp/out"
sweep_dir="$out/sweeps/long"
source tests/cli_checks.sh

# The pids of this test's workers (processes running --sweep_point=<out>/...).
workers() { pgrep -f -- "--sweep_point=$out/" | sort; }

# wait_workers N: waits up to 60 s until N workers run.
wait_workers() {
  for _ in $(seq 1 600); do
    [ "$(workers | wc -l)" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

# wait_gone: waits up to 10 s until no worker is left; else kills them (by
# pid: they are this test's) and fails.
wait_gone() {
  for _ in $(seq 1 100); do
    [ -z "$(workers)" ] && return 0
    sleep 0.1
  done
  fail "$1: workers still running: $(workers | tr '\n' ' ')"
  for pid in $(workers); do kill -KILL "$pid" 2>/dev/null; done
}

# 1. kill -9 the sweep alone.
setsid "$sweep" --sweep="$config" --output_root="$out" --jobs=2 \
  > "$tmp/run1.log" 2>&1 &
pid=$!
wait_workers 2 || fail "kill9: workers did not start: $(cat "$tmp/run1.log")"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
wait_gone "after kill -9 of the sweep"

# 2. A second sweep while the first runs.
setsid "$sweep" --sweep="$config" --output_root="$out" --jobs=2 \
  > "$tmp/run2.log" 2>&1 &
pid=$!
wait_workers 2 || fail "rerun: workers did not start: $(cat "$tmp/run2.log")"
before=$(workers)
expect_error second_sweep "in use by $(hostname):$pid" \
  "$sweep" --sweep="$config" --output_root="$out" --jobs=2
[ "$(workers)" = "$before" ] || fail "the second sweep started workers"
# Workers hold their points too: a worker started by hand on a running point
# is refused.
point=$(dirname "$(ls "$sweep_dir"/*/*/*/*/point.pbtxt | head -1)")
"$sweep" --sweep_point="$point" > "$tmp/point.log" 2>&1 \
  && fail "a second worker ran on a locked point"
grep -q "in use by $(hostname):" "$tmp/point.log" \
  || fail "second worker: $(cat "$tmp/point.log")"

# 3. SIGTERM to the sweep alone.
kill -TERM "$pid"
wait "$pid"
status=$?
[ "$status" -eq 1 ] || fail "SIGTERM: exit status $status, expected 1"
wait_gone "after SIGTERM to the sweep"
tail -1 "$tmp/run2.log" | grep -q "sweep: interrupted by Terminated; stopped 2 running point(s)" \
  || fail "SIGTERM message: $(tail -1 "$tmp/run2.log")"
/usr/bin/python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
assert [p["status"] for p in r["points"]] == ["PENDING"] * 2, r["points"]' \
  "$sweep_dir/sweep_results.json" || fail "stopped points are not PENDING"
# The stopped workers finished their step and checkpointed it, as train
# does on SIGTERM.
for log in "$sweep_dir"/*/*/*/*/log.txt; do
  last=$(tr '\r' '\n' < "$log" | grep -v '^$' | tail -n 1)
  case "$last" in
    "sweep: interrupted by SIGTERM; stopped at step "*" of 10000000; $(dirname "$log")/checkpoint.h5 holds it; a rerun of the sweep resumes it") ;;
    *) fail "stopped worker's last line: '$last'" ;;
  esac
done

finish "sweep lifetime checks passed"
