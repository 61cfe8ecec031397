#!/usr/bin/env bash
# pdai gpu probe|bench|check|weights|results and pdai node sync|summary on a machine
# without a usable GPU: clean "no CUDA device" answers and exit codes, never a crash.
# CUDA_VISIBLE_DEVICES= hides any real GPU, so the test means the same on a GPU host.
source "$(dirname "$0")/lib.sh"
export CUDA_VISIBLE_DEVICES=

# crashed RC: a signal (segfault, abort) shows as 128+N.
no_crash() {
    checks=$((checks + 1))
    if ((rc >= 128)); then fail "$1 crashed (exit $rc): $err"; else echo "ok: $1 did not crash"; fi
}

expect 0 "init" -- catalog init

expect 0 "probe without a device exits 0" -- gpu probe
contains "$out" "no CUDA device" "probe says no CUDA device"
no_crash "probe"
expect 0 "probe --json" -- gpu probe --json
equals "$(jq -r '.devices | length' <<<"$out")" 0 "probe --json lists no device"
contains "$(jq -r '.reason' <<<"$out")" "no CUDA device" "probe --json gives the reason"
expect 1 "probe --require without a device fails" -- gpu probe --require
contains "$err" "no CUDA device" "--require names the problem"
contains "$err" "help:" "--require says what to do"
no_crash "probe --require"
expect 1 "probe --require --json" -- gpu probe --require --json
equals "$(jq -r '.error.exit_code' <<<"$err")" 1 "--require --json error object"
expect 0 "probe --register without a device registers nothing" -- gpu probe --register
contains "$out" "nothing to register" "says nothing was registered"
expect 0 "no node was added" -- node list --json
equals "$(jq length <<<"$out")" 0 "node list is empty"

expect 1 "check without a device fails" -- gpu check
[[ $err == *"no CUDA device"* || $err == *"built without CUDA"* ]] && echo "ok: check explains" ||
    fail "check gave no reason: $err"
no_crash "check"
expect 1 "bench without a device fails" -- gpu bench --seconds 1
no_crash "bench"
[[ $err == *"no CUDA device"* || $err == *"built without CUDA"* ]] && echo "ok: bench explains" ||
    fail "bench gave no reason: $err"
expect 2 "bench with an unknown dtype" -- gpu bench --dtype fp32,int4
contains "$err" "int4" "names the bad dtype"
expect 2 "bench with zero seconds" -- gpu bench --seconds 0

expect 0 "gpu type add a100" -- gpu type add a100 --weight 1 --price 10
expect 0 "gpu type add t4" -- gpu type add t4 --weight 0.25 --price 3
expect 0 "gpu type set --match" -- gpu type set a100 --match 'NVIDIA A100*'
expect 0 "gpu type list --json" -- gpu type list --json
equals "$(jq -r '.[] | select(.name=="a100") | .match' <<<"$out")" "NVIDIA A100*" "match stored"
equals "$(jq -r '.[] | select(.name=="t4") | .match' <<<"$out")" "null" "no match for t4"
expect 2 "a pattern of only wildcards" -- gpu type set a100 --match '**'
expect 0 "clear the pattern" -- gpu type set a100 --match ''
expect 0 "gpu type list" -- gpu type list --json
equals "$(jq -r '.[] | select(.name=="a100") | .match' <<<"$out")" "null" "match cleared"

expect 2 "weights without a reference" -- gpu weights
contains "$err" "reference_gpu_type" "says how to set the reference"
expect 4 "weights with an unknown reference" -- gpu weights --reference h100
expect 0 "weights with no figures" -- gpu weights --reference a100 --json
equals "$(jq -r '.[0].derived_weight' <<<"$out")" "null" "no derived weight without figures"
expect 2 "weights with an unknown metric" -- gpu weights --reference a100 --metric int8
printf 'reference_gpu_type = "a100"\ngpu_weight_metric = "copy"\n' >"$TEST_TMP/pdai.conf"
expect 0 "weights from the config" -- --config "$TEST_TMP/pdai.conf" gpu weights
contains "$out" "a100 (reference)" "the reference is marked"
printf 'gpu_weight_metric = "int8"\n' >"$TEST_TMP/bad.conf"
expect 2 "config with an unknown metric" -- --config "$TEST_TMP/bad.conf" gpu weights
contains "$err" "bad.conf:1" "the config error names the line"
expect 0 "results, none saved" -- gpu results --json
equals "$out" "[]" "no saved figures"
expect 4 "results of an unknown type" -- gpu results h100

# node sync without a cluster: a clear error, not libslurm's fatal().
SLURM_CONF=$TEST_TMP/no-such-slurm.conf run node sync
checks=$((checks + 1))
if [[ $rc == 1 && ($err == *"cannot read Slurm's configuration"* || $err == *"built without Slurm"*) ]]; then
    echo "ok: node sync without slurm.conf (exit 1)"
else
    fail "node sync without slurm.conf: exit $rc, stderr: $err"
fi
no_crash "node sync"

expect 0 "bureau add" -- bureau add fin --display-name Finance
expect 0 "node add owned" -- node add g1 --gpus a100:4 --owner fin --state up
expect 0 "node add shared" -- node add g2 --gpus a100:2,t4:4 --state up
expect 0 "node add removed" -- node add g3 --gpus t4:8 --state removed
expect 0 "node summary --json" -- node summary --json
equals "$(jq -r '.[] | select(.owner=="fin") | .gpu_count' <<<"$out")" 4 "fin has 4 GPUs"
equals "$(jq -r '.[] | select(.owner=="fin") | .cuh_per_hour' <<<"$out")" 4 "fin: 4 CUH per hour"
equals "$(jq -r '.[] | select(.owner=="shared") | .nodes' <<<"$out")" 2 "shared has 2 nodes, one of them removed"
equals "$(jq -r '.[] | select(.owner=="shared") | .gpus.t4' <<<"$out")" 4 "a removed node adds no GPUs"
equals "$(jq -r '.[] | select(.owner=="shared") | .cuh_per_hour' <<<"$out")" 3 "shared: 2 + 4 x 0.25 CUH per hour"
expect 0 "node summary table" -- node summary
contains "$out" "OWNER" "summary has a header"

finish
