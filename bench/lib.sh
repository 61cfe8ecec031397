# shellcheck shell=bash
# Shared by the bench scripts: source it.

# best_ms RUNS CMD...: the best wall time of CMD (a command or a shell function) over RUNS
# runs, in milliseconds with two decimals. The clock is $EPOCHREALTIME (no process forked to
# read it); CMD's standard output is discarded. The locals have a prefix of their own, so
# that a function passed as CMD cannot change them.
best_ms() {
  local _bm_runs=$1 _bm_best=-1 _bm_i _bm_s _bm_e
  shift
  for ((_bm_i = 0; _bm_i < _bm_runs; _bm_i++)); do
    _bm_s=${EPOCHREALTIME/./}
    "$@" >/dev/null
    _bm_e=${EPOCHREALTIME/./}
    ((_bm_best < 0 || _bm_e - _bm_s < _bm_best)) && _bm_best=$((_bm_e - _bm_s))
  done
  awk -v u="$_bm_best" 'BEGIN { printf "%.2f", u / 1000 }'
}

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
