"""What the ASGI fronts for PNG URLs share: the GET/HEAD path match, the worker threads, the
session check and the headers Django would send.

A front wraps the Django ASGI application. For ``GET``/``HEAD`` on its one path pattern it asks
its :meth:`PngFront.answer`; whatever that does not answer (``None``) goes to Django unchanged,
which answers it its own way. The section image front (``annotations.asgi``) and the proposal
front (``inference.asgi``) are the two.
"""

from __future__ import annotations

import asyncio
import os
import re
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections
from django.http import HttpResponse
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.utils.cache import patch_cache_control


class PngFront:
    """Looks at ``GET``/``HEAD`` requests whose path matches ``path`` (the section id its one
    group); every other request, and every one :meth:`answer` leaves, goes to ``app``."""

    path: re.Pattern[str]
    thread_name_prefix: str

    def __init__(self, app, headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.headers = headers
        self.executor = ThreadPoolExecutor(
            max_workers=settings.SECTION_IMAGE_THREADS or min(4, os.cpu_count() or 1),
            thread_name_prefix=self.thread_name_prefix,
        )

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            match = self.path.fullmatch(scope["path"])
            if match is not None:
                answer = await self.answer(scope, int(match.group(1)))
                if answer is not None:
                    await self.send_answer(scope, send, answer)
                    return
        await self.app(scope, receive, send)

    async def answer(self, scope, section_id: int):
        """The answer to send, or None for Django to answer the request."""
        raise NotImplementedError

    async def send_answer(self, scope, send, answer) -> None:
        raise NotImplementedError

    async def in_thread(self, function, *args):
        """``function(*args)`` in one of the front's worker threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, _closing_connections, function, *args)


def _closing_connections(function, *args):
    try:
        return function(*args)
    finally:
        # As Django does after each request: hand the connection back (pool) or close it.
        close_old_connections()


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
