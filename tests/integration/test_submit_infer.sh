#!/usr/bin/env bash
# pdai infer: 1,000 inputs in shards of 50 become one Slurm array of 20 tasks and every
# output appears exactly once; the same idempotency key twice submits once (other inputs:
# exit 5); --resume resubmits only the failed shard; an empty input set is refused.
source "$(dirname "$0")/submit_lib.sh"
setup_catalog

# One output per input; fails on purpose while $FAIL_FLAG names an existing file and the
# shard holds an input named in it.
make_bundle echo-infer '"infer"' '[infer]
args = ["--list", "{input_list}", "--out", "{output_dir}"]
input_patterns = ["*.txt"]
[infer.env]
ECHO_SHARD = "{shard}"' <<'EOF'
#!/bin/sh
set -eu
list="" out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --list) list=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) shift ;;
    esac
done
while IFS= read -r input; do
    name=$(basename "$input")
    if [ -n "${FAIL_FLAG:-}" ] && [ -e "$FAIL_FLAG" ] && grep -qx "$name" "$FAIL_FLAG"; then
        echo "refusing $name on purpose" >&2
        exit 3
    fi
    echo "shard $ECHO_SHARD of $PDAI_SHARDS: $(cat "$input")" >"$out/$name.out"
done <"$list"
EOF

since=$(date +%Y-%m-%dT%H:%M:%S)
mkdir -p "$TEST_TMP/inputs" "$TEST_TMP/ignored"
for i in $(seq -w 0 999); do echo "input $i" >"$TEST_TMP/inputs/doc-$i.txt"; done
echo "not an input" >"$TEST_TMP/inputs/README.md"  # filtered out by input_patterns

expect 0 "infer 1,000 inputs, shard size 50" -- infer echo-infer --bureau PSB --inputs "$TEST_TMP/inputs" \
    --shard-size 50 --max-parallel 8 --output "$TEST_TMP/out" --idempotency-key nightly-1 --json
id=$(json .id)
slurm_id=$(json .slurm_job_id)
equals "$(json .outcome)" submitted "submitted"
equals "$(json .tasks)" 20 "20 tasks recorded"
equals "$(json '.tasks_submitted | length')" 20 "20 shards submitted"
info=$(scontrol show job "$slurm_id" 2>/dev/null)
contains "$info" "ArrayJobId=$slurm_id" "one Slurm job array"
contains "$info" "ArrayTaskThrottle=8" "throttled to 8 at once"
equals "$(ls "$TEST_TMP/jobs/$id/shards/" | grep -c '\.list$')" 20 "20 shard lists written before submission"
equals "$(cat "$TEST_TMP/jobs/$id/shards/"*.list | wc -l)" 1000 "1,000 inputs in the lists"

# Same key, same inputs: the existing batch, not a second one.
expect 0 "same key again" -- infer echo-infer --bureau PSB --inputs "$TEST_TMP/inputs" \
    --shard-size 50 --max-parallel 8 --output "$TEST_TMP/out" --idempotency-key nightly-1 --json
equals "$(json .outcome)" existing "same key: the existing batch"
equals "$(json .id)" "$id" "same pdai job"
equals "$(json .slurm_job_id)" "$slurm_id" "same Slurm job"
expect 0 "one job listed" -- jobs list --json
equals "$(json length)" 1 "one pdai job"
cp "$TEST_TMP/inputs/doc-000.txt" "$TEST_TMP/ignored/doc-x.txt"
expect 5 "same key, other inputs" -- infer echo-infer --bureau PSB --inputs "$TEST_TMP/inputs" \
    --inputs "$TEST_TMP/ignored" --shard-size 50 --idempotency-key nightly-1
contains "$err" "different inputs" "conflict names what differs"

expect 0 "wait for the batch" -- jobs wait "$id"
expect 0 "show" -- jobs show "$id" --json
equals "$(json .state)" completed "batch completed"
equals "$(json .task_states.completed)" 20 "20 shards completed"
equals "$(find "$TEST_TMP/out" -name '*.out' | wc -l)" 1000 "1,000 outputs"
equals "$(find "$TEST_TMP/out" -name '*.out' -printf '%f\n' | sort | uniq -d | wc -l)" 0 "no output twice"
equals "$(cat "$TEST_TMP/out/doc-537.txt.out")" "shard 10 of 20: input 537" "input 537 went to shard 10"
[[ ! -e $TEST_TMP/out/README.md.out ]] && echo "ok: non-matching file skipped" || fail "README.md was processed"
expect 0 "logs of one shard" -- jobs logs "$id" --task 3
# Accounting saw exactly one array of 20 tasks (slurmdbd gets the records asynchronously).
array_tasks() { sacct -X -n -P -S "$since" --name "pdai-$id-echo-infer" -o JobID 2>/dev/null | grep -c "^${slurm_id}_"; }
wait_until 30 "sacct to list 20 tasks" '[[ $(array_tasks) -ge 20 ]]'
equals "$(array_tasks)" 20 "sacct: one array ($slurm_id) of 20 tasks"
equals "$(sacct -X -n -P -S "$since" --name "pdai-$id-echo-infer" -o JobID | cut -d_ -f1 | sort -u | wc -l)" 1 \
    "sacct: one Slurm job for the key, submitted once"

# --resume: a batch whose shard 4 fails is completed by resubmitting shard 4 only.
mkdir -p "$TEST_TMP/inputs2"
for i in $(seq -w 0 99); do echo "second $i" >"$TEST_TMP/inputs2/doc-$i.txt"; done
echo "doc-45.txt" >"$TEST_TMP/fail-list"
expect 3 "a batch with a failing shard --wait exits with its code" -- infer echo-infer --bureau PSB \
    --inputs "$TEST_TMP/inputs2" --shard-size 10 --env "FAIL_FLAG=$TEST_TMP/fail-list" \
    --output "$TEST_TMP/out2" --idempotency-key nightly-2 --wait --json
id2=$(json .id)
equals "$(json .state)" failed "batch failed"
equals "$(json .task_states.completed)" 9 "9 of 10 shards completed"
expect 0 "show failed shard" -- jobs show "$id2"
contains "$out" "failed" "show lists the failed shard"
rm "$TEST_TMP/fail-list"
expect 0 "resume" -- infer echo-infer --bureau PSB --inputs "$TEST_TMP/inputs2" --shard-size 10 \
    --env "FAIL_FLAG=$TEST_TMP/fail-list" --output "$TEST_TMP/out2" --idempotency-key nightly-2 --resume --wait --json
equals "$(json .outcome)" resumed "resumed"
equals "$(json '.tasks_submitted | join(",")')" 4 "only shard 4 resubmitted"
equals "$(json .id)" "$id2" "same pdai job"
equals "$(json .state)" completed "batch now completed"
equals "$(find "$TEST_TMP/out2" -name '*.out' | wc -l)" 100 "100 outputs after resume"
expect 0 "resume again: nothing to do" -- infer echo-infer --bureau PSB --inputs "$TEST_TMP/inputs2" \
    --shard-size 10 --env "FAIL_FLAG=$TEST_TMP/fail-list" --output "$TEST_TMP/out2" --idempotency-key nightly-2 --resume --json
equals "$(json .outcome)" nothing_to_resume "nothing to resume"

# Inputs: a glob and a list file; an empty set and missing inputs are refused.
printf 'inputs/doc-500.txt\ninputs/doc-001.txt\n' >"$TEST_TMP/list"
expect 0 "glob + list file dry run" -- infer echo-infer --bureau PSB --inputs "$TEST_TMP/inputs/doc-00*.txt" \
    --inputs "@$TEST_TMP/list" --shard-size 4 --dry-run --json
equals "$(json .shards.inputs)" 11 "10 from the glob, 1 new from the list"
equals "$(json .request.job_desc.array_inx)" "0-2" "3 shards"
mkdir -p "$TEST_TMP/void"
expect 2 "empty input set" -- infer echo-infer --bureau PSB --inputs "$TEST_TMP/void"
contains "$err" "no input files" "empty set message"
printf 'inputs/doc-001.txt\ninputs/nope.txt\n' >"$TEST_TMP/list"
expect 4 "missing inputs in a list" -- infer echo-infer --bureau PSB --inputs "@$TEST_TMP/list"
contains "$err" "inputs/nope.txt" "the missing input is named"

finish
