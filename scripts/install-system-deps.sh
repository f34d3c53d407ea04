#!/usr/bin/env bash
# Install the Debian packages Sentinelle's tests and tools need.
#
# Idempotent: asks dpkg-query which packages are already installed and only
# runs apt-get (update + install) when something is missing. Needs root, or
# sudo without a password; says so clearly otherwise.
#
#   scripts/install-system-deps.sh          # install what is missing
#   scripts/install-system-deps.sh --check  # exit 1 (and list) if anything is missing
#
# Packages:
#   postgresql-15, postgresql-15-postgis-3   throwaway test/benchmark database
#   chromium, chromium-driver                 browser tests of the web UI (later)
#   libpango-1.0-0, libpangoft2-1.0-0,        PDF rendering of the monthly harm report
#   fonts-dejavu-core                         (WeasyPrint; DejaVu is the report's font)
#   libgomp1                                  OpenMP runtime of LightGBM (forecasting)
set -euo pipefail

PACKAGES=(
    postgresql-15
    postgresql-15-postgis-3
    chromium
    chromium-driver
    libpango-1.0-0
    libpangoft2-1.0-0
    fonts-dejavu-core
    libgomp1
)
# Extra packages may be appended from the environment (space separated).
if [[ -n "${SENTINELLE_EXTRA_DEBS:-}" ]]; then
    read -r -a extra <<<"$SENTINELLE_EXTRA_DEBS"
    PACKAGES+=("${extra[@]}")
fi

log() { printf 'install-system-deps: %s\n' "$*" >&2; }

is_installed() {
    local status
    status=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)
    [[ "$status" == "installed" ]]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    log "dpkg-query not found: this script supports Debian/Ubuntu only."
    log "Install by hand: ${PACKAGES[*]}"
    exit 2
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    log "all ${#PACKAGES[@]} system packages already installed; nothing to do."
    exit 0
fi

if [[ "${1:-}" == "--check" ]]; then
    log "missing: ${missing[*]}"
    exit 1
fi

log "missing: ${missing[*]}"

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    else
        log "ERROR: installing system packages needs root (or passwordless sudo)."
        log "Run as root:  apt-get update && apt-get install -y ${missing[*]}"
        log "or re-run:    sudo $0"
        exit 3
    fi
fi

export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
log "apt-get update"
"${SUDO[@]}" apt-get update -q
log "apt-get install ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
log "done in $(( $(date +%s) - start ))s."

# Installing postgresql-15 on a fresh machine may create and start a default
# cluster on port 5432. Our tests use their own throwaway server
# (scripts/pg-test-server.sh) on another port, so the default one is harmless
# and left alone.
