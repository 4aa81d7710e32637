"""What every live websocket consumer shares: it joins one channel group and leaves it when the
socket closes (a job's page, ``cellweb/jobs/consumer.py``; a section's review notices,
``annotations/consumers.py``)."""

from __future__ import annotations

import json
from typing import NoReturn

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer


class GroupConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def join(self, group: str) -> None:
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)

    async def leave(self) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None

    async def disconnect(self, code) -> None:
        await self.leave()

    async def close_now(self, code: int) -> NoReturn:
        """Close with ``code`` and end this consumer now: waiting for the client's half of the
        closing handshake would keep the connection (and a server shutdown) hanging when the
        client never sends it."""
        await self.leave()
        await self.close(code=code)
        raise StopConsumer()

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return json.loads(text_data)
        except ValueError:  # a malformed message is ignored, not a reason to drop the socket
            return None
