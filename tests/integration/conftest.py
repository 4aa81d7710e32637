"""Fixtures for the tests that run jobs on real worker processes."""

from __future__ import annotations

import pytest

from cellweb.celery import app as celery_app
from tests.helpers_training import add_specimens


@pytest.fixture
def training_cells(project, make_volume):
    """An empty broker and four specimens of two sections with ground truth: a set that a
    tiny two-fold training job can run on."""
    celery_app.control.purge()
    return add_specimens(project, make_volume, 4, sections=2)
