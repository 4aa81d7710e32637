"""Live events: only services emit them, and only after the transaction commits (Zulip's rule).

Every job event has one shape, ``{"kind", "id", "seq", "type", ...}``, and goes to the channel
group of that job; consumers authenticate, join the group and relay; the database stays the
history. ``seq`` grows per job (one counter per kind and id, shared by every process through the
cache), so a page drops what it has already seen. When Redis is unreachable an event is dropped
with a warning (it could not be delivered anyway): the work, a launch that fails for want of a
broker, the sweeper and the snapshot a page reads go on.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

SEQ_TTL_S = 30 * 24 * 3600
# Numbering and sending happen under one lock per process, so two threads of one process (the
# work and its keepalive, say) never deliver their events in the other order than numbered.
_SEND_LOCK = threading.Lock()


def job_group(kind: str, job_id: int) -> str:
    return f"job.{kind}.{job_id}"


def _seq_key(kind: str, job_id: int) -> str:
    return f"job-seq:{kind}:{job_id}"


def next_event_seq(kind: str, job_id: int) -> int:
    """A number that only grows per job, shared by every process through the cache (Redis).

    The counter starts from the clock in milliseconds, so if the cache loses it the next
    numbers are still larger than every number handed out before.
    """
    key = _seq_key(kind, job_id)
    for _ in range(3):
        cache.add(key, int(time.time() * 1000), timeout=SEQ_TTL_S)
        try:
            return int(cache.incr(key))
        except ValueError:  # evicted between add and incr
            continue
    return int(time.time() * 1000)


def current_event_seq(kind: str, job_id: int) -> int:
    """The last number handed out. A snapshot reads it before it reads the database, so an
    event it has not seen always carries a larger number and the page applies it (at worst an
    update is applied twice, never lost)."""
    try:
        return int(cache.get(_seq_key(kind, job_id)) or 0)
    except Exception:  # the cache is unreachable: 0 lets the page apply every later event
        logger.warning("Could not read the event number of %s %s", kind, job_id, exc_info=True)
        return 0


def send_now(group: str, event: dict[str, Any], *, handler: str = "job.event") -> None:
    """Send ``event`` to ``group``'s consumers, to their method named by ``handler``."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": handler, "event": event})
    except Exception:  # a dropped live event must never break the work; history is in the DB
        logger.warning("Could not publish event to %s", group, exc_info=True)


def emit(kind: str, job_id: int, event: dict[str, Any]) -> None:
    """Publish ``event`` about job ``kind``/``job_id`` once the current transaction (if any)
    commits, numbered then."""

    def send() -> None:
        with _SEND_LOCK:
            try:
                seq = next_event_seq(kind, job_id)
            except Exception:  # the cache (Redis) is unreachable: drop the event, not the work
                logger.warning("Could not number an event of %s %s", kind, job_id, exc_info=True)
                return
            send_now(job_group(kind, job_id), {"kind": kind, "id": job_id, **event, "seq": seq})

    transaction.on_commit(send)


def emit_after_commit(group: str, event: dict[str, Any], *, handler: str) -> None:
    """Publish an unnumbered ``event`` to ``group`` once the current transaction (if any)
    commits: a notice a page shows as it comes (a section's review decision), not a job's
    state that it rebuilds in order."""
    transaction.on_commit(lambda: send_now(group, event, handler=handler))
