#!/usr/bin/env bash
# Cancelling a running inference array stops all its tasks, running and waiting, and pdai
# reports the batch cancelled; cancelling it again is no error.
source "$(dirname "$0")/submit_lib.sh"
setup_catalog

make_bundle slow-infer '"infer"' '[infer]
args = ["{input_list}", "{output_dir}"]' <<'EOF'
#!/bin/sh
echo "shard $PDAI_SHARD started"
touch "$PDAI_OUTPUT_DIR/started-$PDAI_SHARD"
sleep 300
EOF

mkdir -p "$TEST_TMP/inputs"
for i in $(seq 1 12); do echo "$i" >"$TEST_TMP/inputs/$i.dat"; done
expect 0 "submit a slow array of 6 tasks" -- infer slow-infer --bureau PSB --inputs "$TEST_TMP/inputs" \
    --shard-size 2 --max-parallel 2 --time 10m --output "$TEST_TMP/out" --json
id=$(json .id)
slurm_id=$(json .slurm_job_id)
running_tasks() { squeue -h -j "$slurm_id" -t RUNNING -o %i 2>/dev/null | grep -c .; }
wait_until 60 "a task of array $slurm_id to run" '[[ $(running_tasks) -ge 1 ]]'
wait_until 30 "a shard to start" 'compgen -G "$TEST_TMP/out/started-*"'
expect 0 "show while running" -- jobs show "$id" --json
equals "$(json .state)" running "batch is running"
before=$(squeue -h -j "$slurm_id" -t PD,R -o %i | grep -c .)
[[ $before -ge 2 ]] && echo "ok: $before tasks queued or running" || fail "only $before tasks in the queue"

expect 0 "cancel" -- jobs cancel "$id"
contains "$out" "cancelled pdai job $id" "cancel message"
# squeue -j also lists ended jobs: ask for the states that still hold or wait for a node.
wait_until 60 "array $slurm_id to leave the queue" '[[ -z $(squeue -h -j "$slurm_id" -t PD,R,CG,S -o %i) ]]'
equals "$(pgrep -f "sleep 300" | xargs -r -n1 sh -c 'tr "\0" "\n" </proc/$0/environ 2>/dev/null | grep -c "^PDAI_JOB_ID='"$id"'$"' | grep -c 1)" 0 \
    "no task process of the batch survives"
expect 0 "show after cancel" -- jobs show "$id" --json
equals "$(json .state)" cancelled "batch cancelled"
equals "$(json '.task_states.cancelled')" 6 "all 6 tasks cancelled"
equals "$(json '.task_states.running // 0')" 0 "none running"
expect 0 "cancel again" -- jobs cancel "$id"
contains "$out" "already ended" "second cancel is a no-op"
run jobs wait "$id" --json
[[ $rc != 0 ]] && echo "ok: wait on a cancelled job returns non-zero ($rc)" || fail "jobs wait exited 0"
equals "$(json .state)" cancelled "wait sees cancelled"

finish
