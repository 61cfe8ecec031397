#!/usr/bin/env bash
# Throughput and peak memory of 'pdai algo register' on a 1 GiB bundle (many small files and
# one large file, tar.gz, incompressible content like model weights), next to 'tar -xzf'
# followed by 'sha256sum' of the same archive; and peak memory on a 64 MiB bundle with the
# same number of files, which must be the same (memory must not grow with bundle size).
# Each command runs RUNS times on a warm page cache; the best wall time is reported.
# Usage: bench/bundle_register.sh [path/to/pdai]
#   env: FILES (16384 small files), RUNS (3), WORK (a scratch directory with ~4 GiB free)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pdai=$(realpath "${1:-$root/build/cli/pdai}")
files=${FILES:-16384}
runs=${RUNS:-3}
work=$(mktemp -d "${WORK:-/tmp}/pdai-bench-bundle.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

# make_bundle NAME SMALL_FILE_BYTES LARGE_FILE_MIB: $work/NAME.tar.gz
make_bundle() {
    local name=$1 small=$2 large_mib=$3 dir=$work/$1
    "$pdai" -q bundle init "$dir" --name "bench-$name" --vendor bench
    local per_dir=1024 total_bytes=$((files * small))
    head -c "$total_bytes" /dev/urandom >"$work/small.bin"
    for ((d = 0; d * per_dir < files; d++)); do
        mkdir -p "$dir/data/$d"
        local n=$((files - d * per_dir < per_dir ? files - d * per_dir : per_dir))
        # dd, not tail | head: head closing the pipe early kills tail with SIGPIPE (pipefail).
        dd if="$work/small.bin" bs="$small" skip=$((d * per_dir)) count="$n" status=none |
            split -b "$small" -a 4 -d - "$dir/data/$d/part-"
    done
    rm "$work/small.bin"
    head -c $((large_mib << 20)) /dev/urandom >"$dir/model.bin"
    tar -C "$dir" -czf "$work/$name.tar.gz" .
    rm -rf "$dir"
}

# best_of CMD...: runs it $runs times after a fresh setup; prints "seconds max_rss_kib".
best_of() {
    local best="" rss=0
    for ((i = 0; i < runs; i++)); do
        rm -rf "$work/cat" "$work/x"
        mkdir -p "$work/cat" "$work/x"
        PDAI_CATALOG=$work/cat/catalog.db "$pdai" -q catalog init
        PDAI_CATALOG=$work/cat/catalog.db "$pdai" -q vendor add bench
        PDAI_CATALOG=$work/cat/catalog.db /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null
        local s r
        s=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); v = 0; for (k = 1; k <= n; k++) v = v * 60 + t[k]; print v}' "$work/time.txt")
        r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
        if [[ -z $best ]] || awk -v a="$s" -v b="$best" 'BEGIN {exit !(a < b)}'; then best=$s; fi
        ((r > rss)) && rss=$r
    done
    echo "$best $rss"
}

echo "generating bundles ($files small files each) in $work ..." >&2
make_bundle large $((256 * 1024 * 1024 / files)) 768   # 256 MiB of small files + 768 MiB
make_bundle small $((32 * 1024 * 1024 / files)) 32     # 32 MiB of small files + 32 MiB

row() {  # LABEL MIB SECONDS RSS_KIB
    awk -v l="$1" -v m="$2" -v s="$3" -v r="$4" 'BEGIN {printf "%-34s %10.0f %10.2f %10.1f %12.1f\n", l, m, s, m / s, r / 1024}'
}
content_mib() { "$pdai" --json bundle lint "$1" | jq '.size_bytes / 1048576'; }
printf '%-34s %10s %10s %10s %12s\n' command bundle_MiB seconds MiB_per_s peak_RSS_MiB
for name in large small; do
    archive=$work/$name.tar.gz
    mib=$(content_mib "$archive")
    row "pdai algo register ($name)" "$mib" $(best_of "$pdai" algo register "$archive")
    row "tar -xzf + sha256sum ($name)" "$mib" $(best_of sh -c "tar -xzf '$archive' -C '$work/x' && sha256sum '$archive'")
done
echo "archives: large $(du -m "$work/large.tar.gz" | cut -f1) MiB, small $(du -m "$work/small.tar.gz" | cut -f1) MiB; $(nproc) CPUs; $(uname -r)" >&2
