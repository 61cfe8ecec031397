#!/usr/bin/env bash
# One verdict on the local backend: for root, a user pdai_plugin.conf exempts, a bureau
# member and a non-member, `pdai quota check`, `pdai run --dry-run` and the real `pdai run`
# (which runs the job) agree whether a job is admitted, and the two previews agree whether it
# is exempt. Each user is a real unix user, in the admin group of a shared install (the local
# backend records jobs, so it needs write access). The same on Slurm with the plugin:
# tests/integration/test_verdicts.sh. Needs root (exit 77 otherwise).
source "$(dirname "$0")/lib.sh"
[[ $(id -u) == 0 ]] || { echo "skip: creating unix users needs root"; exit 77; }
for tool in useradd userdel groupadd groupdel setpriv jq; do
    command -v "$tool" >/dev/null || { echo "skip: $tool not installed"; exit 77; }
done

tag=pdv$(( $$ % 100000 ))
grp=${tag}adm exempt=${tag}e member=${tag}m outsider=${tag}o
cleanup() {
    for u in "$exempt" "$member" "$outsider"; do userdel "$u" 2>/dev/null; done
    groupdel "$grp" 2>/dev/null
    rm -rf "$TEST_TMP"
}
trap cleanup EXIT
groupadd "$grp" || { echo "FAIL: groupadd"; exit 1; }
for u in "$exempt" "$member" "$outsider"; do
    useradd -M -N -g users -G "$grp" -s /bin/sh "$u" || { echo "FAIL: useradd $u"; exit 1; }
done

pdai_bin=$(realpath "$PDAI")
srv=$TEST_TMP/srv
install -d -m 2775 -o root -g "$grp" "$srv" "$srv/bundles" "$srv/jobs"
conf=$TEST_TMP/pdai.conf
printf 'catalog = "%s"\nbundle_store = "%s"\njobs_dir = "%s"\nbackend = "local"\n' \
    "$srv/catalog.db" "$srv/bundles" "$srv/jobs" >"$conf"
# The plugin's settings, which the local backend applies too: root and one user exempt.
plugin_conf=$TEST_TMP/pdai_plugin.conf
printf 'catalog = %s\nexempt_users = root, %s\n' "$srv/catalog.db" "$exempt" >"$plugin_conf"
chmod 644 "$conf" "$plugin_conf"
for u in root "$exempt" "$member" "$outsider"; do
    install -d -m 700 -o "$u" "$TEST_TMP/home-$u"
done

# as USER ARGS...: pdai as that unix user (umask 002, as in a shared install); $out $err $rc.
as() {
    local u=$1
    shift
    out=$(setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups \
        env -i HOME="$TEST_TMP/home-$u" PATH=/usr/bin:/bin LOGNAME="$u" PDAI_BIN="$pdai_bin" \
        PDAI_PLUGIN_CONF="$plugin_conf" XDG_STATE_HOME="$TEST_TMP/home-$u/state" \
        sh -c 'umask 002; cd "$HOME"; exec "$PDAI_BIN" "$@"' pdai --config "$conf" "$@" 2>"$TEST_TMP/as.err")
    rc=$?
    err=$(cat "$TEST_TMP/as.err")
}
setup() {  # setup WHAT -- ARGS...: an admin step, as root, that must work
    local what=$1
    shift 2
    as root "$@"
    checks=$((checks + 1))
    if [[ $rc != 0 ]]; then fail "setup: $what: exit $rc: $err"; else echo "ok: setup: $what"; fi
}

setup "catalog" -- catalog init
setup "vendor" -- vendor add acme
setup "GPU type" -- gpu type add a100 --weight 1 --price 10
setup "bureau" -- bureau add fin --display-name 财政局 --account fin
setup "member" -- bureau member add fin "$member"
setup "quota" -- quota set fin --budget 10 --gpu-types a100
setup "this host's GPUs" -- node add "$(hostname)" --gpus a100:2
install -d -m 755 "$TEST_TMP/gpu1/bin"
printf 'name = "gpu1"\nversion = "1.0.0"\nvendor = "acme"\ncategory = "other"\ndescription = "one GPU, at once done"\nentrypoint = "bin/run"\nkinds = ["run"]\n[resources]\ngpus = 1\ngpu_types = ["a100"]\ncpus = 1\ntime = "10m"\n' >"$TEST_TMP/gpu1/pdai.toml"
printf '#!/bin/sh\nexit 0\n' >"$TEST_TMP/gpu1/bin/run"
chmod 755 "$TEST_TMP/gpu1/bin/run"
chmod 644 "$TEST_TMP/gpu1/pdai.toml"
setup "pack" -- bundle pack "$TEST_TMP/gpu1" -o "$srv/gpu1.tar.gz"
setup "register" -- algo register "$srv/gpu1.tar.gz"

# verdict USER TIME WANT: the three answers for one GPU of a100 for TIME on fin, each
# checked against WANT (admit, exempt or refuse).
verdict() {
    local u=$1 time=$2 want=$3 code=0
    [[ $want == refuse ]] && code=3
    as "$u" --json quota check fin --gpus a100:1 --time "$time"
    local check_rc=$rc check_verdict
    check_verdict=$(jq -r .verdict <<<"$out" 2>/dev/null)
    equals "$check_rc $check_verdict" "$code $want" "$u, $time: quota check says $want"

    as "$u" --json run gpu1 --bureau fin --gpus a100:1 --time "$time" --dry-run
    local dry
    if [[ $rc == 0 ]]; then dry=$(jq -r .quota.verdict <<<"$out"); else dry="exit $rc"; fi
    # A non-member is refused by submission's own membership check, before the quota.
    [[ $want == refuse && $rc == 3 ]] && dry=refuse
    equals "$dry" "$want" "$u, $time: run --dry-run says $want"

    as "$u" --json run gpu1 --bureau fin --gpus a100:1 --time "$time" --wait
    equals "$rc" "$code" "$u, $time: the real run is $( [[ $code == 0 ]] && echo admitted || echo refused) (exit $code)"
    [[ $want == refuse && $rc == 3 ]] && contains "$err" "fin" "$u, $time: the refusal names the bureau"
}

# 1 CUH fits the budget of 10; 20 CUH does not.
verdict root 1h exempt
verdict root 20h exempt
verdict "$exempt" 1h exempt
verdict "$exempt" 20h exempt
verdict "$member" 1h admit
verdict "$member" 20h refuse
verdict "$outsider" 1h refuse
verdict "$outsider" 20h refuse
finish
