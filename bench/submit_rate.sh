#!/usr/bin/env bash
# Submission speed against a real Slurm (the sandbox, or any cluster where you may submit):
#  1. 1,000 single jobs submitted by pdai in one process (`pdai run --count 1000`: one
#     slurm_init, 1,000 slurm_submit_batch_job calls, 1,000 catalog transactions and job
#     directories) against 1,000 `sbatch` invocations of the same script, as a ratio
#     (goal: pdai at least 5x faster);
#  2. `pdai infer` over 100,000 inputs in shards of 100 (one array of 1,000 tasks): time from
#     the command to the array accepted by slurmctld (goal: under 2 s), and pdai's peak RSS.
# The partition is set DOWN while measuring so that jobs queue but never start (starting
# thousands of jobs would compete with the submissions being timed); every job the bench
# made is cancelled and the partition set UP again at the end.
#
# Usage: bench/submit_rate.sh [path/to/pdai] [jobs]     (as root; SLURM_CONF set, sandbox up)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pdai=$(realpath "${1:-$root/build/cli/pdai}")
n=${2:-1000}
: "${SLURM_CONF:?set SLURM_CONF (scripts/slurm-sandbox env)}"
partition=$(sinfo -h -o '%P' | sed -n 's/\*$//p' | head -n 1)
cluster=$(scontrol show config | sed -n 's/^ClusterName *= *//p')
account=pdai-bench
work=$(mktemp -d /tmp/pdai-bench-submit.XXXXXX)
chmod 755 "$work"
export PDAI_CATALOG=$work/catalog.db HOME=$work/home XDG_CONFIG_HOME=$work/home/.config
mkdir -p "$HOME"

cleanup() {
    scancel -A "$account" 2>/dev/null || true
    scontrol update PartitionName="$partition" State=UP 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# ---------------------------------------------------------------- set-up (not timed)
if [[ -z $(sacctmgr -n -P show account "$account" format=account) ]]; then
    sacctmgr -i add account "$account" cluster="$cluster" description="pdai bench" organization=pdai >/dev/null
fi
if [[ -z $(sacctmgr -n -P show assoc account="$account" user=root format=user) ]]; then
    sacctmgr -i add user root account="$account" cluster="$cluster" >/dev/null
fi
sleep 1
"$pdai" -q catalog init
"$pdai" -q vendor add acme
"$pdai" -q bureau add BENCH --display-name "Bench 局" --account "$account"
"$pdai" -q bureau member add BENCH root
mkdir -p "$work/noop/bin"
printf '#!/bin/sh\nexit 0\n' >"$work/noop/bin/run"
chmod 755 "$work/noop/bin/run"
cat >"$work/noop/pdai.toml" <<'EOF'
name = "noop"
version = "1.0.0"
vendor = "acme"
category = "other"
description = "does nothing"
entrypoint = "bin/run"
kinds = ["run", "infer"]
[resources]
gpus = 0
cpus = 1
mem = "64M"
time = "5m"
[infer]
args = ["{input_list}", "{output_dir}"]
EOF
"$pdai" -q bundle pack "$work/noop" -o "$work/noop.tar.gz"
"$pdai" -q algo register "$work/noop.tar.gz"
# The same batch script for sbatch: what pdai wrote for its first job (dry run).
"$pdai" run noop --bureau BENCH --dry-run --json | jq -r .request.job_desc.script >"$work/job.sh"
chmod 755 "$work/job.sh"
mkdir -p "$work/inputs" "$work/sbatch-out"
(cd "$work/inputs" && seq -f 'in-%06g.txt' 0 99999 | xargs touch)

scontrol update PartitionName="$partition" State=DOWN
now() { date +%s.%N; }

# ---------------------------------------------------------------- 1. single jobs
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(now)
/usr/bin/time -f '%U %S' -o "$work/count-time.txt" \
    "$pdai" run noop --bureau BENCH --count "$n" --json >"$work/pdai-count.json"
t1=$(now)
pdai_s=$(echo "$t1 - $t0" | bc -l)
read -r cu cs <"$work/count-time.txt"

t0=$(now)
for ((i = 0; i < n; i++)); do
    sbatch --parsable -A "$account" -p "$partition" -t 5 -c 1 --mem=64M -J bench-sbatch \
        -o "$work/sbatch-out/%j.out" "$work/job.sh" >/dev/null
done
t1=$(now)
sbatch_s=$(echo "$t1 - $t0" | bc -l)
queued=$(squeue -h -A "$account" -t PENDING -o %i | wc -l)
scancel -A "$account"

# ---------------------------------------------------------------- 2. one array of 100,000 inputs
best=999 rss=0 best_cpu=999
for run in 1 2 3; do
    /usr/bin/time -f '%e %M %U %S' -o "$work/time.txt" \
        "$pdai" infer noop --bureau BENCH --inputs "$work/inputs" --shard-size 100 --json >"$work/infer.json"
    read -r secs kib us ss <"$work/time.txt"
    cpu=$(echo "$us + $ss" | bc -l)
    tasks=$(jq -r .tasks "$work/infer.json")
    echo "infer run $run: ${secs}s wall, ${cpu}s CPU, peak RSS ${kib} KiB, $tasks tasks, Slurm array $(jq -r .slurm_job_id "$work/infer.json")"
    best=$(echo "if ($secs < $best) $secs else $best" | bc -l)
    best_cpu=$(echo "if ($cpu < $best_cpu) $cpu else $best_cpu" | bc -l)
    ((kib > rss)) && rss=$kib
    scancel -A "$account"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

printf '\nload average before / after: %s / %s (%d CPUs)\n' "$load_before" "$load_after" "$(nproc)"
printf '\n| figure | value |\n| --- | --- |\n'
printf '| %d jobs, pdai in one process | %.2f s (%.0f jobs/s), pdai CPU %.2f s |\n' "$n" "$pdai_s" \
    "$(echo "$n / $pdai_s" | bc -l)" "$(echo "$cu + $cs" | bc -l)"
printf '| %d jobs, one sbatch each | %.2f s (%.0f jobs/s) |\n' "$n" "$sbatch_s" "$(echo "$n / $sbatch_s" | bc -l)"
printf '| ratio sbatch / pdai (goal >= 5) | %.1fx |\n' "$(echo "$sbatch_s / $pdai_s" | bc -l)"
printf '| jobs queued (pdai and sbatch) before cancelling | %d |\n' "$queued"
printf '| infer, 100,000 inputs / shard 100: command to array accepted (best of 3, goal < 2 s) | %.2f s |\n' "$best"
printf '| infer: pdai CPU time, user + sys (best of 3) | %.2f s |\n' "$best_cpu"
printf '| infer, peak RSS of pdai | %.1f MiB |\n' "$(echo "$rss / 1024" | bc -l)"
