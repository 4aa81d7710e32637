"""The ASGI front for stored model proposals, beside the one for section images.

``GET/HEAD /api/sections/<id>/proposal.png`` is asked for every section an annotator opens;
through Django's middleware, session and DRF each answer costs many milliseconds of CPU, far
more than sending a PNG stored ahead. :mod:`inference.selectors.proposal_front` answers from
memory or in a worker thread; anything it does not answer (no session, an outsider, no active
model, another modality, a first-K refusal, no stored proposal) goes to the Django view
unchanged, which answers it as before.
"""

from __future__ import annotations

import asyncio
import os
import re
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections

from annotations.asgi import response_headers, session_key_of
from inference.selectors import proposal_front

_PATH = re.compile(r"/api/sections/(\d{1,18})/proposal\.png")


class ProposalFront:
    """Wraps the Django ASGI application; only proposal requests are looked at."""

    def __init__(self, app) -> None:
        self.app = app
        self.headers = response_headers(private=True, no_cache=True)
        self.executor = ThreadPoolExecutor(
            max_workers=settings.SECTION_IMAGE_THREADS or min(4, os.cpu_count() or 1),
            thread_name_prefix="proposal",
        )

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            match = _PATH.fullmatch(scope["path"])
            if match is not None:
                section_id = int(match.group(1))
                session_key = session_key_of(scope)
                answer = proposal_front.proposal_answer_from_memory(section_id, session_key)
                if answer is None and session_key:
                    loop = asyncio.get_running_loop()
                    answer = await loop.run_in_executor(
                        self.executor, _answer_in_thread, section_id, session_key
                    )
                if answer is not None:
                    await self._send(scope, send, answer)
                    return
        await self.app(scope, receive, send)

    async def _send(self, scope, send, answer: proposal_front.ProposalAnswer) -> None:
        name = answer.version_name.encode("ascii", "replace")
        headers = [
            *self.headers,
            (b"content-length", str(len(answer.png)).encode()),
            (b"x-model-version", str(answer.version_id).encode()),
            (b"x-model-version-name", name),
            (b"x-proposal-source", answer.source.encode()),
        ]
        body = answer.png if scope["method"] == "GET" else b""
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _answer_in_thread(section_id: int, session_key: str) -> proposal_front.ProposalAnswer | None:
    try:
        return proposal_front.proposal_answer(section_id, session_key)
    finally:
        close_old_connections()  # as Django does after each request
