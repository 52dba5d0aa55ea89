#!/usr/bin/env bash
# Instructions (callgrind) of one `ownlint check --jobs 1` run: repeatable whatever the machine's load.
#   bash benchmarks/callgrind.sh SRC DIRECTORY cold|warm|nocache
# SRC: an ownlint `src` directory (compile it first: python -m compileall -q SRC); warm is measured after
# one cold run fills a fresh cache. DIRECTORY's ownlint.yaml is used when it has one.
set -uo pipefail
src=$1; dir=$2; mode=$3; t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
cfg=(); [ -f "$dir/ownlint.yaml" ] && cfg=(--config "$dir/ownlint.yaml")
run() { PYTHONPATH=$src "$@" python3 -m ownlint check -q --jobs 1 --cache-dir "$t/cache" "${cfg[@]}" \
  --today 2026-12-01 --format json -o "$t/out.json" "${extra[@]}" "$dir" >/dev/null 2>>"$t/err"; }
extra=()
[ "$mode" = warm ] && run env
[ "$mode" = nocache ] && extra=(--no-cache)
run valgrind --tool=callgrind --callgrind-out-file="$t/cg.out"
grep -o 'Collected : [0-9]*' "$t/err" | awk -v d="$dir" -v m="$mode" '{printf "%s %s %.0fM instructions\n", d, m, $3/1e6}'
