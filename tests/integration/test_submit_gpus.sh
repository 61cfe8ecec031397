#!/usr/bin/env bash
# pdai run on each GPU type of the sandbox sees CUDA_VISIBLE_DEVICES of the size it asked
# for; the job traces back to its pdai record (name, comment, account, work dir); and the
# refusals a submitter meets say what is wrong, with Slurm's own words where Slurm refuses.
source "$(dirname "$0")/submit_lib.sh"
setup_catalog

make_bundle gpu-probe '"run"' <<'EOF'
#!/bin/sh
echo "CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-}"
echo "CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-}" >"$PDAI_OUTPUT_DIR/gpus.txt"
echo "args: $*" >>"$PDAI_OUTPUT_DIR/gpus.txt"
EOF

for ask in a100:2 t4:3 a100:1; do
    type=${ask%%:*} count=${ask##*:}
    expect 0 "run --gpus $ask --wait" -- run gpu-probe --bureau PSB --gpus "$ask" --time 5m --wait --json -- --flag "two words"
    id=$(json .id)
    equals "$(json .state)" completed "job $id completed"
    equals "$(json .exit_code)" 0 "job $id exit code"
    seen=$(sed -n 's/^CUDA_VISIBLE_DEVICES=//p' "$TEST_TMP/jobs/$id/output/gpus.txt")
    equals "$(tr ',' '\n' <<<"$seen" | grep -c .)" "$count" "$ask: CUDA_VISIBLE_DEVICES=$seen has $count devices"
    contains "$(cat "$TEST_TMP/jobs/$id/output/gpus.txt")" "args: --flag two words" "arguments after -- reach the entrypoint"
    contains "$(cat "$TEST_TMP/jobs/$id/logs/job.out")" "CUDA_VISIBLE_DEVICES=$seen" "the job's log holds its output"
    slurm_id=$(json .slurm_job_id)
    info=$(scontrol show job "$slurm_id")
    contains "$info" "Comment=pdai:job=$id,kind=run,algo=gpu-probe@1.0.0,bureau=PSB" "Slurm job $slurm_id carries the pdai comment"
    contains "$info" "JobName=pdai-$id-gpu-probe" "Slurm job name"
    contains "$info" "Account=psb" "Slurm account is the bureau's"
    contains "$info" "WorkDir=$TEST_TMP/jobs/$id" "work dir is the job directory"
    # pdai asks for gres:gpu:TYPE:N; slurmctld shows it so up to 22.05, as gres/gpu:TYPE:N after.
    contains "$(sed 's|TresPerNode=gres/|TresPerNode=gres:|' <<<"$info")" "TresPerNode=gres:gpu:$type:$count" "GPUs asked per node"
done

# The pdai id and the Slurm id both find the job.
expect 0 "jobs show by Slurm id" -- jobs show "slurm:$slurm_id" --json
equals "$(json .id)" "$id" "slurm:$slurm_id is pdai job $id"
expect 0 "jobs list" -- jobs list --json
equals "$(json 'length')" 3 "three jobs listed"
equals "$(json '[.[] | .state] | unique | join(",")')" completed "all completed"

# --dry-run prints the request and submits nothing.
expect 0 "dry run" -- run gpu-probe --bureau PSB --gpus t4:2 --time 1h --dry-run --json
equals "$(json .request.job_desc.tres_per_node)" "gres:gpu:t4:2" "dry run: tres_per_node"
equals "$(json .request.job_desc.time_limit)" 60 "dry run: time_limit in minutes"
equals "$(json .request.job_desc.account)" psb "dry run: account"
contains "$(json .request.job_desc.script)" "#!/bin/bash" "dry run: the batch script"
contains "$(json .quota.verdict)" "" "dry run: a quota decision"
equals "$(json '.quota | has("verdict")')" true "dry run: the quota verdict is there"
expect 0 "still three jobs" -- jobs list --json
equals "$(json 'length')" 3 "dry run submitted nothing"

# Refusals.
expect 4 "unknown GPU type" -- run gpu-probe --bureau PSB --gpus h100:1
contains "$err" "unknown GPU type 'h100'" "unknown GPU type message"
expect 4 "unknown partition: Slurm's words" -- run gpu-probe --bureau PSB --partition nosuch
contains "$err" "Invalid partition name specified" "Slurm's rejection text is shown"
"$PDAI" -q bureau add EDU --display-name 教育局 --account edu
# Root is exempt in the sandbox's pdai_plugin.conf: like sbatch, it needs no membership, and
# the dry run says so. (A non-member who is not exempt: test_member_submit.sh.)
expect 0 "exempt root: no membership needed" -- --json run gpu-probe --bureau EDU --dry-run
contains "$out" '"verdict": "exempt"' "the dry run gives the plugin's verdict: exempt"
expect 4 "missing input" -- run gpu-probe --bureau PSB --input "$TEST_TMP/nope.png"
contains "$err" "does not exist" "missing input message"
expect 2 "a bundle without infer" -- infer gpu-probe --bureau PSB --inputs "$TEST_TMP"
contains "$err" "does not support infer" "kind message"
"$PDAI" -q algo revoke gpu-probe@1.0.0 --reason "test"
expect 3 "revoked algorithm" -- run gpu-probe@1.0.0 --bureau PSB
contains "$err" "revoked" "revoked message"
expect 0 "refusals recorded nothing" -- jobs list --json
equals "$(json 'length')" 3 "still three jobs"
equals "$(find "$TEST_TMP/jobs" -mindepth 1 -maxdepth 1 | wc -l)" 3 "no job directory for refused jobs"

finish
