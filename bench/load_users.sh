#!/usr/bin/env bash
# N concurrent users (default 50 processes) in a loop for S seconds (default 60), each
# cycling through what engineers and cron do all day: list (algo list), show (quota show),
# a dry-run of a submission (the quota engine's answer, no job), and a real submission
# (to the Slurm sandbox when SLURM_CONF points at a running one, else the local backend).
# Prints per command: calls, failures, p50 / p95 / max latency in ms. The issue's goal:
# zero failures, p95 < 200 ms, max < 1 s (the platform's requirement: mean < 1 s, max < 3 s).
#
# Usage: bench/load_users.sh [path/to/pdai] [USERS] [SECONDS]     (root, for the sandbox)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pdai=${1:-$root/build/cli/pdai}
users=${2:-50}
seconds=${3:-60}
[[ -x $pdai ]] || { echo "load_users: no pdai at $pdai" >&2; exit 2; }

work=$(mktemp -d /tmp/pdai-load.XXXXXX)
chmod 755 "$work"
backend=local
if [[ -n ${SLURM_CONF:-} ]] && timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP'; then backend=slurm; fi
acct=load$$
cleanup() {
  if [[ $backend == slurm ]]; then
    scancel -A "$acct" 2>/dev/null || true
    sacctmgr -i delete account "$acct" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

export PDAI_CATALOG=$work/catalog.db PDAI_LOCAL_STATE_DIR=$work/state
p() { "$pdai" -q "$@"; }
p catalog init
p vendor add bench
p gpu type add a100 --weight 1 --price 10
p bureau add b1 --display-name load --account "$acct"
p bureau member add b1 "$(id -un)"
p quota set b1 --budget 1000000
mkdir -p "$work/noop/bin"
cat >"$work/noop/pdai.toml" <<'EOF'
format = 1
name = "noop"
version = "1.0.0"
vendor = "bench"
category = "other"
description = "does nothing"
entrypoint = "bin/run"
kinds = ["run"]
[resources]
gpus = 0
cpus = 1
time = "5m"
EOF
printf '#!/bin/sh\nexit 0\n' >"$work/noop/bin/run"
chmod +x "$work/noop/bin/run"
p bundle pack "$work/noop" -o "$work/noop.tar.gz"
p algo register "$work/noop.tar.gz"
if [[ $backend == slurm ]]; then
  cluster=$(scontrol show config | awk '$1 == "ClusterName" {print $3}')
  sacctmgr -i add account "$acct" cluster="$cluster" >/dev/null
  sacctmgr -i add user "$(id -un)" account="$acct" cluster="$cluster" >/dev/null
fi

# worker I: until the deadline, the four commands in turn (offset by I so that all four
# run at every moment); one "command ms exit" line per call. Times come from bash's own
# clock ($EPOCHREALTIME, microseconds): forking date(1) twice per call cost the two cores
# as much CPU as the pdai processes measured.
worker() {
  local i=$1 k=$1 s e rc name
  local -a cmd
  while ((EPOCHSECONDS < deadline)); do
    case $((k % 4)) in
    0) name=list cmd=(algo list --json) ;;
    1) name=show cmd=(quota show b1 --json) ;;
    2) name=dry-run cmd=(run noop --bureau b1 --backend "$backend" --dry-run --json) ;;
    3) name=submit cmd=(run noop --bureau b1 --backend "$backend" --json) ;;
    esac
    k=$((k + 1))
    s=${EPOCHREALTIME/./}
    rc=0
    "$pdai" "${cmd[@]}" >/dev/null 2>>"$work/err.$i" || rc=$?
    e=${EPOCHREALTIME/./}
    echo "$name $(((e - s) / 1000)) $rc"
  done >"$work/lat.$i"
}

echo "load: $users users for ${seconds}s, backend $backend, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
deadline=$((EPOCHSECONDS + seconds))
pids=()
for ((i = 0; i < users; i++)); do
  worker "$i" &
  pids+=($!)
done
wait "${pids[@]}"

cat "$work"/lat.* >"$work/all"
printf '| command | calls | failures | p50 ms | p95 ms | max ms |\n| --- | --- | --- | --- | --- | --- |\n'
for name in list show dry-run submit; do
  awk -v n="$name" '$1 == n {print $2, $3}' "$work/all" | sort -n >"$work/$name"
  awk -v n="$name" '
    { ms[NR] = $1; if ($2 != 0) fail++ }
    END {
      if (NR == 0) { printf "| %s | 0 | - | - | - | - |\n", n; exit }
      p50 = ms[int((NR - 1) * 0.50) + 1]; p95 = ms[int((NR - 1) * 0.95) + 1]
      printf "| %s | %d | %d | %d | %d | %d |\n", n, NR, fail, p50, p95, ms[NR]
    }' "$work/$name"
done
total=$(wc -l <"$work/all")
fails=$(awk '$3 != 0' "$work/all" | wc -l)
echo
echo "total: $total calls in ${seconds}s ($(awk -v t="$total" -v s="$seconds" 'BEGIN {printf "%.1f", t / s}') /s), $fails failed"
if ((fails > 0)); then
  echo "first errors:"
  cat "$work"/err.* | sort | uniq -c | sort -rn | head -n 5
fi
