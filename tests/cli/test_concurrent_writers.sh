#!/usr/bin/env bash
# 50 pdai processes start at once, each adding a different vendor or bureau: every one
# succeeds, all 50 rows are there, and the catalog checks clean.
source "$(dirname "$0")/lib.sh"

expect 0 "catalog init" -- catalog init
pids=()
for i in $(seq 1 50); do
    if ((i % 2)); then
        "$PDAI" vendor add "vendor-$i" --display-name "厂商 $i" >"$TEST_TMP/out.$i" 2>&1 &
    else
        "$PDAI" bureau add "bureau-$i" --display-name "委办局 $i" >"$TEST_TMP/out.$i" 2>&1 &
    fi
    pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
        failed=$((failed + 1))
        echo "process $((i + 1)) failed: $(cat "$TEST_TMP/out.$((i + 1))")" >&2
    fi
done
equals "$failed" 0 "no process failed"
expect 0 "vendor list" -- vendor list --json
equals "$(grep -c '"name": "vendor-' <<<"$out")" 25 "all 25 vendors are there"
expect 0 "bureau list" -- bureau list --json
equals "$(grep -c '"code": "bureau-' <<<"$out")" 25 "all 25 bureaus are there"
expect 0 "audit list" -- audit list --limit 1000 --json
equals "$(grep -cE '"action": "(vendor|bureau).add"' <<<"$out")" 50 "50 audit entries"
expect 0 "catalog check is clean" -- catalog check
finish
