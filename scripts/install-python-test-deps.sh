#!/usr/bin/env bash
# Creates the Python virtualenv that test/db-cleanup.test.ts runs the cleanup script in:
# Django pinned to the 5.2 series BookWyrm pins, outside the repo. Safe to run again: when the
# venv already has that Django it returns at once. Prints nothing on stdout (progress on stderr).
#
#   BOOKWYRM_TEST_VENV    where the venv lives (default ~/.cache/bookwyrm-cronjobs/venv);
#                         the test reads the same variable.
#   BOOKWYRM_TEST_PYTHON  the interpreter to build it from (default python3).
set -euo pipefail

DJANGO_VERSION=5.2.19
venv="${BOOKWYRM_TEST_VENV:-$HOME/.cache/bookwyrm-cronjobs/venv}"
python="${BOOKWYRM_TEST_PYTHON:-python3}"

log() { printf '[install-python-test-deps] %s\n' "$*" >&2; }

# Fast path: the venv exists and has exactly the pinned Django (no pip, no network).
if [ -x "$venv/bin/python" ] &&
    [ "$("$venv/bin/python" -c 'import django; print(django.get_version())' 2>/dev/null)" = "$DJANGO_VERSION" ]; then
    exit 0
fi

command -v "$python" >/dev/null || { log "missing $python on PATH"; exit 1; }
if [ ! -x "$venv/bin/python" ]; then
    log "creating $venv"
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv" >&2
fi
log "installing Django==$DJANGO_VERSION"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "Django==$DJANGO_VERSION" >&2
