#!/usr/bin/env bash
# Golden-output tests: the exact stdout, stderr and exit code of pdai's listings, shows,
# reports, statements, confirmations and errors, in text, --json and --csv, on one fixed
# catalog built here. Any change of a field name, a header, a figure or a message fails a
# case with a diff. When a change is intended:
#
#     PDAI=build/cli/pdai PDAI_SOURCE_DIR=. PDAI_GOLDEN_UPDATE=1 bash tests/golden/run.sh
#
# rewrites tests/golden/expected/ (review the diff before committing it). PDAI_GOLDEN_FILTER=RE
# runs only the cases whose name matches RE.
#
# Files: fixture.sql (what only Slurm or a GPU could write, and the pinning of times), lib.sh
# (runner, comparison, the normaliser), cases.sh (the cases, one a line: golden NAME -- ARGS),
# expected/NAME.txt (per case: the command line, then stdout, stderr and the exit code).
set -uo pipefail

: "${PDAI:?set PDAI to the pdai binary}"
: "${PDAI_SOURCE_DIR:?set PDAI_SOURCE_DIR to the pdai source tree}"
if ! SQLITE3=$(command -v sqlite3); then
    echo "skip: sqlite3 is not installed (the fixture's ledger and jobs are written with it; scripts/setup installs it)"
    exit 77
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PDAI=$(realpath "$PDAI")
PDAI_SOURCE_DIR=$(realpath "$PDAI_SOURCE_DIR")
source "$HERE/lib.sh"

GOLDEN_TMP=$(mktemp -d /tmp/pdai-golden.XXXXXX)
chmod 755 "$GOLDEN_TMP"
# The bundle store keeps its trees read-only: make them removable first.
trap 'chmod -R u+w "$GOLDEN_TMP" 2>/dev/null; rm -rf "$GOLDEN_TMP"' EXIT
GOLDEN_EXPECTED=$HERE/expected
GOLDEN_WORK=$GOLDEN_TMP/work
GOLDEN_CONF=$GOLDEN_TMP/pdai.conf
T=$GOLDEN_TMP
mkdir -p "$GOLDEN_EXPECTED" "$T/actual" "$T/work" "$T/home/.config" "$T/home/.local/share" "$T/home/.local/state"

# pdai runs with this environment only (env -i): nothing of the caller's (PDAI_*, LANG, a
# real SLURM_CONF, PATH) reaches it, and what a job records of its environment is fixed too.
# SLURM_CONF names a file that does not exist: no case may reach a real cluster.
golden_env=(PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$T/home" USER="$(id -un)" LOGNAME="$(id -un)"
    SHELL=/bin/sh XDG_CONFIG_HOME="$T/home/.config" XDG_DATA_HOME="$T/home/.local/share"
    XDG_STATE_HOME="$T/home/.local/state" LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC TERM=dumb
    SLURM_CONF="$T/no-slurm/slurm.conf")
GOLDEN_ENV_CATALOG=$T/catalog.db  # PDAI_CATALOG of the fixture and the cases (use_catalog)

cat >"$GOLDEN_CONF" <<EOF
# The golden tests' pdai.conf: everything in the test's directory, never the system's.
bundle_store = "$T/store"
jobs_dir = "$T/jobs"
backend = "local"
reference_gpu_type = "a100"
EOF

die() { echo "golden: fixture: $*" >&2; exit 1; }

# fx ARGS...: one fixture step through pdai; the test stops if it fails.
fx() {
    (cd "$GOLDEN_WORK" && exec env -i "${golden_env[@]}" PDAI_CATALOG="$GOLDEN_ENV_CATALOG" \
        "$PDAI" --config "$GOLDEN_CONF" "$@") >"$T/fx.log" 2>&1 || { cat "$T/fx.log" >&2; die "pdai $* failed"; }
}
sql() { "$SQLITE3" -bail "$@" || die "sqlite3 $* failed"; }

# ---------------------------------------------------------------- the fixture
# Vendors, keys, bureaus, members, GPU types, quotas, nodes and algorithms through pdai itself.
cd "$GOLDEN_WORK" || exit 1
fx catalog init
fx vendor add hanwen --display-name 汉文智能 --contact ops@hanwen.example
fx vendor add shengyin --display-name 声音科技
fx vendor add shijue --display-name 视觉 --contact support@shijue.example
fx vendor add acme
mkdir -p keys bundles
fx bundle keygen --key-id shijue-2024 -o keys/shijue
fx bundle keygen --key-id shijue-next -o keys/shijue-next
fx bundle keygen --key-id acme-1 -o keys/acme     # these two for the write cases
fx bundle keygen --key-id acme-2 -o keys/acme-2
fx vendor key add shijue keys/shijue.pub
fx vendor key add shijue keys/shijue-next.pub
fx bureau add fin --display-name 财政局
fx bureau add edu --display-name 教育局 --account edu_acct
fx bureau add police --display-name 公安局
fx bureau add old --display-name 旧局
fx bureau set old --inactive
fx bureau member add fin alice
fx bureau member add fin bob --role admin
fx bureau member add edu carol
fx bureau member add police dave
fx gpu type add a100 --weight 1 --price 12.5 --gpu-vendor nvidia --memory-gib 80
fx gpu type add h100 --weight 2 --price 30 --gpu-vendor nvidia --memory-gib 80
fx gpu type add t4 --weight 0.25 --price 3
fx gpu type set h100 --match 'NVIDIA H100*'
fx gpu type set t4 --match 'Tesla T4*'
fx quota set fin --budget 1000 --max-gpus 8 --max-time 24h --gpu-types a100,t4
fx quota set edu --budget 500 --period-kind quarter --max-gpus 16
fx quota set police --budget 0 --period-kind year --max-time 2h
fx node add gpu01 --gpus a100:4,t4:2 --owner fin --state idle
fx node add gpu02 --gpus h100:8 --state mixed
printf 'host,owner,gpus\ngpu03,shared,a100:2\ngpu04,edu,"a100:1,t4:1"\n' >nodes.csv
fx node import nodes.csv
printf '{"host":"gpu05","owner":null,"gpus":{"t4":4},"state":"down"}\n' >nodes.jsonl
fx node import nodes.jsonl
# The example bundles, and a 1.1.0 of hanwen-ocr for a second version.
ex=$PDAI_SOURCE_DIR/examples
[[ -d $ex/hanwen-ocr && -d $ex/shengyin-tts && -d $ex/shijue-faces ]] || die "no example bundles in $ex"
cp -r "$ex/hanwen-ocr" hanwen-ocr-1.1
sed -i 's/^version = .*/version = "1.1.0"/' hanwen-ocr-1.1/pdai.toml
fx bundle pack "$ex/hanwen-ocr" -o bundles/hanwen-ocr-1.0.0.tar.gz
fx bundle pack hanwen-ocr-1.1 -o bundles/hanwen-ocr-1.1.0.tar.gz
fx bundle pack "$ex/shengyin-tts" -o bundles/shengyin-tts-0.9.2.tar.gz
fx bundle pack "$ex/shijue-faces" -o bundles/shijue-faces-2.1.0.tar.gz
fx bundle sign bundles/shijue-faces-2.1.0.tar.gz --key keys/shijue.key -o bundles/shijue-faces-2.1.0.sig
fx algo register bundles/hanwen-ocr-1.0.0.tar.gz
fx algo register bundles/hanwen-ocr-1.1.0.tar.gz
fx algo register bundles/shengyin-tts-0.9.2.tar.gz --owner fin
fx algo register bundles/shijue-faces-2.1.0.tar.gz --owner edu --signature bundles/shijue-faces-2.1.0.sig
fx algo deprecate hanwen-ocr@1.0.0 --reason "superseded by 1.1.0"
fx algo share shengyin-tts --with edu
# What only Slurm and a GPU could write, and the pinning of times and actors: fixture.sql.
sql "$T/catalog.db" <"$HERE/fixture.sql"
rm -f "$T/catalog.db-audit.key"  # the chain fixture.sql ended (see its last lines)
# Copies for the cases that write (their confirmations) and for the local jobs, so that the
# listings of catalog.db never depend on which cases ran before them.
sql "$T/catalog.db" ".backup '$T/write.db'"
sql "$T/catalog.db" ".backup '$T/run.db'"

# Key material is random: each key and signature is replaced by its name.
pubkey() { sed -n 's/^public_key = "\(.*\)"$/\1/p' "$1"; }
normalize_key "$(pubkey keys/shijue.pub)" PUBKEY:shijue-2024
normalize_key "$(pubkey keys/shijue-next.pub)" PUBKEY:shijue-next
normalize_key "$(pubkey keys/acme.pub)" PUBKEY:acme-1
normalize_key "$(pubkey keys/acme-2.pub)" PUBKEY:acme-2
normalize_key "$(sed -n 's/^signature = "\(.*\)"$/\1/p' bundles/shijue-faces-2.1.0.sig)" SIGNATURE:shijue-faces-2.1.0
normalize_setup

# use_catalog FILE: the catalog of the cases that follow.
use_catalog() { GOLDEN_ENV_CATALOG=$1; }

# Files the error cases read.
printf 'not a database at all, just some text that is long enough to look like a header\n' >text.db
sql other.db "CREATE TABLE t(x); PRAGMA user_version=1;"
sql "$T/catalog.db" ".backup '$T/work/newer.db'"
sql newer.db "PRAGMA user_version=99;"
printf 'colour = "red"\n' >bad-key.conf
printf 'busy_timeout_ms = "soon"\n' >bad-value.conf
printf 'host,owner,gpus\ngpu06,shared,a100:2\ngpu01,shared,t4:1\n' >dup-nodes.csv
printf '{"host":"gpu06"}\n{"host":"gpu07","colour":"red"}\n' >bad-nodes.jsonl
printf 'junk' >junk.tar.gz
printf '# pdai vendor public key\nkey_id = "x"\nalgorithm = "rsa"\npublic_key = "abc"\n' >bad.pub
cp -r "$ex/hanwen-ocr" hanwen-ocr-changed
sed -i 's/^description = .*/description = "Changed after registration."/' hanwen-ocr-changed/pdai.toml
fx bundle pack hanwen-ocr-changed -o bundles/hanwen-ocr-1.0.0-changed.tar.gz
cp -r "$ex/hanwen-ocr" hanwen-ocr-1.2
sed -i 's/^version = .*/version = "1.2.0"/' hanwen-ocr-1.2/pdai.toml
fx bundle pack hanwen-ocr-1.2 -o bundles/hanwen-ocr-1.2.0.tar.gz
head -c 20000 "$T/write.db" >truncated.db
printf 'host,owner,gpus\ngpu12,shared,t4:2\n' >nodes-write.csv
printf '{"host":"gpu13","owner":"health","gpus":"l40s:1"}\n' >nodes-write.jsonl
mkdir -p empty-dir backups packed signed exported statements
# Hostile TOML: a dotted key of 50,000 segments (100 KB), in a config and in a manifest.
deep_key=$(printf 'a%.0s.' {1..49999})a
printf '%s = 1\n' "$deep_key" >deep-key.conf
mkdir -p deep-key-bundle/bin
printf 'format = 1\nname = "deep"\n%s = 1\n' "$deep_key" >deep-key-bundle/pdai.toml
printf '#!/bin/sh\n' >deep-key-bundle/bin/run && chmod 755 deep-key-bundle/bin/run

source "$HERE/cases.sh"

golden_finish
