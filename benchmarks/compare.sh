#!/usr/bin/env bash
# Byte-compare the JSON report of two ownlint trees: BASE_SRC with --no-cache against NEW_SRC cold, warm
# and --no-cache, on each DIRECTORY (caches must be invisible; a speed change must change no output).
#   bash benchmarks/compare.sh BASE_SRC NEW_SRC DIRECTORY...
set -uo pipefail
base=$1; new=$2; shift 2; t=$(mktemp -d); trap 'rm -rf "$t"' EXIT; same=0; differ=0
run() {  # SRC DIRECTORY CACHE OUT [args]
  local src=$1 dir=$2 cache=$3 out=$4; shift 4; local cfg=()
  [ -f "$dir/ownlint.yaml" ] && cfg=(--config "$dir/ownlint.yaml")
  PYTHONPATH=$src python3 -m ownlint check -q --jobs 1 --cache-dir "$cache" "${cfg[@]}" --today 2026-12-01 \
    --format json -o "$out" "$@" "$dir" >/dev/null 2>&1
}
for dir in "$@"; do
  n=$(basename "$dir")
  run "$base" "$dir" "$t/base-cache-$n" "$t/base-$n.json" --no-cache
  run "$new" "$dir" "$t/cache-$n" "$t/cold-$n.json"
  run "$new" "$dir" "$t/cache-$n" "$t/warm-$n.json"
  run "$new" "$dir" "$t/nocache-cache-$n" "$t/nocache-$n.json" --no-cache
  for kind in cold warm nocache; do
    if cmp -s "$t/base-$n.json" "$t/$kind-$n.json"; then same=$((same + 1)); else differ=$((differ + 1)); echo "DIFF $dir $kind"; fi
  done
done
echo "same=$same diff=$differ"
[ "$differ" -eq 0 ]
