#!/usr/bin/env bash
# Latency of 'pdai vendor list --json' and 'pdai bureau list --json' with 10,000 rows each,
# against the same rows dumped by the sqlite3 shell (-json) as the baseline.
# Usage: bench/catalog_list.sh [path/to/pdai]   (needs hyperfine, from scripts/setup)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pdai=${1:-$root/build/cli/pdai}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PDAI_CATALOG=$work/catalog.db
"$pdai" -q catalog init
# Bulk rows straight through SQLite: generating data is not what is measured.
sqlite3 "$PDAI_CATALOG" <<'SQL'
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO vendors (name, display_name, contact, created_at, created_by)
  SELECT printf('vendor-%05d', i), printf('厂商 %d', i), 'ops@example.org', 1700000000, 'bench' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO bureaus (code, display_name, slurm_account, created_at, created_by)
  SELECT printf('bureau-%05d', i), printf('委办局 %d', i), printf('acct-%05d', i), 1700000000, 'bench' FROM n;
SQL
hyperfine -N --warmup 5 --runs 50 --export-json "$work/h.json" \
    "$pdai vendor list --json" \
    "$pdai bureau list --json" \
    "sqlite3 -json $PDAI_CATALOG 'SELECT name, display_name, contact, created_at, created_by FROM vendors ORDER BY name'" \
    "sqlite3 -json $PDAI_CATALOG 'SELECT code, display_name, slurm_account, active, created_at, created_by FROM bureaus ORDER BY code'" \
    >/dev/null
jq -r '.results as $r | "command\tmean_ms\tmedian_ms\tmax_ms\tratio_vs_sqlite3",
  ($r[0:2] | to_entries[] | .value as $v | $r[.key + 2] as $b |
   [($v.command | split(" ")[1:] | join(" ")), ($v.mean*1000|.*100|round/100), ($v.median*1000|.*100|round/100), ($v.max*1000|.*100|round/100), ($v.mean/$b.mean|.*100|round/100)] | @tsv)' \
    "$work/h.json" | column -t -s $'\t'
