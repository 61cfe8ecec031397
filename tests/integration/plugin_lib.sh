# Shared by the job_submit/pdai tests (source it): a catalog, unix users with Slurm
# associations, pdai_plugin.conf next to slurm.conf, and JobSubmitPlugins=pdai switched on
# in the running sandbox; everything is undone on exit (plugin_teardown, via trap).
#
# Needs: the sandbox up (SLURM_CONF, PDAI_SANDBOX_DIR from the environment or the sandbox's
# env file), PDAI (the pdai executable), PDAI_BUILD_DIR (for job_submit_pdai.so and tools),
# and root (useradd, runuser, sacctmgr).

PLUGIN_SRC=${PDAI_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PDAI_BUILD_DIR=${PDAI_BUILD_DIR:-$PLUGIN_SRC/build}
PDAI=${PDAI:-$PDAI_BUILD_DIR/cli/pdai}
SANDBOX=$PLUGIN_SRC/scripts/slurm-sandbox
if [[ -z ${SLURM_CONF:-} ]]; then
  env_file=${PDAI_SANDBOX_DIR:-/tmp/pdai-slurm-sandbox}/env
  [[ -r $env_file ]] || { echo "FAIL: no SLURM_CONF and no $env_file (is the sandbox up?)"; exit 1; }
  # shellcheck source=/dev/null
  source "$env_file"
fi
export SLURM_CONF PDAI_SANDBOX_DIR
CTLD_LOG=$PDAI_SANDBOX_DIR/log/slurmctld.log
PLUGIN_CONF=$(dirname "$SLURM_CONF")/pdai_plugin.conf
CLUSTER=pdai-sandbox

# Test users: alice is in bureau PSB, bob in FIN, carol in none (but Slurm lets her use psb),
# dave in none either, but exempt in pdai_plugin.conf (Slurm lets him use psb).
ALICE=pdaita BOB=pdaitb CAROL=pdaitc DAVE=pdaitd
TEST_USERS=("$ALICE" "$BOB" "$CAROL" "$DAVE")

check() { printf 'check: %s\n' "$*"; }
fail() {
  printf 'FAIL: %s\n' "$*"
  [[ -r $CTLD_LOG ]] && { echo "----- slurmctld.log (pdai lines, last 15)"; grep ' pdai: ' "$CTLD_LOG" | tail -n 15; }
  exit 1
}

# as USER CMD...: runs CMD as an unprivileged user, from a directory it may enter.
as() {
  local user=$1
  shift
  (cd /tmp && runuser -u "$user" -- env SLURM_CONF="$SLURM_CONF" "$@")
}

# The plugin checks the catalog every 100 ms; give it a few rounds.
wait_reload() { sleep 0.6; }

# slurm_at_least 23.02: true when the Slurm under test (its scontrol, first on PATH) is that
# release or newer; for what only some releases can do (scripts/slurm-sandbox handles their
# configuration, slurmapi/slurm_compat.hpp their C API).
slurm_at_least() {
  local have want
  have=$(scontrol --version | grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -n 1)
  want=$1
  [[ $(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n 1) == "$want" ]]
}

# refused OUT CMD...: CMD must fail; its output goes to the file OUT.
refused() {
  local out=$1
  shift
  if "$@" >"$out" 2>&1; then fail "accepted, expected a refusal: $* ($(cat "$out"))"; fi
}
# pdai_line FILE PREFIX: the one line "<PREFIX>: error: pdai: ..." in FILE, without PREFIX.
pdai_line() {
  local n
  n=$(grep -c "^$2: error: pdai: " "$1" || true)
  [[ $n -eq 1 ]] || fail "expected one '$2: error: pdai:' line, got $n: $(cat "$1")"
  sed -n "s/^$2: error: \(pdai: .*\)/\1/p" "$1"
}
# modify_refused USER JOB UPDATE BUREAU BOUND NEEDS: `scontrol update jobid=JOB UPDATE` as
# USER is refused as over budget, logged with the job's new bound BOUND ("40.000000"); from
# 23.02 the user is told why, in a line naming BUREAU that contains NEEDS.
modify_refused() {
  local user=$1 job=$2 update=$3 bureau=$4 bound=$5 needs=$6 out=$WORK/modify.out
  refused "$out" as "$user" scontrol update jobid="$job" "$update"
  log_since "$PLUGIN_LOG_START" | grep -q "pdai: modify job $job of user $user (uid [0-9]*): refuse reason=over_budget bureau=$bureau bound_cuh=$bound" ||
    fail "scontrol update $update of job $job was not refused as over_budget at $bound CUH"
  if slurm_at_least 23.02; then
    [[ $(pdai_line "$out" scontrol) == "pdai: bureau $bureau"*"$needs"* ]] ||
      fail "scontrol update $update of job $job: $(cat "$out")"
  fi
}

log_mark() { stat -c %s "$CTLD_LOG"; }
# `|| true`: a reader that stops at its first match (grep -q) ends tail with SIGPIPE, which
# pipefail would take for "not found"; seen on 26.05, whose restarts log every job again.
log_since() { tail -c +"$(($1 + 1))" "$CTLD_LOG" || true; }

write_conf() { # write_conf FAIL_MODE
  cat >"$PLUGIN_CONF" <<EOF
# written by a pdai plugin test
catalog = $CATALOG
fail_mode = $1
exempt_users = root, $DAVE
reload_interval_ms = 100
EOF
}

catalog_sql() { sqlite3 -cmd '.timeout 5000' "$CATALOG" "$@"; }

# register_run_bundle NAME GPUS SCRIPT: packs and registers NAME@1.0.0 of vendor acme (added
# when missing), a 'run' bundle asking for GPUS a100 GPUs whose entrypoint is SCRIPT (sh).
register_run_bundle() {
  local name=$1 gpus=$2 script=$3 dir=$WORK/$1 types=''
  local p=("$PDAI" --catalog "$CATALOG" -q)
  "${p[@]}" vendor show acme >/dev/null 2>&1 || "${p[@]}" vendor add acme
  ((gpus > 0)) && types='gpu_types = ["a100"]'
  mkdir -p "$dir/bin"
  printf '%s\n' "name = \"$name\"" 'version = "1.0.0"' 'vendor = "acme"' 'category = "other"' \
    'description = "a test bundle"' 'entrypoint = "bin/run"' 'kinds = ["run"]' '[resources]' \
    "gpus = $gpus" "$types" 'cpus = 1' 'mem = "128M"' 'time = "10m"' >"$dir/pdai.toml"
  printf '#!/bin/sh\n%s\n' "$script" >"$dir/bin/run"
  chmod 755 "$dir/bin/run"
  "${p[@]}" bundle pack "$dir" -o "$WORK/$name.tar.gz"
  "${p[@]}" algo register "$WORK/$name.tar.gz"
  chmod 644 "$CATALOG"
}

plugin_setup() {
  [[ $(id -u) -eq 0 ]] || fail "the plugin tests need root (useradd, runuser)"
  [[ -x $PDAI ]] || fail "no pdai executable at $PDAI"
  [[ -r $PDAI_BUILD_DIR/slurm_plugins/job_submit_pdai/job_submit_pdai.so ]] ||
    fail "job_submit_pdai.so is not built in $PDAI_BUILD_DIR"
  scontrol ping | grep -q 'is UP' || fail "slurmctld is not up"
  WORK=$(mktemp -d /tmp/pdai-plugin-test.XXXXXX)
  chmod 755 "$WORK"
  CATALOG=$WORK/catalog.db
  trap plugin_teardown EXIT

  local u
  for u in "${TEST_USERS[@]}"; do
    id "$u" >/dev/null 2>&1 || useradd -M -N -d /tmp -s /usr/sbin/nologin "$u"
  done
  sacctmgr -i add account psb,fin cluster="$CLUSTER" >/dev/null 2>&1 || true
  sacctmgr -i add user "$ALICE" account=pdai-default,psb defaultaccount=pdai-default cluster="$CLUSTER" >/dev/null 2>&1 || true
  sacctmgr -i add user "$BOB" account=fin defaultaccount=fin cluster="$CLUSTER" >/dev/null 2>&1 || true
  sacctmgr -i add user "$CAROL" account=psb defaultaccount=psb cluster="$CLUSTER" >/dev/null 2>&1 || true
  sacctmgr -i add user "$DAVE" account=psb defaultaccount=psb cluster="$CLUSTER" >/dev/null 2>&1 || true
  for u in "${TEST_USERS[@]}"; do
    sacctmgr -n -P show assoc user="$u" format=account | grep -q . || fail "no association for $u"
  done

  "$PDAI" --catalog "$CATALOG" -q catalog init
  local p=("$PDAI" --catalog "$CATALOG" -q)
  "${p[@]}" gpu type add a100 --weight 1 --price 10 --gpu-vendor nvidia
  "${p[@]}" gpu type add t4 --weight 0.25 --price 2 --gpu-vendor nvidia
  "${p[@]}" bureau add PSB --display-name 公安局 --account psb
  "${p[@]}" bureau add FIN --display-name 财政局 --account fin
  "${p[@]}" quota set PSB --budget 10 --max-time 24h
  "${p[@]}" quota set FIN --budget 10
  "${p[@]}" bureau member add PSB "$ALICE"
  "${p[@]}" bureau member add FIN "$BOB"
  chmod 644 "$CATALOG"

  write_conf closed
  PLUGIN_LOG_START=$(log_mark)
  PDAI_SANDBOX_JOB_SUBMIT=pdai "$SANDBOX" reconfigure >/dev/null 2>&1 ||
    fail "could not switch JobSubmitPlugins=pdai on"
  log_since "$PLUGIN_LOG_START" | grep -q 'pdai: job_submit/pdai starting' ||
    fail "the plugin did not start (see $CTLD_LOG)"
}

plugin_teardown() {
  local rc=$? u
  for u in "${TEST_USERS[@]}"; do scancel -u "$u" 2>/dev/null || true; done
  scancel --name=pdai-test-root 2>/dev/null || true
  scontrol setdebug info >/dev/null 2>&1 || true
  # Switch the plugin off again (also when a test stopped slurmctld on purpose).
  scontrol ping 2>/dev/null | grep -q 'is UP' || "$SANDBOX" start-ctld >/dev/null 2>&1 || true
  PDAI_SANDBOX_JOB_SUBMIT= "$SANDBOX" reconfigure >/dev/null 2>&1 || echo "WARN: could not switch the plugin off"
  rm -f "$PLUGIN_CONF"
  sacctmgr -i delete user name="$(IFS=,; echo "${TEST_USERS[*]}")" >/dev/null 2>&1 || true
  for u in "${TEST_USERS[@]}"; do userdel "$u" >/dev/null 2>&1 || true; done
  [[ -n ${WORK:-} ]] && rm -rf "$WORK"
  exit "$rc"
}
