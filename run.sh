#!/usr/bin/env bash
# The two set-up commands of the README:
#   ./run.sh demo    build the student release and grade three sample submissions
#   ./run.sh test    run the test suite (offline; no dataset download needed)
# Each creates .venv on first use and reinstalls only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv

ensure_venv() {
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "run.sh: Python 3.11 or newer is needed (found $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
        exit 2
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        echo "run.sh: creating $VENV" >&2
        "$PYTHON" -m venv "$VENV"
    fi
    local stamp="$VENV/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
    if [ ! -f "$stamp" ]; then
        echo "run.sh: installing the course kit and its dependencies into $VENV" >&2
        "$VENV/bin/python" -m pip install -qq --upgrade pip
        "$VENV/bin/python" -m pip install -qq -e '.[dev]'
        rm -f "$VENV"/.installed-*
        touch "$stamp"
    fi
}

cmd=${1:-}
shift || true
case "$cmd" in
    demo)
        ensure_venv
        exec "$VENV/bin/python" -m autograder demo "$@"
        ;;
    test)
        ensure_venv
        exec "$VENV/bin/python" -m pytest "$@"
        ;;
    *)
        echo "usage: ./run.sh demo | test [pytest arguments]" >&2
        exit 2
        ;;
esac
