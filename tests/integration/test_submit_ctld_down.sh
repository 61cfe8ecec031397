#!/usr/bin/env bash
# With slurmctld stopped, submitting and reading state exit 7 with a message naming the
# controller's host and port, and leave nothing behind; once slurmctld is back, it works.
source "$(dirname "$0")/submit_lib.sh"
setup_catalog
SANDBOX=$PDAI_SOURCE_DIR/scripts/slurm-sandbox

make_bundle hello '"run"' <<'EOF'
#!/bin/sh
echo hello
sleep "${SLEEP:-0}"
EOF

port=$(sed -n 's/^SlurmctldPort=//p' "$SLURM_CONF")
expect 0 "a first job while slurmctld runs" -- run hello --bureau PSB --wait --json
id=$(json .id)
expect 0 "a long job" -- run hello --bureau PSB --env SLEEP=300 --json
long=$(json .id)

trap '"$SANDBOX" start-ctld >/dev/null 2>&1 || true; rm -rf "$TEST_TMP"' EXIT
"$SANDBOX" stop-ctld 2>/dev/null
start=$(date +%s)
expect 7 "run with slurmctld down" -- run hello --bureau PSB
contains "$err" "cannot reach slurmctld at" "the message says what failed"
contains "$err" ":$port" "the message names the port ($port)"
contains "$err" "scontrol ping" "the message says what to check"
[[ $(($(date +%s) - start)) -lt 60 ]] && echo "ok: failed within a minute" || fail "took $(($(date +%s) - start))s"
expect 7 "json error" -- run hello --bureau PSB --json
equals "$(jq -r .error.code <<<"$err")" unreachable "error code in JSON"
equals "$(jq -r .error.exit_code <<<"$err")" 7 "exit code in JSON"
# Jobs known to have ended need no slurmctld; a job still active does.
expect 0 "an ended job needs no slurmctld" -- jobs show "$id" --json
expect 7 "the state of an active job needs slurmctld" -- jobs show "$long"
contains "$err" "cannot reach slurmctld" "show says why"
expect 0 "a finished job is shown from the catalog" -- jobs show "$id" --json
equals "$(json .state)" completed "recorded state"
expect 0 "dry run needs no slurmctld" -- run hello --bureau PSB --dry-run
expect 0 "nothing recorded for the failed submissions" -- jobs show "$id" --json
equals "$(sqlite3 "$PDAI_CATALOG" 'SELECT count(*) FROM jobs')" 2 "two job rows"
equals "$(find "$TEST_TMP/jobs" -mindepth 1 -maxdepth 1 | wc -l)" 2 "two job directories"

"$SANDBOX" start-ctld 2>/dev/null
expect 0 "run works again" -- run hello --bureau PSB --wait --json
equals "$(json .state)" completed "completed after restart"
expect 0 "jobs list works again" -- jobs list --json
equals "$(json length)" 3 "three jobs"
expect 0 "cancel the long job" -- jobs cancel "$long"

finish
