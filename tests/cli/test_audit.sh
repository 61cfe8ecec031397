#!/usr/bin/env bash
# The tamper-evident audit log (pdai-audit(1)), attacked with sqlite3 as an admin-group user
# could: audit rows edited, deleted, inserted and reordered; a quota, a membership and a GPU
# weight changed behind pdai's back. Each time 'pdai audit verify' exits 1 naming the place,
# 'pdai catalog check' fails, and a write command refuses (exit 8) rather than sign over the
# change; on an untouched catalog (and after a restore of its backup) verify passes. Also:
# the key file moves to a new epoch with every change, a crash's pending key is completed,
# and a missing key stops writes.
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skip: sqlite3 not installed (scripts/setup)"; exit 77; }
key=$PDAI_CATALOG-audit.key
sq() { sqlite3 -cmd '.timeout 5000' "$PDAI_CATALOG" "$@"; }

expect 0 "init" -- catalog init
contains "$out" "audit chain starts from public key" "init names the chain's first key"
first_key=$(sq "SELECT public_key FROM audit_checkpoints WHERE epoch = 0")
equals "$(stat -c %a "$key")" 600 "the audit key is for its owner only (the catalog is not group-writable)"
expect 0 "vendor" -- vendor add hanwen
expect 0 "bureau fin" -- bureau add fin --display-name 财政局
expect 0 "bureau edu" -- bureau add edu --display-name 教育局
expect 0 "member" -- bureau member add fin alice
expect 0 "gpu type" -- gpu type add a100 --weight 1 --price 12
expect 0 "quota" -- quota set fin --budget 100 --gpu-types a100
expect 0 "verify an untouched catalog" -- audit verify
contains "$out" "verified: 7 entries, 7 checkpoints" "every change has its checkpoint"
expect 0 "catalog check" -- catalog check
contains "$out" "7 checkpoints verified" "catalog check runs the verification"
epoch=$(sed -n 's/^epoch = //p' "$key")
equals "$epoch" 7 "the key file holds the secret of the next epoch only"
expect 0 "catalog check --json" -- --json catalog check
equals "$(jq -r .audit.first_key <<<"$out")" "$first_key" "the chain starts from the genesis key"

# A pinned anchor holds the chain to the first key.
printf 'audit_anchor = "%s"\n' "$first_key" >"$TEST_TMP/anchor.conf"
expect 0 "verify with the anchor pinned" -- --config "$TEST_TMP/anchor.conf" audit verify
contains "$out" "(audit_anchor)" "says the anchor holds"
printf 'audit_anchor = "%s"\n' "AAAA${first_key:4}" >"$TEST_TMP/other-anchor.conf"
expect 1 "verify against another anchor" -- --config "$TEST_TMP/other-anchor.conf" audit verify
contains "$out" "not from audit_anchor" "names the replaced chain"

expect 0 "backup" -- catalog backup "$TEST_TMP/good.db"
cp "$key" "$TEST_TMP/good.key"
# restore_good: the catalog and its key as they were (the key goes with the catalog it signs).
restore_good() {
    cp "$TEST_TMP/good.db" "$PDAI_CATALOG"
    rm -f "$PDAI_CATALOG-wal" "$PDAI_CATALOG-shm"
    cp "$TEST_TMP/good.key" "$key"
    run audit verify
    [[ $rc == 0 ]] || fail "the good copy verifies again: $out $err"
}
# tampered WHAT SQL WANT [history]: the change, then verify (exit 1, naming WANT) and check
# (8). A change to the state or the log's end also makes a write refuse (8) rather than sign
# over it; a change deeper in the history ("history") does not stop writes, which never sign
# it either: verify keeps naming it.
tampered() {
    local what=$1 sql=$2 want=$3 history=${4:-}
    restore_good
    sq "$sql" || fail "$what: sqlite3 failed"
    expect 1 "$what: verify fails" -- audit verify
    contains "$out" "$want" "$what: names the place"
    expect 8 "$what: catalog check fails" -- catalog check
    if [[ -z $history ]]; then
        local before
        before=$(sq "SELECT count(*) FROM audit_log")
        expect 8 "$what: a write is refused" -- vendor add late
        equals "$(sq "SELECT count(*) FROM audit_log")" "$before" "$what: nothing was written"
    else
        expect 0 "$what: a write goes on" -- vendor add late
        expect 1 "$what: verify still names it" -- audit verify
        contains "$out" "$want" "$what: still names the place"
    fi
}

tampered "an entry's actor edited" "UPDATE audit_log SET actor = 'mallory' WHERE id = 4" "audit entry #4" history
tampered "an entry deleted" "DELETE FROM audit_log WHERE id = 3" "entry #3 was deleted" history
tampered "the last entry deleted" "DELETE FROM audit_log WHERE id = 7" "past the end of the log"
tampered "an entry inserted" \
    "INSERT INTO audit_log (id, at, actor, action, entity, entity_key, prev_sha256, sha256)
     SELECT 8, at, 'mallory', 'quota.set', 'quota', 'edu', sha256, sha256 FROM audit_log WHERE id = 7" \
    "audit entry #8"
tampered "two entries swapped" \
    "UPDATE audit_log SET id = -1 WHERE id = 2; UPDATE audit_log SET id = 2 WHERE id = 3;
     UPDATE audit_log SET id = 3 WHERE id = -1" \
    "audit entry #2" history
tampered "the last entry's stored hash replaced" \
    "UPDATE audit_log SET sha256 = (CASE substr(sha256, 1, 1) WHEN 'f' THEN 'e' ELSE 'f' END) || substr(sha256, 2) WHERE id = 7" "audit entry #7"
tampered "a checkpoint's signature" \
    "UPDATE audit_checkpoints SET signature = (SELECT signature FROM audit_checkpoints WHERE epoch = 1) WHERE epoch = 2" \
    "checkpoint #2" history
tampered "a quota changed behind pdai's back" \
    "UPDATE quotas SET budget_cuh = 99999" "table quotas differs"
tampered "a membership added behind pdai's back" \
    "INSERT INTO bureau_members (bureau_id, unix_user, role, added_at) SELECT id, 'mallory', 'admin', 0 FROM bureaus WHERE code = 'edu'" \
    "table bureau_members differs"
tampered "a role raised behind pdai's back" \
    "UPDATE bureau_members SET role = 'admin' WHERE unix_user = 'alice'" "table bureau_members differs"
tampered "a GPU weight changed behind pdai's back" \
    "UPDATE gpu_types SET weight = 0.01 WHERE name = 'a100'" "table gpu_types differs"
tampered "a vendor key added behind pdai's back" \
    "INSERT INTO vendor_keys (vendor_id, key_id, public_key, added_at, added_by) SELECT id, 'evil', 'AAAA', 0, 'x' FROM vendors" \
    "table vendor_keys differs"

# A change made by hand that an admin knows of: accepted, and recorded.
restore_good
sq "UPDATE quotas SET budget_cuh = 150"
expect 0 "audit accept" -- audit accept --reason "budget fixed by hand"
contains "$out" "tables quotas" "accept names what differed"
expect 0 "verify after accept" -- audit verify
expect 0 "the accept is in the log" -- --json audit list --limit 1
contains "$out" '"action": "audit.accept"' "audit.accept entry"
contains "$out" "budget fixed by hand" "with its reason"

# Restoring the backup keeps the key chain: the checkpoints made since are carried over.
restore_good
expect 0 "a change after the backup" -- vendor add after-backup
expect 0 "restore the backup" -- catalog restore "$TEST_TMP/good.db"
expect 0 "verify after restore" -- audit verify
expect 0 "a write after the restore" -- vendor add after-restore
expect 0 "verify again" -- audit verify

# A crash between the commit and the key's rename leaves the next key pending: the next
# command completes it. A half-written or rolled-back one is removed.
epoch=$(sed -n 's/^epoch = //p' "$key")
mv "$key" "$TEST_TMP/pending"
cp "$TEST_TMP/pending" "$key.next-$epoch"
cp "$TEST_TMP/good.key" "$key"  # an older epoch stands where the crash left the old key
printf 'junk' >"$key.next-$((epoch + 5))"
printf 'junk' >"$key.next-$epoch.partial-AbCdEf"
expect 0 "a write after the crash" -- vendor add after-crash
[[ -z $(ls "$key".next-* 2>/dev/null) ]] && echo "ok: no pending key left" || fail "pending keys left: $(ls "$key".next-*)"
checks=$((checks + 1))
expect 0 "verify after the crash" -- audit verify

# Without its key nothing is written.
mv "$key" "$TEST_TMP/away.key"
expect 8 "a write without the audit key" -- vendor add keyless
contains "$err" "audit key" "names the missing key"
expect 4 "nothing was written" -- vendor show keyless
expect 0 "reading needs no key" -- audit verify
mv "$TEST_TMP/away.key" "$key"
expect 0 "with the key back" -- vendor add keyless

# A new key chain, on purpose (the key is lost): recorded, and verify says where it starts.
rm -f "$key"
expect 8 "init without the key refuses to start over silently" -- catalog init
expect 0 "init --new-audit-key" -- catalog init --new-audit-key
expect 0 "verify the restarted chain" -- audit verify
contains "$out" "starts again at checkpoint" "the restart is shown"
finish
