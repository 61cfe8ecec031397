#!/usr/bin/env bash
# Bundles end to end through the pdai executable: init -> pack -> lint -> register -> verify
# -> export gives byte-identical archives; keys and signatures; sharing; the documented exit
# codes of refusals, with the catalog and the store unchanged after each.
source "$(dirname "$0")/lib.sh"

store="$TEST_TMP/store"
# bundle_max_ratio = 0: the bomb below (zeros) must meet the total-size limit, which the
# ratio check (test_hostile_input.sh) would otherwise beat to it.
printf 'bundle_store = "%s"\nbundle_max_entries = 1000\nbundle_max_total_bytes = "64M"\nbundle_max_ratio = 0\n' "$store" >"$TEST_TMP/pdai.conf"
printf 'bundle_store = "%s"\nrequire_signed_bundles = true\n' "$store" >"$TEST_TMP/signed.conf"
cfg=(--config "$TEST_TMP/pdai.conf")
b="$TEST_TMP/b"

expect 0 "catalog init" -- catalog init
expect 0 "vendor add" -- vendor add acme
expect 0 "bureau add fin" -- bureau add fin --display-name 财政局
expect 0 "bureau add edu" -- bureau add edu --display-name 教育局

expect 0 "bundle init" -- bundle init "$b/src" --name ocr-table --vendor acme
expect 5 "bundle init refuses to overwrite" -- bundle init "$b/src"
expect 2 "bundle init with an unknown category" -- bundle init "$b/x" --category ai
head -c 200000 /dev/urandom >"$b/src/weights.bin"
expect 0 "bundle pack" -- bundle pack "$b/src" -o "$b/one.tar.gz"
sleep 1
expect 0 "bundle pack again" -- bundle pack "$b/src" -o "$b/two.tar.gz"
checks=$((checks + 1))
if cmp -s "$b/one.tar.gz" "$b/two.tar.gz"; then echo "ok: packing is deterministic"; else fail "two packs of one directory differ"; fi
expect 5 "bundle pack refuses to overwrite" -- bundle pack "$b/src" -o "$b/one.tar.gz"
expect 2 "bundle pack with an unknown suffix" -- bundle pack "$b/src" -o "$b/one.rar"
expect 0 "bundle lint FILE" -- bundle lint "$b/one.tar.gz" --json
contains "$out" '"ok": true' "lint says ok"
tree=$(jq -r .tree_sha256 <<<"$out")
expect 0 "bundle lint DIR" -- bundle lint "$b/src" --json
equals "$(jq -r .tree_sha256 <<<"$out")" "$tree" "directory and archive have one tree digest"

expect 4 "register with an unknown owner bureau" -- "${cfg[@]}" algo register "$b/one.tar.gz" --owner nobody
expect 0 "algo register" -- "${cfg[@]}" algo register "$b/one.tar.gz" --owner fin --json
equals "$(jq -r .created <<<"$out")" "true" "register says created"
equals "$(jq -r .tree_sha256 <<<"$out")" "$tree" "registered tree is the linted tree"
stored=$(jq -r .store_path <<<"$out")
equals "$stored" "$store/${tree:0:2}/$tree" "the tree is stored under its digest in bundle_store"
expect 0 "algo register again" -- "${cfg[@]}" algo register "$b/two.tar.gz"
contains "$out" "nothing changed" "same content again is a no-op"
expect 0 "algo verify" -- "${cfg[@]}" algo verify ocr-table@0.1.0
expect 0 "algo export" -- "${cfg[@]}" algo export ocr-table@0.1.0 -o "$b/exported.tar.gz"
checks=$((checks + 1))
if cmp -s "$b/one.tar.gz" "$b/exported.tar.gz"; then echo "ok: export is byte-identical to pack"; else fail "export differs from pack"; fi

# Refusals: exit codes, and nothing changes.
snapshot() { "$PDAI" "${cfg[@]}" algo list --json; ls -R "$store"; "$PDAI" audit list --json | jq length; }
before=$(snapshot)
sed -i 's/^description = .*/description = "changed"/' "$b/src/pdai.toml"
expect 0 "pack changed content" -- bundle pack "$b/src" -o "$b/changed.tar.gz"
expect 5 "same version, different content" -- "${cfg[@]}" algo register "$b/changed.tar.gz"
printf 'junk' >"$b/junk.tar.gz"
expect 2 "not an archive" -- "${cfg[@]}" algo register "$b/junk.tar.gz"
mkdir -p "$b/evil" && cp "$b/src/pdai.toml" "$b/evil/" && cp -r "$b/src/bin" "$b/evil/"
sed -i 's/^version = .*/version = "9.0.0"/' "$b/evil/pdai.toml"
tar -C "$b/evil" -P -czf "$b/dotdot.tar.gz" pdai.toml bin --transform 's,^bin/run$,../../escaped,'
expect 2 "entry with .." -- "${cfg[@]}" algo register "$b/dotdot.tar.gz"
contains "$err" "contains '..'" "the message names the problem"
ln -s /etc/passwd "$b/evil/passwd"
tar -C "$b/evil" -czf "$b/link.tar.gz" pdai.toml bin passwd
expect 2 "symlink outside" -- "${cfg[@]}" algo register "$b/link.tar.gz"
rm "$b/evil/passwd"
chmod 644 "$b/evil/bin/run"
tar -C "$b/evil" -czf "$b/noexec.tar.gz" pdai.toml bin
expect 2 "entrypoint not executable" -- "${cfg[@]}" algo register "$b/noexec.tar.gz"
contains "$err" "is not executable" "names the entrypoint"
head -c 70000000 /dev/zero >"$b/evil/zeros"
chmod 755 "$b/evil/bin/run"
tar -C "$b/evil" -czf "$b/bomb.tar.gz" pdai.toml bin zeros
expect 2 "over bundle_max_total_bytes from pdai.conf" -- "${cfg[@]}" algo register "$b/bomb.tar.gz"
contains "$err" "bundle_max_total_bytes (64 MiB)" "names the limit"
equals "$(snapshot)" "$before" "catalog, store and audit log unchanged by the refusals"
checks=$((checks + 1))
if [[ -e "$TEST_TMP/escaped" || -e "$store/escaped" ]]; then fail "something escaped"; else echo "ok: nothing escaped"; fi

# Listing, search, visibility, sharing.
expect 0 "algo list" -- "${cfg[@]}" algo list --csv
contains "$out" ",0.1.0,ocr-table,fin,[],acme,1" "csv row: the JSON's fields"
expect 0 "algo list for edu" -- "${cfg[@]}" algo list --bureau edu --json
equals "$(jq length <<<"$out")" "0" "edu cannot see fin's algorithm"
expect 0 "algo share" -- "${cfg[@]}" algo share ocr-table --with edu
expect 0 "algo list for edu after sharing" -- "${cfg[@]}" algo list --bureau edu --json
equals "$(jq -r '.[0].name' <<<"$out")" "ocr-table" "edu sees it now"
expect 0 "algo unshare" -- "${cfg[@]}" algo unshare ocr-table --with edu
expect 4 "unshare again" -- "${cfg[@]}" algo unshare ocr-table --with edu
expect 0 "algo search" -- "${cfg[@]}" algo search DESCRIBE --json
equals "$(jq length <<<"$out")" "1" "search is case-insensitive"
expect 0 "algo show" -- "${cfg[@]}" algo show ocr-table
contains "$out" "0.1.0" "show lists versions"
expect 0 "algo show version" -- "${cfg[@]}" algo show ocr-table@0.1.0 --files --json
equals "$(jq -r '.files | map(select(.path == "bin/run")) | .[0].mode' <<<"$out")" "100755" "files with modes"
expect 4 "show unknown version" -- "${cfg[@]}" algo show ocr-table@9.9.9
expect 2 "show a malformed version" -- "${cfg[@]}" algo show ocr-table@latest
expect 2 "verify needs a version" -- "${cfg[@]}" algo verify ocr-table

# Status.
expect 0 "deprecate" -- "${cfg[@]}" algo deprecate ocr-table@0.1.0 --reason "use 0.2"
expect 0 "revoke" -- "${cfg[@]}" algo revoke ocr-table@0.1.0 --reason CVE
expect 5 "a revoked version stays revoked" -- "${cfg[@]}" algo deprecate ocr-table@0.1.0
expect 0 "audit has the revocation" -- audit list --json
contains "$out" "algorithm.revoke" "revoke audited"

# Tampering is found.
chmod u+w "$stored/weights.bin" && printf 'x' >>"$stored/weights.bin"
expect 1 "verify finds a changed file" -- "${cfg[@]}" algo verify ocr-table@0.1.0
contains "$out" "changed  weights.bin" "names the changed file"
expect 1 "export refuses a tampered tree" -- "${cfg[@]}" algo export ocr-table@0.1.0 -o "$b/tampered.tar.gz"

# Keys and signatures.
expect 0 "bundle keygen" -- bundle keygen --key-id acme-2025 -o "$b/acme"
checks=$((checks + 1))
[[ $(stat -c %a "$b/acme.key") == 600 ]] && echo "ok: secret key is 0600" || fail "secret key mode $(stat -c %a "$b/acme.key")"
expect 5 "keygen refuses to overwrite" -- bundle keygen --key-id acme-2025 -o "$b/acme"
sed -i 's/^version = .*/version = "0.2.0"/' "$b/src/pdai.toml"
expect 0 "pack 0.2.0" -- bundle pack "$b/src" -o "$b/v2.tar.gz"
expect 2 "unsigned bundle with require_signed_bundles" -- --config "$TEST_TMP/signed.conf" algo register "$b/v2.tar.gz"
contains "$err" "require_signed_bundles" "names the setting"
expect 0 "bundle sign" -- bundle sign "$b/v2.tar.gz" --key "$b/acme.key"
expect 0 "lint checks the signature" -- bundle lint "$b/v2.tar.gz" --public-key "$b/acme.pub"
contains "$out" ": valid" "signature valid"
expect 2 "signed with a key acme has not registered" -- --config "$TEST_TMP/signed.conf" algo register "$b/v2.tar.gz"
expect 0 "vendor key add" -- vendor key add acme "$b/acme.pub"
expect 5 "vendor key add again" -- vendor key add acme "$b/acme.pub"
expect 0 "vendor key list" -- vendor key list acme --json
equals "$(jq -r '.[0].key_id' <<<"$out")" "acme-2025" "key listed"
cp "$b/v2.tar.gz.sig" "$b/saved.sig"
sed -i "s/^tree_sha256 = .*/tree_sha256 = \"$tree\"/" "$b/v2.tar.gz.sig"
expect 2 "a signature of another tree" -- --config "$TEST_TMP/signed.conf" algo register "$b/v2.tar.gz"
cp "$b/saved.sig" "$b/v2.tar.gz.sig"
expect 0 "signed bundle registers" -- --config "$TEST_TMP/signed.conf" algo register "$b/v2.tar.gz" --json
equals "$(jq -r .signed_by <<<"$out")" "acme/acme-2025" "signed_by recorded"
expect 0 "export a signed version" -- "${cfg[@]}" algo export ocr-table@0.2.0 -o "$b/v2-export.tar.gz"
checks=$((checks + 1))
cmp -s "$b/v2.tar.gz.sig" "$b/v2-export.tar.gz.sig" && echo "ok: export writes the signature" || fail "signature not exported"
expect 0 "vendor key remove" -- vendor key remove acme acme-2025
expect 4 "vendor key remove again" -- vendor key remove acme acme-2025

finish
