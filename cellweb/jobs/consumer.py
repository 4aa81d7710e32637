"""Live job pages over websockets: authenticate, check who may watch, join, snapshot, relay.

One route for every kind, ``ws/jobs/<kind>/<job_id>/`` (``cellweb/routing.py``). The first
message is ``{"type": "snapshot", "job": {...}}`` built from the database by the kind's
``snapshot``; then every event published to ``job_group(kind, job_id)`` is relayed as is. Events
carry a per-job ``seq`` that only grows and the snapshot carries the ``seq`` it was read at, so
the page drops anything older. ``{"type": "refresh"}`` from the client asks for a fresh snapshot.

Close codes: 4403 when not signed in (or a member who may not watch), 4404 for a job that does
not exist, an unknown kind, or a project the user is not a member of (its existence is not
revealed).
"""

from __future__ import annotations

from typing import Any, NoReturn

from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cellweb.consumers import GroupConsumer
from cellweb.errors import NotAllowed, NotFoundError
from cellweb.events import job_group
from cellweb.jobs.kinds import get_kind

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def job_snapshot_for(kind_name: str, user, job_id: int) -> dict[str, Any]:
    """The snapshot of a job for ``user``; Http404 or NotAllowed when they may not watch it."""
    kind = get_kind(kind_name)
    if kind is None:
        raise Http404("No such kind of job.")
    return kind.snapshot(kind.get_for(user, job_id))


class JobConsumer(GroupConsumer):
    allowed = False

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        self.kind = str(kwargs["kind"])
        self.job_id = int(kwargs["job_id"])
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self._refuse(CLOSE_FORBIDDEN)
        # Join before reading the snapshot: an event published meanwhile is queued, not lost.
        await self.join(job_group(self.kind, self.job_id))
        await self.send_snapshot()
        self.allowed = True

    async def send_snapshot(self) -> None:
        try:
            snapshot = await database_sync_to_async(job_snapshot_for)(
                self.kind, self.scope["user"], self.job_id
            )
        except (Http404, NotFoundError):
            await self._refuse(CLOSE_NOT_FOUND)
        except (NotAllowed, PermissionDenied):
            await self._refuse(CLOSE_FORBIDDEN)
        await self.send_json({"type": "snapshot", "job": snapshot})

    async def _refuse(self, code: int) -> NoReturn:
        self.allowed = False
        await self.close_now(code)

    async def receive_json(self, content, **kwargs) -> None:
        if self.allowed and isinstance(content, dict) and content.get("type") == "refresh":
            await self.send_snapshot()

    async def job_event(self, message: dict[str, Any]) -> None:
        if self.allowed:
            await self.send_json(message["event"])
