"""The ASGI front for section images: answered here when possible, by Django otherwise.

``GET/HEAD /api/sections/<id>/image.png`` is the one URL a viewer calls dozens of times a
second. :mod:`annotations.selectors.section_images` decides whether a request can be answered
from memory (no I/O) or in a worker thread (session check, rendering). Anything else, such as
no session, an outsider, a bad parameter, a missing section or an unknown host, goes to the
Django view unchanged, which answers it with its usual 4xx.
"""

from __future__ import annotations

import asyncio
import os
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl

from django.conf import settings
from django.db import close_old_connections
from django.http import HttpResponse
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

from annotations.selectors import section_images

_PATH = re.compile(r"/api/sections/(\d{1,18})/image\.png")


def response_headers(**cache_control) -> list[tuple[bytes, bytes]]:
    """The headers Django's middleware would add to a PNG response with ``cache_control``
    (``patch_cache_control``'s arguments), worked out once per front."""

    response = HttpResponse()
    patch_cache_control(response, **cache_control)
    headers = [
        (b"content-type", b"image/png"),
        (b"vary", b"Cookie"),
        (b"cache-control", response["Cache-Control"].encode()),
    ]
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append((b"x-content-type-options", b"nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        policy = settings.SECURE_REFERRER_POLICY
        if not isinstance(policy, str):
            policy = ",".join(policy)
        headers.append((b"referrer-policy", policy.encode()))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(
            (b"cross-origin-opener-policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY.encode())
        )
    headers.append((b"x-frame-options", getattr(settings, "X_FRAME_OPTIONS", "DENY").encode()))
    return headers


class SectionImageFront:
    """Wraps the Django ASGI application; only section image requests are looked at."""

    def __init__(self, app) -> None:
        self.app = app
        self.headers = response_headers(private=True, max_age=settings.SECTION_IMAGE_MAX_AGE)
        self.executor = ThreadPoolExecutor(
            max_workers=settings.SECTION_IMAGE_THREADS or min(4, os.cpu_count() or 1),
            thread_name_prefix="section-image",
        )

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            match = _PATH.fullmatch(scope["path"])
            if match is not None:
                request = self._request(scope, int(match.group(1)))
                if request is not None:
                    answer = section_images.answer_from_memory(request)
                    if answer is None:
                        loop = asyncio.get_running_loop()
                        answer = await loop.run_in_executor(
                            self.executor, _answer_in_thread, request
                        )
                    if answer is not None:
                        await self._send(scope, send, answer)
                        return
        await self.app(scope, receive, send)

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

    async def _send(self, scope, send, answer: section_images.ImageAnswer) -> None:
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


def _answer_in_thread(request: section_images.ImageRequest) -> section_images.ImageAnswer | None:
    try:
        return section_images.answer(request)
    finally:
        # As Django does after each request: hand the connection back (pool) or close it.
        close_old_connections()


def session_key_of(scope) -> str | None:
    """The session key of a request Django would accept (an allowed host, HTTPS where it must
    be), or None: the request then goes to Django, which answers it its own way."""
    host = cookie = ""
    for name, value in scope["headers"]:
        if name == b"host":
            host = value.decode("latin-1")
        elif name == b"cookie":
            cookie = value.decode("latin-1")
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return None
    if settings.SECURE_SSL_REDIRECT and scope.get("scheme") != "https":
        return None
    return _session_key(cookie)


def _allowed_hosts() -> list[str]:
    hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not hosts:
        return [".localhost", "127.0.0.1", "[::1]"]
    return hosts


def _session_key(cookie_header: str) -> str | None:
    if settings.SESSION_COOKIE_NAME not in cookie_header:
        return None
    return parse_cookie(cookie_header).get(settings.SESSION_COOKIE_NAME) or None
