#!/usr/bin/env bash
# The tamper-evident audit log at scale (issue 15): writes ENTRIES synthetic audit entries,
# each sealed by its own signed checkpoint (bench/audit_log_gen, default 1,000,000), into a
# fresh catalog, then times (best of 3):
#   pdai audit verify       the whole chain recomputed, every signature checked, the state
#   pdai catalog check      the same plus PRAGMA integrity_check and the bundle store
#   pdai vendor add         one audited write: quick_check, the seal check, a new checkpoint
# and prints each as a ratio against the baseline `sha256sum` of the same catalog file (the
# least any check that reads every entry could cost).
#   bench/audit_verify.sh [BUILD_DIR] [ENTRIES]
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
build=${1:-build}
entries=${2:-1000000}
pdai=$build/cli/pdai
gen=$build/bench/audit_log_gen
[[ -x $pdai && -x $gen ]] || { echo "build pdai and audit_log_gen in $build first" >&2; exit 2; }
dir=${PDAI_BENCH_DIR:-/tmp/pdai-audit-bench}
mkdir -p "$dir"
cat=$dir/audit-$entries.db
if [[ ! -s $cat ]]; then  # kept for the next run (the writes below only add vendors)
  "$gen" "$cat" "$entries"
fi
export PDAI_CATALOG=$cat
conf=$dir/pdai.conf
printf 'bundle_store = "%s/store"\n' "$dir" >"$conf"

echo "entries: $entries, checkpoints: $(sqlite3 -readonly "$cat" 'SELECT count(*) FROM audit_checkpoints')"
echo "catalog: $(du -m "$cat" | cut -f1) MiB"
base=$(best_ms 3 sha256sum "$cat")
verify=$(best_ms 3 "$pdai" --config "$conf" audit verify)
check=$(best_ms 3 "$pdai" --config "$conf" catalog check)
vendor_no=0
write_one() { vendor_no=$((vendor_no + 1)); "$pdai" --config "$conf" -q vendor add "bench$vendor_no$RANDOM"; }
write=$(best_ms 3 write_one)
"$pdai" --config "$conf" audit verify >/dev/null || { echo "the log no longer verifies after the writes" >&2; exit 1; }
printf '%-28s %8s ms\n' "sha256sum of the file" "$base"
printf '%-28s %8s ms  %sx the baseline\n' "pdai audit verify" "$verify" "$(ratio "$verify" "$base")"
printf '%-28s %8s ms  %sx the baseline\n' "pdai catalog check" "$check" "$(ratio "$check" "$base")"
printf '%-28s %8s ms  %sx the baseline\n' "pdai vendor add (one write)" "$write" "$(ratio "$write" "$base")"
