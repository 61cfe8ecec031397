#!/usr/bin/env bash
# job_submit/pdai charges what Slurm will allocate, as real unix users in a real slurmctld:
# an --exclusive job, or any job in a partition with OverSubscribe=EXCLUSIVE, gets (and is
# charged) every GPU of its node; one job may ask for two GPU
# types, each priced at its own weight; a het-job is priced as one request, and a refused
# one leaves nothing booked. FIN has 10 CUH a month; a100 weighs 1 CUH per GPU-hour, t4 0.25;
# the sandbox's node has 4 a100 + 4 t4, so a whole node costs 5 CUH an hour.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/plugin_lib.sh"
plugin_setup

HOLD=(--hold --parsable --output=/dev/null --wrap true)
out=$WORK/out
p=("$PDAI" --catalog "$CATALOG")

# What the plugin says FIN has left: from the refusal of a job far too large.
fin_left() {
  refused "$out" as "$BOB" sbatch -A fin --gres=gpu:a100:4 -t 7-00:00:00 "${HOLD[@]}"
  pdai_line "$out" sbatch | sed -n 's/.* has \([0-9.]*\) CUH left.*/\1/p'
}
# alloc_tres JOB: what Slurm allocated to JOB once it is COMPLETED in accounting.
alloc_tres() {
  local i
  for ((i = 0; i < 150; i++)); do
    [[ $(sacct -n -X -P -j "$1" -o State) == COMPLETED ]] && break
    sleep 0.2
  done
  sacct -n -X -P -j "$1" -o AllocTRES
}
near() { awk -v a="$1" -v b="$2" -v e="${3:-0.011}" 'BEGIN { d = a - b; exit !(d <= e && d >= -e) }'; }

check "--exclusive without a node inventory is refused, saying so (fail_mode=closed)"
refused "$out" as "$BOB" sbatch -A fin --exclusive -t 60 "${HOLD[@]}"
line=$(pdai_line "$out" sbatch)
echo "  $line"
[[ $line == "pdai: no node inventory to price an exclusive job, which gets every GPU of its nodes; ask the platform admin to run 'pdai node sync'" ]] ||
  fail "unexpected message: $line"

check "--exclusive with no GPU request: priced at the node's 8 GPUs, each type at its weight"
"${p[@]}" -q node sync
chmod 644 "$CATALOG"
wait_reload
refused "$out" as "$BOB" sbatch -A fin --exclusive -t 180 "${HOLD[@]}"
line=$(pdai_line "$out" sbatch)
echo "  $line"
[[ $line == *"(4 x a100 x 1 + 4 x t4 x 0.25 CUH/GPU-h) x 3h = 15 CUH, for every GPU of a node like pdai-node1 (--exclusive)"* ]] ||
  fail "unexpected message: $line"
refused "$out" as "$BOB" sbatch -A fin --exclusive --gres=gpu:t4:1 -t 180 "${HOLD[@]}"
[[ $(pdai_line "$out" sbatch) == *"= 15 CUH, for every GPU"* ]] ||
  fail "a GPU request does not shrink an exclusive job: $(cat "$out")"

check "an exclusive job that fits runs; sync ledgers what Slurm allocated, each type at its weight"
ex=$(as "$BOB" sbatch -A fin --exclusive -t 1 --parsable --output=/dev/null --wrap 'sleep 2') ||
  fail "exclusive job within budget refused"
ex=${ex%%;*}
tres=$(alloc_tres "$ex")
echo "  Slurm allocated: $tres"
[[ $tres == *"gres/gpu:a100=4"* && $tres == *"gres/gpu:t4=4"* ]] || fail "not the whole node: $tres"
for ((i = 0; i < 10; i++)); do
  "${p[@]}" -q sync
  [[ $(catalog_sql "SELECT COUNT(*) FROM usage_ledger WHERE slurm_job_id = $ex") -ge 1 ]] && break
  sleep 1
done
row=$(catalog_sql "SELECT gpus || '|' || elapsed_s || '|' || cuh FROM usage_ledger WHERE slurm_job_id = $ex")
IFS='|' read -r gpus elapsed cuh <<<"$row"
echo "  ledger: $gpus GPUs, $elapsed s, $cuh CUH"
[[ $gpus -eq 8 ]] || fail "ledger has $gpus GPUs for the exclusive job"
near "$cuh" "$(awk -v e="$elapsed" 'BEGIN { print e * 5 / 3600 }')" 0.0001 ||
  fail "ledger charges $cuh CUH for $elapsed s; 4 a100 + 4 t4 cost 5 CUH an hour"
chmod 644 "$CATALOG"
wait_reload

check "partition 'whole' (OverSubscribe=EXCLUSIVE): its jobs are priced and allocated as whole nodes"
[[ $(catalog_sql "SELECT exclusive || is_default || nodes FROM partitions WHERE name = 'whole'") == "10pdai-node1" ]] ||
  fail "node sync did not store partition 'whole' as exclusive: $(catalog_sql "SELECT * FROM partitions")"
refused "$out" as "$BOB" sbatch -A fin -p whole --gres=gpu:t4:1 -t 180 "${HOLD[@]}"
line=$(pdai_line "$out" sbatch)
echo "  $line"
[[ $line == *"= 15 CUH, for every GPU of a node like pdai-node1 (partition whole gives whole nodes)"* ]] ||
  fail "unexpected message: $line"
# The same job in the default partition shares the node: 0.75 CUH, admitted.
shared=$(as "$BOB" sbatch -A fin --gres=gpu:t4:1 -t 180 "${HOLD[@]}") || fail "shared job refused: $(cat "$out")"
scancel "${shared%%;*}"
wj=$(as "$BOB" sbatch -A fin -p whole --gres=gpu:t4:1 -t 1 --parsable --output=/dev/null --wrap 'sleep 1') ||
  fail "a job in partition whole within budget refused"
wj=${wj%%;*}
tres=$(alloc_tres "$wj")
echo "  Slurm allocated: $tres"
[[ $tres == *"gres/gpu:a100=4"* && $tres == *"gres/gpu:t4=4"* ]] || fail "partition whole did not give the whole node: $tres"
"${p[@]}" -q sync  # the cancelled and the finished job leave the liens
chmod 644 "$CATALOG"
wait_reload

check "--gres=gpu:a100:1,gpu:t4:4 within budget is admitted at (1 + 4 x 0.25) x 2h = 4 CUH"
before=$(fin_left)
mixed=$(as "$BOB" sbatch -A fin --gres=gpu:a100:1,gpu:t4:4 -t 120 "${HOLD[@]}") || fail "mixed types refused: $(cat "$out")"
mixed=${mixed%%;*}
[[ $(scontrol show job "$mixed" | grep -o 'AdminComment=[^ ]*') == *"bound_cuh=4.000"* ]] ||
  fail "job $mixed: $(scontrol show job "$mixed" | grep -o 'AdminComment=[^ ]*')"
after=$(fin_left)
near "$before" "$(awk -v a="$after" 'BEGIN { print a + 4 }')" || fail "FIN went from $before to $after CUH left"

check "two types over budget: refused, both types in the message"
refused "$out" as "$BOB" sbatch -A fin --gres=gpu:a100:1,gpu:t4:4 -t 600 "${HOLD[@]}"
line=$(pdai_line "$out" sbatch)
echo "  $line"
[[ $line == *"(1 x a100 x 1 + 4 x t4 x 0.25 CUH/GPU-h) x 10h = 20 CUH"* ]] || fail "unexpected message: $line"

check "a refused het-job leaves nothing booked: the next job within budget is admitted"
left=$(fin_left)  # about 5.9 CUH
refused "$out" as "$BOB" sbatch -A fin --gres=gpu:a100:1 -t 240 --hold --parsable --output=/dev/null : \
  -A fin --gres=gpu:a100:1 -t 240 --wrap true
grep -q "het-job component 1: what is left already counts its component 0, 4 CUH" "$out" ||
  fail "het-job refusal: $(cat "$out")"
near "$(fin_left)" "$left" || fail "the refused het-job left a booking: $left -> $(fin_left) CUH"
five=$(as "$BOB" sbatch -A fin --gres=gpu:a100:1 -t 300 "${HOLD[@]}") ||
  fail "a 5 CUH job after the refused het-job was refused: $(cat "$out")"
scancel "${five%%;*}"

check "an admitted het-job's liens equal the sum of its components"
het=$(as "$BOB" sbatch -A fin --gres=gpu:t4:1 -t 60 --hold --parsable --output=/dev/null : \
  -A fin --gres=gpu:a100:1 -t 30 --wrap true) || fail "het-job within budget refused: $(cat "$out")"
het=${het%%;*}
sleep 1  # bookings of the very second a sync reads slurmctld are kept (counted twice, never missed)
"${p[@]}" -q sync
chmod 644 "$CATALOG"
sum=$(catalog_sql "SELECT SUM(bound_cuh) FROM liens WHERE slurm_job_id IN ($het, $het + 1)")
echo "  liens of het-job $het: $sum CUH (0.25 + 0.5)"
near "$sum" 0.75 0.0001 || fail "het-job $het liens: $sum CUH"
scontrol show job "$het" | grep -q "HetJobOffset=1" || fail "job $het is not a het-job"
mixed_lien=$(catalog_sql "SELECT bound_cuh FROM liens WHERE slurm_job_id = $mixed")
near "$mixed_lien" 4 0.0001 || fail "sync's lien of the two-type job $mixed: $mixed_lien CUH, not 4"

check "right after submission, before any sync: NumNodes, Gres and TimeLimit changes that fit are allowed, lowering too, and a raise that does not fit is refused"
# Slurm lets only operators raise time limits.
sacctmgr -i modify user "$BOB" set adminlevel=Operator >/dev/null
sleep 1
l0=$(fin_left)
m=$(as "$BOB" sbatch -A fin --gres=gpu:a100:1 -t 60 "${HOLD[@]}") || fail "1 CUH job refused"
m=${m%%;*}
expect_left() {  # CUH the job holds now; FIN must have l0 minus that left
  near "$(fin_left)" "$(awk -v a="$l0" -v b="$1" 'BEGIN { print a - b }')" ||
    fail "after '$2', FIN has $(fin_left) CUH left; expected $l0 - $1"
}
expect_left 1 "submit"
as "$BOB" scontrol update jobid="$m" numnodes=2 >"$out" 2>&1 || fail "NumNodes=2 (2 CUH) refused: $(cat "$out")"
expect_left 2 "NumNodes=2"
as "$BOB" scontrol update jobid="$m" gres=gpu:a100:2 >"$out" 2>&1 || fail "Gres=gpu:a100:2 (4 CUH) refused: $(cat "$out")"
expect_left 4 "Gres=gpu:a100:2"
modify_refused "$BOB" "$m" timelimit=10:00:00 FIN 40.000000 "needs 4 GPUs x 10h x 1 CUH/GPU-h = 40 CUH (a100)"
expect_left 4 "a refused raise"
as "$BOB" scontrol update jobid="$m" timelimit=30 >"$out" 2>&1 || fail "lowering TimeLimit refused: $(cat "$out")"
expect_left 2 "TimeLimit=30"
[[ $(scontrol show job "$m" | grep -o 'TimeLimit=[^ ]*') == TimeLimit=00:30:00 ]] || fail "time limit not lowered"
sacctmgr -i modify user "$BOB" set adminlevel=None >/dev/null

echo "ok: the plugin charges what Slurm allocates"
