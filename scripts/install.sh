#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian 12 machine (run as root):
# the npm packages, promtool (Debian's prometheus package), and the e2e tools built from Go
# modules into a cache outside the repo. Safe to run again: each step skips what is there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '[install] %s\n' "$*" >&2; }

for tool in node npm go python3 kubectl openssl; do
    command -v "$tool" >/dev/null || { log "missing $tool on PATH; this machine needs Node 20, Go 1.26, Python 3, kubectl and openssl"; exit 1; }
done

log "npm packages"
# --loglevel=warn: the project's .npmrc silences npm so that `npm run render` prints only YAML.
npm ci --loglevel=warn --no-audit --no-fund

if ! command -v promtool >/dev/null; then
    log "promtool (Debian package prometheus)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    # The package starts a Prometheus server where an init system runs; the tests need only promtool.
    pkill -x prometheus 2>/dev/null || true
fi

log "Django for the cleanup script's test (a venv outside the repo)"
bash scripts/install-python-test-deps.sh

if [ "${SKIP_E2E_TOOLS:-}" = 1 ]; then
    log "e2e tools skipped (SKIP_E2E_TOOLS=1): npm run test:e2e will build them when first run"
else
    log "e2e tools (cached after the first build)"
    bash e2e/tools/build.sh >/dev/null
fi
log "done"
