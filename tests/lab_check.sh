#!/usr/bin/env bash
# lab_check.sh NAME - run `hetero lab check NAME` as a test: its own exit status, except that a
# lab this machine cannot show at all ("cannot show here: needs ...") is reported as skipped (77).
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out=$("$HETERO_BIN" lab check "$1" --dir="$dir/lab")
status=$?
printf '%s\n' "$out"
if [ "$status" -eq 0 ] && printf '%s\n' "$out" | grep -q '^cannot show here: needs'; then
  exit 77
fi
exit "$status"
