# Shared set-up of the submission tests (test_submit_*.sh), sourced after setting PDAI:
# a fresh catalog in a temporary directory with vendor acme, bureau PSB on Slurm account
# "psb" (created in the sandbox's slurmdbd, root a member), GPU types a100 and t4, and
# make_bundle to pack and register small test bundles. Uses SLURM_CONF from the
# environment, else <sandbox dir>/env.
# shellcheck source=tests/cli/lib.sh
source "${PDAI_SOURCE_DIR:?set PDAI_SOURCE_DIR}/tests/cli/lib.sh"

if [[ -z ${SLURM_CONF:-} ]]; then
    env_file=${PDAI_SANDBOX_DIR:-/tmp/pdai-slurm-sandbox}/env
    [[ -r $env_file ]] || { echo "FAIL: no SLURM_CONF and no $env_file (is the sandbox up?)"; exit 1; }
    # shellcheck source=/dev/null
    source "$env_file"
fi
export SLURM_CONF
CLUSTER=pdai-sandbox
ACCOUNT=psb

# The bureau's Slurm account and root's association with it, once per sandbox.
ensure_slurm_account() {
    if [[ -z $(sacctmgr -n -P show account "$ACCOUNT" format=account 2>/dev/null) ]]; then
        sacctmgr -i add account "$ACCOUNT" cluster="$CLUSTER" description="pdai test bureau" organization=pdai >/dev/null
    fi
    if [[ -z $(sacctmgr -n -P show assoc cluster="$CLUSTER" account="$ACCOUNT" user=root format=user 2>/dev/null) ]]; then
        sacctmgr -i add user root account="$ACCOUNT" cluster="$CLUSTER" >/dev/null
    fi
    # slurmdbd pushes new associations to slurmctld asynchronously.
    local i
    for ((i = 0; i < 50; i++)); do
        scontrol show assoc_mgr accounts="$ACCOUNT" users=root flags=assoc 2>/dev/null | grep -q "UserName=root" && return 0
        sleep 0.2
    done
    echo "FAIL: slurmctld does not know account $ACCOUNT for root"
    exit 1
}

setup_catalog() {
    ensure_slurm_account
    "$PDAI" -q catalog init
    "$PDAI" -q vendor add acme --display-name "Acme 视觉"
    "$PDAI" -q bureau add PSB --display-name 公安局 --account "$ACCOUNT"
    "$PDAI" -q bureau member add PSB root
    "$PDAI" -q gpu type add a100 --weight 2 --price 10
    "$PDAI" -q gpu type add t4 --weight 0.5 --price 2
}

# make_bundle NAME KINDS EXTRA_MANIFEST < entrypoint: packs and registers NAME@1.0.0.
make_bundle() {
    local name=$1 kinds=$2 extra=${3:-} dir=$TEST_TMP/bundles/$1
    mkdir -p "$dir/bin"
    cat >"$dir/bin/run"
    chmod 755 "$dir/bin/run"
    cat >"$dir/pdai.toml" <<EOF
name = "$name"
version = "1.0.0"
vendor = "acme"
category = "other"
description = "pdai integration test bundle"
entrypoint = "bin/run"
kinds = [$kinds]
[resources]
gpu_types = ["a100", "t4"]
gpus = 0
cpus = 1
mem = "128M"
time = "10m"
$extra
EOF
    "$PDAI" -q bundle pack "$dir" -o "$TEST_TMP/bundles/$name.tar.gz" || { fail "bundle pack $name"; exit 1; }
    "$PDAI" -q algo register "$TEST_TMP/bundles/$name.tar.gz" || { fail "algo register $name"; exit 1; }
}

# json EXPR: reads $out as JSON.
json() { jq -r "$1" <<<"$out"; }

# wait_until SECONDS WHAT 'SHELL CONDITION': evaluates the condition every 0.2 s (quote
# it, so that command substitutions in it run each time, not once).
wait_until() {
    local limit=$1 what=$2 i
    shift 2
    for ((i = 0; i < limit * 5; i++)); do
        eval "$*" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    fail "timed out after ${limit}s waiting for $what"
    return 1
}
