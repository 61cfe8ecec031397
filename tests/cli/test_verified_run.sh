#!/usr/bin/env bash
# Verified code at run time (pdai-run(1)): a job checks its bundle against the digests the
# catalog registered, on the node that runs it, before the entrypoint starts. After a stored
# file of a registered bundle is edited (or a file added, or a symlink pointed elsewhere),
# the same job on the local backend fails with 126 before the entrypoint runs (its marker
# file is never written) and its log names the entry; restored, the job runs again. A
# version whose catalog rows no longer add up to its tree digest, or (with
# require_signed_bundles) an unsigned one, is refused at submission.
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skip: sqlite3 not installed (scripts/setup)"; exit 77; }
: "${TEST_TMP:?}"
cat >"$TEST_TMP/pdai.conf" <<CONF
backend = "local"
bundle_store = "$TEST_TMP/store"
jobs_dir = "$TEST_TMP/jobs"
CONF
chmod 644 "$TEST_TMP/pdai.conf"
c=(--config "$TEST_TMP/pdai.conf")
me=$(id -un)
expect 0 "init" -- "${c[@]}" catalog init
expect 0 "vendor" -- "${c[@]}" vendor add acme
expect 0 "bureau" -- "${c[@]}" bureau add lab --display-name 实验室
expect 0 "member" -- "${c[@]}" bureau member add lab "$me"
expect 0 "quota" -- "${c[@]}" quota set lab --budget 10
b=$TEST_TMP/marker-bundle
mkdir -p "$b/bin" "$b/lib"
printf 'format = 1\nname = "marker"\nversion = "1.0.0"\nvendor = "acme"\ncategory = "other"\ndescription = "writes a marker"\nentrypoint = "bin/run"\nkinds = ["run", "infer"]\n[resources]\ngpus = 0\ncpus = 1\ntime = "5m"\n[infer]\nargs = ["{input_list}", "{output_dir}"]\n' >"$b/pdai.toml"
printf '#!/bin/sh\n. "$(dirname "$0")/../lib/helper.sh"\ntouch "$MARKER"\n' >"$b/bin/run"
printf 'MARKER=%s/marker\n' "$TEST_TMP" >"$b/lib/helper.sh"
ln -s helper.sh "$b/lib/current.sh"
chmod 755 "$b/bin/run"
expect 0 "pack" -- "${c[@]}" bundle pack "$b" -o "$TEST_TMP/marker.tar.gz"
expect 0 "register" -- "${c[@]}" algo register "$TEST_TMP/marker.tar.gz"
tree=$(sqlite3 "$PDAI_CATALOG" "SELECT store_path FROM algorithm_versions")
[[ -n $tree && -d $tree ]] || { fail "no stored tree"; finish; exit 1; }
equals "$(stat -c %a "$tree" "$tree/bin" "$tree/bin/run" "$tree/pdai.toml" | tr '\n' ' ')" "555 555 555 444 " \
    "the stored tree is read-only, directories included"

runs() {  # runs WHAT: the job runs and writes its marker
    rm -f "$TEST_TMP/marker"
    expect 0 "$1: the job runs" -- "${c[@]}" run marker --bureau lab --wait
    [[ -e $TEST_TMP/marker ]] && echo "ok: $1: marker written" || fail "$1: no marker"
    checks=$((checks + 1))
}
refused() {  # refused WHAT ENTRY: exit 126 before the entrypoint, the log names ENTRY
    rm -f "$TEST_TMP/marker"
    expect 126 "$1: the job fails before its entrypoint" -- "${c[@]}" run marker --bureau lab --wait
    [[ ! -e $TEST_TMP/marker ]] && echo "ok: $1: no marker file" || fail "$1: the entrypoint ran"
    checks=$((checks + 1))
    local id
    id=$(sqlite3 "$PDAI_CATALOG" "SELECT max(id) FROM jobs")
    run "${c[@]}" jobs logs "$id"
    contains "$out" "pdai: error: bundle $2" "$1: the log names it at error"
    equals "$(cat "$TEST_TMP/jobs/$id/exit_code")" 126 "$1: the exit code is recorded"
}
runs "untouched"
chmod u+w "$tree/bin" "$tree/bin/run" "$tree/lib" "$tree/lib/helper.sh"
cp "$tree/bin/run" "$TEST_TMP/run.orig"
printf 'echo tampered\n' >>"$tree/bin/run"
refused "an edited entrypoint" "file 'bin/run'"
expect 1 "algo verify agrees" -- "${c[@]}" algo verify marker@1.0.0
cp "$TEST_TMP/run.orig" "$tree/bin/run"
runs "restored"
printf 'MARKER=/dev/null\n' >"$TEST_TMP/evil.sh"
cp "$tree/lib/helper.sh" "$TEST_TMP/helper.orig"
cp "$TEST_TMP/evil.sh" "$tree/lib/helper.sh"
refused "an edited library the entrypoint sources" "file 'lib/helper.sh'"
cp "$TEST_TMP/helper.orig" "$tree/lib/helper.sh"
printf 'x\n' >"$tree/bin/sitecustomize.py"
refused "a file added" "entry 'bin/sitecustomize.py'"
rm "$tree/bin/sitecustomize.py"
# A symlink pointed elsewhere is found already at submission (its target is read from the
# store then); the job's own check covers a change made while the job waits in the queue.
ln -sfn ../bin/run "$tree/lib/current.sh"
expect 1 "a symlink pointed elsewhere: not submitted" -- "${c[@]}" run marker --bureau lab --wait
contains "$err" "symlink 'lib/current.sh' in the bundle store differs" "names the symlink"
ln -sfn helper.sh "$tree/lib/current.sh"
runs "restored again"

# Inference shards check too: each one before its entrypoint.
mkdir -p "$TEST_TMP/in" && printf 'a\n' >"$TEST_TMP/in/a.txt"
cp "$TEST_TMP/evil.sh" "$tree/lib/helper.sh"
rm -f "$TEST_TMP/marker"
run "${c[@]}" infer marker --bureau lab --inputs "$TEST_TMP/in" --wait
[[ $rc != 0 && ! -e $TEST_TMP/marker ]] && echo "ok: infer: the shard fails before its entrypoint" ||
    fail "infer: exit $rc, marker $(ls "$TEST_TMP/marker" 2>&1)"
checks=$((checks + 1))
cp "$TEST_TMP/helper.orig" "$tree/lib/helper.sh"

# The catalog's own rows are checked at submission against the version's tree digest.
cp "$PDAI_CATALOG" "$TEST_TMP/before-rows.db"
sqlite3 "$PDAI_CATALOG" "UPDATE algorithm_files SET sha256 = '$(printf 'echo x' | sha256sum | cut -c1-64)' WHERE path = 'bin/run'"
expect 8 "rows that no longer add up to the tree digest" -- "${c[@]}" run marker --bureau lab --dry-run
contains "$err" "no longer adds up to the version's tree digest" "says so"
sqlite3 "$PDAI_CATALOG" "UPDATE algorithm_files SET sha256 = '$(sha256sum "$TEST_TMP/run.orig" | cut -c1-64)' WHERE path = 'bin/run'"
expect 0 "the rows put back" -- "${c[@]}" run marker --bureau lab --dry-run

# require_signed_bundles (a system setting): an unsigned version is not run.
printf 'require_signed_bundles = true\n' >>"$TEST_TMP/pdai.conf"
expect 3 "an unsigned version under require_signed_bundles" -- "${c[@]}" run marker --bureau lab --dry-run
contains "$err" "is not signed" "says why"
chmod -R u+w "$TEST_TMP"
finish
