#!/usr/bin/env bash
# Lint and run the whole test suite against the real PostgreSQL and Redis on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
scripts/services.sh
psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='cellweb'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE cellweb"
echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> front-end unit tests (Vitest)"
(cd frontend && npm test --silent)
echo "==> pytest"
export MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736
# Two workers (pytest-xdist), tests shared out one by one; each worker has its own test database
# and Redis database (tests/parallel.py). CELLWEB_TEST_WORKERS=0 runs everything in this process.
exec .venv/bin/pytest -n "${CELLWEB_TEST_WORKERS:-2}" --dist load "$@"
