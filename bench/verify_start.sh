#!/usr/bin/env bash
# Verified code at job start (issue 15): what the check before the entrypoint costs a job,
# for the example bundles (examples/) and for a 1 GiB bundle (16,384 small files of 16 KiB
# and one 768 MiB file, like bench/bundle_register.sh's). Each bundle is registered and run
# once on the local backend; then the check alone (the job script's own lines, up to
# `pdai_check_bundle`) is timed against the script's header alone, best of RUNS, warm page
# cache, and set beside `sha256sum` of the same files, the least that a check of every
# byte costs.
#   bench/verify_start.sh [path/to/pdai]      env: RUNS (5), WORK (~3 GiB free)
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
pdai=$(realpath "${1:-$root/build/cli/pdai}")
runs=${RUNS:-5}
work=$(mktemp -d "${WORK:-/tmp}/pdai-bench-verify.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cat >"$work/pdai.conf" <<EOF
backend = "local"
bundle_store = "$work/store"
jobs_dir = "$work/jobs"
EOF
export PDAI_CATALOG=$work/catalog.db
p=("$pdai" --config "$work/pdai.conf" -q)
"${p[@]}" catalog init
for v in hanwen shijue shengyin bench; do "${p[@]}" vendor add "$v"; done
"${p[@]}" bureau add lab --display-name lab
"${p[@]}" bureau member add lab "$(id -un)"
"${p[@]}" quota set lab --budget 1000000

# measure NAME: runs NAME once (an example without inputs may fail: only its job script is
# needed), then times that script's check.
measure() {
  local name=$1 id script tree
  "${p[@]}" run "$name" --bureau lab --wait >/dev/null 2>&1 || true
  id=$(sqlite3 "$PDAI_CATALOG" "SELECT max(id) FROM jobs")
  script=$work/jobs/$id/job.sh
  [[ -r $script ]] || { echo "no job script $script" >&2; exit 1; }
  # The header (set -euo pipefail, the exports) alone, and the header with the check.
  sed -n '1,/^# The bundle must be the one registered/p' "$script" >"$work/header.sh"
  sed -n '1,/^pdai_check_bundle$/p' "$script" >"$work/check.sh"
  grep -q '^pdai_check_bundle$' "$work/check.sh" || { echo "no check in $script" >&2; exit 1; }
  tree=$(sed -n "s/^export PDAI_BUNDLE_DIR='\(.*\)'$/\1/p" "$script")
  local files bytes base check sums
  files=$(find "$tree" -type f | wc -l)
  bytes=$(du -sb "$tree" | cut -f1)
  base=$(best_ms "$runs" bash "$work/header.sh")
  check=$(best_ms "$runs" bash "$work/check.sh")
  sums=$(best_ms "$runs" bash -c "cd '$tree' && find . -type f -print0 | xargs -0 sha256sum")
  awk -v n="$name" -v f="$files" -v b="$bytes" -v h="$base" -v c="$check" -v s="$sums" 'BEGIN {
    printf "| %s | %d | %.1f MiB | %.2f ms | %.2f ms | %.2f |\n", n, f, b / 1048576, c - h, s, (c - h) / s }'
}

echo "| bundle | files | size | check at job start | sha256sum of the files | ratio |"
echo "| --- | --- | --- | --- | --- | --- |"
for b in hanwen-ocr shijue-faces shengyin-tts; do
  "${p[@]}" bundle pack "$root/examples/$b" -o "$work/$b.tar.gz"
  "${p[@]}" algo register "$work/$b.tar.gz"
  measure "$b"
done

# A run bundle that does nothing, in the two sizes.
make_bundle() {  # NAME SMALL_FILES SMALL_BYTES LARGE_MIB
  local dir=$work/src/$1
  mkdir -p "$dir/bin" "$dir/data"
  printf 'format = 1\nname = "%s"\nversion = "1.0.0"\nvendor = "bench"\ncategory = "other"\ndescription = "does nothing"\nentrypoint = "bin/run"\nkinds = ["run"]\n[resources]\ngpus = 0\ntime = "5m"\n' "$1" >"$dir/pdai.toml"
  printf '#!/bin/sh\nexit 0\n' >"$dir/bin/run" && chmod 755 "$dir/bin/run"
  if (($2 > 0)); then
    head -c $(($2 * $3)) /dev/urandom | (cd "$dir/data" && split -b "$3" -a 5 -d - part-)
  fi
  ((${4} > 0)) && head -c $(($4 << 20)) /dev/urandom >"$dir/model.bin"
  "${p[@]}" bundle pack "$dir" -o "$work/$1.tar.gz"
  rm -rf "$dir"
  "${p[@]}" algo register "$work/$1.tar.gz"
  rm -f "$work/$1.tar.gz"
}
make_bundle noop 0 0 0
measure noop
make_bundle gib 16384 16384 768
measure gib

