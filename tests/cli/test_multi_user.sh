#!/usr/bin/env bash
# A multi-user install, with real unix users made for the test: the catalog and the bundle
# store belong to an admin group (directories setgid 2775, files 0664: the group writes,
# bureau users read), one admin in that group, one bureau member outside it. Each boundary
# is checked as that user: the member reads what is theirs, and cannot change a quota,
# register a bundle, add members, see another bureau's usage, or submit on another bureau's
# account; each refusal says why and leaves the catalog, its audit log and the bundle store
# as they were. The plugin's side (plain sbatch on another bureau's account, refused in
# slurmctld) is tests/integration/plugin_quota.sh. Needs root (exit 77 otherwise).
source "$(dirname "$0")/lib.sh"
src=${PDAI_SOURCE_DIR:?}
[[ $(id -u) == 0 ]] || { echo "skip: creating unix users needs root"; exit 77; }
for tool in useradd userdel groupadd groupdel setpriv sha256sum; do
    command -v "$tool" >/dev/null || { echo "skip: $tool not installed"; exit 77; }
done

# Names unique to this run, so a real 'pdai' group or a parallel run is never touched.
tag=pdt$(( $$ % 100000 ))
grp=${tag}adm admin=${tag}a member=${tag}m
cleanup() {
    userdel "$admin" 2>/dev/null
    userdel "$member" 2>/dev/null
    groupdel "$grp" 2>/dev/null
    rm -rf "$TEST_TMP"
}
trap cleanup EXIT
groupadd "$grp" || { echo "FAIL: groupadd"; exit 1; }
useradd -M -N -g users -G "$grp" -s /bin/sh "$admin" || { echo "FAIL: useradd admin"; exit 1; }
useradd -M -N -g users -s /bin/sh "$member" || { echo "FAIL: useradd member"; exit 1; }

pdai_bin=$(realpath "$PDAI")
srv=$TEST_TMP/srv
install -d -m 2775 -o root -g "$grp" "$srv" "$srv/bundles" "$srv/jobs"
conf=$TEST_TMP/pdai.conf
cat >"$conf" <<EOF
catalog = "$srv/catalog.db"
bundle_store = "$srv/bundles"
jobs_dir = "$srv/jobs"
backend = "local"
EOF
chmod 644 "$conf"
for u in "$admin" "$member"; do install -d -m 700 -o "$u" -g users "$TEST_TMP/home-$u"; done

# as USER ARGS...: pdai as that unix user (its own groups, a bare environment, umask 002 as
# an admin's shell profile would set it); stdout in $out, stderr in $err, status in $rc.
as() {
    local u=$1
    shift
    out=$(setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups \
        env -i HOME="$TEST_TMP/home-$u" PATH=/usr/bin:/bin LOGNAME="$u" PDAI_BIN="$pdai_bin" \
        sh -c 'umask 002; cd "$HOME"; exec "$PDAI_BIN" "$@"' pdai --config "$conf" "$@" 2>"$TEST_TMP/as.err")
    rc=$?
    err=$(cat "$TEST_TMP/as.err")
}
expect_as() {  # expect_as USER CODE WHAT -- ARGS...
    local u=$1 want=$2 what=$3
    shift 4
    as "$u" "$@"
    checks=$((checks + 1))
    if [[ $rc != "$want" ]]; then fail "$what: '$u: pdai $*' exited $rc, expected $want; stderr: $err"; else echo "ok: $what (exit $rc)"; fi
}

# The admin sets the platform up, as a member of the admin group (not as root).
expect_as "$admin" 0 "admin: catalog init" -- catalog init
expect_as "$admin" 0 "admin: vendor" -- vendor add hanwen
expect_as "$admin" 0 "admin: bureau fin" -- bureau add fin --display-name 财政局 --account fin
expect_as "$admin" 0 "admin: bureau edu" -- bureau add edu --display-name 教育局 --account edu
expect_as "$admin" 0 "admin: member" -- bureau member add fin "$member"
expect_as "$admin" 0 "admin: quota fin" -- quota set fin --budget 100
expect_as "$admin" 0 "admin: quota edu" -- quota set edu --budget 200
install -d -m 755 "$TEST_TMP/noop/bin"
printf 'format = 1\nname = "noop"\nversion = "1.0.0"\nvendor = "hanwen"\ncategory = "other"\ndescription = "does nothing"\nentrypoint = "bin/run"\nkinds = ["run"]\n[resources]\ngpus = 0\ncpus = 1\ntime = "5m"\n' >"$TEST_TMP/noop/pdai.toml"
printf '#!/bin/sh\nexit 0\n' >"$TEST_TMP/noop/bin/run"
chmod 755 "$TEST_TMP/noop/bin/run"
chmod 644 "$TEST_TMP/noop/pdai.toml"
expect_as "$admin" 0 "admin: pack" -- bundle pack "$TEST_TMP/noop" -o "$srv/noop.tar.gz"
expect_as "$admin" 0 "admin: register a bundle" -- algo register "$srv/noop.tar.gz"
cp -a "$TEST_TMP/noop" "$TEST_TMP/noop2"
sed -i 's/version = "1.0.0"/version = "1.0.1"/' "$TEST_TMP/noop2/pdai.toml"
expect_as "$admin" 0 "admin: pack 1.0.1" -- bundle pack "$TEST_TMP/noop2" -o "$srv/noop2.tar.gz"

# The modes a multi-user install relies on.
equals "$(stat -c '%a %G' "$srv/catalog.db")" "664 $grp" "catalog: group $grp writes, others read"
for f in "$srv/catalog.db-wal" "$srv/catalog.db-shm"; do
    [[ -e $f ]] && equals "$(stat -c '%G' "$f") $(( 0$(stat -c '%a' "$f") & 04 ))" "$grp 4" "$(basename "$f") kept, readable by bureau users"
done
store_mode=$(find "$srv/bundles" -mindepth 1 -perm /o+w | head -3)
equals "$store_mode" "" "nothing in the bundle store is writable by others"

# The member reads what is theirs.
expect_as "$member" 0 "member: list vendors" -- vendor list
expect_as "$member" 0 "member: own quota" -- quota show fin
expect_as "$member" 0 "member: own usage" -- usage report --bureau fin
expect_as "$member" 0 "member: a dry run on its own bureau" -- run noop --bureau fin --dry-run

# A job of edu, by an admin who is also its member: the fin member must not see it.
expect_as "$admin" 0 "admin: member of edu" -- bureau member add edu "$admin"
expect_as "$admin" 0 "admin: a job on edu" -- --json run noop --bureau edu --backend local --wait
edu_job=$(jq -r .id <<<"$out")
expect_as "$admin" 0 "admin: sees edu's job" -- jobs show "$edu_job"
# Visibility is one rule (pdai(1)): a member sees its own bureaus' quotas, jobs and usage only.
expect_as "$member" 0 "member: every quota it may see" -- --json quota show
equals "$(jq -c '[.[].bureau]' <<<"$out")" '["fin"]' "member: quota show lists fin only"
expect_as "$member" 0 "member: every job it may see" -- --json jobs list
equals "$(jq -c "[.[] | select(.id == $edu_job)] | length" <<<"$out")" 0 "member: jobs list leaves edu's job out"

# Everything the member is refused, each before any write.
snapshot() {  # the -shm is left out: readers update its read marks, it holds no data
    sha256sum "$srv/catalog.db" "$srv/catalog.db-wal" | sed "s|$srv/||"
    find "$srv/bundles" "$srv/jobs" -printf '%p %s\n' | sort
    as "$admin" --json audit list --limit 1000000
    jq -c 'length' <<<"$out"
}
before=$(snapshot)
refused() {  # refused CODE WHAT WORDS -- ARGS...: refused with that status, message has WORDS
    local want=$1 what=$2 words=$3
    shift 4
    expect_as "$member" "$want" "member refused: $what" -- "$@"
    contains "$err" "$words" "member refused: $what: says why"
}
refused 1 "change a quota" "read-only for user $member" -- quota set fin --budget 100000
contains "$err" "platform admins only" "the refusal says who may"
refused 1 "another bureau's quota" "read-only" -- quota set edu --budget 0
refused 1 "register a bundle" "read-only" -- algo register "$srv/noop2.tar.gz"
refused 1 "add itself to another bureau" "read-only" -- bureau member add edu "$member"
refused 1 "add a vendor" "read-only" -- vendor add intruder
refused 1 "restore a catalog" "read-only" -- catalog restore "$srv/catalog.db"
refused 3 "see another bureau's usage" "not a member of bureau 'edu'" -- usage report --bureau edu
refused 3 "another bureau's statement" "not a member of bureau 'edu'" -- usage statement edu --period 2026-11
refused 3 "another bureau's quota" "not a member of bureau 'edu'" -- quota show edu
refused 3 "another bureau's jobs" "not a member of bureau 'edu'" -- jobs list --bureau edu
refused 3 "another bureau's job" "may not see pdai job $edu_job of bureau 'edu'" -- jobs show "$edu_job"
refused 3 "another bureau's job log" "may not see pdai job" -- jobs logs "$edu_job"
refused 3 "wait for another bureau's job" "may not see pdai job" -- jobs wait "$edu_job"
refused 3 "cancel another bureau's job" "may not see pdai job" -- jobs cancel "$edu_job"
refused 3 "a dry run on another bureau's account" "not a member of bureau edu" -- run noop --bureau edu --dry-run
refused 3 "submit on another bureau's account" "not a member of bureau edu" -- run noop --bureau edu
refused 3 "a local run with --wait on another bureau's account" "not a member of bureau edu" -- run noop --bureau edu --backend local --wait
after=$(snapshot)
equals "$after" "$before" "catalog, audit log, bundle store and job directories unchanged by every refusal"

# usage report without --bureau shows the member's own bureaus only.
as "$member" --json usage report --by bureau
[[ $out != *'"edu"'* ]] && echo "ok: member's report leaves edu out" || fail "member's report shows edu: $out"
checks=$((checks + 1))

# The admin still writes (the group's write access survived the member's reads), and every
# admin write is audited under the admin's name.
expect_as "$admin" 0 "admin: change a quota after the member's attempts" -- quota set fin --budget 150
expect_as "$admin" 0 "admin: register a bundle" -- algo register "$srv/noop2.tar.gz"
expect_as "$admin" 0 "admin: audit list" -- --json audit list --actor "$admin"
equals "$(jq '[.[] | select(.action | test("quota"))] | length' <<<"$out")" 3 "quota changes audited under the admin"
expect_as "$member" 0 "member still reads after the admin wrote" -- quota show fin
contains "$out" "150" "member sees the new budget"
finish
