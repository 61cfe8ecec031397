#!/usr/bin/env bash
# The nightly line of the cron recipe (examples/cron/pdai.cron, shown in pdai-cron(7)), run
# as cron runs it: /bin/sh -c with cron's \% handling, a bare environment, no terminal,
# stdin from /dev/null, output to files. Twice in a row it makes one batch, not two; an
# overlapping night exits at once; output holds no escape sequences or progress bars. Also
# the logging that cron relies on: -v (one line per event on stderr), NO_COLOR, log_file,
# log_syslog (when a syslog socket can be put in place), and a bad log_level refused.
source "$(dirname "$0")/lib.sh"
src=${PDAI_SOURCE_DIR:?}
recipe=$src/examples/cron/pdai.cron

# pdai-cron(7) shows the recipe line for line (roff's \- and \e back to - and \).
before=$failures
page=$(sed -e 's/\\-/-/g' -e 's/\\e/\\/g' "$src/man/pdai-cron.7")
while IFS= read -r l; do
    [[ -z $l || $l == \#* ]] && continue
    grep -qxF -- "$l" <<<"$page" || fail "pdai-cron(7) lacks the recipe line: $l"
done <"$recipe"
[[ $failures == "$before" ]] && echo "ok: pdai-cron(7) shows every line of examples/cron/pdai.cron"
checks=$((checks + 1))

# The recipe's nightly command: fields 7.. of its "pdai infer" line (/etc/cron.d format).
line=$(awk '!/^#/ && /pdai infer/ { for (i = 7; i <= NF; i++) printf "%s%s", $i, (i < NF ? " " : "\n") }' "$recipe")
contains "$line" "flock -n /run/lock/pdai-nightly.lock pdai infer" "the recipe runs infer under flock -n"
contains "$line" '--idempotency-key nightly-$(date +\%F)' "the recipe keys the batch by date, % escaped for cron"
[[ ${line//\\%/} == *%* ]] && fail "the recipe has a bare % (cron would cut the line there)"
cmd=${line//\\%/%}  # what cron hands to /bin/sh
# Only the site's paths and the algorithm change: a no-op bundle stands in for the OCR one.
cmd=${cmd//\/run\/lock\//$TEST_TMP/lock/}
cmd=${cmd//\/srv\/fin\/scans\//$TEST_TMP/scans/}
cmd=${cmd//hanwen-ocr/scan-noop}
mkdir -p "$TEST_TMP/lock" "$TEST_TMP/bin" "$HOME/.config/pdai"
ln -s "$(realpath "$PDAI")" "$TEST_TMP/bin/pdai"

# The cron user's own settings (the catalog comes from $PDAI_CATALOG: its path is a system
# setting, which a user's file may not hold).
cat >"$HOME/.config/pdai/pdai.conf" <<EOF
backend = "local"
log_file = "$TEST_TMP/pdai.log"
log_level = "info"
EOF

me=$(id -un)
expect 0 "init" -- catalog init
expect 0 "vendor" -- vendor add hanwen
expect 0 "bureau" -- bureau add fin --display-name 财政局 --account fin
expect 0 "member" -- bureau member add fin "$me"
mkdir -p "$TEST_TMP/noop/bin"
cat >"$TEST_TMP/noop/pdai.toml" <<'EOF'
format = 1
name = "scan-noop"
version = "1.0.0"
vendor = "hanwen"
category = "ocr"
description = "Writes an empty result per input: stands in for OCR in the cron test."
entrypoint = "bin/run"
kinds = ["infer"]
[resources]
gpus = 0
cpus = 1
time = "5m"
[infer]
args = ["--inputs", "{input_list}", "--out", "{output_dir}"]
input_patterns = ["*.png"]
inputs_per_shard = 2
EOF
cat >"$TEST_TMP/noop/bin/run" <<'EOF'
#!/bin/sh
set -eu
while [ $# -gt 0 ]; do case "$1" in --inputs) in=$2; shift 2 ;; --out) out=$2; shift 2 ;; *) exit 2 ;; esac; done
mkdir -p "$out"
while IFS= read -r f; do [ -n "$f" ] && : >"$out/$(basename "$f").txt"; done <"$in"
sleep 1  # long enough for a waiting pdai to see the shard running
EOF
chmod +x "$TEST_TMP/noop/bin/run"
expect 0 "pack" -- bundle pack "$TEST_TMP/noop" -o "$TEST_TMP/noop.tar.gz"
expect 0 "register" -- algo register "$TEST_TMP/noop.tar.gz"
today=$(date +%F)
mkdir -p "$TEST_TMP/scans/$today"
for i in 1 2 3 4 5; do echo "scan $i" >"$TEST_TMP/scans/$today/page$i.png"; done

# cron: /bin/sh, the crontab's PATH, HOME and LOGNAME only, no terminal at all.
as_cron() {  # as_cron N: runs $cmd, output in $TEST_TMP/cron.N.{out,err}, exit code in $rc
    # PDAI_CATALOG stands for /etc/pdai/pdai.conf's catalog (a crontab line may set it too).
    env -i HOME="$HOME" LOGNAME="$me" SHELL=/bin/sh PATH="$TEST_TMP/bin:/usr/bin:/bin" PDAI_CATALOG="$PDAI_CATALOG" \
        setsid -w /bin/sh -c "$cmd" </dev/null >"$TEST_TMP/cron.$1.out" 2>"$TEST_TMP/cron.$1.err"
    rc=$?
}
as_cron 1
equals "$rc" 0 "first night: exit 0 (the batch ran and completed)"
as_cron 2
equals "$rc" 0 "same night again: exit 0"
contains "$(cat "$TEST_TMP/cron.2.out")" "already has idempotency key 'nightly-$today'" "second run says the batch exists"

run --json jobs list --limit 0
equals "$(jq 'length' <<<"$out")" 1 "one pdai job, not two"
equals "$(jq -r '.[0].idempotency_key' <<<"$out")" "nightly-$today" "keyed by the date"
equals "$(jq -r '.[0].state' <<<"$out")" completed "the batch completed"
equals "$(jq -c '.[0].task_states' <<<"$out")" '{"completed":3}' "three shards (5 inputs, 2 per shard), all completed"
equals "$(ls "$(jq -r '.[0].output_dir' <<<"$out")" | wc -l)" 5 "one result per input"

# An overlapping night: the lock is held, flock -n exits 1 at once, pdai is not started.
flock "$TEST_TMP/lock/pdai-nightly.lock" sleep 5 &
holder=$!
sleep 0.5
start=$(date +%s)
as_cron 3
equals "$rc" 1 "an overlapping run exits 1 (flock -n)"
(( $(date +%s) - start < 3 )) && echo "ok: it did not wait for the lock" || fail "the overlapping run waited"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
run --json jobs list --limit 0
equals "$(jq 'length' <<<"$out")" 1 "still one pdai job"

# Nothing meant for a terminal reached cron's mail.
for f in "$TEST_TMP"/cron.{1,2,3}.{out,err}; do
    grep -q $'\e' "$f" && fail "$(basename "$f") holds an escape sequence"
    grep -q $'\r' "$f" && fail "$(basename "$f") holds a carriage return (a redrawn line)"
    grep -qE '\[#*\.+\]|\[#+\.*\]' "$f" && fail "$(basename "$f") holds a progress bar"
done
echo "ok: no escape sequences, carriage returns or progress bars in cron's output"
checks=$((checks + 1))
contains "$(cat "$TEST_TMP/cron.1.out")" "completed" "the first run printed how the batch ended"

# The log file (log_level = info in the config) got the events, with time and pid.
log=$(cat "$TEST_TMP/pdai.log")
contains "$log" "info: submitted pdai job 1" "log_file has the submission"
contains "$log" "info: pdai job 1 already has idempotency key" "log_file has the second night"
grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}([+-][0-9]{2}:?[0-9]{2}|Z) pdai\[[0-9]+\] info: ' "$TEST_TMP/pdai.log" &&
    echo "ok: log lines carry time, pid and level" || fail "log line format: $log"
checks=$((checks + 1))
: >"$TEST_TMP/pdai.log"
expect 0 "-q still logs to the file" -- -q infer scan-noop --bureau fin --inputs "$TEST_TMP/scans/$today" --idempotency-key "nightly-$today"
equals "$err" "" "-q: nothing on stderr"
contains "$(cat "$TEST_TMP/pdai.log")" "already has idempotency key" "-q: the event is in the log file"

# -v: one line per event on stderr, each a whole "pdai: info:" line; stdout unchanged.
mkdir -p "$TEST_TMP/scans/more"
cp "$TEST_TMP"/scans/$today/page{1,2,3}.png "$TEST_TMP/scans/more/"
NO_COLOR=1 run -v infer scan-noop --bureau fin --inputs "$TEST_TMP/scans/more" --idempotency-key more --wait
equals "$rc" 0 "-v infer --wait"
contains "$err" "pdai: info: submitted pdai job 2" "-v: the submission is an event"
contains "$err" "pdai: info: pdai job 2: " "-v: progress comes as event lines"
bad=$(grep -v '^pdai: info: ' <<<"$err")
equals "$bad" "" "-v: every stderr line is one event line"
equals "$(grep -c 'submitted pdai job 2' <<<"$err")" 1 "-v: the submission is logged once"
[[ $out != *"pdai: info"* ]] && echo "ok: -v: events stay off stdout" || fail "-v wrote events to stdout"
checks=$((checks + 1))
[[ $err$out != *$'\e'* ]] && echo "ok: NO_COLOR: no escape sequences" || fail "escape sequences with NO_COLOR"
checks=$((checks + 1))
NO_COLOR=1 run --help
[[ $out != *$'\e'* ]] && echo "ok: NO_COLOR: help has no escapes" || fail "escapes in --help"
checks=$((checks + 1))

# The bar is for a person at a terminal only: drawn when both streams are one (script(1)
# gives a pseudo-terminal), not when stdout goes to a file.
if command -v script >/dev/null; then
    bar_cmd="'$PDAI' infer scan-noop --bureau fin --inputs '$TEST_TMP/scans/more' --wait"
    tty_out=$(script -qec "$bar_cmd --idempotency-key tty1" /dev/null </dev/null)
    contains "$tty_out" $'\r\e[K' "on a terminal the progress bar is drawn"
    tty_out=$(script -qec "$bar_cmd --idempotency-key tty2 >'$TEST_TMP/tty2.out'" /dev/null </dev/null)
    [[ $tty_out$(cat "$TEST_TMP/tty2.out") != *$'\e'* ]] && echo "ok: stdout to a file: no bar, even with stderr on a terminal" ||
        fail "a bar was drawn while stdout went to a file"
    checks=$((checks + 1))
else
    echo "skip: script(1) not installed, the terminal case is not checked"
fi

# Bad logging settings are refused by name; a log file this user cannot open is skipped.
# (--config stands in for the system file here; the user file above is moved out of the way,
# or its log_file would win.)
mv "$HOME/.config/pdai/pdai.conf" "$HOME/.config/pdai/pdai.conf.off"
printf 'log_level = "loud"\n' >"$TEST_TMP/bad.conf"
expect 2 "an unknown log_level is refused" -- --config "$TEST_TMP/bad.conf" vendor list
contains "$err" "log_level must be one of" "names the allowed levels"
printf 'log_syslog = "yes"\n' >"$TEST_TMP/bad.conf"
expect 2 "log_syslog must be a boolean" -- --config "$TEST_TMP/bad.conf" vendor list
printf 'log_file = "/nonexistent/dir/pdai.log"\n' >"$TEST_TMP/nolog.conf"
expect 0 "an unwritable log_file does not stop a command" -- --config "$TEST_TMP/nolog.conf" vendor list

# log_syslog: as root, with no syslog daemon here, listen on /dev/log ourselves.
if [[ $(id -u) == 0 && ! -e /dev/log ]] && command -v socat >/dev/null; then
    socat -u UNIX-RECV:/dev/log,mode=666 "OPEN:$TEST_TMP/syslog,creat,append" &
    listener=$!
    for _ in $(seq 50); do [[ -S /dev/log ]] && break; sleep 0.1; done
    printf 'log_syslog = true\nlog_level = "info"\nbackend = "local"\n' >"$TEST_TMP/syslog.conf"
    expect 0 "log_syslog" -- --config "$TEST_TMP/syslog.conf" -q infer scan-noop --bureau fin \
        --inputs "$TEST_TMP/scans/more" --idempotency-key more
    sleep 0.3
    kill "$listener"
    wait "$listener" 2>/dev/null
    rm -f /dev/log
    contains "$(cat "$TEST_TMP/syslog" 2>/dev/null)" "pdai[" "syslog: ident pdai with the pid"
    contains "$(cat "$TEST_TMP/syslog" 2>/dev/null)" "info: pdai job 2 already has idempotency key" "syslog: the event"
else
    echo "skip: log_syslog delivery needs root and no syslog daemon (/dev/log) to stand in for"
fi
finish
