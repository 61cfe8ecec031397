#!/usr/bin/env bash
# The admin commands end to end: results, --json/--csv, and every bad input with its
# documented exit code and nothing changed.
source "$(dirname "$0")/lib.sh"

expect 4 "missing catalog is 'not found'" -- vendor list
contains "$err" "pdai catalog init" "missing catalog names the fix"
expect 0 "catalog init" -- catalog init
expect 0 "catalog init again is harmless" -- catalog init
contains "$out" "up to date" "second init says up to date"

expect 0 "vendor add" -- vendor add acme --display-name "Acme 视觉" --contact ops@acme.example
expect 5 "duplicate vendor" -- vendor add acme
expect 2 "empty vendor name" -- vendor add ""
expect 2 "vendor name with a slash" -- vendor add "a/b"
expect 2 "vendor name with a control character" -- vendor add $'x\ty'
expect 2 "over-long vendor name" -- vendor add "$(printf 'v%.0s' {1..65})"
expect 4 "unknown vendor" -- vendor show nobody
expect 4 "remove unknown vendor" -- vendor remove nobody

expect 0 "bureau add (UTF-8 name)" -- bureau add fin --display-name 财政局
expect 0 "bureau add with account" -- bureau add edu --display-name 教育局 --account edu_acct
expect 5 "duplicate bureau" -- bureau add fin --display-name x
expect 5 "account already taken" -- bureau add other --display-name x --account edu_acct
expect 2 "bureau without --name" -- bureau add police
expect 4 "unknown bureau" -- bureau show police
expect 0 "member add" -- bureau member add fin alice
expect 5 "member added twice" -- bureau member add fin alice
expect 2 "unknown role" -- bureau member add fin bob --role owner
expect 4 "member of unknown bureau" -- bureau member add police bob

expect 0 "gpu type add a100" -- gpu type add a100 --weight 1 --price 12.5 --gpu-vendor nvidia --memory-gib 80
expect 0 "gpu type add t4" -- gpu type add t4 --weight 0.25 --price 3
expect 5 "duplicate gpu type" -- gpu type add t4 --weight 1 --price 1
expect 2 "negative weight" -- gpu type add h100 --weight -1 --price 1
expect 2 "non-numeric price" -- gpu type add h100 --weight 1 --price cheap
expect 4 "set unknown gpu type" -- gpu type set h100 --weight 2

expect 2 "quota needs a budget first" -- quota set fin --max-gpus 4
expect 0 "quota set" -- quota set fin --budget 1000 --max-gpus 8 --max-time 24h --gpu-types a100,t4
expect 2 "negative budget" -- quota set fin --budget -5
expect 2 "non-numeric budget" -- quota set fin --budget lots
expect 2 "unknown period" -- quota set fin --period-kind weekly
expect 2 "bad max time" -- quota set fin --max-time forever
expect 4 "unknown gpu type in quota" -- quota set fin --gpu-types h100
expect 4 "quota of unknown bureau" -- quota set police --budget 5
expect 0 "quota show" -- quota show fin --json
contains "$out" '"budget_cuh": 1000.0' "quota kept its budget after the refused changes"
contains "$out" '"period": "month"' "quota kept its period"
contains "$out" '"max_time_minutes": 1440' "24h is 1440 minutes"

expect 0 "node add" -- node add gpu01 --gpus a100:4,t4:2 --owner fin
expect 5 "duplicate node" -- node add gpu01
expect 4 "node with unknown gpu type" -- node add gpu02 --gpus h100:1
expect 2 "node with bad gpu count" -- node add gpu02 --gpus a100:zero
expect 4 "node of unknown bureau" -- node add gpu02 --owner police
printf 'host,owner,gpus\ngpu02,shared,a100:2\ngpu03,edu,"a100:1,t4:1"\ngpu01,shared,t4:1\n' >"$TEST_TMP/nodes.csv"
expect 5 "import with a duplicate row" -- node import "$TEST_TMP/nodes.csv"
contains "$err" "nothing was imported" "import says nothing was imported"
expect 0 "nodes unchanged after failed import" -- node list --json
equals "$(grep -c '"host"' <<<"$out")" 1 "only gpu01 is there"
printf 'host,owner,gpus\ngpu02,shared,a100:2\ngpu03,edu,"a100:1,t4:1"\n' >"$TEST_TMP/nodes.csv"
expect 0 "import CSV" -- node import "$TEST_TMP/nodes.csv"
printf '{"host":"gpu04","owner":null,"gpus":{"t4":4}}\n{"host":"gpu05","gpus":"a100:8"}\n' >"$TEST_TMP/nodes.jsonl"
expect 0 "import JSON lines" -- node import "$TEST_TMP/nodes.jsonl"
printf '{"host":"gpu06"}\n{"host":"gpu07","colour":"red"}\n' >"$TEST_TMP/bad.jsonl"
expect 2 "import with an unknown key" -- node import "$TEST_TMP/bad.jsonl"
contains "$err" "line 2" "import error names the line"
expect 4 "import of a missing file" -- node import "$TEST_TMP/none.csv"

# Output formats.
expect 0 "bureau list table" -- bureau list
contains "$out" "财政局" "table shows UTF-8 names"
# Columns line up by display width: '财政局' is 6 columns wide, as wide as 'NAME  '.
row=$(grep '^fin' <<<"$out")
contains "$row" "fin   财政局  fin" "wide characters are padded by display width"
expect 0 "bureau list csv" -- bureau list --csv
# CSV is the JSON's data: its field names, raw values (pdai(1)).
contains "$out" $'active,code,created_at,created_by,display_name,slurm_account\r\ntrue,edu,' "CSV header and rows"
contains "$out" ',教育局,edu_acct' "CSV keeps UTF-8"
expect 0 "vendor list json" -- vendor list --json
contains "$out" '"display_name": "Acme 视觉"' "JSON keeps UTF-8"
expect 2 "--json and --csv together" -- vendor list --json --csv
expect 4 "--json error is JSON" -- --json vendor show nobody
contains "$err" '"code":"not_found"' "JSON error has a code"
contains "$err" '"exit_code":4' "JSON error has the exit code"

expect 0 "audit list" -- audit list --actor "$(id -un)" --json
contains "$out" '"action": "quota.set"' "quota change audited"
contains "$out" '"action": "node.import"' "import audited"
expect 0 "audit since a date" -- audit list --since 2000-01-01 --limit 3
expect 2 "audit with a bad date" -- audit list --since yesterday-ish

# Catalog files that cannot be used.
echo "not a database at all, just some text that is long enough to look like a header" >"$TEST_TMP/text.db"
expect 8 "a text file as catalog" -- --catalog "$TEST_TMP/text.db" vendor list
contains "$err" "not a pdai catalog" "says it is not a catalog"
sqlite3 "$TEST_TMP/other.db" "CREATE TABLE t(x); PRAGMA user_version=1;"
expect 8 "a foreign SQLite file" -- --catalog "$TEST_TMP/other.db" vendor list
cp "$PDAI_CATALOG" "$TEST_TMP/newer.db"
sqlite3 "$TEST_TMP/newer.db" "PRAGMA user_version=99;"
expect 8 "a catalog from a newer pdai" -- --catalog "$TEST_TMP/newer.db" vendor list
contains "$err" "newer than this pdai" "names the version problem"
sum_before=$(sha256sum "$TEST_TMP/newer.db")
expect 8 "writing to a newer catalog" -- --catalog "$TEST_TMP/newer.db" vendor add late
equals "$(sha256sum "$TEST_TMP/newer.db")" "$sum_before" "newer catalog untouched"

# A catalog locked past the busy timeout: exit 6, nothing written.
printf 'busy_timeout_ms = 300\n' >"$TEST_TMP/fast.conf"
( sqlite3 "$PDAI_CATALOG" <<'SQL'
.timeout 5000
BEGIN IMMEDIATE;
INSERT INTO audit_log (at, actor, action, entity, entity_key) VALUES (0, 'test', 'lock', 'x', 'x');
SELECT 'locked';
.shell sleep 3
ROLLBACK;
SQL
) >"$TEST_TMP/lock.out" 2>&1 &
locker=$!
for _ in $(seq 50); do grep -q locked "$TEST_TMP/lock.out" && break; sleep 0.1; done
expect 6 "locked catalog" -- --config "$TEST_TMP/fast.conf" vendor add late
contains "$err" "locked by another process" "says the catalog is locked"
wait $locker
expect 4 "the refused write left nothing" -- vendor show late

# A read-only catalog for a write command (as an unprivileged user: root ignores modes).
if id nobody >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
    chmod 755 "$TEST_TMP" && chmod 644 "$PDAI_CATALOG"
    ro() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp "$PDAI" "$@"; }
    ro_out=$(ro vendor add intruder 2>&1); ro_rc=$?
    equals "$ro_rc" 1 "read-only catalog refuses a write (exit 1)"
    contains "$ro_out" "read-only" "says the catalog is read-only"
    expect 4 "nothing was written" -- vendor show intruder
else
    echo "skip: read-only catalog check needs root and the 'nobody' user"
fi

# Backup, check, restore.
expect 0 "backup" -- catalog backup "$TEST_TMP/b1.db"
expect 5 "backup refuses to overwrite" -- catalog backup "$TEST_TMP/b1.db"
expect 0 "backup --force" -- catalog backup "$TEST_TMP/b1.db" --force
expect 0 "vendor added after the backup" -- vendor add after-backup
expect 0 "restore" -- catalog restore "$TEST_TMP/b1.db"
expect 4 "restored catalog lacks the later vendor" -- vendor show after-backup
expect 0 "restored catalog keeps the earlier vendor" -- vendor show acme
expect 0 "check is clean" -- catalog check
head -c 20000 "$TEST_TMP/b1.db" >"$TEST_TMP/truncated.db"
expect 8 "restore refuses a damaged backup" -- catalog restore "$TEST_TMP/truncated.db"
expect 0 "catalog unchanged after refused restore" -- vendor show acme

# 'catalog path' from each of its four sources, in order of precedence. lib.sh exports
# PDAI_CATALOG for every other test; here it is really unset for all but the second.
path_of() {  # path_of ENV... -- ARGS...: runs 'pdai --json catalog path' and keeps path and source
    local envs=()
    while [[ $1 != -- ]]; do envs+=("$1"); shift; done
    shift
    out=$(env -u PDAI_CATALOG "${envs[@]}" "$PDAI" "$@" --json catalog path 2>"$TEST_TMP/stderr")
    rc=$?
    err=$(cat "$TEST_TMP/stderr")
    checks=$((checks + 1))
    if [[ $rc != 0 ]]; then fail "catalog path $*: exit $rc: $err"; else echo "ok: catalog path $* (exit 0)"; fi
}
printf 'catalog = "%s"\n' "$TEST_TMP/from-config.db" >"$TEST_TMP/path.conf"
path_of -- --catalog "$TEST_TMP/from-flag.db" --config "$TEST_TMP/path.conf"
contains "$out" "\"path\": \"$TEST_TMP/from-flag.db\"" "--catalog wins over everything"
contains "$out" '"source": "--catalog"' "the flag is named as the source"
path_of PDAI_CATALOG="$TEST_TMP/from-env.db" -- --config "$TEST_TMP/path.conf"
contains "$out" "\"path\": \"$TEST_TMP/from-env.db\"" "\$PDAI_CATALOG wins over the config"
contains "$out" '"source": "$PDAI_CATALOG"' "the environment is named as the source"
path_of -- --config "$TEST_TMP/path.conf"
contains "$out" "\"path\": \"$TEST_TMP/from-config.db\"" "the config's catalog with no flag or variable"
contains "$out" '"source": "config file"' "the config file is named as the source"
contains "$out" "$TEST_TMP/path.conf" "and listed among the files read"
: >"$TEST_TMP/empty.conf"
path_of XDG_DATA_HOME="$TEST_TMP/xdg" -- --config "$TEST_TMP/empty.conf"
contains "$out" "\"path\": \"$TEST_TMP/xdg/pdai/catalog.db\"" "the default is under \$XDG_DATA_HOME"
contains "$out" '"source": "default"' "the default is named as the source"
printf 'busy_timeout_ms = 100\ncolour = "red"\n' >"$TEST_TMP/bad.conf"
expect 2 "unknown config key" -- --config "$TEST_TMP/bad.conf" vendor list
contains "$err" "bad.conf:2" "config error names the line"
contains "$err" "unknown key 'colour'" "config error names the key"
expect 2 "no subcommand prints help" --
expect 0 "version" -- --version
finish
