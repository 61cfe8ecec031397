#!/usr/bin/env bash
# Holds every "pdai ..." hint in a message of pdai's libraries and CLI to the real command
# tree (the hidden `pdai __commands`): the help lines of errors ("create one with 'pdai
# catalog init', or pass --catalog PATH"), "next:" lines, option descriptions. A renamed
# command or option must not leave a stale hint behind.
#
# Which sources: every *.cpp/*.hpp under the folders of ARCHITECTURE.md's table (the rows
# whose first cell is a backticked folder, `catalog/`), cli/, and the library folders that
# exist of common/ policy/ bundle/ catalog/ gate/ usage/ inventory/ jobs/ gpu/ app/ server/.
#
# What a hint is: inside a C++ string literal (comments are not read), "pdai" then one space
# then a word. Literals written next to each other are one text; "a " + expr + " b" and
# "a " << expr << " b" are joined with the word VAR standing for expr (a positional).
#   - quoted, 'pdai ...' (or `pdai ...`): the text up to the closing quote; always checked.
#   - unquoted: the text up to the end of the literal (joined as above), cut at the end of a
#     line, at ")", ";", "'", ", ", ": ", ". " or " ("; checked unless an exclusion rule
#     below says it is not a hint but the program's name in prose or in a log line.
#
# What is checked: the longest run of words that is a command path is followed from the
# root ("pdai gpu type set" in 'pdai gpu type set NAME --match GLOB'); the first word must
# be a top-level command, and a plain word right after a command that only groups others
# (subcommands, no positionals) must be one of its subcommands. Every -x/--option in the
# hint must be the command's own or a global one (the root's). Words in CAPITALS, VAR,
# NAME@VERSION, <...>, [...], ..., %s are placeholders: a placeholder first word
# ('pdai COMMAND --help') stands for any command, so its options must exist on every
# command. Hidden commands (__complete, __commands: not in __commands) must exist, as
# `pdai __X --help` shows, and their options must appear in that help.
#
# A new exclusion is the last resort: rather rephrase the message, or quote the hint.
#
#   PDAI=build/cli/pdai PDAI_SOURCE_DIR=. bash tests/cli/test_hints.sh
source "$(dirname "$0")/lib.sh"

src=${PDAI_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
min_hints=20  # a broken extractor must not pass by finding nothing

if ! command -v jq >/dev/null; then
    echo "FAIL: jq is needed (scripts/setup installs it)" >&2
    exit 1
fi

# ---------------------------------------------------------------------------------------
# The command tree: for each command (key "pdai", "pdai quota set", ...) its options, the
# number of its positionals and its subcommands' names, space-padded for matching.
: >"$TEST_TMP/empty.conf"  # no system or user config may change the tree
if ! "$PDAI" --config "$TEST_TMP/empty.conf" __commands >"$TEST_TMP/commands.json"; then
    echo "FAIL: pdai __commands did not run" >&2
    exit 1
fi
declare -A opts npos subs
while IFS=$'\037' read -r path o n s; do
    key="pdai${path:+ $path}"
    opts[$key]=" $o "
    npos[$key]=$n
    subs[$key]=" $s "
done < <(jq -r '
    def all: ., (.subcommands[] | all);
    all | [.path,
           ([.options[].names[]] | join(" ")),
           (.positionals | length | tostring),
           ([.subcommands[].path | split(" ") | last] | join(" "))] | join("\u001f")' \
    "$TEST_TMP/commands.json")
if ((${#opts[@]} < 10)); then
    echo "FAIL: pdai __commands gave only ${#opts[@]} commands" >&2
    exit 1
fi
globals=${opts[pdai]}

# ---------------------------------------------------------------------------------------
# The folders to scan.
folders=()
while read -r d; do folders+=("$d"); done < <(
    sed -n 's/^| *`\([a-z_][a-z0-9_]*\)\/`.*/\1/p' "$src/ARCHITECTURE.md")
if ((${#folders[@]} == 0)); then
    echo "FAIL: no folder rows found in $src/ARCHITECTURE.md" >&2
    exit 1
fi
folders+=(cli common policy bundle catalog gate usage inventory jobs gpu app server)
mapfile -t folders < <(printf '%s\n' "${folders[@]}" | awk '!seen[$0]++')
scan=()
for d in "${folders[@]}"; do [[ -d $src/$d ]] && scan+=("$d"); done
echo "scanning: ${scan[*]}"
mapfile -t files < <(cd "$src" && find "${scan[@]}" -type f \( -name '*.cpp' -o -name '*.hpp' \) | LC_ALL=C sort)
if ((${#files[@]} == 0)); then
    echo "FAIL: no C++ sources under ${scan[*]} in $src" >&2
    exit 1
fi

# ---------------------------------------------------------------------------------------
# The extractor: reads C++ sources (comments, char literals and digit separators skipped;
# plain and raw string literals read, escapes decoded), prints each "pdai <word>" found in
# a literal as  file US line US quote US before US hint  (US = \037): quote is ' or ` for a
# quoted hint, else empty; before is up to 30 characters in front of "pdai".
cat >"$TEST_TMP/extract.awk" <<'AWK'
function reset_file() { state = "code"; between = ""; have_chain = 0; chain = ""; np = 0 }
# The code between two literals joins them when it is nothing ("a" "b") or one expression
# between + and + (or << and <<): "a " + f(x) + " b". A comma, ?, ; or brace ends the text.
function joinable(b,    k, c, depth) {
    if (b ~ /^[ \t]*$/) return 1
    if (length(b) > 300 || b ~ /[;{}]/) return 0
    if (b !~ /^[ \t]*(\+|<<)/ || b !~ /(\+|<<)[ \t]*$/) return 0
    depth = 0
    for (k = 1; k <= length(b); k++) {
        c = substr(b, k, 1)
        if (c == "(" || c == "[") depth++
        else if (c == ")" || c == "]") { if (--depth < 0) return 0 }
        else if ((c == "," || c == "?") && depth == 0) return 0
    }
    return depth == 0
}
function start_literal(ln) {
    if (have_chain && joinable(between)) {
        if (between !~ /^[ \t]*$/) chain = chain "VAR"
    } else {
        flush()
        have_chain = 1; chain = ""; np = 0
    }
    np++; pstart[np] = length(chain) + 1; pline[np] = ln
    between = ""
}
# The source line of position p of the joined text (a raw literal's newlines count).
function line_at(p,    k, seg) {
    for (k = np; k > 1 && pstart[k] > p; k--) ;
    seg = substr(chain, pstart[k], p - pstart[k])
    return pline[k] + gsub(/\n/, "", seg)
}
function flush(    pos, at, before, q, rest, hint, k, pre) {
    if (!have_chain) return
    pos = 1
    while (match(substr(chain, pos), /pdai/)) {
        at = pos + RSTART - 1
        pos = at + 4
        before = at > 1 ? substr(chain, at - 1, 1) : ""
        # Rule 1: "pdai" inside a longer name is not the command: _pdai_node,
        # job_submit_pdai, /etc/pdai/, job_submit/pdai; and "pdai" not followed by one space
        # and a word is a prefix or a file name: "pdai: error:", "pdai-<id>-ocr" job names,
        # "pdai.toml", "pdai_plugin.conf", "pdai.conf(5)", "pdai's", "pdai (".
        if (before ~ /[A-Za-z0-9_.\/-]/) continue
        if (substr(chain, at + 4, 1) != " " || substr(chain, at + 5, 1) !~ /[A-Za-z_<\[%-]/) continue
        rest = substr(chain, at)
        q = (before == "'" || before == "`") ? before : ""
        if (q != "") {
            k = index(rest, q)
            hint = k ? substr(rest, 1, k - 1) : rest
            if (match(hint, /[\n\036]/)) hint = substr(hint, 1, RSTART - 1)
        } else {
            hint = rest
            if (match(hint, /[\n\036);']|, |: |\. | \(/)) hint = substr(hint, 1, RSTART - 1)
            sub(/[ .]+$/, "", hint)
        }
        pre = substr(chain, at > 30 ? at - 30 : 1, at > 30 ? 30 : at - 1)
        gsub(/[\n\036\t\037]/, " ", pre); gsub(/[\t\037]/, " ", hint)
        printf "%s\037%d\037%s\037%s\037%s\n", file, line_at(at), q, pre, hint
    }
    have_chain = 0; chain = ""; np = 0
}
function process(t, ln,    i, n, c, nx, prev, k, p, lit, d, raw, pfx) {
    n = length(t); i = 1
    while (i <= n) {
        if (state == "block") {
            k = index(substr(t, i), "*/")
            if (!k) return
            i += k + 1; state = "code"; between = between " "; continue
        }
        if (state == "raw") {
            k = index(substr(t, i), rawend)
            if (!k) { chain = chain substr(t, i) "\n"; return }
            chain = chain substr(t, i, k - 1); i += k - 1 + length(rawend); state = "code"; continue
        }
        if (!match(substr(t, i), /[\/'"]/)) { between = between substr(t, i); break }
        between = between substr(t, i, RSTART - 1); i += RSTART - 1
        c = substr(t, i, 1); nx = substr(t, i + 1, 1)
        if (c == "/") {
            if (nx == "/") break
            if (nx == "*") { state = "block"; i += 2; continue }
            between = between c; i++; continue
        }
        if (c == "'") {
            prev = i > 1 ? substr(t, i - 1, 1) : ""
            if (prev ~ /[A-Za-z0-9_]/) { between = between c; i++; continue }  # 1'000'000
            if (nx == "\\") { k = index(substr(t, i + 3), "'"); i += 3 + k } else i += 3
            between = between "c"; continue
        }
        # A string literal: raw when written R"delim(...)delim" (or u8R, uR, UR, LR).
        pfx = substr(t, i > 4 ? i - 4 : 1, i > 4 ? 4 : i - 1)
        raw = (pfx ~ /(^|[^A-Za-z0-9_])(u8|u|U|L)?R$/)
        start_literal(ln)
        if (raw) {
            p = index(substr(t, i + 1), "(")
            rawend = ")" substr(t, i + 1, p - 1) "\""
            i += 1 + p; state = "raw"; continue
        }
        lit = ""; i++
        while (i <= n) {
            c = substr(t, i, 1)
            if (c == "\\") {  # \n becomes \036: it ends a hint but is no source line
                d = substr(t, i + 1, 1)
                if (d == "n") lit = lit "\036"; else if (d == "t") lit = lit " "; else lit = lit d
                i += 2; continue
            }
            if (c == "\"") break
            lit = lit c; i++
        }
        chain = chain lit; i++
    }
    between = between " "
}
FNR == 1 { if (NR > 1) flush(); reset_file(); file = FILENAME }
{ process($0, FNR) }
END { flush() }
AWK

# ---------------------------------------------------------------------------------------
# Exclusion rules for unquoted text (rule 1, "pdai" inside a longer name or not followed by
# a word, is in the extractor). Each names why the text is not a hint; prints the rule's
# number, or nothing for a hint.
not_a_hint() {  # QUOTE BEFORE HINT
    local q=$1 pre=$2 h=$3
    [[ -n $q ]] && return 1  # a quoted 'pdai ...' is always a hint
    # Rule 2: "pdai job" is the noun, a job's pdai id: "pdai job 17 completed", "no pdai job
    # 17", "pdai job ids", "# pdai job 17: run ocr@1.2.0" (the commands are "pdai jobs ...").
    [[ $h =~ ^pdai\ job($|\ ) ]] && { echo 2; return 0; }
    # Rule 3: "pdai" after a determiner or preposition is the program named in prose: "not a
    # pdai catalog", "this pdai was built without CUDA", "more than pdai accepts", "exempt
    # from pdai quotas", "set by pdai and Slurm", "build pdai where CUDA is installed".
    local det='(^|[^A-Za-z])(a|an|any|the|this|that|no|than|by|from|for|without|same|build) $'
    [[ $pre =~ $det ]] && { echo 3; return 0; }
    # Rule 4: "pdai" as the subject of a verb in prose: "pdai knows only ed25519", "pdai
    # prices one GPU type per job", "the keys pdai understands", "the path pdai would use".
    local verb='^pdai (passes|knows|prices|reads|accepts|understands|would|was|is|are|itself)($| )'
    [[ $h =~ $verb ]] && { echo 4; return 0; }
    # Rule 5: the title comment of a key or signature file pdai writes (bundle/signature.cpp):
    # "# pdai vendor public key.", "# pdai signing key: SECRET.", "# pdai bundle signature (".
    local title='^pdai (vendor public key|signing key|bundle signature)$'
    [[ $pre =~ \#\ $ && $h =~ $title ]] && { echo 5; return 0; }
    # Rule 6: the program name in generated fish completion code: "complete -c pdai -n ...".
    [[ $pre =~ complete\ -c\ $ ]] && { echo 6; return 0; }
    # Rule 7: "pdai" before a number or a value pieced in from a variable is an id (range):
    # "submitted 3 jobs (pdai 17..19)".
    [[ $h =~ ^pdai\ (VAR|[0-9]) ]] && { echo 7; return 0; }
    # Rule 8: the Slurm plugin's name as slurmctld logs it (plugin_name).
    [[ $h == "pdai bureau GPU quotas" ]] && { echo 8; return 0; }
    return 1
}

is_plain_word() { [[ $1 =~ ^[a-z][a-z0-9_-]*$ ]]; }

# The option names in a hint's word: --budget (from --budget=CUH), -o; -vv is -v twice.
option_names() {
    local w=$1 long='^(--[A-Za-z][A-Za-z0-9-]*)' short='^-([A-Za-z]+)($|[=,.:;)])'
    if [[ $w =~ $long ]]; then
        echo "${BASH_REMATCH[1]}"
    elif [[ $w =~ $short ]]; then
        local letters=${BASH_REMATCH[1]} k
        for ((k = 0; k < ${#letters}; k++)); do echo "-${letters:k:1}"; done
    fi
}

# check_hint HINT: prints what is wrong with it, nothing when it is right.
check_hint() {
    local -a w
    read -ra w <<<"$1"
    local n=${#w[@]} cmd=pdai i=1 first=${w[1]:-} name
    if [[ $first == __* ]]; then  # a hidden command: not in __commands, but its help says
        local help
        help=$("$PDAI" --config "$TEST_TMP/empty.conf" "$first" --help 2>&1)
        if ! grep -q "^Usage: pdai $first\\b" <<<"$help"; then
            echo "no command 'pdai $first'"
            return
        fi
        for ((i = 2; i < n; i++)); do
            while read -r name; do
                [[ -z $name ]] && continue
                grep -qE -- "(^|[ ,])$name([ ,=]|$)" <<<"$help" || [[ $globals == *" $name "* ]] ||
                    echo "no option $name on 'pdai $first'"
            done < <(option_names "${w[i]}")
        done
        return
    fi
    if [[ $first != -* ]] && ! is_plain_word "$first"; then
        # 'pdai COMMAND --help': a placeholder for any command; each option must be on all
        for ((i = 2; i < n; i++)); do
            while read -r name; do
                [[ -z $name ]] && continue
                [[ $globals == *" $name "* ]] && continue
                local c
                for c in "${!opts[@]}"; do
                    if [[ ${opts[$c]} != *" $name "* ]]; then
                        echo "no option $name on every command ('$c' lacks it)"
                        break
                    fi
                done
            done < <(option_names "${w[i]}")
        done
        return
    fi
    while ((i < n)) && is_plain_word "${w[i]}" && [[ ${subs[$cmd]} == *" ${w[i]} "* ]]; do
        cmd+=" ${w[i]}"
        i=$((i + 1))
    done
    if ((i < n)) && is_plain_word "${w[i]}" && [[ ${subs[$cmd]} != "  " && ${npos[$cmd]} == 0 ]]; then
        echo "no command '$cmd ${w[i]}'"
        return
    fi
    for ((i = 1; i < n; i++)); do
        while read -r name; do
            [[ -z $name ]] && continue
            [[ ${opts[$cmd]} == *" $name "* || $globals == *" $name "* ]] ||
                echo "no option $name on '$cmd'"
        done < <(option_names "${w[i]}")
    done
}

# ---------------------------------------------------------------------------------------
hints=0
skipped=0
while IFS=$'\037' read -r file line q pre hint; do
    if rule=$(not_a_hint "$q" "$pre" "$hint"); then
        skipped=$((skipped + 1))
        echo "skip: $file:$line: $hint (rule $rule)"
        continue
    fi
    hints=$((hints + 1))
    checks=$((checks + 1))
    problems=$(check_hint "$hint")
    if [[ -n $problems ]]; then
        while read -r p; do fail "$file:$line: '$hint': $p"; done <<<"$problems"
    else
        echo "ok: $file:$line: $hint"
    fi
done < <(cd "$src" && awk -f "$TEST_TMP/extract.awk" "${files[@]}")

echo "$hints hints checked in ${#files[@]} files ($skipped mentions of pdai that are no hint skipped)"
checks=$((checks + 1))
if ((hints < min_hints)); then
    fail "only $hints hints found, expected at least $min_hints: is the extractor broken?"
fi
finish
