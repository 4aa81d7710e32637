"""Which sessions may see which project's images, and taking that back in every process."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache, caches
from django.utils import timezone

from .sources import forget_section_sources

EPOCH_CACHE_KEY = "section-image-access-epoch"


_GRANTS_MAX = 20_000


class Grants:
    """(session key, project id) -> monotonic expiry, plus the access epoch last seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._grants: dict[tuple[str, int], float] = {}
        self._generation = 0
        self._epoch: object = None
        self._checked_at = float("-inf")

    @property
    def generation(self) -> int:
        return self._generation

    def allowed(self, session_key: str, project_id: int) -> bool:
        expires = self._grants.get((session_key, project_id))
        return expires is not None and time.monotonic() < expires

    def add(
        self, session_key: str, project_id: int, *, generation: int, session_expires: datetime
    ) -> None:
        """Grant ``session_key`` the project's images for ``SECTION_IMAGE_GRANT_TTL`` seconds, or
        until ``session_expires`` if that comes first: a session left to expire (no logout, so
        no signal) stops seeing images the moment Django would stop accepting it."""
        left = (session_expires - timezone.now()).total_seconds()
        lasts = min(settings.SECTION_IMAGE_GRANT_TTL, left)
        if lasts <= 0:
            return
        with self._lock:
            # Access may have been revoked while the grant was being checked.
            if generation != self._generation:
                return
            if len(self._grants) >= _GRANTS_MAX:
                self._grants.clear()
            self._grants[(session_key, project_id)] = time.monotonic() + lasts

    def forget(self) -> None:
        with self._lock:
            self._generation += 1
            self._grants.clear()
            forget_section_sources()

    def check_epoch(self) -> None:
        """Forget everything when another process has revoked access since the last look."""
        now = time.monotonic()
        if now - self._checked_at < settings.SECTION_IMAGE_GRANT_RECHECK_S:
            return
        try:
            epoch = _epoch_cache().get(EPOCH_CACHE_KEY)
        except Exception:
            epoch = object()  # an unreadable cache must not keep old grants alive
        if epoch != self._epoch:
            self.forget()
            self._epoch = epoch
        self._checked_at = now

    def clear(self) -> None:
        """Forget grants and the last epoch seen (tests, and a process starting afresh)."""
        self.forget()
        self._epoch = None
        self._checked_at = float("-inf")


process_grants = Grants()


@lru_cache(maxsize=1)
def _epoch_cache():
    """One cache client for the epoch reads, which happen on the server's event loop: there,
    ``django.core.cache.cache`` would open a client (and a Redis connection) per request task."""
    return caches.create_connection("default")


def revoke_image_access() -> None:
    """Take back every grant, in this process at once and in the others at their next check.

    Revocations are rare (a logout, a membership removed) and learning a grant again costs one
    session check, so everything is forgotten rather than tracking who held what.
    """
    process_grants.forget()
    # If the cache cannot be written, it cannot be read either: the others drop their grants.
    with contextlib.suppress(Exception):
        cache.set(EPOCH_CACHE_KEY, uuid.uuid4().hex, timeout=None)
