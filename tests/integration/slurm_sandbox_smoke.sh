#!/usr/bin/env bash
# Smoke test of scripts/slurm-sandbox: real jobs through the real Slurm daemons.
# Assumes `scripts/slurm-sandbox up` has run; uses SLURM_CONF from the environment, or
# from <sandbox dir>/env when it is not set. Exits non-zero on the first failure.
set -euo pipefail

if [[ -z ${SLURM_CONF:-} ]]; then
  env_file=${PDAI_SANDBOX_DIR:-/tmp/pdai-slurm-sandbox}/env
  [[ -r $env_file ]] || { echo "FAIL: no SLURM_CONF and no $env_file (is the sandbox up?)"; exit 1; }
  # shellcheck source=/dev/null
  source "$env_file"
fi

ACCOUNT=pdai-default
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check() { printf 'check: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }

cat >"$work/job.sh" <<'EOF'
#!/bin/sh
echo "CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-}"
EOF

# run_gpu_job TYPE COUNT: submits with --wait, checks the job saw COUNT GPUs and that
# accounting recorded it COMPLETED with the GPUs in AllocTRES.
run_gpu_job() {
  local type=$1 count=$2 id out seen line i
  out=$work/$type.out
  check "sbatch --wait --gres=gpu:$type:$count sees $count devices in CUDA_VISIBLE_DEVICES"
  id=$(timeout 120 sbatch --wait --parsable --account="$ACCOUNT" --time=1 \
    --gres="gpu:$type:$count" --output="$out" --chdir="$work" "$work/job.sh") ||
    fail "sbatch --gres=gpu:$type:$count failed: $(cat "$out" 2>/dev/null)"
  id=${id%%;*}
  seen=$(sed -n 's/^CUDA_VISIBLE_DEVICES=//p' "$out")
  [[ -n $seen ]] || fail "job $id: CUDA_VISIBLE_DEVICES empty ($(cat "$out"))"
  [[ $(tr ',' '\n' <<<"$seen" | grep -c .) -eq $count ]] ||
    fail "job $id: expected $count GPUs, got CUDA_VISIBLE_DEVICES=$seen"
  echo "  job $id: CUDA_VISIBLE_DEVICES=$seen"

  check "sacct has job $id COMPLETED with gres/gpu in AllocTRES"
  # slurmdbd receives the end record asynchronously, so poll for a few seconds.
  for ((i = 0; i < 100; i++)); do
    line=$(sacct --parsable2 --noheader -X -j "$id" -o JobID,State,AllocTRES 2>/dev/null || true)
    [[ $line == *"|COMPLETED|"*"gres/gpu=$count"* && $line == *"gres/gpu:$type=$count"* ]] && break
    sleep 0.2
  done
  [[ $line == *"|COMPLETED|"*"gres/gpu=$count"* ]] || fail "job $id: sacct says '$line'"
  [[ $line == *"gres/gpu:$type=$count"* ]] || fail "job $id: no gres/gpu:$type=$count in '$line'"
  echo "  $line"
}

check "scontrol ping reaches slurmctld"
scontrol ping | grep -q 'is UP' || fail "slurmctld is not UP: $(scontrol ping 2>&1)"

check "partition gpu has the node idle or usable with 8 GPUs"
sinfo -h -p gpu -o '%T %G' | grep -Eq '^(idle|mixed|allocated).*gpu:a100:4.*gpu:t4:4' ||
  fail "unexpected sinfo: $(sinfo -h -p gpu -o '%T %G' 2>&1)"

run_gpu_job a100 2
run_gpu_job t4 3

check "a job with an account that does not exist is rejected"
bogus=no-such-account-$$
if msg=$(sbatch --account="$bogus" --time=1 --output=/dev/null --wrap true 2>&1); then
  fail "sbatch --account=$bogus was accepted: $msg"
fi
grep -qi 'invalid account' <<<"$msg" || fail "unexpected rejection message: $msg"
echo "  rejected: $msg"

echo "PASS: slurm sandbox smoke test"
