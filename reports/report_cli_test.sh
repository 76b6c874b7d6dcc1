#!/usr/bin/env bash
# End to end: the report binary turns a synthetic sweep into REPORT.md,
# prints its path, and reports every error as one line `report: <message>`
# with exit status 1.
set -uo pipefail

report="$1"
write_synthetic_sweep="$2"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
source tests/cli_checks.sh

# report_error NAME SUBSTRING ARGS...: one-line error (expect_error) that
# starts with "report: ".
report_error() {
  local name="$1"
  expect_error "$1" "$2" "$report" "${@:3}"
  case "$last_error" in "report: "*) ;; *) fail "$name: '$last_error' lacks 'report: '" ;; esac
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
report_error no_flag "--sweep_dir is required"
report_error no_sweep "$tmp/none/sweep_results.json" --sweep_dir="$tmp/none"
report_error extra_argument "unexpected argument 'extra'" --sweep_dir="$tmp/sweep" extra
evaluation=$(find "$tmp/sweep" -name evaluation.json | sort | head -1)
rm "$evaluation"
report_error missing_evaluation "$evaluation" --sweep_dir="$tmp/sweep" --out="$tmp/report2"

finish "all checks passed"
