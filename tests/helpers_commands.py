"""Running a management command in a test and reading what it printed."""

from __future__ import annotations

import io

from django.core.management import call_command


def run_command(*args, **options) -> str:
    """Run ``manage.py`` command ``args`` in process; its standard output (its standard error,
    progress and warnings, is left out)."""
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()
