#!/usr/bin/env bash
# Install, create the demo data and serve CellWeb at http://127.0.0.1:8000 on embedded defaults
# (SQLite, in-process task queue and channel layer): nothing else to install.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py seed_demo
# Stain-derived ground truth for the cross-modality evaluation (once; reviewers can redo it).
.venv/bin/python manage.py fluorescence_gt --project demo --if-missing
exec .venv/bin/python manage.py demo "$@"
