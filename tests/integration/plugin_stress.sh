#!/usr/bin/env bash
# job_submit/pdai under load: 2,000 submissions from 4 processes at once, as three users on
# two bureaus, with budgets that run out part way, so that the order of decisions matters.
# slurmctld must stay up, and every decision must equal the policy engine's answer computed
# offline (pdai_policy_replay) for the same jobs in the order slurmctld took them.
#
# Each process submits as one user. PDAI_STRESS_CLIENT=libslurm (default: pdai_submit_flood,
# one libslurm call per job) keeps the test to about a minute on a busy machine; =sbatch runs
# one real sbatch process per job (same checks; ~5 minutes here).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/plugin_lib.sh"
plugin_setup

REPLAY=${PDAI_POLICY_REPLAY:-$PDAI_BUILD_DIR/tests/integration/pdai_policy_replay}
FLOOD=${PDAI_SUBMIT_FLOOD:-$PDAI_BUILD_DIR/slurm_plugins/job_submit_pdai/pdai_submit_flood}
CLIENT=${PDAI_STRESS_CLIENT:-libslurm}
[[ -x $REPLAY ]] || fail "no $REPLAY (build target pdai_policy_replay)"
[[ $CLIENT == sbatch || -x $FLOOD ]] || fail "no $FLOOD (build target pdai_submit_flood)"
PROCS=4
PER_PROC=${PDAI_STRESS_JOBS:-500}

# carol is in both bureaus: she must name one (no --account is ambiguous for her).
p=("$PDAI" --catalog "$CATALOG" -q)
"${p[@]}" bureau member add PSB "$CAROL"
"${p[@]}" bureau member add FIN "$CAROL"
"${p[@]}" quota set PSB --budget 300
"${p[@]}" quota set FIN --budget 200
sacctmgr -i add user "$CAROL" account=fin cluster="$CLUSTER" >/dev/null 2>&1 || true
wait_reload

# The job table, one line per job: NAME USER ACCOUNT|- GPUS MINUTES ARRAY|- (the replay
# tool's input). Process q submits as proc_user[q]; alice and carol also try a bureau that
# is not theirs.
proc_user=("$ALICE" "$BOB" "$CAROL" "$ALICE")
accounts=(psb - fin psb fin psb -)
gpus=(a100:1 t4:2 a100:2 t4:1 1)
minutes=(10 30 60 120 240)
: >"$WORK/jobs"
for ((q = 0; q < PROCS; q++)); do
  for ((i = 0; i < PER_PROC; i++)); do
    k=$((q * PER_PROC + i))
    array=-
    ((k % 9 == 4)) && array=0-3%2
    echo "st-$q-$i ${proc_user[q]} ${accounts[k % 7]} ${gpus[k % 5]} ${minutes[(k / 5) % 5]} $array" >>"$WORK/jobs"
  done
done

submit_all() { # submit_all PROC: submits its share in order, one line "NAME RC" each
  local q=$1 name user account g m array args rc
  if [[ $CLIENT == libslurm ]]; then
    grep "^st-$q-" "$WORK/jobs" | awk '{ print $1, $3, "gpu:" $4, $5, $6 }' |
      as "${proc_user[q]}" "$FLOOD" --list >"$WORK/rc.$q" 2>"$WORK/err.$q"
    return
  fi
  while read -r name user account g m array; do
    [[ $name == "st-$q-"* ]] || continue
    args=(--hold --parsable --output=/dev/null -J "$name" --gres="gpu:$g" -t "$m")
    [[ $account != - ]] && args+=(-A "$account")
    [[ $array != - ]] && args+=(--array="$array")
    rc=0
    as "$user" sbatch "${args[@]}" --wrap true >/dev/null 2>&1 || rc=$?
    echo "$name $rc"
  done <"$WORK/jobs" >"$WORK/rc.$q"
}

check "$((PROCS * PER_PROC)) submissions from $PROCS processes at once ($CLIENT)"
ctld_pid=$(cat "$PDAI_SANDBOX_DIR/run/slurmctld.pid")
scontrol setdebug debug # admissions are logged at debug
mark=$(log_mark)
t0=$(date +%s.%N)
for ((q = 0; q < PROCS; q++)); do submit_all "$q" & done
wait
t1=$(date +%s.%N)
scontrol setdebug info
printf '  %d submissions in %.1f s\n' "$((PROCS * PER_PROC))" "$(echo "$t1 - $t0" | bc)"

check "slurmctld stayed up (same pid, answers ping)"
[[ $(cat "$PDAI_SANDBOX_DIR/run/slurmctld.pid") == "$ctld_pid" ]] || fail "slurmctld restarted"
kill -0 "$ctld_pid" || fail "slurmctld died"
scontrol ping | grep -q 'is UP' || fail "slurmctld does not answer"

check "every submission was decided once by the plugin"
# "... pdai: submit job 'st-1-7' of user pdaita (uid 1001): admit reason=ok bureau=PSB bound_cuh=1.000000 seq=42; ..."
log_since "$mark" | sed -n "s/.*pdai: submit job '\(st-[0-9]*-[0-9]*\)' of user [^ ]* (uid [0-9]*): \([a-z]*\) reason=\([a-z_]*\) bureau=[^ ]* bound_cuh=\([0-9.]*\) seq=\([0-9]*\);.*/\5 \1 \2 \3 \4/p" |
  sort -n >"$WORK/decided"
n=$(wc -l <"$WORK/decided")
[[ $n -eq $((PROCS * PER_PROC)) ]] || fail "$n decisions logged, expected $((PROCS * PER_PROC))"
[[ $(cut -d' ' -f2 "$WORK/decided" | sort -u | wc -l) -eq $n ]] || fail "a job was decided twice"

check "each decision equals the engine's, replayed offline in slurmctld's order"
awk 'NR == FNR { job[$1] = $0; next } { print job[$2] }' "$WORK/jobs" "$WORK/decided" >"$WORK/ordered"
"$REPLAY" "$CATALOG" "$PLUGIN_CONF" <"$WORK/ordered" >"$WORK/expected" || fail "replay failed"
awk '{ print $2, $3, $4, $5 }' "$WORK/decided" >"$WORK/actual"
if ! diff "$WORK/expected" "$WORK/actual" >"$WORK/diff"; then
  head -n 20 "$WORK/diff"
  fail "$(grep -c '^<' "$WORK/diff") decisions differ from the engine's"
fi

check "what sbatch saw matches: exit 0 exactly for the admitted jobs"
sort "$WORK"/rc.* >"$WORK/rc"
awk '{ print $1, ($2 == "refuse" ? "refused" : "admitted") }' "$WORK/expected" | sort >"$WORK/want"
awk '{ print $1, ($2 == 0 ? "admitted" : "refused") }' "$WORK/rc" | sort >"$WORK/got"
diff "$WORK/want" "$WORK/got" >"$WORK/diff" || fail "sbatch results differ: $(head -n 5 "$WORK/diff")"
summary=$(awk '{ n[$2 " " $3]++ } END { for (k in n) printf "%s=%d ", k, n[k] }' "$WORK/expected")
echo "  $summary"
grep -q ' refuse over_budget ' "$WORK/expected" || fail "no job ran out of budget: the test proves little"
grep -q ' admit ok ' "$WORK/expected" || fail "no job was admitted"

echo "PASS: $((PROCS * PER_PROC)) concurrent submissions, all decided as the engine decides offline"
