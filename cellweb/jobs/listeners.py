"""What other code does once a job of a kind has ended (a retrain round follows its training job,
then its evaluation): listeners, not polling.

A listener is a function of the ended row, registered for a kind name by its app when it is
ready. It runs after the final state is committed, whoever ended the job (the worker, a cancel,
the sweeper, or a parent's gather), and a failing listener never undoes or hides the end.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

_LISTENERS: dict[str, list[Callable[[Any], None]]] = defaultdict(list)

__all__ = ["job_listener_register", "job_listeners_notify"]


def job_listener_register(kind: str, listener: Callable[[Any], None]) -> None:
    """Call ``listener(row)`` every time a job of ``kind`` reaches a final state."""
    if listener not in _LISTENERS[kind]:
        _LISTENERS[kind].append(listener)


def job_listeners_notify(kind: str, job: Any) -> None:
    """Run the listeners of ``kind`` now; the caller runs this after the final state committed."""
    for listener in list(_LISTENERS.get(kind, ())):
        try:
            listener(job)
        except Exception:  # the job has ended; a follow-up must not hide that
            logger.exception("After %s %s ended: %s failed", kind, job.pk, listener.__name__)
