#!/usr/bin/env bash
# Verified code at run time on Slurm (pdai-run(1)): after a stored file of a registered
# bundle is edited, the job that slurmd starts fails before its entrypoint (exit 126, no
# marker file, its log names the file); an inference shard does the same; restored, the same
# job runs and writes its marker. The local backend's twin is tests/cli/test_verified_run.sh.
source "$(dirname "$0")/submit_lib.sh"
setup_catalog

marker=$TEST_TMP/marker
make_bundle marker '"run", "infer"' '[infer]
args = ["{input_list}", "{output_dir}"]' <<EOF
#!/bin/sh
touch "$marker"
EOF
tree=$(sqlite3 "$PDAI_CATALOG" "SELECT store_path FROM algorithm_versions")
[[ -n $tree && -f $tree/bin/run ]] || { fail "no stored tree"; finish; exit 1; }

runs() {  # runs WHAT: Slurm runs the job, which writes its marker
    rm -f "$marker"
    expect 0 "$1: the job runs" -- run marker --bureau PSB --time 5m --wait --json
    equals "$(json .state)" completed "$1: completed"
    [[ -e $marker ]] && echo "ok: $1: marker written" || fail "$1: no marker"
    checks=$((checks + 1))
}
runs "untouched"

chmod u+w "$tree/bin" "$tree/bin/run"
cp "$tree/bin/run" "$TEST_TMP/run.orig"
printf 'echo tampered\n' >>"$tree/bin/run"
rm -f "$marker"
expect 126 "an edited entrypoint: the job fails before it" -- run marker --bureau PSB --time 5m --wait --json
id=$(json .id)
equals "$(json .state)" failed "the job is failed"
[[ ! -e $marker ]] && echo "ok: no marker file: the entrypoint never ran" || fail "the entrypoint ran"
checks=$((checks + 1))
contains "$(cat "$TEST_TMP/jobs/$id/logs/job.out" "$TEST_TMP/jobs/$id/logs/job.err" 2>/dev/null)" \
    "pdai: error: bundle file 'bin/run' differs from what was registered" "the job's log names the file"
slurm_id=$(json .slurm_job_id)
contains "$(sacct -n -X -P -j "$slurm_id" -o ExitCode 2>/dev/null || scontrol show job "$slurm_id")" "126" \
    "Slurm records exit code 126"

# An inference shard checks too, before its entrypoint.
mkdir -p "$TEST_TMP/in" && printf 'a\n' >"$TEST_TMP/in/a.txt"
rm -f "$marker"
run infer marker --bureau PSB --inputs "$TEST_TMP/in" --time 5m --wait
[[ $rc != 0 && ! -e $marker ]] && echo "ok: infer: the shard fails before its entrypoint" ||
    fail "infer: exit $rc, marker $(ls "$marker" 2>&1)"
checks=$((checks + 1))

cp "$TEST_TMP/run.orig" "$tree/bin/run"
runs "restored"
finish
