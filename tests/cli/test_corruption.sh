#!/usr/bin/env bash
# Corruption stops writes, and the other bad states of a catalog are refused cleanly:
#  - a catalog with pages 5-15 overwritten: 'vendor add' refuses with exit 8 and writes
#    nothing (every write command runs PRAGMA quick_check first, over the tables but the
#    history that grows with use); 'catalog check' lists it;
#  - 'catalog restore X' onto X itself is refused at once (it used to wait for ever);
#  - 'catalog init' on an unrelated, non-empty SQLite file refuses and leaves it as it was;
#  - a failed 'catalog init' (a full disk) leaves nothing behind;
#  - a full disk is named as such: while writing the catalog, and while unpacking a bundle;
#  - '--config FILE' must exist.
# The full-disk cases need a small tmpfs (root, mount); without one they are skipped.
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skip: sqlite3 not installed (scripts/setup)"; exit 77; }
: "${TEST_TMP:?}"

# ---- a catalog with damaged pages
expect 0 "init" -- catalog init
for v in $(seq 1 40); do "$PDAI" vendor add "vendor-$v" --display-name "$(printf 'v%.0s' {1..200})" >/dev/null; done
printf 'host,owner,gpus\n' >"$TEST_TMP/nodes.csv"
for n in $(seq 1 300); do printf 'node%03d,shared,\n' "$n" >>"$TEST_TMP/nodes.csv"; done
expect 0 "nodes" -- node import "$TEST_TMP/nodes.csv"
sqlite3 "$PDAI_CATALOG" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
page=$(sqlite3 "$PDAI_CATALOG" 'PRAGMA page_size')
pages=$(sqlite3 "$PDAI_CATALOG" 'PRAGMA page_count')
echo "  the catalog has $pages pages of $page bytes"
cp "$PDAI_CATALOG" "$TEST_TMP/good.db"
cp "$PDAI_CATALOG-audit.key" "$TEST_TMP/good.key"
head -c $((11 * page)) /dev/urandom | dd of="$PDAI_CATALOG" bs="$page" seek=4 conv=notrunc status=none
sum=$(sha256sum <"$PDAI_CATALOG")
expect 8 "a write on the damaged catalog" -- vendor add late
contains "$err" "is damaged" "says it is damaged"
contains "$err" "nothing was written" "says nothing was written"
equals "$(sha256sum <"$PDAI_CATALOG")" "$sum" "the file is unchanged"
expect 8 "catalog check lists the damage" -- catalog check
expect 8 "--repair changes nothing in a damaged catalog" -- catalog check --repair --grace 0
expect 0 "restore the good copy" -- catalog restore "$TEST_TMP/good.db"
expect 0 "the restored catalog checks" -- catalog check
expect 0 "and takes writes again" -- vendor add late

# ---- restore onto itself: refused at once
start=$(date +%s)
run catalog restore "$PDAI_CATALOG"
equals "$rc" 2 "restoring the catalog onto itself is refused"
contains "$err" "onto itself" "says why"
[[ $(( $(date +%s) - start )) -lt 5 ]] && echo "ok: at once" || fail "restore onto itself took $(( $(date +%s) - start ))s"
checks=$((checks + 1))
ln -s "$PDAI_CATALOG" "$TEST_TMP/link.db"
expect 2 "also through a symlink" -- catalog restore "$TEST_TMP/link.db"

# ---- init on someone else's SQLite file
sqlite3 "$TEST_TMP/theirs.db" "CREATE TABLE notes(id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes(text) VALUES ('mine');"
sum=$(sha256sum <"$TEST_TMP/theirs.db")
expect 8 "init on an unrelated SQLite file" -- --catalog "$TEST_TMP/theirs.db" catalog init
contains "$err" "tables of its own, not a pdai catalog" "says whose it is"
equals "$(sha256sum <"$TEST_TMP/theirs.db")" "$sum" "their file is unchanged"
equals "$(sqlite3 "$TEST_TMP/theirs.db" "SELECT count(*) FROM sqlite_schema")" 1 "no pdai table added"
[[ ! -e $TEST_TMP/theirs.db-audit.key ]] && echo "ok: no audit key made for it" || fail "an audit key was made"
checks=$((checks + 1))

# ---- --config must exist
expect 2 "--config naming no file" -- --config "$TEST_TMP/none.conf" vendor list
contains "$err" "does not exist" "says so"
expect 2 "--config naming no file, any command" -- --config "$TEST_TMP/none.conf" catalog path

# ---- a full disk (a small tmpfs)
full=$TEST_TMP/full
mkdir -p "$full"
if [[ $(id -u) == 0 ]] && mount -t tmpfs -o size=512k tmpfs "$full" 2>/dev/null; then
    trap 'umount "$full" 2>/dev/null; chmod -R u+w "$TEST_TMP" 2>/dev/null; rm -rf "$TEST_TMP"' EXIT
    head -c $((500 * 1024)) /dev/zero >"$full/filler" 2>/dev/null
    expect 1 "init on a full disk" -- --catalog "$full/sub/dir/catalog.db" catalog init
    contains "$err" "the disk is full" "names the full disk"
    equals "$(find "$full" -mindepth 1 ! -name filler | wc -l)" 0 "the failed init left nothing (no file, no directory)"
    rm -f "$full/filler"
    # A catalog that fits, then a disk that fills up under it.
    expect 0 "init on the tmpfs" -- --catalog "$full/catalog.db" catalog init
    head -c $((1024 * 1024)) /dev/zero >"$full/filler" 2>/dev/null
    expect 1 "a write when the disk is full" -- --catalog "$full/catalog.db" vendor add filler-vendor
    contains "$err" "the disk is full" "names the full disk"
    rm -f "$full/filler"
    # Unpacking a bundle onto a full store: exit 1 "the disk is full", not 2 "Write failed".
    mkdir -p "$TEST_TMP/big/bin"
    printf 'format = 1\nname = "big"\nversion = "1.0.0"\nvendor = "acme"\ncategory = "other"\ndescription = "A bundle bigger than the disk"\nentrypoint = "bin/run"\nkinds = ["run"]\n[resources]\ngpus = 0\ntime = "5m"\n' >"$TEST_TMP/big/pdai.toml"
    printf '#!/bin/sh\n' >"$TEST_TMP/big/bin/run" && chmod 755 "$TEST_TMP/big/bin/run"
    head -c $((2 * 1024 * 1024)) /dev/urandom >"$TEST_TMP/big/weights.bin"
    expect 0 "pack" -- bundle pack "$TEST_TMP/big" -o "$TEST_TMP/big.tar.gz"
    expect 0 "vendor" -- vendor add acme
    printf 'bundle_store = "%s/store"\n' "$full" >"$TEST_TMP/full.conf"
    chmod 644 "$TEST_TMP/full.conf"
    expect 1 "unpacking onto a full disk" -- --config "$TEST_TMP/full.conf" algo register "$TEST_TMP/big.tar.gz"
    contains "$err" "the disk is full" "names the full disk"
    equals "$(find "$full/store" -mindepth 1 | wc -l)" 0 "the store is left empty"
    umount "$full"
else
    echo "skip: the full-disk cases need root and a tmpfs mount"
fi
finish
