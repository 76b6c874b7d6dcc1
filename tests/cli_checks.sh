# Shared by the end-to-end shell tests: source it (sh_test data, path
# tests/cli_checks.sh from the runfiles root), call the checks, end with
# `finish`.

failures=0

# fail MESSAGE: records a failed check and goes on.
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_error NAME SUBSTRING COMMAND...: the command exits with status 1 and
# writes exactly one line to stderr, containing SUBSTRING. The line is left in
# $last_error for further checks.
expect_error() {
  local name="$1" substring="$2"
  shift 2
  last_error=$("$@" 2>&1 >/dev/null)
  local status=$?
  [ "$status" -eq 1 ] || fail "$name: exit status $status, expected 1"
  [ "$(printf '%s\n' "$last_error" | wc -l)" -eq 1 ] \
    || fail "$name: expected one line, got: $last_error"
  case "$last_error" in
    *"$substring"*) ;;
    *) fail "$name: '$last_error' lacks '$substring'" ;;
  esac
}

# finish MESSAGE: exits 1 with the number of failed checks, else prints
# MESSAGE.
finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "$1"
}
