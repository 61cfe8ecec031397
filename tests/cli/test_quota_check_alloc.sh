#!/usr/bin/env bash
# `pdai quota check` prices what Slurm will allocate, as the plugin does (one builder, one
# engine): several GPU types each at its own weight, and --exclusive at every GPU of the
# dearest node from the node inventory, refused while there is none.
source "$(dirname "$0")/lib.sh"
plugin_conf=$TEST_TMP/pdai_plugin.conf
printf 'catalog = %s\nexempt_users =\n' "$PDAI_CATALOG" >"$plugin_conf"  # root too is priced
q=(--json quota check fin --plugin-conf "$plugin_conf")

expect 0 "init" -- catalog init
expect 0 "a100" -- gpu type add a100 --weight 2 --price 20
expect 0 "t4" -- gpu type add t4 --weight 0.5 --price 4
expect 0 "bureau" -- bureau add fin --display-name 财政局 --account fin
expect 0 "quota" -- quota set fin --budget 20 --gpu-types a100,t4
expect 0 "member" -- bureau member add fin "$(id -un)"

expect 0 "two types within budget" -- "${q[@]}" --gpus a100:1,t4:4 --time 2h
equals "$(jq -r '.bound_cuh, .gpus, .gpu_type' <<<"$out" | tr '\n' ' ')" "8 5 a100+t4 " "(1 x 2 + 4 x 0.5) x 2h = 8 CUH, 5 GPUs of two types"
contains "$(jq -r .message <<<"$out")" "(1 x a100 x 2 + 4 x t4 x 0.5 CUH/GPU-h) x 2h = 8 CUH" "the message prices each type"
expect 3 "two types over budget" -- "${q[@]}" --gpus a100:1,t4:4 --time 6h
contains "$(jq -r .message <<<"$out")" "x 6h = 24 CUH" "refused at 24 CUH"
expect 2 "a malformed item" -- quota check fin --gpus a100:1,t4:x --time 1h
contains "$err" "--gpus" "the error names --gpus"

expect 3 "--exclusive without a node inventory" -- "${q[@]}" --gpus 0 --time 1h --exclusive
equals "$(jq -r .reason <<<"$out")" "no_inventory" "refused: no inventory"
contains "$(jq -r .message <<<"$out")" "pdai node sync" "the message says what to run"
expect 0 "a node of 4 a100 + 4 t4" -- node add n1 --gpus a100:4,t4:4
expect 0 "a smaller node" -- node add n2 --gpus t4:2
expect 0 "--exclusive with the inventory" -- "${q[@]}" --gpus 0 --time 1h --exclusive
equals "$(jq -r '.bound_cuh, .gpus, .whole_node' <<<"$out" | tr '\n' ' ')" "10 8 n1 " "priced at n1's 4 a100 + 4 t4: 10 CUH"
expect 3 "--exclusive on two nodes for 2h is over budget" -- "${q[@]}" --gpus t4:1 --time 2h --nodes 2 --exclusive
contains "$(jq -r .message <<<"$out")" "= 40 CUH, for every GPU of 2 nodes like n1 (--exclusive)" "two whole nodes for 2h: 40 CUH of 20"
finish
