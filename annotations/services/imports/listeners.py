"""What other apps do once an import job has succeeded (inference: "predict new imports").

A listener is a function of the finished ``ImportJob``, registered by its app when it is ready;
it runs after the import is committed, and a failing listener never undoes or hides the import.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

_LISTENERS: list[Callable] = []


def import_listener_register(listener: Callable) -> None:
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def import_listeners_notify(job) -> None:
    for listener in list(_LISTENERS):
        try:
            listener(job)
        except Exception:  # the import has succeeded; a follow-up must not hide that
            logger.exception("After import %s: %s failed", job.pk, listener.__name__)
