#!/usr/bin/env bash
# A store that cleans up after a crash: 100 SIGKILLs of 'pdai algo register' at random
# points (while unpacking, between the store's rename and the commit, while the audit key
# moves on), then 'pdai catalog check --repair'. Afterwards there is no orphan tree and no
# .incoming-* directory, every registered version's tree verifies, and so does the audit log.
# PDAI_CRASH_KILLS sets the number of kills (default 100).
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "skip: python3 is needed"; exit 77; }
: "${TEST_TMP:?}"
kills=${PDAI_CRASH_KILLS:-100}
catalog_with_store

# A bundle that takes a while to unpack: 400 files of 8 KiB and one of 4 MiB.
b=$TEST_TMP/b
mkdir -p "$b/bin" "$b/data"
printf '#!/bin/sh\nexit 0\n' >"$b/bin/run" && chmod 755 "$b/bin/run"
python3 -c "
import os, sys
d = sys.argv[1]
for i in range(400): open(os.path.join(d, 'f%03d' % i), 'wb').write(os.urandom(8192))
open(os.path.join(d, 'big.bin'), 'wb').write(os.urandom(4 << 20))" "$b/data"
pack() {  # pack N: version 1.0.N
    printf 'format = 1\nname = "crashy"\nversion = "1.0.%s"\nvendor = "acme"\ncategory = "other"\ndescription = "Registers slowly, to be killed"\nentrypoint = "bin/run"\nkinds = ["run"]\n[resources]\ngpus = 0\ntime = "5m"\n' "$1" >"$b/pdai.toml"
    "$PDAI" bundle pack "$b" -o "$TEST_TMP/crashy.tar" --force >/dev/null 2>"$TEST_TMP/pack.err" ||
        { cat "$TEST_TMP/pack.err" >&2; fail "bundle pack of version 1.0.$1"; exit 1; }
}

# How long one registration takes: the kills land anywhere within 1.2 times that.
pack 0
start=$(date +%s%N)
expect 0 "one registration, uninterrupted" -- "${c[@]}" algo register "$TEST_TMP/crashy.tar"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "  one registration takes ${ms} ms"
registered=1 killed=0
for ((i = 1; i <= kills; i++)); do
    pack "$i"
    delay_us=$(( RANDOM * 32768 + RANDOM ))
    delay_us=$(( delay_us % (ms * 1200 + 1) ))
    "$PDAI" "${c[@]}" -q algo register "$TEST_TMP/crashy.tar" >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '0.%06d' "$delay_us")" 2>/dev/null || sleep "$((delay_us / 1000000))"
    if kill -KILL "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
    wait "$pid" 2>/dev/null
    [[ $? == 0 ]] && registered=$((registered + 1))
done
echo "  $kills attempts: $killed killed, $registered registrations committed (the first included)"
left_incoming=$(find "$store" -maxdepth 1 -name '.incoming-*' | wc -l)
echo "  left behind before the repair: $left_incoming .incoming-* directories"

expect 0 "catalog check reports what the kills left" -- "${c[@]}" --json catalog check
orphans=$(jq '.bundle_store.orphans | length' <<<"$out")
stale=$(jq '.bundle_store.stale_incoming | length' <<<"$out")
echo "  catalog check: $orphans orphan trees, $stale stale .incoming-* directories"
expect 0 "catalog check --repair" -- "${c[@]}" catalog check --repair --grace 0
equals "$(grep -c '^removed ' <<<"$out")" "$((orphans + stale))" "--repair prints each thing it removed"
expect 0 "catalog check after the repair" -- "${c[@]}" --json catalog check
equals "$(jq '.bundle_store.orphans | length' <<<"$out")" 0 "no orphan tree left"
equals "$(jq '.bundle_store.stale_incoming | length' <<<"$out")" 0 "no .incoming-* directory left"
equals "$(find "$store" -maxdepth 1 -name '.incoming-*' | wc -l)" 0 "none on disk either"
equals "$(jq '.bundle_store.changed | length' <<<"$out")" 0 "every row's tree matches its digests"
rows=$(jq '.bundle_store.trees' <<<"$out")
equals "$(find "$store" -mindepth 2 -maxdepth 2 -type d | wc -l)" "$rows" "one tree per row, no more"
ok_versions=0
for v in $("$PDAI" "${c[@]}" --json algo show crashy | jq -r '.version_list[].version'); do
    "$PDAI" "${c[@]}" algo verify "crashy@$v" >/dev/null 2>&1 && ok_versions=$((ok_versions + 1))
done
equals "$ok_versions" "$rows" "algo verify passes for each of the $rows versions"
expect 0 "the audit log verifies" -- "${c[@]}" audit verify
expect 0 "the next change goes through" -- "${c[@]}" vendor add after-the-crashes
expect 0 "and verifies" -- "${c[@]}" audit verify
equals "$(ls "$TEST_TMP"/catalog.db-audit.key.next-* 2>/dev/null | wc -l)" 0 "no pending audit key left"
finish
