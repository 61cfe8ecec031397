#!/usr/bin/env bash
# bench/gpu_bench.sh: `pdai gpu bench` on a real GPU, against
#   - the same cuBLASLt call in a minimal standalone program (bench/gpu_cublas_baseline.cu),
#     at the size pdai's sweep chose, timed the same way (goal: pdai within 3%);
#   - the card's data-sheet dense bf16/fp16 peak (goal: above 70% on H100/H200);
#   - the data-sheet HBM bandwidth for the copy figure (goal: above 80%).
# Prints a Markdown table for bench/RESULTS.md. Needs a GPU, the CUDA toolkit and jq.
#
#   bench/gpu_bench.sh [BUILD_DIR]        default build-gpu; DEVICE=0 SECONDS_PER=5
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-gpu}
device=${DEVICE:-0}
seconds=${SECONDS_PER:-5}

if [[ ! -f $build/build.ninja && ! -f $build/Makefile ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPDAI_WITH_CUDA=ON >/dev/null
fi
cmake --build "$build" --target pdai gpu_cublas_baseline >/dev/null
pdai=$build/cli/pdai
baseline=$build/gpu/gpu_cublas_baseline
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PDAI_CATALOG=$work/catalog.db  # nothing here touches a real catalog

probe=$("$pdai" gpu probe --json)
name=$(jq -r ".devices[] | select(.index == $device) | .name" <<<"$probe")
if [[ -z $name ]]; then
  echo "gpu_bench.sh: no CUDA device $device: $(jq -r '.reason // "not visible"' <<<"$probe")" >&2
  exit 77
fi

# Data-sheet dense (no sparsity) bf16/fp16 tensor TFLOP/s and HBM GB/s.
peak_tflops="" peak_gbps=""
case $name in
*H200*) peak_tflops=989 peak_gbps=4800 ;;
*"H100 NVL"*) peak_tflops=835 peak_gbps=3900 ;;
*"H100 PCIe"*) peak_tflops=756 peak_gbps=2000 ;;
*H100*) peak_tflops=989 peak_gbps=3350 ;;  # SXM5 ("NVIDIA H100 80GB HBM3")
*A100*80GB*PCIe*) peak_tflops=312 peak_gbps=1935 ;;
*A100*80GB*) peak_tflops=312 peak_gbps=2039 ;;
*A100*) peak_tflops=312 peak_gbps=1555 ;;
*T4*) peak_tflops=65 peak_gbps=320 ;;  # fp16 only
esac

echo "device $device: $name; driver CUDA $(jq -r .driver_cuda_version <<<"$probe"), runtime $(jq -r .runtime_cuda_version <<<"$probe")" >&2
echo "running: $pdai gpu bench --device $device --dtype bf16,fp16 --seconds $seconds --json" >&2
"$pdai" gpu bench --device "$device" --dtype bf16,fp16 --seconds "$seconds" --json >"$work/pdai.json"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else printf "-" }'; }

echo
echo "| figure | pdai gpu bench | standalone cuBLASLt | pdai / standalone | data sheet | pdai / data sheet |"
echo "| --- | --- | --- | --- | --- | --- |"
for dt in bf16 fp16; do
  fig=$(jq -c ".figures[] | select(.kind == \"gemm\" and .dtype == \"$dt\")" "$work/pdai.json")
  if [[ $(jq -r .supported <<<"$fig") != true ]]; then
    echo "| $dt GEMM | unsupported: $(jq -r .note <<<"$fig") | | | | |"
    continue
  fi
  size=$(jq -r .size <<<"$fig")
  ours=$(jq -r .tflops <<<"$fig")
  spread=$(jq -r '.spread * 100' <<<"$fig")
  theirs=$("$baseline" "$dt" "${size%%x*}" "$seconds" "$device" | sed -n 's/^tflops=//p')
  printf '| %s GEMM %s | %.1f TFLOP/s (spread %.1f%%) | %.1f TFLOP/s | %s | %s | %s |\n' "$dt" "$size" \
    "$ours" "$spread" "$theirs" "$(ratio "$ours" "$theirs")" "${peak_tflops:--}" \
    "$(ratio "$ours" "${peak_tflops:-0}")"
done
copy=$(jq -c '.figures[] | select(.kind == "copy")' "$work/pdai.json")
gbps=$(jq -r '.gbps // 0' <<<"$copy")
printf '| copy %s MiB (read+write) | %.0f GB/s (spread %.1f%%) | | | %s GB/s | %s |\n' \
  "$(($(jq -r '.size // 0' <<<"$copy") >> 20))" "$gbps" "$(jq -r '(.spread // 0) * 100' <<<"$copy")" \
  "${peak_gbps:--}" "$(ratio "$gbps" "${peak_gbps:-0}")"
echo
echo "goals: pdai / standalone >= 0.97; pdai / data sheet > 0.70 (H100/H200); copy / HBM > 0.80"
