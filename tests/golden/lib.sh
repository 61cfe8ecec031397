# The golden-test machinery: the case runner, the comparison and the one normaliser.
# Sourced by tests/golden/run.sh, which sets GOLDEN_TMP, GOLDEN_EXPECTED, GOLDEN_CONF,
# GOLDEN_WORK, golden_env and GOLDEN_ENV_CATALOG before the first case.

golden_cases=0     # cases run
golden_compared=0  # comparisons made against an expected file
golden_written=0   # expected files written (PDAI_GOLDEN_UPDATE=1)
golden_failed=()   # names of the cases that differ
declare -A golden_seen=()

# ---------------------------------------------------------------- the normaliser
#
# Applied to everything a case records (command line, stdout, stderr, extra files). It replaces
# only what differs from run to run; field names, headers, wording and every figure computed
# from the fixture pass through untouched. The fixture pins its own times in 2024 (its periods
# end by 2025-01-01) and its own actor to 'opsadmin' (fixture.sql), so a time from 2026 on can
# only be the clock's.
golden_sed=()

# sed_literal TEXT: TEXT as an ERE matching itself.
sed_literal() { printf '%s' "$1" | sed -e 's/[][\/.^$*+?(){}|]/\\&/g'; }

# normalize_literal TEXT PLACEHOLDER: every occurrence of TEXT becomes PLACEHOLDER.
normalize_literal() {
    [[ -n $1 ]] && golden_sed+=(-e "s/$(sed_literal "$1")/$(sed_literal "$2")/g")
}

normalize_setup() {
    local y='20(2[6-9]|[3-9][0-9])'  # a year the fixture never uses: 2026..2099
    golden_sed=()
    # The temporary directory of this run (catalog, bundle store, job directories, keys).
    normalize_literal "$GOLDEN_TMP" '<TMP>'
    # The source checkout the bundles are packed from.
    normalize_literal "$PDAI_SOURCE_DIR" '<SRC>'
    # Random key material: the fixture's keys and signature by name (normalize_key), any
    # other Ed25519 public key (44 base64 characters) or signature (88) as such.
    golden_sed+=("${golden_keys[@]}")
    golden_sed+=(-e 's/(^|[^A-Za-z0-9+/])[A-Za-z0-9+/]{86}==/\1<SIGNATURE>/g')
    golden_sed+=(-e 's/(^|[^A-Za-z0-9+/])[A-Za-z0-9+/]{43}=/\1<PUBKEY>/g')
    # The clock's timestamps: ISO (2026-12-04T18:14:05Z) and compact (20261204T181405Z, in
    # backup file names). No help text quotes a whole timestamp, so this is safe everywhere.
    golden_sed+=(-e "s/${y}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z/<TIME>/g")
    golden_sed+=(-e "s/${y}[01][0-9][0-3][0-9]T[0-2][0-9][0-5][0-9][0-6][0-9]Z/<TIME>/g")
    # The unix user running the test (created_by/updated_by/user of what the cases write).
    golden_sed+=(-e "s/\\<$(sed_literal "$(id -un)")\\>/<USER>/g")
    # The host a local job runs on (what 'run --dry-run --json' records).
    golden_sed+=(-e "s/(\"host\": \")$(sed_literal "$(uname -n)")\"/\\1<HOST>\"/g")
    # The current budget period (2026-12, 2026-Q4 or 2026) and its dates, only where pdai
    # prints them: 'quota show', 'quota check', the plugin's messages and 'usage report'
    # without --period. Help texts quote example periods too ("e.g. --period 2026-11"):
    # those are fixed text, outside these contexts, and stay.
    local label="${y}(-[01][0-9]|-Q[1-4])?"
    golden_sed+=(-e "s/${label} \\(${y}-[0-9-]+ to ${y}-[0-9-]+/<PERIOD> (<DATE> to <DATE>/g")
    golden_sed+=(-e "s/(\"period(_label)?\": \")${label}\"/\\1<PERIOD>\"/")
    golden_sed+=(-e "s/^(period: +)${label}\$/\\1<PERIOD>/")
    golden_sed+=(-e "s/( (left )?in )${label}( |;|,|\\.|\$)/\\1<PERIOD>\\5/g")
    golden_sed+=(-e "s/(renew on )${y}-[01][0-9]-[0-3][0-9]/\\1<DATE>/g")
    golden_sed+=(-e "s/(runs out: +)${y}-[01][0-9]-[0-3][0-9]/\\1<DATE>/")
    golden_sed+=(-e "s/(^|,)${label}(,|\r?\$)/\\1<PERIOD>\\4/g")  # a CSV cell (quota check --csv)
    # Burn rate: this period's usage over the time elapsed in it, so it moves with the clock
    # (a zero rate stays: it does not move).
    local nonzero='([0-9]*[1-9][0-9]*\.[0-9]+|[0-9]+\.[0-9]*[1-9][0-9]*)([eE][-+]?[0-9]+)?'
    golden_sed+=(-e "s/(^|[^0-9.])${nonzero} CUH\\/day/\\1<BURN> CUH\\/day/g")
    golden_sed+=(-e "s/(\"burn_cuh_per_day\": )${nonzero}/\\1<BURN>/")
    golden_sed+=(-e "s/^([0-9.]+,[^,]*,)${nonzero},/\\1<BURN>,/")  # quota show --csv: budget,bureau,burn
    # How long a local job took: 00:00:00 or 00:00:01, whichever second boundary it crossed
    # (the fixture's own jobs ran for minutes or hours: theirs stay).
    golden_sed+=(-e 's/^(pdai job [0-9]+ [a-z_]+ in )00:00:0[0-9]/\1<DURATION>/')
}

# normalize_key TEXT NAME: random key material TEXT (a key, a signature) becomes <NAME>,
# padded with dots to TEXT's width so that the tables holding it stay aligned.
golden_keys=()
normalize_key() {
    [[ -n $1 ]] || return 0
    local p="<$2"
    while [[ $((${#p} + 1)) -lt ${#1} ]]; do p+=.; done
    golden_keys+=(-e "s/$(sed_literal "$1")/$(sed_literal "$p>")/g")
}

normalize() { sed -E "${golden_sed[@]}"; }

# ---------------------------------------------------------------- the case runner

# quote_args ARGS...: the command line as a person would type it (for the record's header).
quote_args() {
    local a out=() special=$'[][[:space:][:cntrl:]\'"$`\\*?();&|<>#~!{}]'
    for a in "$@"; do
        if [[ $a =~ [[:cntrl:]] ]]; then
            out+=("$(printf '%q' "$a")")  # $'x\ty': no raw control characters in the record
        elif [[ -z $a || $a =~ $special ]]; then
            out+=("'${a//\'/\'\\\'\'}'")
        else
            out+=("$a")
        fi
    done
    printf '%s' "${out[*]}"
}

# section TITLE FILE: one part of a record; a last line without its newline is marked, so the
# record still tells "ends with a newline" from "does not".
section() {
    printf -- '--- %s\n' "$1"
    if [[ -s $2 ]]; then
        cat "$2"
        [[ $(tail -c 1 "$2" | od -An -c | tr -d ' ') == '\n' ]] || printf '\n<no newline at end>\n'
    fi
}

# golden NAME [--conf FILE] [--file PATH] [--env VAR=VALUE]... -- ARGS...
#   Runs 'pdai --config FILE ARGS' (FILE: the test's pdai.conf unless given) in GOLDEN_WORK,
#   with only the environment golden_env (set by run.sh), the catalog GOLDEN_ENV_CATALOG and
#   the --env variables, and compares its normalised command line, stdout, stderr and exit
#   code (and with --file, the content of PATH afterwards) with expected/NAME.txt.
golden() {
    local name=$1 conf=$GOLDEN_CONF file="" envs=()
    shift
    while [[ $# -gt 0 && $1 != -- ]]; do
        case $1 in
            --conf) conf=$2; shift 2 ;;
            --file) file=$2; shift 2 ;;
            --env) envs+=("$2"); shift 2 ;;
            *) echo "golden $name: unknown option $1" >&2; exit 1 ;;
        esac
    done
    [[ $# -gt 0 ]] && shift
    if [[ -n ${golden_seen[$name]:-} ]]; then echo "golden: case '$name' defined twice" >&2; exit 1; fi
    golden_seen[$name]=1
    [[ -n ${GOLDEN_SKIP:-} ]] && return 0  # a group this machine cannot run (run.sh says why)
    [[ -n ${PDAI_GOLDEN_FILTER:-} && ! $name =~ $PDAI_GOLDEN_FILTER ]] && return 0
    golden_cases=$((golden_cases + 1))

    local out=$GOLDEN_TMP/case.out err=$GOLDEN_TMP/case.err rc
    [[ -n $file ]] && rm -f "$file"
    (cd "$GOLDEN_WORK" && exec timeout 60 env -i "${golden_env[@]}" PDAI_CATALOG="$GOLDEN_ENV_CATALOG" \
        "${envs[@]}" "$PDAI" --config "$conf" "$@" >"$out" 2>"$err" </dev/null)
    rc=$?
    local actual=$GOLDEN_TMP/actual/$name.txt
    {
        printf '$ pdai %s\n' "$(quote_args "$@")"
        [[ ${#envs[@]} -gt 0 ]] && printf '  (with %s)\n' "${envs[*]}"
        [[ $conf != "$GOLDEN_CONF" ]] && printf '  (with --config %s)\n' "$conf"
        printf '  (catalog %s)\n' "$(basename "$GOLDEN_ENV_CATALOG")"
        section stdout "$out"
        section stderr "$err"
        if [[ -n $file ]]; then
            if [[ -e $file ]]; then section "file $file" "$file"; else printf -- '--- file %s: missing\n' "$file"; fi
        fi
        printf -- '--- exit %s\n' "$rc"
    } | normalize >"$actual"
    golden_compare "$name" "$actual"
}

golden_compare() {
    local name=$1 actual=$2 expected=$GOLDEN_EXPECTED/$1.txt
    if [[ ${PDAI_GOLDEN_UPDATE:-} == 1 ]]; then
        cmp -s "$actual" "$expected" || { cp "$actual" "$expected"; golden_written=$((golden_written + 1)); }
        return 0
    fi
    golden_compared=$((golden_compared + 1))
    if [[ ! -e $expected ]]; then
        echo "FAIL: $name: no expected file $expected (write it with PDAI_GOLDEN_UPDATE=1)"
        golden_failed+=("$name")
    elif ! diff -u --label "expected/$name.txt" --label "actual/$name.txt" "$expected" "$actual"; then
        echo "FAIL: $name: output differs from expected/$name.txt (diff above)"
        golden_failed+=("$name")
    fi
}

# golden_finish: the verdict. Also fails on expected files no case produced (a renamed or
# dropped case), and when nothing was compared at all.
golden_finish() {
    if [[ -z ${PDAI_GOLDEN_FILTER:-} ]]; then
        local f n stale=()
        for f in "$GOLDEN_EXPECTED"/*.txt; do
            [[ -e $f ]] || continue
            n=$(basename "$f" .txt)
            [[ -n ${golden_seen[$n]:-} ]] || stale+=("$n")
        done
        if [[ ${#stale[@]} -gt 0 ]]; then
            if [[ ${PDAI_GOLDEN_UPDATE:-} == 1 ]]; then
                for n in "${stale[@]}"; do rm -f "$GOLDEN_EXPECTED/$n.txt"; echo "removed stale expected/$n.txt"; done
            else
                for n in "${stale[@]}"; do echo "FAIL: expected/$n.txt belongs to no case"; golden_failed+=("$n (stale)"); done
            fi
        fi
    fi
    if [[ ${PDAI_GOLDEN_UPDATE:-} == 1 ]]; then
        echo "PDAI_GOLDEN_UPDATE=1: ran $golden_cases cases, rewrote $golden_written expected files in $GOLDEN_EXPECTED"
        if [[ ${#golden_failed[@]} -gt 0 ]]; then printf 'failed: %s\n' "${golden_failed[@]}"; return 1; fi
        [[ $golden_cases -gt 0 ]]
        return
    fi
    if [[ $golden_compared -eq 0 ]]; then
        echo "FAIL: no comparison was made (filter '${PDAI_GOLDEN_FILTER:-}' matched no case?)"
        return 1
    fi
    if [[ ${#golden_failed[@]} -gt 0 ]]; then
        echo "$((golden_compared - ${#golden_failed[@]})) of $golden_compared golden cases passed; failed:"
        printf '  %s\n' "${golden_failed[@]}"
        return 1
    fi
    echo "all $golden_compared golden cases passed"
}
