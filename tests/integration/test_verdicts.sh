#!/usr/bin/env bash
# One verdict on Slurm with job_submit/pdai on: for root (exempt), a user pdai_plugin.conf
# exempts, a bureau member and a non-member, `pdai quota check`, `pdai run --dry-run` and the
# real `pdai run` (which slurmctld's plugin decides) agree whether a job is admitted, and the
# two previews agree whether it is exempt. The member and the others submit as themselves,
# with the catalog read-only for them; root records its jobs. The same on the local
# backend: tests/cli/test_verdicts.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/plugin_lib.sh"
plugin_setup

register_run_bundle gpu1 1 'exit 0'
wait_reload

# pdai_as USER ARGS...: pdai as USER (root: as itself), with its own state directory; stdout
# in $out, stderr in $err, status in $rc.
pdai_as() {
  local u=$1
  shift
  rc=0
  if [[ $u == root ]]; then
    out=$("$PDAI" --catalog "$CATALOG" "$@" 2>"$WORK/err") || rc=$?
  else
    install -d -m 700 -o "$u" "$WORK/state-$u"
    out=$(as "$u" env XDG_STATE_HOME="$WORK/state-$u" "$PDAI" --catalog "$CATALOG" "$@" 2>"$WORK/err") || rc=$?
  fi
  err=$(cat "$WORK/err")
}

# verdict USER TIME WANT: one GPU of a100 for TIME on PSB (budget 10 CUH, weight 1).
verdict() {
  local u=$1 time=$2 want=$3 code=0 got
  [[ $want == refuse ]] && code=3
  check "$u, $time: quota check, run --dry-run and the real run all say $want"
  pdai_as "$u" --json quota check PSB --gpus a100:1 --time "$time"
  got="$rc $(jq -r .verdict <<<"$out" 2>/dev/null || true)"
  [[ $got == "$code $want" ]] || fail "$u, $time: quota check: '$got', expected '$code $want': $err"

  pdai_as "$u" --json run gpu1 --bureau PSB --gpus a100:1 --time "$time" --dry-run
  if [[ $rc == 0 ]]; then got=$(jq -r .quota.verdict <<<"$out"); else got="exit $rc"; fi
  [[ $want == refuse && $rc == 3 ]] && got=refuse  # a non-member: refused before the quota
  [[ $got == "$want" ]] || fail "$u, $time: run --dry-run: '$got', expected '$want': $err"

  pdai_as "$u" --json run gpu1 --bureau PSB --gpus a100:1 --time "$time"
  [[ $rc == "$code" ]] || fail "$u, $time: the real run exited $rc, expected $code: $err"
  if [[ $rc == 0 ]]; then
    local id
    id=$(jq -r .slurm_job_id <<<"$out")
    scancel "$id" 2>/dev/null || true
  else
    [[ $err == *PSB* ]] || fail "$u, $time: the refusal does not name the bureau: $err"
  fi
}

# 1 CUH fits the budget of 10; 20 CUH does not.
verdict root 1h exempt
verdict root 20h exempt
verdict "$DAVE" 1h exempt
verdict "$DAVE" 20h exempt
verdict "$ALICE" 1h admit
verdict "$ALICE" 20h refuse
verdict "$CAROL" 1h refuse
verdict "$CAROL" 20h refuse
echo "PASS"
