# Helpers for pdai's end-to-end tests. Source it; set PDAI to the binary under test.
set -uo pipefail

: "${PDAI:?set PDAI to the pdai binary}"
TEST_TMP=$(mktemp -d /tmp/pdai-cli-test.XXXXXX)
chmod 755 "$TEST_TMP"
# Stored bundle trees are read-only, directories included: make them removable first.
trap 'chmod -R u+w "$TEST_TMP" 2>/dev/null; rm -rf "$TEST_TMP"' EXIT
export PDAI_CATALOG="$TEST_TMP/catalog.db"
export HOME="$TEST_TMP/home" XDG_CONFIG_HOME="$TEST_TMP/home/.config" XDG_DATA_HOME="$TEST_TMP/home/.local/share"
mkdir -p "$HOME"
failures=0
checks=0

# run ARGS...: runs pdai, keeping stdout in $out, stderr in $err, exit code in $rc.
run() {
    out=$("$PDAI" "$@" 2>"$TEST_TMP/stderr")
    rc=$?
    err=$(cat "$TEST_TMP/stderr")
}

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# expect RC DESCRIPTION -- ARGS...: runs pdai and checks the exit code.
expect() {
    local want=$1 what=$2
    shift 3
    run "$@"
    checks=$((checks + 1))
    if [[ $rc != "$want" ]]; then
        fail "$what: 'pdai $*' exited $rc, expected $want; stderr: $err"
    else
        echo "ok: $what (exit $rc)"
    fi
}

# contains HAYSTACK NEEDLE DESCRIPTION
contains() {
    checks=$((checks + 1))
    if [[ $1 != *"$2"* ]]; then fail "$3: expected to find '$2' in: $1"; else echo "ok: $3"; fi
}

equals() {
    checks=$((checks + 1))
    if [[ $1 != "$2" ]]; then fail "$3: got '$1', expected '$2'"; else echo "ok: $3"; fi
}

# catalog_with_store: a catalog whose bundle store is $TEST_TMP/store, named in
# $TEST_TMP/pdai.conf, which "${c[@]}" passes; with vendor acme.
catalog_with_store() {
    store=$TEST_TMP/store
    printf 'bundle_store = "%s"\n' "$store" >"$TEST_TMP/pdai.conf"
    chmod 644 "$TEST_TMP/pdai.conf"
    c=(--config "$TEST_TMP/pdai.conf")
    expect 0 "init" -- "${c[@]}" catalog init
    expect 0 "vendor" -- "${c[@]}" vendor add acme
}

# The end of every test file: fails when a check failed, and when no check ran at all (a
# test that checks nothing must not pass).
finish() {
    echo "$((checks - failures)) passed, $failures failed"
    if [[ $checks == 0 ]]; then
        echo "FAIL: this test made no check" >&2
        return 1
    fi
    [[ $failures == 0 ]]
}
