"""Live job pages over websockets: authenticate, check membership, join, snapshot, relay.

Routes (``inference/routing.py``)::

    ws/jobs/<job_id>/          a training job (kept for the training page)
    ws/jobs/<kind>/<job_id>/   any registered kind: "training", "evaluation", ...

The first message is ``{"type": "snapshot", "job": {...}}`` built from the database; then every
event the job's services publish to ``job_group(kind, job_id)`` is relayed as is. Events carry a
per-job ``seq`` that only grows and the snapshot carries the ``seq`` it was read at, so the page
drops anything older. ``{"type": "refresh"}`` from the client asks for a fresh snapshot.

Close codes: 4403 when not signed in, 4404 for a job that does not exist, an unknown kind, or a
project the user is not a member of (its existence is not revealed).

A kind is registered in ``JOB_KINDS`` as a callable or a dotted path to one, taking
``(user, job_id)`` and returning the snapshot dict; it raises ``Http404`` for an unknown job or
an outsider and ``NotAllowed``/``PermissionDenied`` for a member who may not watch.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, NoReturn

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.module_loading import import_string

from cellweb.errors import NotAllowed, NotFoundError
from cellweb.events import job_group

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def training_snapshot_for(user, job_id: int) -> dict[str, Any]:
    from inference.selectors.training import training_job_get, training_job_snapshot
    from inference.services.training import training_mark_stale_folds

    job = training_job_get(user=user, job_id=job_id)
    training_mark_stale_folds(job=job)
    return training_job_snapshot(job)


JOB_KINDS: dict[str, Callable[[Any, int], dict[str, Any]] | str] = {
    "training": training_snapshot_for,
    "evaluation": "inference.selectors.evaluation.evaluation_job_snapshot_for",
}


def _loader(kind: str) -> Callable[[Any, int], dict[str, Any]] | None:
    entry = JOB_KINDS.get(kind)
    if entry is None:
        return None
    if isinstance(entry, str):
        try:
            return import_string(entry)
        except ImportError:
            logger.warning("Job kind %r is registered as %s, which cannot be imported", kind, entry)
            return None
    return entry


class JobConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    allowed = False

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        self.kind = str(kwargs.get("kind") or "training")
        self.job_id = int(kwargs["job_id"])
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self._refuse(CLOSE_FORBIDDEN)
        self.loader = _loader(self.kind)
        if self.loader is None:
            await self._refuse(CLOSE_NOT_FOUND)
        # Join before reading the snapshot: an event published meanwhile is queued, not lost.
        self.group = job_group(self.kind, self.job_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_snapshot()
        self.allowed = True

    async def send_snapshot(self) -> None:
        try:
            snapshot = await database_sync_to_async(self.loader)(self.scope["user"], self.job_id)
        except (Http404, NotFoundError):
            await self._refuse(CLOSE_NOT_FOUND)
        except (NotAllowed, PermissionDenied):
            await self._refuse(CLOSE_FORBIDDEN)
        await self.send_json({"type": "snapshot", "job": snapshot})

    async def _refuse(self, code: int) -> NoReturn:
        """Close with ``code`` and end this consumer now: waiting for the client's half of the
        closing handshake would keep the connection (and a server shutdown) hanging when the
        client never sends it."""
        self.allowed = False
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
        await self.close(code=code)
        raise StopConsumer()

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return json.loads(text_data)
        except ValueError:  # a malformed message is ignored, not a reason to drop the socket
            return None

    async def receive_json(self, content, **kwargs) -> None:
        if self.allowed and isinstance(content, dict) and content.get("type") == "refresh":
            await self.send_snapshot()

    async def job_event(self, message: dict[str, Any]) -> None:
        if self.allowed:
            await self.send_json(message["event"])

    async def disconnect(self, code) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
