#!/usr/bin/env bash
# pdai node sync against the sandbox's slurmctld: its one node with 4 a100 + 4 t4 fake GPUs
# lands in the inventory, a second sync changes nothing, a node Slurm does not have is
# reported removed (then pruned), a GPU count that drifted is put right, and GPU types
# the catalog lacks are refused with nothing written.
set -uo pipefail
if [[ -z ${SLURM_CONF:-} ]]; then
  env_file=${PDAI_SANDBOX_DIR:-/tmp/pdai-slurm-sandbox}/env
  [[ -r $env_file ]] || { echo "FAIL: no SLURM_CONF and no $env_file (is the sandbox up?)"; exit 1; }
  # shellcheck source=/dev/null
  source "$env_file"
fi
source "${PDAI_SOURCE_DIR:?}/tests/cli/lib.sh"
NODE=pdai-node1

expect 0 "catalog init" -- catalog init
expect 0 "gpu type a100" -- gpu type add a100 --weight 1 --price 10
# t4 is missing on purpose: the first sync must refuse and write nothing.
expect 4 "sync with an unknown GPU type" -- node sync
contains "$err" "t4 (on $NODE)" "names the missing type and its node"
contains "$err" "pdai gpu type add t4" "says how to add it"
expect 0 "node list" -- node list --json
equals "$(jq length <<<"$out")" 0 "nothing was written"

expect 0 "gpu type t4" -- gpu type add t4 --weight 0.25 --price 3
expect 0 "dry run" -- node sync --dry-run --json
equals "$(jq -r .added <<<"$out")" 1 "dry run: one node to add"
expect 0 "node list" -- node list --json
equals "$(jq length <<<"$out")" 0 "dry run wrote nothing"

expect 0 "first sync" -- node sync --json
equals "$(jq -r .added <<<"$out")" 1 "one node added"
equals "$(jq -c '.nodes[0].gpus' <<<"$out")" '{"a100":4,"t4":4}' "4 a100 + 4 t4 from the GRES"
expect 0 "node list" -- node list --json
equals "$(jq -r ".[] | select(.host==\"$NODE\") | .gpus.a100" <<<"$out")" 4 "a100 count in the inventory"
equals "$(jq -r ".[] | select(.host==\"$NODE\") | .gpus.t4" <<<"$out")" 4 "t4 count in the inventory"
equals "$(jq -r ".[] | select(.host==\"$NODE\") | .source" <<<"$out")" slurm "source is slurm"
equals "$(jq -r ".[] | select(.host==\"$NODE\") | .state" <<<"$out")" up "state is up"

expect 0 "second sync" -- node sync --json
equals "$(jq -r '[.added, .changed, .removed] | add' <<<"$out")" 0 "re-sync is idempotent"
equals "$(jq -r .unchanged <<<"$out")" 1 "the node is unchanged"
expect 0 "second sync (table)" -- node sync
contains "$out" "0 added, 0 changed, 0 removed, 1 unchanged" "human summary line"

expect 0 "a node Slurm does not have" -- node add ghost01 --gpus a100:2 --state up
expect 0 "sync reports it" -- node sync --json
equals "$(jq -r .removed <<<"$out")" 1 "one node removed"
equals "$(jq -r '.nodes[] | select(.change=="removed") | .host' <<<"$out")" ghost01 "it is ghost01"
expect 0 "node list" -- node list --json
equals "$(jq -r '.[] | select(.host=="ghost01") | .state' <<<"$out")" removed "marked removed, kept"
expect 0 "sync again" -- node sync --json
equals "$(jq -r '[.added, .changed, .removed] | add' <<<"$out")" 0 "a marked node is not reported twice"
expect 0 "prune" -- node sync --prune --json
equals "$(jq -r .removed <<<"$out")" 1 "prune deletes it"
expect 0 "node list" -- node list --json
equals "$(jq -r '[.[] | select(.host=="ghost01")] | length' <<<"$out")" 0 "ghost01 is gone"

# Drift: the catalog says 2 a100; Slurm says 4 a100 + 4 t4.
expect 0 "remove the node" -- node remove "$NODE"
expect 0 "re-add it wrong" -- node add "$NODE" --gpus a100:2 --owner shared --state up
expect 0 "sync puts it right" -- node sync --json
equals "$(jq -r .changed <<<"$out")" 1 "one node changed"
equals "$(jq -c '.nodes[0].gpus_before' <<<"$out")" '{"a100":2}' "before"
equals "$(jq -c '.nodes[0].gpus' <<<"$out")" '{"a100":4,"t4":4}' "after"

expect 0 "audit has the syncs" -- audit list --json
checks=$((checks + 1))
n=$(jq '[.[] | select(.action=="node.sync")] | length' <<<"$out")
((n >= 3)) && echo "ok: $n node.sync audit entries" || fail "expected node.sync audit entries, got $n"

# slurmctld down: exit 7 naming the controller, nothing written; then up again.
"$PDAI_SOURCE_DIR/scripts/slurm-sandbox" stop-ctld >/dev/null 2>&1
expect 7 "sync with slurmctld down" -- node sync
contains "$err" "cannot reach slurmctld" "says slurmctld cannot be reached"
"$PDAI_SOURCE_DIR/scripts/slurm-sandbox" start-ctld >/dev/null 2>&1 || fail "slurmctld did not start again"
# A restarted slurmctld may show the node unknown until slurmd registers again.
for ((i = 0; i < 30; i++)); do
  run node sync --dry-run --json
  [[ $rc == 0 && $(jq -r '[.added, .changed, .removed] | add' <<<"$out") == 0 ]] && break
  sleep 1
done
expect 0 "sync after slurmctld is back" -- node sync --json
equals "$(jq -r '[.added, .changed, .removed] | add' <<<"$out")" 0 "nothing changed meanwhile"

expect 0 "node summary" -- node summary --json
equals "$(jq -r '.[] | select(.owner=="shared") | .gpu_count' <<<"$out")" 8 "8 shared GPUs"
equals "$(jq -r '.[] | select(.owner=="shared") | .cuh_per_hour' <<<"$out")" 5 "4 x 1 + 4 x 0.25 CUH per hour"
finish
