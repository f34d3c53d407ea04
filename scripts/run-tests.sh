#!/usr/bin/env bash
# Run Sentinelle's checks against a throwaway PostgreSQL + PostGIS server.
#
#   scripts/run-tests.sh                      ruff check, mypy, then pytest
#   scripts/run-tests.sh --with-pg CMD [ARGS]  run any command with the server up
#
# The server (scripts/pg-test-server.sh) gets a private state directory, so it
# never collides with one a developer started by hand, and it is ALWAYS stopped
# and deleted on exit (trap), even when a step fails or the run is interrupted.
# Exported to the steps:
#   SENTINELLE_TEST_POSTGRES_URL   postgresql+psycopg://sentinelle@127.0.0.1:PORT/sentinelle_test
#   SENTINELLE_BENCH_POSTGRES_URL  same URL
#   SENTINELLE_SHARED_DATA         default <repo>/../shared/data
#
# All steps run even when an earlier one fails; the exit status is the first
# failing step's. Environment knobs:
#   VENV=.venv            virtualenv holding ruff/mypy/pytest (made by `make venv`)
#   PYTEST_WORKERS=2      pytest-xdist workers; 0 = no xdist
#   PYTEST_ARGS="..."     extra pytest arguments
set -uo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT" || exit 1

VENV=${VENV:-.venv}
BIN=$VENV/bin
PYTEST_WORKERS=${PYTEST_WORKERS:-2}
export SENTINELLE_SHARED_DATA=${SENTINELLE_SHARED_DATA:-$REPO_ROOT/../shared/data}
# one thread per pytest worker: numerical libraries (OpenBLAS, OpenMP in LightGBM) that each
# start a thread per core would otherwise oversubscribe the cores the workers already share
if [[ "$PYTEST_WORKERS" != 0 ]]; then
    export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
fi

log() { printf 'run-tests: %s\n' "$*" >&2; }

PGTEST_STATE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sentinelle-pgstate.XXXXXX") || exit 1
export PGTEST_STATE_DIR

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if ! bash scripts/pg-test-server.sh stop >"$PGTEST_STATE_DIR.stop.log" 2>&1; then
        cat "$PGTEST_STATE_DIR.stop.log" >&2
        log "WARNING: could not stop the test PostgreSQL server"
        [[ $rc -eq 0 ]] && rc=1
    fi
    rm -rf -- "$PGTEST_STATE_DIR" "$PGTEST_STATE_DIR.stop.log"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t0=$SECONDS
if ! url=$(bash scripts/pg-test-server.sh start); then
    log "could not start the test PostgreSQL server"
    exit 1
fi
log "PostgreSQL+PostGIS up in $((SECONDS - t0))s: $url"
export SENTINELLE_TEST_POSTGRES_URL=$url
export SENTINELLE_BENCH_POSTGRES_URL=$url

if [[ "${1:-}" == "--with-pg" ]]; then
    shift
    [[ $# -gt 0 ]] || { log "--with-pg needs a command"; exit 2; }
    "$@"
    exit $?
fi

for tool in ruff mypy pytest; do
    [[ -x "$BIN/$tool" ]] || { log "$BIN/$tool missing: run 'make venv' first"; exit 1; }
done

first_rc=0
failed=()
step() {
    local name=$1 rc t
    shift
    log "==> $name: $*"
    t=$SECONDS
    "$@"
    rc=$?
    if [[ $rc -ne 0 ]]; then
        log "<== $name FAILED (exit $rc, $((SECONDS - t))s)"
        failed+=("$name")
        [[ $first_rc -eq 0 ]] && first_rc=$rc
    else
        log "<== $name ok ($((SECONDS - t))s)"
    fi
    return 0
}

step ruff "$BIN/ruff" check src tests
step mypy "$BIN/mypy"

pytest_cmd=("$BIN/python" -m pytest)
use_xdist=0
if [[ "$PYTEST_WORKERS" != 0 ]] && "$BIN/python" -c 'import xdist' 2>/dev/null; then
    use_xdist=1
fi
read -r -a extra_args <<<"${PYTEST_ARGS:-}"
if [[ $use_xdist -eq 1 ]]; then
    t=$SECONDS
    log "==> pytest: ${pytest_cmd[*]} -n $PYTEST_WORKERS ${extra_args[*]}"
    "${pytest_cmd[@]}" -n "$PYTEST_WORKERS" "${extra_args[@]}"
    rc=$?
    if [[ $rc -eq 3 ]]; then
        # Exit 3 = pytest internal error, which is how xdist trouble shows up.
        log "pytest-xdist hit an internal error; re-running without -n"
        step pytest "${pytest_cmd[@]}" "${extra_args[@]}"
    elif [[ $rc -ne 0 ]]; then
        log "<== pytest FAILED (exit $rc, $((SECONDS - t))s)"
        failed+=(pytest)
        [[ $first_rc -eq 0 ]] && first_rc=$rc
    fi
else
    step pytest "${pytest_cmd[@]}" "${extra_args[@]}"
fi

if [[ $first_rc -ne 0 ]]; then
    log "FAILED steps: ${failed[*]} (total $((SECONDS - t0))s)"
fi
exit "$first_rc"
