#!/usr/bin/env bash
# pdai train: a 2-node request is formed as a distributed trainer needs it (checked through
# --dry-run, the sandbox has one node), and a real 1-node training writes a model directory
# with the rendezvous variables every rank saw; --register-as is recorded for 'pdai sync'.
source "$(dirname "$0")/submit_lib.sh"
setup_catalog

make_bundle trainer '"train"' <<'EOF'
#!/bin/sh
set -eu
env | grep -E '^(MASTER_ADDR|MASTER_PORT|WORLD_SIZE|RANK|LOCAL_RANK|PDAI_[A-Z_]+)=' | sort \
    >"$PDAI_OUTPUT_DIR/rank-$RANK.env"
if [ "$RANK" = 0 ]; then
    ls "$PDAI_DATASET" >"$PDAI_OUTPUT_DIR/trained-on.txt"
    echo "weights after $# args: $*" >"$PDAI_OUTPUT_DIR/model.bin"
    echo "checkpoint" >"$PDAI_RESUME_DIR/last.ckpt"
fi
echo "rank $RANK of $WORLD_SIZE done"
EOF
mkdir -p "$TEST_TMP/dataset"
echo "sample" >"$TEST_TMP/dataset/a.txt"

# A 2-node request: one task per node, GPUs per node, requeue, and a script that starts
# one rank per node with srun.
expect 0 "2-node dry run" -- train trainer --bureau PSB --dataset "$TEST_TMP/dataset" --nodes 2 \
    --gpus a100:2 --cpus 2 --mem 1G --time 2h --requeue --dry-run --json -- --epochs 3
equals "$(json .request.job_desc.min_nodes)" 2 "min_nodes"
equals "$(json .request.job_desc.max_nodes)" 2 "max_nodes"
equals "$(json .request.job_desc.num_tasks)" 2 "num_tasks: one per node"
equals "$(json .request.job_desc.ntasks_per_node)" 1 "ntasks_per_node"
equals "$(json .request.job_desc.tres_per_node)" "gres:gpu:a100:2" "GPUs per node"
equals "$(json .request.job_desc.cpus_per_task)" 2 "cpus_per_task"
equals "$(json .request.job_desc.pn_min_memory)" 1024 "memory per node (MiB)"
equals "$(json .request.job_desc.time_limit)" 120 "time limit"
equals "$(json .request.job_desc.requeue)" 1 "requeue"
equals "$(json .request.job_desc.account)" psb "account"
script=$(json .request.job_desc.script)
contains "$script" 'MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | sed -n 1p)' "MASTER_ADDR: first host"
contains "$script" 'export MASTER_PORT=$((20000 + SLURM_JOB_ID % 10000))' "MASTER_PORT from the job id"
contains "$script" 'export WORLD_SIZE="$SLURM_NNODES"' "WORLD_SIZE"
contains "$script" 'srun --nodes="$SLURM_NNODES" --ntasks="$WORLD_SIZE" --ntasks-per-node=1' "srun, one task per node"
contains "$script" 'RANK="$SLURM_PROCID" LOCAL_RANK="$SLURM_LOCALID"' "RANK and LOCAL_RANK from srun"
contains "$script" 'export PDAI_RESUME_DIR=' "the resume directory"
contains "$script" "'--epochs' '3'" "arguments"
contains "$(json .quota.verdict)" "" "quota decision present"

# The human dry run shows the same fields.
expect 0 "2-node dry run, human" -- train trainer --bureau PSB --dataset "$TEST_TMP/dataset" --nodes 2 \
    --gpus a100:2 --time 2h --dry-run
contains "$out" "min_nodes       = 2" "human dry run: min_nodes"
contains "$out" "tres_per_node   = gres:gpu:a100:2" "human dry run: tres_per_node"
contains "$out" "srun --nodes" "human dry run: the script"

# A real 1-node training run.
expect 0 "1-node train --wait" -- train trainer --bureau PSB --dataset "$TEST_TMP/dataset" \
    --gpus t4:1 --time 5m --requeue --register-as trainer-ft@1.1.0 --wait --json -- --epochs 1
id=$(json .id)
slurm_id=$(json .slurm_job_id)
equals "$(json .state)" completed "training completed"
model=$TEST_TMP/jobs/$id/model
[[ -s $model/model.bin ]] && echo "ok: model dir has model.bin" || fail "no $model/model.bin"
contains "$(cat "$model/model.bin")" "--epochs 1" "the trainer got its arguments"
equals "$(cat "$model/trained-on.txt")" "a.txt" "the trainer read the dataset"
[[ -s $TEST_TMP/jobs/$id/resume/last.ckpt ]] && echo "ok: checkpoint in the resume dir" || fail "no checkpoint"
envs=$(cat "$model/rank-0.env")
host=$(scontrol show hostnames "$(scontrol show job "$slurm_id" | sed -n 's/^ *NodeList=//p')" | head -n 1)
contains "$envs" "MASTER_ADDR=$host" "MASTER_ADDR is the first node ($host)"
contains "$envs" "MASTER_PORT=$((20000 + slurm_id % 10000))" "MASTER_PORT derived from job $slurm_id"
contains "$envs" "WORLD_SIZE=1" "WORLD_SIZE"
contains "$envs" "RANK=0" "RANK"
contains "$envs" "LOCAL_RANK=0" "LOCAL_RANK"
contains "$envs" "PDAI_RESTART_COUNT=0" "not restarted"
contains "$(scontrol show job "$slurm_id")" "Requeue=1" "requeue flag on the Slurm job"

expect 0 "the request is recorded for pdai sync" -- jobs show "$id" --json
equals "$(json .request.register_as)" "trainer-ft@1.1.0" "register_as recorded"
equals "$(json .request.dataset)" "$TEST_TMP/dataset" "dataset recorded"
equals "$(json .request.algorithm)" "trainer@1.0.0" "parent version recorded"
expect 0 "logs" -- jobs logs "$id"
contains "$out" "rank 0 of 1 done" "the job's log"

finish
