#!/usr/bin/env bash
# Usage reports over a large ledger: generates ROWS synthetic ledger rows (bench/usage_ledger_gen,
# default 10,000,000) into a fresh catalog, then times
#   pdai usage report --by bureau,algorithm   over the whole year (all rows)   goal < 1 s
#   pdai usage report --by bureau,algorithm   over one month
#   pdai quota show BUREAU                                                     goal < 50 ms
# and prints the catalog's size per million rows. With a sandbox up (SLURM_CONF set), also
# times sreport/sacct answering "GPU usage per account" there, for comparison.
#   bench/usage_report.sh [BUILD_DIR] [ROWS]
set -euo pipefail
build=${1:-build}
rows=${2:-10000000}
pdai=$build/cli/pdai
gen=$build/bench/usage_ledger_gen
[[ -x $pdai && -x $gen ]] || { echo "build pdai and usage_ledger_gen in $build first" >&2; exit 2; }
dir=${PDAI_BENCH_DIR:-/tmp/pdai-usage-bench}
mkdir -p "$dir"
cat=$dir/ledger-$rows.db
if [[ ! -s $cat ]]; then
  echo "generating $rows ledger rows into $cat"
  "$gen" "$cat" "$rows"
fi
export PDAI_CATALOG=$cat

# best-of-N wall time in milliseconds
time_ms() {
  local n=$1 best=999999999 s e
  shift
  for ((i = 0; i < n; i++)); do
    s=$(date +%s%N)
    "$@" >/dev/null
    e=$(date +%s%N)
    (( (e - s) / 1000000 < best )) && best=$(( (e - s) / 1000000 ))
  done
  echo "$best"
}

echo "rows: $rows"
echo "catalog: $(du -m "$cat" | cut -f1) MiB = $(awk -v b="$(stat -c %s "$cat")" -v r="$rows" 'BEGIN { printf "%.1f", b / 1048576 / (r / 1e6) }') MiB per million rows"
echo "usage_daily rows: $(sqlite3 -readonly "$cat" 'SELECT COUNT(*) FROM usage_daily')"
echo "report --by bureau,algorithm, whole year: $(time_ms 5 "$pdai" usage report --from 2026-01-01 --to 2026-12-31 --by bureau,algorithm) ms (best of 5)"
echo "report --by bureau,algorithm, 2026-11:    $(time_ms 5 "$pdai" usage report --period 2026-11 --by bureau,algorithm) ms"
echo "report --by day,gpu-type --bureau b7, year: $(time_ms 5 "$pdai" usage report --from 2026-01-01 --to 2026-12-31 --by day,gpu-type --bureau b7) ms"
echo "quota show b7:                           $(time_ms 10 "$pdai" quota show b7) ms (best of 10)"
echo "quota show (all 50 bureaus):             $(time_ms 5 "$pdai" quota show) ms"
echo "pdai --version (process start floor):    $(time_ms 10 "$pdai" --version) ms"

if [[ -n ${SLURM_CONF:-} ]] && command -v sreport >/dev/null; then
  echo "sandbox: sacct jobs in its accounting: $(sacct -a -X -n -S 2020-01-01 -o JobID | wc -l)"
  echo "sandbox: sreport AccountUtilizationByUser gres/gpu: $(time_ms 3 sreport -n -T gres/gpu cluster AccountUtilizationByUser start=2026-01-01 end=2027-01-01) ms"
  echo "sandbox: sacct -a -X all jobs with AllocTRES:       $(time_ms 3 sacct -a -X -n -S 2026-01-01 -o JobID,Account,ElapsedRaw,AllocTRES --parsable2) ms"
fi
