#!/usr/bin/env bash
# Every binary's --help prints its usage and its own flags on stdout and
# exits 0.
#   help_test.sh BINARY:FLAG...   (FLAG: one of the binary's flags)
set -uo pipefail
source tests/cli_checks.sh

for entry in "$@"; do
  binary="${entry%%:*}"
  flag="${entry##*:}"
  name=$(basename "$binary")
  out=$("$binary" --help 2> /dev/null)
  status=$?
  [ "$status" -eq 0 ] || fail "$name --help: exit status $status, expected 0"
  case "$out" in
    *"Flags:"*"--$flag "*) ;;
    *) fail "$name --help does not list --$flag: $out" ;;
  esac
  [ "$("$binary" -h 2> /dev/null | head -1)" = "$(printf '%s\n' "$out" | head -1)" ] \
    || fail "$name -h differs from --help"
done
finish "--help checks passed"
