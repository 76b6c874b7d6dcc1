#!/usr/bin/env bash
# Fails (exit 1) listing every tracked C++ file that clang-format (Google
# style, .clang-format at the root; Debian 12's clang-format 14, installed by
# tools/setup.sh) would change. Run from anywhere inside the repository:
#   tools/check_format.sh          # check
#   tools/check_format.sh --fix    # reformat in place
set -uo pipefail
cd "$(git rev-parse --show-toplevel)" || exit 1
command -v clang-format >/dev/null || { echo "check_format: clang-format is not installed (tools/setup.sh installs it)"; exit 1; }
fix=0
[ "${1:-}" = "--fix" ] && fix=1
bad=()
while IFS= read -r file; do
  if [ "$fix" -eq 1 ]; then
    clang-format -i --style=file "$file"
  elif ! clang-format --style=file --dry-run -Werror "$file" >/dev/null 2>&1; then
    bad+=("$file")
  fi
done < <(git ls-files '*.cc' '*.h')
if [ "${#bad[@]}" -gt 0 ]; then
  echo "check_format: ${#bad[@]} file(s) not clang-formatted (run tools/check_format.sh --fix):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
[ "$fix" -eq 1 ] || echo "check_format: every C++ file is clang-formatted"
