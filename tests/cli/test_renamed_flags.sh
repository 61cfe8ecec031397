#!/usr/bin/env bash
# Every option renamed for one vocabulary (pdai(1)) keeps its old spelling for one release:
# hidden, it warns on stderr and does exactly what the new one does. Each pair runs on two
# catalogs built the same way, and their --json answers (times aside) and catalogs must match.
source "$(dirname "$0")/lib.sh"

# OLD NEW SETUP... -- COMMAND...: COMMAND with OLD in the first catalog and NEW in the second.
pair() {
    local old=$1 new=$2
    shift 2
    local setup=() cmd=()
    while [[ $1 != -- ]]; do setup+=("$1"); shift; done
    shift
    cmd=("$@")
    local results=()
    for spelling in "$old" "$new"; do
        local db=$TEST_TMP/${spelling#--}.db
        rm -f "$db"*
        "$PDAI" --catalog "$db" -q catalog init || fail "init $db"
        local line
        for line in "${setup[@]}"; do
            # shellcheck disable=SC2086 # each setup line is a command's words
            "$PDAI" --catalog "$db" -q $line >/dev/null || fail "setup: pdai $line"
        done
        local args=("${cmd[@]/#FLAG/$spelling}")
        run --catalog "$db" --json "${args[@]}"
        checks=$((checks + 1))
        [[ $rc == 0 ]] || fail "pdai ${args[*]} exited $rc: $err"
        results+=("$(jq -S 'del(.. | .updated_at?, .created_at?)' <<<"$out")")
        # --json silences warnings; the same command again in text shows it (an add is then a
        # conflict, which the warning still precedes).
        run --catalog "$db" "${args[@]}"
        checks=$((checks + 1))
        if [[ $spelling == "$old" ]]; then
            [[ $err == *"warning: $old is spelled $new now"* ]] && echo "ok: $old warns that it is $new now" ||
                fail "$old gave no warning: $err"
        else
            [[ $err != *warning* ]] && echo "ok: $new does not warn" || fail "$new warned: $err"
        fi
    done
    equals "${results[0]}" "${results[1]}" "'${cmd[*]}' gives the same with $old and $new"
}

pair --name --display-name -- bureau add fin FLAG 财政局
pair --name --display-name "bureau add fin --display-name 财政局" -- bureau set fin FLAG 财政局（市）
pair --period --period-kind "bureau add fin --display-name F" -- quota set fin --budget 10 FLAG quarter
pair --vendor --gpu-vendor -- gpu type add a100 --weight 1 --price 10 FLAG nvidia
pair --vendor --gpu-vendor "gpu type add a100 --weight 1 --price 10" -- gpu type set a100 FLAG amd

# The old spelling's value is checked like the new one's.
run --catalog "$TEST_TMP/period-kind.db" quota set fin --period fortnight
equals "$rc" 2 "--period fortnight is refused as --period-kind fortnight is"
contains "$err" "'fortnight' is not one of: month quarter year" "the old spelling names the kinds"
# Old spellings are not offered: not in --help, nor in the completions.
run bureau add --help
[[ $out != *"--name"* ]] && echo "ok: --help hides --name" || fail "--help shows --name"
checks=$((checks + 1))

finish
