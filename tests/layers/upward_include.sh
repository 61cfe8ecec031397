#!/usr/bin/env bash
# The layer check must fail on an arrow that runs up: a copy of the real table and of two
# real folders, with one upward include inserted (policy/ including catalog/, which sits
# above it), must be refused, naming the file and both folders; the untouched copy passes.
set -uo pipefail
: "${PDAI_SOURCE_DIR:?}"
tmp=$(mktemp -d /tmp/pdai-layers.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp "$PDAI_SOURCE_DIR/ARCHITECTURE.md" "$tmp/"
cp -r "$PDAI_SOURCE_DIR/policy" "$PDAI_SOURCE_DIR/catalog" "$tmp/"
failures=0
check() { cmake -DROOT="$tmp" -P "$PDAI_SOURCE_DIR/cmake/check_layers.cmake" >"$tmp/out" 2>&1; }

if check; then echo "ok: the copied folders pass as they are"; else
    echo "FAIL: the untouched copy was refused:"; cat "$tmp/out"; failures=$((failures + 1)); fi

printf '#include "catalog/catalog.hpp"\n' >>"$tmp/policy/period.cpp"
if check; then
    echo "FAIL: an upward include (policy/ -> catalog/) passed the layer check"; failures=$((failures + 1))
elif grep -q 'policy/period.cpp: includes catalog/, but policy/ may use only' "$tmp/out"; then
    echo "ok: the upward include is refused, naming the file and the folders"
else
    echo "FAIL: refused, but without naming the arrow:"; cat "$tmp/out"; failures=$((failures + 1))
fi

# A third-party header outside its room is refused as well.
sed -i '$d' "$tmp/policy/period.cpp"
printf '#include <sqlite3.h>\n' >>"$tmp/policy/period.cpp"
if check; then
    echo "FAIL: <sqlite3.h> in policy/ passed the layer check"; failures=$((failures + 1))
elif grep -q 'includes <sqlite3.h>, which only catalog' "$tmp/out"; then
    echo "ok: SQLite outside catalog/ is refused"
else
    echo "FAIL: refused, but without naming the header:"; cat "$tmp/out"; failures=$((failures + 1))
fi
echo "3 checks, $failures failed"
[[ $failures == 0 ]]
