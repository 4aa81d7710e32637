"""Live events: only services emit them, and only after the transaction commits (Zulip's rule).

Consumers authenticate, join a group and relay; the database stays the history.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def job_group(kind: str, job_id: int) -> str:
    return f"job.{kind}.{job_id}"


def send_now(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "job.event", "event": event})
    except Exception:  # a dropped live event must never break the work; history is in the DB
        logger.warning("Could not publish event to %s", group, exc_info=True)


def emit(group: str, event: dict[str, Any]) -> None:
    """Publish ``event`` to ``group`` once the current transaction (if any) commits."""
    transaction.on_commit(lambda: send_now(group, event))
