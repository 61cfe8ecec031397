#!/usr/bin/env bash
# Backups for cron: `catalog backup --dir --keep` rotates (only its own files), a catalog
# damaged on purpose is found by `catalog check`, a damaged backup is refused by
# `catalog restore`, and restoring the last good backup brings back every row it held.
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skip: sqlite3 not installed (scripts/setup)"; exit 77; }
bk=$TEST_TMP/backups

expect 0 "init" -- catalog init
# Enough rows for the file to span many pages, so its middle is live b-tree data.
for i in $(seq 1 40); do
    "$PDAI" -q vendor add "vendor$i" --display-name "供应商 $i" --contact "ops$i@example.org" || fail "vendor add $i"
done
for b in fin edu police; do "$PDAI" -q bureau add "$b" --display-name "bureau $b" || fail "bureau add $b"; done

mkdir -p "$bk"
echo "not a backup" >"$bk/notes.txt"
echo "someone else's file" >"$bk/catalog-latest.db"
for i in 1 2 3 4 5; do
    expect 0 "rotating backup $i" -- -q catalog backup --dir "$bk" --keep 3
    "$PDAI" -q vendor add "after$i" || fail "vendor after$i"
done
shopt -s nullglob
mine=("$bk"/catalog-2*.db)
equals "${#mine[@]}" 3 "three backups kept"
[[ -f $bk/notes.txt && -f $bk/catalog-latest.db ]] && echo "ok: files not matching the pattern left alone" ||
    fail "rotation removed a file it did not write"
left=("$bk"/*.partial-*)
equals "${#left[@]}" 0 "no temporary file left behind"

expect 0 "backup --json says what it kept and removed" -- --json catalog backup --dir "$bk" --keep 3
last=$(jq -r .backup <<<"$out")
equals "$(jq '.kept | length' <<<"$out")" 3 "json: three kept"
equals "$(jq '.removed | length' <<<"$out")" 1 "json: one removed"
equals "$(jq -r '.kept[0]' <<<"$out")" "$last" "json: the new backup is the newest kept"
[[ $(jq -r '.removed[0]' <<<"$out") != "$last" ]] && echo "ok: the new backup was not removed" || fail "removed the new backup"
expect 0 "the new backup checks clean" -- --catalog "$last" catalog check

expect 2 "--keep without --dir" -- catalog backup "$TEST_TMP/x.db" --keep 2
expect 2 "DEST and --dir together" -- catalog backup "$TEST_TMP/x.db" --dir "$bk"
expect 2 "--keep 0" -- catalog backup --dir "$bk" --keep 0
expect 2 "neither DEST nor --dir" -- catalog backup
equals "$(ls "$bk"/catalog-2*.db | wc -l)" 3 "refused backups changed nothing"

# Something written after the last backup: lost by the restore, as documented.
expect 0 "vendor after the last backup" -- vendor add too-late

# Damage the live catalog: overwrite one whole page in the middle of the file. pdai keeps
# its -wal on purpose (readers without write access need it), so first move every page
# into the main file, as a checkpoint would, or the damage could hide under newer copies.
sqlite3 "$PDAI_CATALOG" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null || fail "checkpoint"
page=$(sqlite3 "$PDAI_CATALOG" 'PRAGMA page_size')
pages=$(( $(stat -c %s "$PDAI_CATALOG") / page ))
damage() {  # damage FILE: fill its middle page with garbage
    local n=$(( $(stat -c %s "$1") / page / 2 ))
    yes 'garbage, not a b-tree page' | head -c "$page" | dd of="$1" bs="$page" seek="$n" conv=notrunc status=none
}
echo "catalog: $pages pages of $page bytes"
damage "$PDAI_CATALOG"
expect 8 "check finds the damaged catalog" -- catalog check
contains "$out" "integrity" "check names an integrity problem"
contains "$err" "pdai catalog restore" "check says how to recover"
expect 8 "check --json also exits 8" -- --json catalog check
equals "$(jq .ok <<<"$out")" false "check --json: ok is false"

# A damaged backup is refused and the catalog is not touched.
cp "$last" "$TEST_TMP/bad-backup.db"
damage "$TEST_TMP/bad-backup.db"
before=$(sha256sum <"$PDAI_CATALOG")
expect 8 "restore refuses a damaged backup" -- catalog restore "$TEST_TMP/bad-backup.db"
contains "$err" "refusing to restore" "says it refused"
equals "$(sha256sum <"$PDAI_CATALOG")" "$before" "catalog untouched by the refused restore"

# The last good backup brings back every row it held.
expect 0 "restore the last good backup" -- catalog restore "$last"
expect 0 "the restored catalog checks clean" -- catalog check
missing=$(sqlite3 "$PDAI_CATALOG" "ATTACH '$last' AS b;
    SELECT name FROM b.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'" |
    while read -r t; do
        n=$(sqlite3 "$PDAI_CATALOG" "ATTACH '$last' AS b;
            SELECT count(*) FROM (SELECT * FROM b.\"$t\" EXCEPT SELECT * FROM main.\"$t\")")
        [[ $n != 0 ]] && echo "$t:$n"
    done)
equals "$missing" "" "every row of every table in the backup is in the restored catalog"
rows=$(sqlite3 "$last" 'SELECT count(*) FROM vendors')
equals "$rows" 45 "the backup held the 40 vendors and after1..after5"
expect 0 "a vendor from the backup is back" -- vendor show vendor20
expect 0 "the last one before the backup too" -- vendor show after5
expect 4 "what came after the backup is gone" -- vendor show too-late
expect 0 "audit log records the restore" -- --json audit list
contains "$out" "catalog.restore" "restore is audited"
finish
