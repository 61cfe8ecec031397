#!/usr/bin/env bash
# 1,000 no-op jobs through the local backend ('pdai run noop --backend local', each a
# separate pdai process: catalog transaction, quota admission, job files, detached
# supervisor) against starting the same no-op entrypoint directly 1,000 times. Prints jobs/s
# and the per-job overhead. Waits for every job to end before stopping the clock.
# Usage: bench/local_noop.sh [path/to/pdai] [N]   (exit 77 when pdai has no 'run' command)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pdai=${1:-$root/build/cli/pdai}
n=${2:-1000}
"$pdai" run --help 2>/dev/null | grep -q -- --bureau || { echo "local_noop: $pdai has no 'run' command" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PDAI_CATALOG=$work/catalog.db PDAI_LOCAL_STATE_DIR=$work/state
me=$(id -un)
"$pdai" -q catalog init
"$pdai" -q vendor add bench
"$pdai" -q bureau add b1 --display-name bench --account b1
"$pdai" -q bureau member add b1 "$me"
mkdir -p "$work/noop/bin"
printf 'format = 1\nname = "noop"\nversion = "1.0.0"\nvendor = "bench"\ncategory = "other"\ndescription = "does nothing"\nentrypoint = "bin/run"\nkinds = ["run"]\n[resources]\ngpus = 0\ncpus = 1\ntime = "5m"\n' >"$work/noop/pdai.toml"
printf '#!/bin/sh\nexit 0\n' >"$work/noop/bin/run"
chmod +x "$work/noop/bin/run"
"$pdai" -q bundle pack "$work/noop" -o "$work/noop.tar.gz"
"$pdai" -q algo register "$work/noop.tar.gz"

now() { date +%s.%N; }
t0=$(now)
for ((i = 0; i < n; i++)); do "$work/noop/bin/run"; done
t1=$(now)
for ((i = 0; i < n; i++)); do "$pdai" -q run noop --backend local --bureau b1 >/dev/null; done
# Every supervisor has ended when no run directory's lock is held any more.
for d in "$work"/state/runs/*; do flock "$d/supervisor.lock" true; done
t2=$(now)
ended=$("$pdai" jobs list --json --limit 0 2>/dev/null | jq '[.[] | select(.state == "completed")] | length' || echo "?")
awk -v n="$n" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v ok="$ended" 'BEGIN {
  d = t1 - t0; p = t2 - t1;
  printf "direct:       %d runs in %.2f s  (%.1f runs/s, %.2f ms each)\n", n, d, n / d, 1000 * d / n;
  printf "local backend: %d jobs in %.2f s  (%.1f jobs/s, %.2f ms each; %s completed)\n", n, p, n / p, 1000 * p / n, ok;
  printf "overhead per job: %.2f ms\n", 1000 * (p - d) / n }'
