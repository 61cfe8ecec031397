#!/usr/bin/env bash
# SIGKILL during 'pdai node import' of 10,000 rows: the catalog holds all rows or none,
# and checks clean. The kill is sent once pdai says it is writing, at several delays.
source "$(dirname "$0")/lib.sh"

expect 0 "catalog init" -- catalog init
expect 0 "gpu type" -- gpu type add a100 --weight 1 --price 10
expect 0 "bureau" -- bureau add fin --display-name 财政局
{
    echo "host,owner,gpus"
    for i in $(seq -w 1 10000); do
        if ((10#$i % 3)); then echo "node$i,shared,a100:8"; else echo "node$i,fin,a100:4"; fi
    done
} >"$TEST_TMP/nodes.csv"

count_nodes() { sqlite3 "$PDAI_CATALOG" "SELECT count(*) FROM nodes"; }
killed_mid_write=0
for delay in 0 0.01 0.02 0.05 0.1 0.2; do
    "$PDAI" -v node import "$TEST_TMP/nodes.csv" >/dev/null 2>"$TEST_TMP/import.err" &
    pid=$!
    for _ in $(seq 500); do
        grep -q "rows parsed, writing" "$TEST_TMP/import.err" && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.005
    done
    sleep "$delay"
    if kill -KILL $pid 2>/dev/null; then was_running=1; else was_running=0; fi
    wait $pid 2>/dev/null
    n=$(count_nodes)
    checks=$((checks + 1))
    if [[ $n == 0 ]]; then
        echo "ok: killed after ${delay}s: no rows"
        ((was_running)) && killed_mid_write=$((killed_mid_write + 1))
    elif [[ $n == 10000 ]]; then
        echo "ok: import finished before the kill at ${delay}s: all rows"
        sqlite3 "$PDAI_CATALOG" "DELETE FROM node_gpus; DELETE FROM nodes;"
    else
        fail "after SIGKILL at ${delay}s the catalog holds $n of 10000 rows"
    fi
    expect 0 "catalog check after kill at ${delay}s" -- catalog check
done
checks=$((checks + 1))
if ((killed_mid_write > 0)); then
    echo "ok: $killed_mid_write kill(s) landed while the import was writing"
else
    fail "no kill landed during the import's transaction; the test proved nothing"
fi
expect 0 "a full import afterwards" -- node import "$TEST_TMP/nodes.csv"
equals "$(count_nodes)" 10000 "all 10000 rows"
expect 0 "catalog check" -- catalog check
finish
