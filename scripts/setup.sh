#!/usr/bin/env bash
# Install everything CellWeb needs into this checkout: the Python environment (.venv) and the
# front-end bundle. Idempotent and quick when nothing changed. Usage: scripts/setup.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0
[ "${1:-}" = "--dev" ] && DEV=1

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> Creating the Python environment (.venv)"
  "$PY" -m venv .venv
fi
REQ=requirements.txt
[ "$DEV" = 1 ] && REQ=requirements-dev.txt
STAMP=.venv/.installed-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)-$DEV
if [ ! -f "$STAMP" ]; then
  echo "==> Installing Python packages ($REQ)"
  # torch==2.13.0 is pinned so the CPU wheel is used where no GPU build is wanted.
  .venv/bin/pip install --disable-pip-version-check -q -r "$REQ"
  touch "$STAMP"
fi

if [ "$DEV" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> Installing Chromium for the browser tests (Debian packages chromium, chromium-driver)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "!! Chromium is missing: install the Debian packages chromium and chromium-driver." >&2
  fi
fi

BUILD=cellweb/static/cellweb/build/app.js
SRC_STAMP=frontend/node_modules/.cellweb-src-$(find frontend -path frontend/node_modules -prune -o -type f \( -name '*.ts' -o -name '*.css' -o -name '*.json' -o -name '*.html' \) -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-16)
if [ ! -f "$BUILD" ] || [ ! -f "$SRC_STAMP" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "!! npm (Node.js 20+) is needed to build the front end." >&2
    exit 1
  fi
  echo "==> Building the front end (Vite)"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
  touch "$SRC_STAMP"
fi
