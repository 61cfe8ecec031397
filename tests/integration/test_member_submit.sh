#!/usr/bin/env bash
# A bureau member submits through pdai in a multi-user install: the catalog is root's and
# read-only for them (ARCHITECTURE.md: admins and 'pdai sync' write it; users submit through
# Slurm, whose plugin knows them by uid). `pdai run` as the member goes straight to Slurm
# with the job files under the member's own state directory and writes nothing to the
# catalog; another bureau is refused before anything reaches Slurm; the admin's next
# `pdai sync` records both jobs (one still running, one already ended, from slurmdbd's
# copy of the comment tag) with the member, the bureau and the algorithm, once.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/plugin_lib.sh"
plugin_setup

p=("$PDAI" --catalog "$CATALOG")
register_run_bundle noop 0 'sleep "${1:-0}"; echo done'
state=$WORK/state-$ALICE
install -d -m 700 -o "$ALICE" "$state"

# member ARGS...: pdai as alice with her own state directory; stdout in $out, status in $rc.
member() {
  rc=0
  out=$(as "$ALICE" env XDG_STATE_HOME="$state" "$PDAI" --catalog "$CATALOG" "$@" 2>"$WORK/err") || rc=$?
}
jq_out() { jq -r "$1" <<<"$out"; }
job_field() { scontrol show job "$1" | tr " " "\n" | sed -n "s/^$2=//p" | head -n 1; }
jobs_in_catalog() { "${p[@]}" jobs list --json | jq length; }
sum_before=$(sha256sum "$CATALOG" | cut -d' ' -f1)

check "the catalog is read-only for the member"
member bureau member add PSB "$ALICE"
[[ $rc -ne 0 ]] || fail "a member changed the catalog"

check "the member's run goes to Slurm without a catalog record"
member run noop --bureau PSB --json
[[ $rc -eq 0 ]] || fail "member run exited $rc: $(cat "$WORK/err")"
quick=$(jq_out .slurm_job_id)
[[ $(jq_out .recorded) == false && $(jq_out .outcome) == submitted_unrecorded ]] || fail "unexpected result: $out"
dir=$(jq_out .job_dir)
[[ $dir == "$state/pdai/jobs/"* && -f $dir/job.sh ]] || fail "job dir $dir not under $state"
[[ $(stat -c %U "$dir") == "$ALICE" ]] || fail "job dir owned by $(stat -c %U "$dir")"
[[ $(job_field "$quick" UserId) == "$ALICE("* && $(job_field "$quick" Account) == psb ]] ||
  fail "Slurm job $quick: $(scontrol show job "$quick" | head -n 3)"
[[ $(job_field "$quick" Comment) == "pdai:kind=run,algo=noop@1.0.0,bureau=PSB,tasks=1" ]] ||
  fail "comment tag: $(job_field "$quick" Comment)"
[[ $(jobs_in_catalog) -eq 0 ]] || fail "the member's run wrote a job record"
[[ $(sha256sum "$CATALOG" | cut -d' ' -f1) == "$sum_before" ]] || fail "the catalog file changed"

check "another bureau is refused before Slurm sees anything"
before=$(squeue -h -t all -u "$ALICE" -o %i | wc -l)
member run noop --bureau FIN --json
[[ $rc -eq 3 ]] || fail "run on FIN exited $rc, expected 3: $(cat "$WORK/err")"
grep -q "not a member of bureau FIN" "$WORK/err" || fail "refusal: $(cat "$WORK/err")"
[[ $(squeue -h -t all -u "$ALICE" -o %i | wc -l) -eq $before ]] || fail "a job reached Slurm"

check "keys, --resume and --wait need the catalog: a usage error, nothing submitted"
member run noop --bureau PSB --idempotency-key k1
[[ $rc -eq 2 ]] || fail "--idempotency-key exited $rc"
member run noop --bureau PSB --wait
[[ $rc -eq 2 ]] || fail "--wait exited $rc"
[[ $(squeue -h -t all -u "$ALICE" -o %i | wc -l) -eq $before ]] || fail "a job reached Slurm"

check "a second, long run; the first ends"
member run noop --bureau PSB --json -- 60
[[ $rc -eq 0 ]] || fail "second run exited $rc: $(cat "$WORK/err")"
long=$(jq_out .slurm_job_id)
# slurmdbd has it with its comment (AccountingStoreFlags=job_comment) once it ended. A job
# that ran within a second first shows as "allocation", without its start record, and a
# time-window query (sync's) misses it until that record is in; in production the next
# sync's one-hour overlap reads it again.
ended() { [[ $(sacct -n -X -P -j "$quick" -o JobName,State,Comment 2>/dev/null | head -n 1) == pdai-u-noop\|COMPLETED\|pdai:kind=run,* ]]; }
for ((i = 0; i < 150; i++)); do ended && break; sleep 0.4; done
ended || fail "job $quick not in slurmdbd: $(sacct -n -X -P -j "$quick" -o JobName,State,Comment,End)"
sleep 1.1  # sync's window ends at the current second


check "the admin's sync records both, from slurmctld and from slurmdbd"
out=$("${p[@]}" sync --since 1h --json) || fail "sync failed"
# At least these two: jobs of earlier runs of this test (same user and account, still in
# slurmdbd) are recorded into this fresh catalog too, as they should be.
[[ $(jq_out .jobs_recorded) -ge 2 ]] || fail "sync recorded $(jq_out .jobs_recorded): $out"
recorded=$(jobs_in_catalog)
out=$("${p[@]}" jobs list --json)
for id in "$quick" "$long"; do
  rec=$(jq -c --argjson s "$id" '.[] | select(.slurm_job_id == $s)' <<<"$out")
  [[ -n $rec ]] || fail "no record for Slurm job $id: $(sacct -n -X -P -j "$id" -o JobName,State,Comment,Start,End); $out"
  [[ $(jq -r .user <<<"$rec") == "$ALICE" && $(jq -r .bureau <<<"$rec") == PSB &&
    $(jq -r .algorithm <<<"$rec") == noop@1.0.0 && $(jq -r .kind <<<"$rec") == run ]] || fail "record: $rec"
done
[[ $(jq -r --argjson s "$quick" '.[] | select(.slurm_job_id == $s) | .state' <<<"$out") == completed ]] ||
  fail "the ended job is not completed: $out"
[[ $(jq -r --argjson s "$long" '.[] | select(.slurm_job_id == $s) | .job_dir' <<<"$out") == "$state/pdai/jobs/"* ]] ||
  fail "the running job's workdir: $out"

check "the member sees them now; a second sync records nothing more"
member jobs list --json
[[ $rc -eq 0 && $(jq length <<<"$out") -eq $recorded ]] || fail "member's jobs list: $out"
out=$("${p[@]}" sync --json)
[[ $(jq_out .jobs_recorded) -eq 0 ]] || fail "second sync recorded again: $out"
[[ $(jobs_in_catalog) -eq $recorded ]] || fail "duplicate records"
scancel "$long" 2>/dev/null || true
echo "PASS"
