"""A channel layer for the embedded (single-process) mode.

Channels' in-memory layer keeps asyncio queues that belong to the server's event loop. In
embedded mode a Celery worker thread in the same process emits job events from its own event
loop, and putting into another loop's queue from a foreign thread is not safe. This layer
hands every send over to the loop that owns the receivers.
"""

from __future__ import annotations

import asyncio
import threading

from channels.layers import InMemoryChannelLayer


class ThreadSafeInMemoryChannelLayer(InMemoryChannelLayer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._owner_loop: asyncio.AbstractEventLoop | None = None
        self._owner_lock = threading.Lock()

    async def receive(self, channel):
        with self._owner_lock:
            if self._owner_loop is None or self._owner_loop.is_closed():
                self._owner_loop = asyncio.get_running_loop()
        return await super().receive(channel)

    def _foreign_loop(self) -> asyncio.AbstractEventLoop | None:
        owner = self._owner_loop
        if owner is None or owner.is_closed() or not owner.is_running():
            return None
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        return owner if owner is not current else None

    async def _on_owner_loop(self, coroutine):
        """Await ``coroutine`` on the receivers' loop when that is another thread's."""
        owner = self._foreign_loop()
        if owner is None:
            return await coroutine
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, owner))

    async def send(self, channel, message):
        return await self._on_owner_loop(super().send(channel, message))

    async def group_send(self, group, message):
        return await self._on_owner_loop(super().group_send(group, message))
