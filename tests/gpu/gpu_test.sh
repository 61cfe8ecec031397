#!/usr/bin/env bash
# gpu_test.sh probe|check|bench: pdai against the real GPU(s) of this machine. Exits 77
# (CTest: skipped) with the reason when there is none.
source "${PDAI_SOURCE_DIR:?}/tests/cli/lib.sh"
mode=${1:?probe, check or bench}

run gpu probe --json
if [[ $rc != 0 ]] || [[ $(jq -r '.devices | length' <<<"$out") == 0 ]]; then
    echo "SKIP: $(jq -r '.reason // empty' <<<"$out" 2>/dev/null || true)${err:+ $err}"
    exit 77
fi
name=$(jq -r '.devices[0].name' <<<"$out")
ndev=$(jq -r '.devices | length' <<<"$out")
echo "device 0: $name (driver CUDA $(jq -r .driver_cuda_version <<<"$out"))"

case $mode in
probe)
    expect 0 "probe --require" -- gpu probe --require
    contains "$out" "$name" "the table names the card"
    run gpu probe --json
    checks=$((checks + 1))
    if jq -e '.devices[0] | (.memory_mib > 0 and .sm_count > 0 and (.uuid | startswith("GPU-")) and (.pci_bus_id | length) > 0)' <<<"$out" >/dev/null; then
        echo "ok: memory, SMs, UUID and PCI bus id are filled in"
    else
        fail "incomplete device: $(jq -c '.devices[0]' <<<"$out")"
    fi
    expect 0 "catalog init" -- catalog init
    expect 0 "a type for the card" -- gpu type add card --weight 1 --price 1
    expect 0 "match it by name" -- gpu type set card --match "$name"
    expect 0 "probe --register" -- gpu probe --register --host gpu-test-node
    expect 0 "node list" -- node list --json
    # A host with two card models would need a second type; lent machines have one.
    equals "$(jq -r '.[0].gpus.card' <<<"$out")" "$ndev" "every card registered under the type"
    ;;
check)
    expect 0 "check passes" -- gpu check
    contains "$out" "GPU check passed" "says it passed"
    expect 0 "check --json" -- gpu check --device 0 --json
    equals "$(jq -r '.[0].ok' <<<"$out")" true "device 0 ok"
    ;;
bench)
    expect 0 "catalog init" -- catalog init
    expect 0 "a type for the card" -- gpu type add card --weight 1 --price 1
    printf 'reference_gpu_type = "card"\n' >"$TEST_TMP/pdai.conf"
    expect 0 "bench fp16,bf16 --save" -- --config "$TEST_TMP/pdai.conf" gpu bench --json \
        --dtype fp16,bf16 --seconds 1 --save --type card
    echo "$out" | jq -c '.figures[]'
    checks=$((checks + 1))
    if jq -e '[.figures[] | select(.kind=="gemm" and .dtype=="fp16")][0].tflops > 0 and
              [.figures[] | select(.kind=="copy")][0].gbps > 0' <<<"$out" >/dev/null; then
        echo "ok: fp16 TFLOP/s and copy GB/s measured"
    else
        fail "missing figures"
    fi
    equals "$(jq -r '.saved.weight' <<<"$out")" 1 "the reference type's weight is 1"
    expect 0 "results" -- gpu results card --json
    checks=$((checks + 1))
    (($(jq length <<<"$out") >= 2)) && echo "ok: figures saved" || fail "figures not saved: $out"
    ;;
*) echo "unknown mode $mode"; exit 2 ;;
esac
finish
