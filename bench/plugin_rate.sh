#!/usr/bin/env bash
# job_submit/pdai's cost, with a catalog of 500 bureaus and 100,000 ledger rows:
#  1. the plugin's own time per decision: pdai_plugin_bench dlopen()s job_submit_pdai.so and
#     calls its job_submit() with synthetic jobs (median, p99, max), in a hot loop and --cold;
#  2. the sustained submission rate (jobs/s) into the sandbox's slurmctld with
#     JobSubmitPlugins=pdai against the same run without it, as a ratio (goal >= 0.98):
#     held jobs from 4 clients at once, rounds alternating off/on, the median of each;
#     (a) libslurm clients (pdai_submit_flood, no process per job: slurmctld is the
#     bottleneck), (b) plain sbatch processes;
#  3. the plugin's in-slurmctld time per decision over the last 'on' round of each kind (the
#     summary it logs once submissions have been quiet for 2 s).
#
# usage: bench/plugin_rate.sh     (root; the sandbox up; env as for scripts/slurm-sandbox,
#                                  PDAI_SLURM_PREFIX included for another Slurm release)
#   PDAI_BUILD_DIR  build tree with pdai, job_submit_pdai.so, pdai_plugin_bench and
#                   pdai_submit_flood [build]
#   ROUNDS [5]  FLOOD_JOBS [4000]  SBATCH_JOBS [800]  BENCH_JOBS [200000]
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$(cd "${PDAI_BUILD_DIR:-$SRC/build}" && pwd)  # absolute: the clients run from /tmp
PDAI=$BUILD/cli/pdai
PLUGIN=$BUILD/slurm_plugins/job_submit_pdai/job_submit_pdai.so
MICRO=$BUILD/slurm_plugins/job_submit_pdai/pdai_plugin_bench
FLOOD=$BUILD/slurm_plugins/job_submit_pdai/pdai_submit_flood
SANDBOX=$SRC/scripts/slurm-sandbox
ROUNDS=${ROUNDS:-5}
FLOOD_JOBS=${FLOOD_JOBS:-4000}
SBATCH_JOBS=${SBATCH_JOBS:-800}
BENCH_JOBS=${BENCH_JOBS:-200000}
CLIENTS=4
USERS=(pdaib0 pdaib1 pdaib2 pdaib3)

for f in "$PDAI" "$PLUGIN" "$MICRO" "$FLOOD"; do [[ -x $f || -r $f ]] || { echo "missing $f" >&2; exit 1; }; done
eval "$("$SANDBOX" env)"
scontrol ping | grep -q 'is UP' || { echo "the sandbox is not up" >&2; exit 1; }
CONF=$(dirname "$SLURM_CONF")/pdai_plugin.conf
CTLD_LOG=$PDAI_SANDBOX_DIR/log/slurmctld.log
WORK=$(mktemp -d /tmp/pdai-plugin-bench.XXXXXX)
chmod 755 "$WORK"
CATALOG=$WORK/catalog.db

cleanup() {
  local u
  for u in "${USERS[@]}"; do scancel -u "$u" 2>/dev/null || true; done
  PDAI_SANDBOX_JOB_SUBMIT= "$SANDBOX" reconfigure >/dev/null 2>&1 || true
  rm -f "$CONF"
  sacctmgr -i delete user name="$(IFS=,; echo "${USERS[*]}")" >/dev/null 2>&1 || true
  for u in "${USERS[@]}"; do userdel "$u" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
say() { printf '%s\n' "$*" >&2; }

# ---- users, accounts, and a catalog of 500 bureaus with 100,000 ledger rows
for i in "${!USERS[@]}"; do
  u=${USERS[i]}
  id "$u" >/dev/null 2>&1 || useradd -M -N -d /tmp -s /usr/sbin/nologin "$u"
  acct=$(printf 'b%04d' $((i + 1)))
  sacctmgr -i add account "$acct" cluster=pdai-sandbox >/dev/null 2>&1 || true
  sacctmgr -i add user "$u" account="$acct" defaultaccount="$acct" cluster=pdai-sandbox >/dev/null 2>&1 || true
done
"$PDAI" --catalog "$CATALOG" -q catalog init
now=$(date +%s)
t0=$(date +%s.%N)
sqlite3 "$CATALOG" <<SQL
BEGIN;
INSERT INTO gpu_types (name, vendor, weight, price_cny, created_at, updated_at)
  VALUES ('a100', 'nvidia', 1.0, 10, 0, 0), ('t4', 'nvidia', 0.25, 2, 0, 0);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO bureaus (id, code, display_name, slurm_account, created_at, created_by)
  SELECT i, printf('B%04d', i), printf('局%d', i), printf('b%04d', i), 0, 'bench' FROM n;
INSERT INTO quotas (bureau_id, period, budget_cuh, max_time_minutes, updated_at, updated_by)
  SELECT id, 'month', 1000000, 10080, 0, 'bench' FROM bureaus;
WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < 8)
INSERT INTO bureau_members (bureau_id, unix_user, role, added_at)
  SELECT id, printf('user%d_%d', id, j), 'member', 0 FROM bureaus, k;
INSERT INTO bureau_members (bureau_id, unix_user, role, added_at)
  VALUES (1, 'pdaib0', 'member', 0), (2, 'pdaib1', 'member', 0), (3, 'pdaib2', 'member', 0),
         (4, 'pdaib3', 'member', 0);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO usage_ledger (cluster, slurm_job_id, bureau_id, account, unix_user, gpu_type, gpus,
  start_at, end_at, elapsed_s, gpu_hours, cuh, cost_cny, exit_state, ingested_at)
  SELECT 'pdai-sandbox', i, 1 + i % 500, printf('b%04d', 1 + i % 500), 'u', 'a100', 1,
         $now - (i * 97) % (45 * 86400), $now, 3600, 1, 1, 10, 'COMPLETED', $now FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO liens (cluster, slurm_job_id, bureau_id, gpu_type, gpus, tasks, nodes,
  time_limit_minutes, concurrent_gpus, bound_cuh, state)
  SELECT 'pdai-sandbox', 5000000 + i, 1 + i % 500, 'a100', 1, 1, 1, 60, 1, 1, 'pending' FROM n;
INSERT INTO sync_state (cluster, liens_at) VALUES ('pdai-sandbox', $now);
COMMIT;
SQL
say "catalog: 500 bureaus, 4,008 members, 100,000 ledger rows, 2,000 liens ($(du -h "$CATALOG" | cut -f1)), built in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5) s"
cat >"$CONF" <<EOF
catalog = $CATALOG
fail_mode = closed
exempt_users = root
reload_interval_ms = 1000
EOF
chmod 644 "$CATALOG" "$CONF"

echo "## job_submit/pdai: time per decision and submission rate"
echo
echo "catalog: 500 bureaus, 100,000 ledger rows, 2,000 liens; $(nproc) CPUs; $(date -u +%Y-%m-%d)"
echo

# ---- 1. the plugin's own time per decision, outside slurmctld
line=$("$MICRO" "$PLUGIN" "$CONF" "$BENCH_JOBS" "${USERS[@]}" 2>"$WORK/micro.err")
echo "- pdai_plugin_bench ($BENCH_JOBS synthetic jobs through job_submit()): $line"
grep 'pdai: stopping' "$WORK/micro.err" | sed 's/^info: /  - plugin summary: /' || true
cold_jobs=$((BENCH_JOBS < 20000 ? BENCH_JOBS : 20000))
line=$("$MICRO" --cold "$PLUGIN" "$CONF" "$cold_jobs" "${USERS[@]}" 2>"$WORK/micro.err")
echo "- pdai_plugin_bench --cold ($cold_jobs jobs, each on a new thread after 32 MiB of other writes): $line"

# ---- 2. submission rate, plugin off vs on
# A reconfigure restarts slurmctld; under load it can miss its wait once, so try again
# before giving up, and say why instead of dying silently under set -e.
set_plugin() {
  local try
  for try in 1 2 3; do
    PDAI_SANDBOX_JOB_SUBMIT=$1 "$SANDBOX" reconfigure >"$WORK/reconf.log" 2>&1 && return 0
    say "  reconfigure (JobSubmitPlugins=${1:-none}) failed, try $try: $(tail -n 2 "$WORK/reconf.log" | tr '\n' ' ')"
    sleep 2
  done
  exit 1
}
cancel_all() {
  local u
  for u in "${USERS[@]}"; do scancel -u "$u" 2>/dev/null || true; done
  while [[ -n $(squeue -h -u "$(IFS=,; echo "${USERS[*]}")" -o %i 2>/dev/null | head -n 1) ]]; do sleep 0.2; done
}
# flood_run: 4 libslurm clients (one per user) at once; prints jobs/s.
flood_run() {
  local i pids=() ok=0 s t0 t1
  t0=$(date +%s.%N)
  for i in $(seq 0 $((CLIENTS - 1))); do
    (cd /tmp && runuser -u "${USERS[i]}" -- env SLURM_CONF="$SLURM_CONF" "$FLOOD" $((FLOOD_JOBS / CLIENTS)) 2 "$(printf 'b%04d' $((i + 1)))" gpu:a100:1 60) >"$WORK/flood.$i" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}"
  t1=$(date +%s.%N)
  # Each client ends with "jobs N ok M failed F ..."; an error line may come before it.
  for i in $(seq 0 $((CLIENTS - 1))); do ok=$((ok + $(awk '$1 == "jobs" { n = $4 } END { print n + 0 }' "$WORK/flood.$i"))); done
  ((ok == FLOOD_JOBS)) || say "  flood: $ok of $FLOOD_JOBS accepted: $(cat "$WORK"/flood.* | tr '\n' ' ')"
  echo "$ok $t0 $t1" | awk '{ printf "%.1f", $1 / ($3 - $2) }'
}
# sbatch_run: 4 shell loops of sbatch processes at once; prints jobs/s.
sbatch_run() {
  local i pids=() t0 t1 ok
  t0=$(date +%s.%N)
  for i in $(seq 0 $((CLIENTS - 1))); do
    (
      cd /tmp
      for ((k = 0; k < SBATCH_JOBS / CLIENTS; k++)); do
        runuser -u "${USERS[i]}" -- env SLURM_CONF="$SLURM_CONF" sbatch --hold --parsable --output=/dev/null \
          -A "$(printf 'b%04d' $((i + 1)))" --gres=gpu:a100:1 -t 60 --wrap true 2>&1 || true
      done
    ) >"$WORK/sbatch.$i" &
    pids+=($!)
  done
  wait "${pids[@]}"
  t1=$(date +%s.%N)
  ok=$(cat "$WORK"/sbatch.* | grep -c '^[0-9]' || true)
  ((ok == SBATCH_JOBS)) || say "  sbatch: $ok of $SBATCH_JOBS accepted: $(grep -hv '^[0-9]' "$WORK"/sbatch.* | sort | uniq -c | head -n 3)"
  echo "$ok $t0 $t1" | awk '{ printf "%.1f", $1 / ($3 - $2) }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

mark=$(stat -c %s "$CTLD_LOG")
declare -A rates summary
for kind in flood sbatch; do
  for mode in off on; do rates[$kind.$mode]=""; done
  for ((r = 1; r <= ROUNDS; r++)); do
    # Alternate which mode goes first, so neither always runs on a fresher slurmctld.
    modes=(off on)
    ((r % 2 == 0)) && modes=(on off)
    for mode in "${modes[@]}"; do
      set_plugin "$([[ $mode == on ]] && echo pdai || true)"
      cancel_all
      rate=$("${kind}_run")
      rates[$kind.$mode]+="$rate "
      say "  $kind round $r plugin $mode: $rate jobs/s"
      if [[ $mode == on ]]; then  # the plugin logs its time per decision 2 s after the last
        sleep 3
        summary[$kind]=$(tail -c +"$((mark + 1))" "$CTLD_LOG" | grep 'pdai: since start' | tail -n 1 | sed 's/^\[[^]]*\] *//' || true)
      fi
      cancel_all
    done
  done
done
set_plugin ""
echo
echo "| clients | jobs per run | plugin off, jobs/s (median of $ROUNDS) | plugin on, jobs/s | ratio on/off |"
echo "| --- | --- | --- | --- | --- |"
for kind in flood sbatch; do
  off=$(tr ' ' '\n' <<<"${rates[$kind.off]}" | grep . | median)
  on=$(tr ' ' '\n' <<<"${rates[$kind.on]}" | grep . | median)
  jobs=$([[ $kind == flood ]] && echo "$FLOOD_JOBS" || echo "$SBATCH_JOBS")
  label=$([[ $kind == flood ]] && echo "4 x libslurm (pdai_submit_flood, 2 threads each)" || echo "4 x sbatch loops")
  printf '| %s | %s | %s (%s) | %s (%s) | %.3f |\n' "$label" "$jobs" "$off" "${rates[$kind.off]% }" "$on" "${rates[$kind.on]% }" \
    "$(echo "$on / $off" | bc -l)"
done
echo
echo "- inside slurmctld (the plugin's log summary, 2 s after the last 'on' round of each kind):"
for kind in flood sbatch; do echo "  - $kind: ${summary[$kind]:-(no summary found in $CTLD_LOG)}"; done
