"""The ASGI front for stored model proposals, beside the one for section images.

``GET/HEAD /api/sections/<id>/proposal.png`` is asked for every section an annotator opens;
through Django's middleware, session and DRF each answer costs many milliseconds of CPU, far
more than sending a PNG stored ahead. :mod:`inference.selectors.proposal_front` answers from
memory or in a worker thread; anything it does not answer (no session, an outsider, no active
model, another modality, a first-K refusal, no stored proposal) goes to the Django view
unchanged, which answers it as before.
"""

from __future__ import annotations

import re

from cellweb.asgi_front import PngFront, response_headers, session_key_of
from inference.selectors import proposal_front


class ProposalFront(PngFront):
    """Wraps the Django ASGI application; only proposal requests are looked at."""

    path = re.compile(r"/api/sections/(\d{1,18})/proposal\.png")
    thread_name_prefix = "proposal"

    def __init__(self, app) -> None:
        super().__init__(app, response_headers(private=True, no_cache=True))

    async def answer(self, scope, section_id: int) -> proposal_front.ProposalAnswer | None:
        session_key = session_key_of(scope)
        answer = proposal_front.proposal_answer_from_memory(section_id, session_key)
        if answer is None and session_key:
            answer = await self.in_thread(proposal_front.proposal_answer, section_id, session_key)
        return answer

    async def send_answer(self, scope, send, answer: proposal_front.ProposalAnswer) -> None:
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
