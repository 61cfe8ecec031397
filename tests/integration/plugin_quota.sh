#!/usr/bin/env bash
# job_submit/pdai in a real slurmctld: quotas enforced on plain sbatch, srun and salloc,
# job_modify, ledger usage, two bureaus, and the fail modes. Budgets: PSB and FIN 10 CUH a
# month each; a100 weighs 1 CUH per GPU-hour, t4 0.25. Held jobs keep the node free.
# `pdai sync` is not written yet: the test writes ledger and liens rows with sqlite3 where
# sync would, and can switch to it once it exists.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/plugin_lib.sh"
plugin_setup

HOLD=(--hold --parsable --output=/dev/null --wrap true)

job_field() { scontrol show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }

out=$WORK/out
month=$(date -u +%Y-%m)

check "over budget: sbatch is refused with one pdai: line, the accounting-policy error, and the same message as 'pdai quota check'"
refused "$out" as "$ALICE" sbatch -A psb --gres=gpu:a100:4 -t 3:00:00 "${HOLD[@]}"
line=$(pdai_line "$out" sbatch)
echo "  $line"
[[ $line == "pdai: bureau PSB (公安局) has 10 CUH left in $month (budget 10 CUH); this job needs 4 GPUs x 3h x 1 CUH/GPU-h = 12 CUH (a100); "* ]] ||
  fail "unexpected message: $line"
[[ $line == *"ask for --time=02:30:00 or less"* ]] || fail "no time advice: $line"
grep -q 'Job violates accounting/QOS policy' "$out" || fail "not the accounting-policy error: $(cat "$out")"
rc=0
"$PDAI" --catalog "$CATALOG" --json quota check PSB --gpus a100:4 --time 3h --user "$ALICE" \
  --plugin-conf "$PLUGIN_CONF" >"$WORK/check.json" 2>/dev/null || rc=$?
[[ $rc -eq 3 ]] || fail "pdai quota check exit $rc, expected 3"
cli_line=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["message"])' "$WORK/check.json")
[[ $cli_line == "$line" ]] || fail "pdai quota check says '$cli_line', the plugin '$line'"
log_since "$PLUGIN_LOG_START" | grep -q "pdai: submit job 'wrap' of user $ALICE (uid [0-9]*): refuse reason=over_budget bureau=PSB bound_cuh=12.000000" ||
  fail "refusal not logged at info in slurmctld.log"

check "srun and salloc are refused the same way"
refused "$out" as "$ALICE" srun -A psb --gres=gpu:a100:4 -t 3:00:00 true
[[ $(pdai_line "$out" srun) == "pdai: bureau PSB"*"needs 4 GPUs x 3h"* ]] || fail "srun: $(cat "$out")"
refused "$out" as "$ALICE" timeout 60 salloc -A psb --gres=gpu:a100:4 -t 3:00:00 true
[[ $(pdai_line "$out" salloc) == "pdai: bureau PSB"*"needs 4 GPUs x 3h"* ]] || fail "salloc: $(cat "$out")"

check "within budget: admitted, tagged in AdminComment"
j1=$(as "$ALICE" sbatch -A psb --gres=gpu:a100:1 -t 60 "${HOLD[@]}") || fail "sbatch within budget refused"
j1=${j1%%;*}
[[ $(job_field "$j1" AdminComment) == "pdai:bureau=PSB,bound_cuh=1.000,period=$month,ask="[0-9a-f]*.[0-9]* ]] ||
  fail "job $j1 AdminComment: $(job_field "$j1" AdminComment)"

check "no --account: the plugin sets the user's only bureau (Slurm's default would be pdai-default)"
j2=$(as "$ALICE" sbatch --gres=gpu:t4:2 -t 60 "${HOLD[@]}") || fail "sbatch without -A refused"
j2=${j2%%;*}
[[ $(job_field "$j2" Account) == psb ]] || fail "job $j2 has account $(job_field "$j2" Account)"

check "srun and salloc within budget run"
as "$ALICE" timeout 60 srun -A psb --gres=gpu:t4:1 -t 1 true >"$out" 2>&1 || fail "srun: $(cat "$out")"
as "$ALICE" timeout 60 salloc -A psb --gres=gpu:t4:1 -t 1 true >"$out" 2>&1 || fail "salloc: $(cat "$out")"

check "a job array is priced per task"
j3=$(as "$ALICE" sbatch -A psb --array=0-3 --gres=gpu:a100:1 -t 60 "${HOLD[@]}") || fail "array of 4 refused"
j3=${j3%%;*}
[[ $(job_field "$j3" AdminComment) == "pdai:bureau=PSB,bound_cuh=4.000,"* ]] ||
  fail "array AdminComment: $(job_field "$j3" AdminComment)"
refused "$out" as "$ALICE" sbatch -A psb --array=0-7%2 --gres=gpu:a100:1 -t 60 "${HOLD[@]}"
line=$(pdai_line "$out" sbatch)
[[ $line == *"this job needs 8 tasks x 1 GPU x 1h x 1 CUH/GPU-h = 8 CUH"*"submit 4 array tasks or fewer"* ]] ||
  fail "array message: $line"

check "no --time: refused with the --time advice and the bureau's longest limit"
refused "$out" as "$ALICE" sbatch -A psb --gres=gpu:a100:1 "${HOLD[@]}"
line=$(pdai_line "$out" sbatch)
[[ $line == "pdai: the job has no time limit, and GPU jobs are charged GPUs x time; give --time, e.g. --time=04:00:00 or --time=1-00:00:00; the longest bureau PSB (公安局) allows is 1-00:00:00" ]] ||
  fail "no-time message: $line"

check "a bureau the user does not belong to is refused (Slurm itself would accept the account)"
refused "$out" as "$CAROL" sbatch -A psb --gres=gpu:a100:1 -t 60 "${HOLD[@]}"
line=$(pdai_line "$out" sbatch)
[[ $line == "pdai: user $CAROL is not a member of bureau PSB (公安局); ask the platform admin to add you to it" ]] ||
  fail "not-member message: $line"

check "two bureaus do not affect each other: PSB cannot fit 6 CUH, FIN can"
refused "$out" as "$ALICE" sbatch -A psb --gres=gpu:a100:2 -t 3:00:00 "${HOLD[@]}"
[[ $(pdai_line "$out" sbatch) == *"has 4.49 CUH left"* ]] || fail "PSB: $(cat "$out")"
j4=$(as "$BOB" sbatch -A fin --gres=gpu:a100:2 -t 3:00:00 "${HOLD[@]}") || fail "FIN refused 6 CUH"
j4=${j4%%;*}
refused "$out" as "$ALICE" sbatch -A psb --gres=gpu:a100:2 -t 3:00:00 "${HOLD[@]}"
[[ $(pdai_line "$out" sbatch) == *"has 4.49 CUH left"* ]] || fail "PSB changed after FIN's job: $(cat "$out")"

check "usage that lands in the ledger shrinks what is left (FIN: 4 -> 1 CUH)"
refused "$out" as "$BOB" sbatch -A fin --gres=gpu:a100:1 -t 5:00:00 "${HOLD[@]}"
[[ $(pdai_line "$out" sbatch) == *"has 4 CUH left"* ]] || fail "FIN before: $(cat "$out")"
now=$(date +%s)
fin_id=$(catalog_sql "SELECT id FROM bureaus WHERE code = 'FIN'")
catalog_sql "INSERT INTO usage_ledger (cluster, slurm_job_id, bureau_id, account, unix_user, gpu_type, gpus,
  start_at, end_at, elapsed_s, gpu_hours, cuh, cost_cny, exit_state, ingested_at)
  VALUES ('$CLUSTER', 999001, $fin_id, 'fin', '$BOB', 'a100', 1, $now - 60, $now, 10800, 3, 3, 30, 'COMPLETED', $now)"
wait_reload
refused "$out" as "$BOB" sbatch -A fin --gres=gpu:a100:1 -t 1:30:00 "${HOLD[@]}"
[[ $(pdai_line "$out" sbatch) == *"has 1 CUH left in $month"* ]] || fail "FIN after: $(cat "$out")"

check "scontrol update: raising a pending job's time limit or GPUs beyond the budget is refused"
# What 'pdai sync' would write: the pending jobs as liens, read just now.
psb_id=$(catalog_sql "SELECT id FROM bureaus WHERE code = 'PSB'")
sleep 1
now=$(date +%s)
catalog_sql "INSERT INTO liens (cluster, slurm_job_id, bureau_id, gpu_type, gpus, tasks, nodes, time_limit_minutes, concurrent_gpus, bound_cuh, state) VALUES
  ('$CLUSTER', $j1, $psb_id, 'a100', 1, 1, 1, 60, 1, 1, 'pending'),
  ('$CLUSTER', $j2, $psb_id, 't4', 2, 1, 1, 60, 2, 0.5, 'pending'),
  ('$CLUSTER', $j3, $psb_id, 'a100', 1, 4, 1, 60, 4, 4, 'pending'),
  ('$CLUSTER', $j4, $fin_id, 'a100', 2, 1, 1, 180, 2, 6, 'pending');
  INSERT INTO sync_state (cluster, liens_at) VALUES ('$CLUSTER', $now)"
wait_reload
# Slurm lets only operators raise time limits; alice is one (for her bureau's jobs).
sacctmgr -i modify user "$ALICE" set adminlevel=Operator >/dev/null
sleep 1
# PSB: 10 - 5.5 in liens; job $j1 holds 1 of them, so it may grow to 5.5 CUH.
refused "$out" as "$ALICE" scontrol update jobid="$j1" timelimit=10:00:00
grep -q 'Job violates accounting/QOS policy' "$out" || fail "scontrol update: $(cat "$out")"
# From 23.02 job_modify() can say why (scontrol prints it as an error line), as sbatch does.
if slurm_at_least 23.02; then
  line=$(pdai_line "$out" scontrol)
  echo "  $line"
  [[ $line == "pdai: bureau PSB (公安局) has "*" CUH left in $month"*"10 CUH"* ]] ||
    fail "scontrol update: unexpected message: $line"
fi
[[ $(job_field "$j1" TimeLimit) == 01:00:00 ]] || fail "time limit changed to $(job_field "$j1" TimeLimit)"
log_since "$PLUGIN_LOG_START" | grep -q "pdai: modify job $j1 of user $ALICE (uid [0-9]*): refuse reason=over_budget bureau=PSB bound_cuh=10.000000" ||
  fail "job_modify refusal not logged"
as "$ALICE" scontrol update jobid="$j1" timelimit=5:00:00 >"$out" 2>&1 || fail "raise within budget refused: $(cat "$out")"
[[ $(job_field "$j1" TimeLimit) == 05:00:00 ]] || fail "time limit is $(job_field "$j1" TimeLimit)"
refused "$out" as "$ALICE" scontrol update jobid="$j1" timelimit=6:00:00 # 6 > 5.5: the 5h counts now
refused "$out" as "$ALICE" scontrol update jobid="$j1" gres=gpu:a100:2   # 2 x 5h = 10
as "$ALICE" scontrol update jobid="$j1" timelimit=2:00:00 >"$out" 2>&1 || fail "lowering refused: $(cat "$out")"
check "a job submitted after the last sync is priced from its submission: a raise beyond the budget is refused, lowering allowed"
j5=$(as "$ALICE" sbatch -A psb --gres=gpu:a100:1 -t 10 "${HOLD[@]}") || fail "small job refused"
j5=${j5%%;*}
modify_refused "$ALICE" "$j5" timelimit=20:00:00 PSB 20.000000 "needs 1 GPU x 20h x 1 CUH/GPU-h = 20 CUH (a100)"
as "$ALICE" scontrol update jobid="$j5" timelimit=5 >"$out" 2>&1 || fail "lowering job $j5 refused: $(cat "$out")"

check "catalog unreadable, fail_mode=closed: refused, root still admitted, logged once, slurmctld up"
mv "$CATALOG" "$CATALOG.away"
wait_reload
for i in 1 2 3; do
  refused "$out" as "$ALICE" sbatch -A psb --gres=gpu:t4:1 -t 10 "${HOLD[@]}"
done
[[ $(pdai_line "$out" sbatch) == "pdai: the quota catalog cannot be read"*"(fail_mode=closed)"* ]] || fail "fail-closed: $(cat "$out")"
sbatch -A pdai-default -J pdai-test-root --gres=gpu:a100:8 -t 60 "${HOLD[@]}" >/dev/null || fail "root refused while fail-closed"
scontrol ping | grep -q 'is UP' || fail "slurmctld is down"
n=$(log_since "$PLUGIN_LOG_START" | grep -c 'pdai: cannot load the quota catalog' || true)
[[ $n -eq 1 ]] || fail "reload failure logged $n times, expected once"

check "catalog unreadable, fail_mode=open: admitted, slurmctld up"
write_conf open
"$SANDBOX" restart-ctld >/dev/null 2>&1 || fail "slurmctld did not restart"
as "$ALICE" sbatch -A psb --gres=gpu:a100:8 -t 100:00:00 "${HOLD[@]}" >"$out" 2>&1 || fail "fail-open refused: $(cat "$out")"
scontrol ping | grep -q 'is UP' || fail "slurmctld is down"

check "the catalog back: quotas are enforced again"
mv "$CATALOG.away" "$CATALOG"
wait_reload
refused "$out" as "$ALICE" sbatch -A psb --gres=gpu:a100:8 -t 100:00:00 "${HOLD[@]}"
pdai_line "$out" sbatch >/dev/null
log_since "$PLUGIN_LOG_START" | grep -q 'pdai: the quota catalog .* can be read again' || fail "recovery not logged"

echo "PASS: job_submit/pdai enforces quotas on sbatch, srun, salloc and scontrol update"
