"""The ASGI front for section images: answered here when possible, by Django otherwise.

``GET/HEAD /api/sections/<id>/image.png`` is the one URL a viewer calls dozens of times a
second. :mod:`annotations.selectors.section_images` decides whether a request can be answered
from memory (no I/O) or in a worker thread (session check, rendering). Anything else, such as
no session, an outsider, a bad parameter, a missing section or an unknown host, goes to the
Django view unchanged, which answers it with its usual 4xx.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from django.conf import settings
from django.utils.http import http_date

from annotations.selectors import section_images
from cellweb.asgi_front import PngFront, response_headers, session_key_of


class SectionImageFront(PngFront):
    """Wraps the Django ASGI application; only section image requests are looked at."""

    path = re.compile(r"/api/sections/(\d{1,18})/image\.png")
    thread_name_prefix = "section-image"

    def __init__(self, app) -> None:
        super().__init__(
            app, response_headers(private=True, max_age=settings.SECTION_IMAGE_MAX_AGE)
        )

    async def answer(self, scope, section_id: int) -> section_images.ImageAnswer | None:
        request = self._request(scope, section_id)
        if request is None:
            return None
        answer = section_images.answer_from_memory(request)
        if answer is None:
            answer = await self.in_thread(section_images.answer, request)
        return answer

    def _request(self, scope, section_id: int) -> section_images.ImageRequest | None:
        session_key = session_key_of(scope)
        if not session_key:
            return None
        if_none_match = ""
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value.decode("latin-1")
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        return section_images.ImageRequest(section_id, session_key, query, if_none_match)

    async def send_answer(self, scope, send, answer: section_images.ImageAnswer) -> None:
        headers = [
            *self.headers,
            (b"etag", answer.etag.encode()),
            (b"date", http_date().encode()),
        ]
        body = answer.body if answer.status == 200 and scope["method"] == "GET" else b""
        if answer.status == 200:
            headers.append((b"content-length", str(len(answer.body)).encode()))
        else:
            headers = [h for h in headers if h[0] != b"content-type"]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
