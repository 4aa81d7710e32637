"""What other apps do once an import job has succeeded (inference: "predict new imports").

A listener is a function of the finished ``ImportJob``, registered by its app when it is ready;
it runs after the import is committed, and a failing listener never undoes or hides the import.
An import run in the foreground (``manage.py import_volume``) has no job row: its listeners get
an ``ImportDone`` with the fields of the job they read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

_LISTENERS: list[Callable] = []


@dataclass(frozen=True)
class ImportDone:
    """A committed import without a job row, as its listeners see it."""

    project: Any
    specimen_id: int
    result: dict  # the importer's summary(), as a job stores it
    created_by_id: int | None = None
    pk: str = "in the foreground"


def import_listener_register(listener: Callable) -> None:
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def import_listeners_notify(job) -> None:
    for listener in list(_LISTENERS):
        try:
            listener(job)
        except Exception:  # the import has succeeded; a follow-up must not hide that
            logger.exception("After import %s: %s failed", job.pk, listener.__name__)
