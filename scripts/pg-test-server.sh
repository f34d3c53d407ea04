#!/usr/bin/env bash
# Throwaway PostgreSQL + PostGIS server for tests and benchmarks.
#
#   scripts/pg-test-server.sh start    # initdb + start + create role/db/postgis; prints the URL
#   scripts/pg-test-server.sh url      # prints the URL of the running server (exit 1 if none)
#   scripts/pg-test-server.sh status   # says whether it runs (exit 0) or not (exit 1)
#   scripts/pg-test-server.sh stop     # stops it (by pg_ctl, then by PID) and deletes its data
#
# The URL (the only thing written to stdout by `start` and `url`) looks like
#   postgresql+psycopg://sentinelle@127.0.0.1:54329/sentinelle_test
# (SQLAlchemy + psycopg 3; no password: trust authentication on loopback only).
#
# The cluster lives in a fresh `mktemp -d` directory under $TMPDIR (/tmp), owned by
# the `postgres` user when this script runs as root (PostgreSQL refuses to run as
# root; /tmp avoids a repo under /root that postgres could not enter). It listens
# on 127.0.0.1 only, and on a Unix socket inside that directory. Durability is
# switched off (fsync=off ...): the data is thrown away on `stop`.
#
# Environment:
#   PGTEST_PORT       preferred port (default 54329); another free one is picked if taken
#   PGTEST_STATE_DIR  where the state file (data dir, port, PID, URL) is kept
#                     (default: <repo>/var/pgtest). Use distinct ones for parallel servers.
#   PGTEST_BINDIR     PostgreSQL bin dir (default /usr/lib/postgresql/15/bin, else newest found)
#   PGTEST_USER       role to create (default sentinelle; NOSUPERUSER CREATEDB, owns the db)
#   PGTEST_DB         database to create (default sentinelle_test)
#   PGTEST_SUPERUSER  1 = make the role a superuser (default 0)
#   PGTEST_OS_USER    OS user that runs the server when invoked as root (default postgres)
#
# PostGIS is installed into template1 too, so any database a test creates
# (CREATE DATABASE ..., e.g. one per pytest-xdist worker) already has it.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=${PGTEST_STATE_DIR:-$REPO_ROOT/var/pgtest}
STATE_FILE=$STATE_DIR/server.env
PREFERRED_PORT=${PGTEST_PORT:-54329}
ROLE=${PGTEST_USER:-sentinelle}
DBNAME=${PGTEST_DB:-sentinelle_test}
OS_USER=${PGTEST_OS_USER:-postgres}

log() { printf 'pg-test-server: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

find_bindir() {
    if [[ -n "${PGTEST_BINDIR:-}" ]]; then
        echo "$PGTEST_BINDIR"; return
    fi
    if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
        echo /usr/lib/postgresql/15/bin; return
    fi
    local d best=""
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/initdb" ]] && best=$d
    done
    if [[ -z "$best" ]] && command -v pg_config >/dev/null 2>&1; then
        best=$(pg_config --bindir)
    fi
    [[ -n "$best" && -x "$best/initdb" ]] \
        || die "PostgreSQL server binaries not found; run scripts/install-system-deps.sh"
    echo "$best"
}

# Run a command as the OS user that owns the cluster (postgres when we are root).
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        (cd / && runuser -u "$OS_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}

# Alive = exists and is not a zombie (a killed postmaster whose parent has not
# reaped it yet still answers kill -0).
pid_alive() {
    [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null || return 1
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    [[ "${stat%% *}" != Z ]]
}

port_free() {
    # Something accepting connections on the port means it is taken.
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
        return 1
    fi
    # Also try binding it (catches sockets bound but not yet listening).
    python3 - "$1" <<'EOF' 2>/dev/null || return 1
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as PostgreSQL does
s.bind(("127.0.0.1", int(sys.argv[1])))
s.close()
EOF
}

load_state() {
    [[ -f "$STATE_FILE" ]] || return 1
    # shellcheck disable=SC1090
    source "$STATE_FILE"
}

is_postgres_pid() {
    pid_alive "$1" && [[ "$(cat "/proc/$1/comm" 2>/dev/null)" == postgres* ]]
}

cmd_url() {
    load_state || die "no server state in $STATE_FILE (not started?)"
    is_postgres_pid "${PGTEST_PID:-}" || die "server (PID ${PGTEST_PID:-?}) is not running"
    echo "$PGTEST_URL"
}

cmd_status() {
    if load_state && is_postgres_pid "${PGTEST_PID:-}"; then
        log "running: PID $PGTEST_PID, port $PGTEST_PORT, data $PGTEST_DATA"
        echo "$PGTEST_URL"
        return 0
    fi
    log "not running"
    return 1
}

cmd_stop() {
    if ! load_state; then
        log "no server state in $STATE_FILE; nothing to stop."
        return 0
    fi
    local pid=${PGTEST_PID:-} bindir=${PGTEST_BINDIR_USED:-}
    if is_postgres_pid "$pid"; then
        log "stopping server PID $pid (port $PGTEST_PORT)"
        if [[ -n "$bindir" && -d "$PGTEST_DATA" ]]; then
            as_owner "$bindir/pg_ctl" -D "$PGTEST_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 || true
        fi
        if pid_alive "$pid"; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do pid_alive "$pid" || break; sleep 0.2; done
        fi
        if pid_alive "$pid"; then
            log "server PID $pid ignored SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do pid_alive "$pid" || break; sleep 0.2; done
        fi
        pid_alive "$pid" && die "could not stop server PID $pid"
    else
        log "server PID ${pid:-?} not running; cleaning up."
    fi
    # Backends exit by themselves once the postmaster is gone; wait briefly.
    if [[ -n "${PGTEST_TMP:-}" ]]; then
        for _ in $(seq 1 25); do
            command -v pgrep >/dev/null 2>&1 || break
            pgrep -f -- "-D $PGTEST_DATA" >/dev/null 2>&1 || break
            sleep 0.2
        done
        case "$PGTEST_TMP" in
            /tmp/*|"${TMPDIR:-/tmp}"/*) rm -rf -- "$PGTEST_TMP" ;;
            *) log "not removing unexpected directory $PGTEST_TMP" ;;
        esac
    fi
    rm -f -- "$STATE_FILE"
    log "stopped."
}

cmd_start() {
    if load_state; then
        if is_postgres_pid "${PGTEST_PID:-}"; then
            log "already running (PID $PGTEST_PID); reusing it."
            echo "$PGTEST_URL"
            return 0
        fi
        log "stale state (PID ${PGTEST_PID:-?} gone); cleaning up first."
        cmd_stop
    fi

    local bindir t0 t1
    t0=${EPOCHREALTIME/[.,]/}
    bindir=$(find_bindir)
    [[ -x "$bindir/pg_ctl" ]] || die "pg_ctl not found in $bindir"

    if [[ $(id -u) -eq 0 ]]; then
        id "$OS_USER" >/dev/null 2>&1 \
            || die "running as root but OS user '$OS_USER' does not exist (install postgresql, or set PGTEST_OS_USER)"
    fi

    local tmp data
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/sentinelle-pgtest.XXXXXX")
    data=$tmp/data
    if [[ $(id -u) -eq 0 ]]; then
        chown "$OS_USER:" "$tmp"
    fi
    chmod 700 "$tmp"

    mkdir -p "$STATE_DIR"
    # Record the directory before anything can fail, so `stop` can clean it up.
    write_state() {
        cat >"$STATE_FILE" <<EOF
PGTEST_TMP=$(printf %q "$tmp")
PGTEST_DATA=$(printf %q "$data")
PGTEST_BINDIR_USED=$(printf %q "$bindir")
PGTEST_PORT=$(printf %q "${1:-}")
PGTEST_PID=$(printf %q "${2:-}")
PGTEST_URL=$(printf %q "${3:-}")
EOF
    }
    write_state "" "" ""

    log "initdb in $data ($bindir)"
    if ! as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 \
            --locale=C.UTF-8 --no-instructions >"$tmp/initdb.log" 2>&1; then
        # Older initdb (or a machine without C.UTF-8): retry with the C locale.
        rm -rf -- "$data"
        as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 \
            --no-locale >"$tmp/initdb.log" 2>&1 \
            || { cat "$tmp/initdb.log" >&2; cmd_stop; die "initdb failed"; }
    fi

    cat >>"$data/postgresql.conf" <<EOF

# --- sentinelle throwaway test server ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$tmp'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
shared_buffers = 128MB
log_min_messages = warning
EOF

    local port="" attempt candidate started=0
    for attempt in $(seq 1 10); do
        if [[ $attempt -eq 1 ]]; then
            candidate=$PREFERRED_PORT
        else
            candidate=$(( 40000 + RANDOM % 20000 ))
        fi
        if ! port_free "$candidate"; then
            log "port $candidate is taken; trying another"
            continue
        fi
        if as_owner "$bindir/pg_ctl" -D "$data" -l "$tmp/server.log" -o "-p $candidate" \
                -w -t 60 start >/dev/null 2>&1; then
            port=$candidate
            started=1
            break
        fi
        if grep -qiE 'could not (bind|create listen)|address already in use' "$tmp/server.log" 2>/dev/null; then
            log "port $candidate could not be bound; trying another"
            continue
        fi
        cat "$tmp/server.log" >&2 || true
        cmd_stop
        die "server failed to start"
    done
    [[ $started -eq 1 ]] || { cmd_stop; die "no free port found"; }

    local pid
    pid=$(head -n1 "$data/postmaster.pid")
    write_state "$port" "$pid" ""

    # pg_ctl -w already waited; double-check over TCP like a client would.
    local ready=0
    for _ in $(seq 1 150); do
        if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then
            ready=1; break
        fi
        sleep 0.2
    done
    [[ $ready -eq 1 ]] || { cat "$tmp/server.log" >&2; cmd_stop; die "server not ready on port $port"; }

    local superuser=NOSUPERUSER
    [[ "${PGTEST_SUPERUSER:-0}" == 1 ]] && superuser=SUPERUSER
    psql_admin() {
        "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"
    }
    if ! {
        psql_admin -d postgres -c "CREATE ROLE \"$ROLE\" LOGIN CREATEDB $superuser" &&
        psql_admin -d template1 -c "CREATE EXTENSION IF NOT EXISTS postgis" &&
        psql_admin -d postgres -c "CREATE DATABASE \"$DBNAME\" OWNER \"$ROLE\"" &&
        psql_admin -d "$DBNAME" -c "SELECT postgis_version()" -o /dev/null
    } >"$tmp/setup.log" 2>&1; then
        cat "$tmp/setup.log" >&2
        grep -q 'postgis' "$tmp/setup.log" \
            && log "is postgresql-15-postgis-3 installed? (scripts/install-system-deps.sh)"
        cmd_stop
        die "could not create role/database/postgis"
    fi

    local url="postgresql+psycopg://$ROLE@127.0.0.1:$port/$DBNAME"
    write_state "$port" "$pid" "$url"
    t1=${EPOCHREALTIME/[.,]/}
    log "ready: PID $pid, port $port, data $data (in $(( (t1 - t0) / 1000 )) ms)"
    echo "$url"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    url) cmd_url ;;
    status) cmd_status ;;
    *)
        echo "usage: $0 start|stop|url|status" >&2
        exit 2
        ;;
esac
