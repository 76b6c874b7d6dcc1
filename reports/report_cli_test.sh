#!/usr/bin/env bash
# End to end: the report binary turns a synthetic sweep into REPORT.md,
# prints its path, and reports every error as one line `report: <message>`
# with exit status 1.
set -uo pipefail

report="$1"
write_synthetic_sweep="$2"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_error NAME SUBSTRING ARGS...: exit 1 and one stderr line starting
# with "report: " and containing SUBSTRING.
expect_error() {
  local name="$1" substring="$2"
  shift 2
  local err
  err=$("$report" "$@" 2>&1 >/dev/null)
  local status=$?
  [ "$status" -eq 1 ] || fail "$name: exit status $status, expected 1"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$name: expected one line, got: $err"
  case "$err" in "report: "*"$substring"*) ;; *) fail "$name: '$err' lacks 'report: ...$substring'" ;; esac
}

"$write_synthetic_sweep" --out="$tmp/sweep" > /dev/null || fail "writing the synthetic sweep failed"

# A good run prints the path of REPORT.md.
out=$("$report" --sweep_dir="$tmp/sweep" --out="$tmp/report" \
  --budget_description="cli budget text") || fail "good run failed"
[ "$out" = "$tmp/report/REPORT.md" ] || fail "printed '$out', expected $tmp/report/REPORT.md"
grep -q "cli budget text" "$tmp/report/REPORT.md" || fail "budget description missing"
for f in table1 data_efficiency inference_time error_vs_dt frequencies; do
  [ -s "$tmp/report/fig_$f.png" ] || fail "fig_$f.png missing"
  [ -s "$tmp/report/fig_$f.gp" ] || fail "fig_$f.gp missing"
done
# The kept scripts redraw their figures when run by hand.
(cd "$tmp/report" && rm fig_error_vs_dt.png && gnuplot fig_error_vs_dt.gp) \
  || fail "re-running fig_error_vs_dt.gp failed"
[ -s "$tmp/report/fig_error_vs_dt.png" ] || fail "fig_error_vs_dt.gp drew nothing"

# Default output directory: <sweep_dir>/report.
out=$("$report" --sweep_dir="$tmp/sweep") || fail "default --out run failed"
[ "$out" = "$tmp/sweep/report/REPORT.md" ] || fail "default --out printed '$out'"

# Errors.
expect_error no_flag "--sweep_dir is required"
expect_error no_sweep "$tmp/none/sweep_results.json" --sweep_dir="$tmp/none"
expect_error extra_argument "unexpected argument 'extra'" --sweep_dir="$tmp/sweep" extra
evaluation=$(find "$tmp/sweep" -name evaluation.json | sort | head -1)
rm "$evaluation"
expect_error missing_evaluation "$evaluation" --sweep_dir="$tmp/sweep" --out="$tmp/report2"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
