"""Request bodies are bounded before Django reads them.

Under ASGI, Django reads a request's whole body into a temporary file before any middleware or
view runs, so a size limit or a permission checked in a view comes too late: an anonymous
client could make the server write an unbounded body to disk. This guard wraps the HTTP
application and decides from the request's head, before a byte of the body is read:

- an upload endpoint, a body declared larger than the JSON limit, or a body of unknown length
  (chunked) needs a signed-in user, by session cookie or Basic credentials: 403 otherwise;
- a declared ``Content-Length`` over the endpoint's limit gets 413 at once, stating its size;
- every body is counted as it streams; one that passes the limit (only a chunked one can) is
  cut there with 413, and one that ends below it reaches Django with its counted length, so a
  chunked upload works like any other.

Requests without a body, such as every section image, pass straight through.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from html import escape
from importlib import import_module

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import authenticate, get_user
from django.db import close_old_connections
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.urls import Resolver404, resolve

# The views that take files; everything else takes JSON or a small form.
UPLOAD_URL_NAMES = frozenset(
    {
        "api-project-imports",
        "project-import",
        "api-project-imports-batch",
        "project-import-folder",
        "api-specimen-ground-truth",
        "api-model-versions-import",
        "model-import",
    }
)
# A multipart body carries the file plus its form fields and boundaries.
MULTIPART_SLACK_BYTES = 1024 * 1024
_MB = 1024 * 1024
_UNITS = (("TB", 1024**4), ("GB", 1024**3), ("MB", _MB))


@dataclass(frozen=True)
class BodyLimit:
    bytes: int
    upload: bool

    @classmethod
    def for_path(cls, path: str) -> BodyLimit:
        try:
            upload = resolve(path).url_name in UPLOAD_URL_NAMES
        except Resolver404:
            upload = False
        if upload:
            return cls(settings.MAX_UPLOAD_MB * _MB + MULTIPART_SLACK_BYTES, True)
        return cls(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, False)

    def declared_too_large(self, size: int) -> str:
        return f"The request is {_size(size, above=self.bytes)}; {self._rule()}"

    def stopped_after(self, received: int) -> str:
        return f"The request was stopped after {_size(received)}: {self._rule()}"

    def _rule(self) -> str:
        if self.upload:
            return (
                f"the limit is {settings.MAX_UPLOAD_MB} MB. Import larger files on the server with "
                "“manage.py import_volume” (import_masks, import_model), or ask the administrator "
                "to raise CELLWEB_MAX_UPLOAD_MB."
            )
        return f"the limit is {self.bytes / _MB:g} MB for requests other than file uploads."


@dataclass(frozen=True)
class RequestHead:
    """What the guard needs from the request line and headers."""

    path: str
    content_length: int | None
    chunked: bool
    cookie: str = ""
    authorization: str = ""

    @classmethod
    def from_scope(cls, scope) -> RequestHead:
        length = None
        chunked = False
        cookie = authorization = ""
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = int(value) if value.isdigit() else None
            elif name == b"transfer-encoding":
                chunked = True
            elif name == b"cookie":
                cookie = value.decode("latin-1")
            elif name == b"authorization":
                authorization = value.decode("latin-1")
        return cls(_path_info(scope), length, chunked, cookie, authorization)

    @property
    def has_body(self) -> bool:
        return self.chunked or bool(self.content_length)

    @property
    def wants_json(self) -> bool:
        return self.path.startswith("/api/")


class RequestBodyGuard:
    """ASGI middleware in front of the HTTP application (see the module's docstring)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not _may_have_body(scope["headers"]):
            await self.app(scope, receive, send)
            return
        head = RequestHead.from_scope(scope)
        if not head.has_body:
            await self.app(scope, receive, send)
            return
        limit = BodyLimit.for_path(head.path)
        declared = head.content_length
        needs_identity = (
            limit.upload or declared is None or declared > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if needs_identity and not await _signed_in(head):
            await _refuse(send, head, 403, _sign_in_message(limit))
            return
        if declared is not None and declared > limit.bytes:
            await _refuse(send, head, 413, limit.declared_too_large(declared))
            return
        await self._pass_counted(scope, receive, send, head, limit)

    async def _pass_counted(self, scope, receive, send, head: RequestHead, limit: BodyLimit):
        if head.content_length is None:
            # Django builds its request from the scope once it has read the body: by then the
            # counted length is known and becomes the Content-Length its parsers need.
            scope = {**scope, "headers": list(scope["headers"])}
        received = 0
        over = False
        started = False

        async def counting_receive():
            nonlocal received, over
            message = await receive()
            if message["type"] != "http.request":
                return message
            received += len(message.get("body", b""))
            if received > limit.bytes:
                over = True
                # Django stops reading and drops what it has spooled, without answering.
                return {"type": "http.disconnect"}
            if head.content_length is None and not message.get("more_body", False):
                scope["headers"].append((b"content-length", str(received).encode()))
            return message

        async def watching_send(message):
            nonlocal started
            started = True
            await send(message)

        await self.app(scope, counting_receive, watching_send)
        if over and not started:
            await _refuse(send, head, 413, limit.stopped_after(received))


def _may_have_body(headers) -> bool:
    return any(name in (b"content-length", b"transfer-encoding") for name, _ in headers)


def _path_info(scope) -> str:
    path = scope["path"]
    root = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _sign_in_message(limit: BodyLimit) -> str:
    if limit.upload:
        return "Authentication credentials were not provided: sign in before uploading files."
    return (
        "Authentication credentials were not provided: sign in before sending a request of more "
        f"than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE / _MB:g} MB or of unknown length."
    )


def _size(size: int, *, above: int | None = None) -> str:
    """``size`` in MB (GB or TB when larger), with enough decimals that a size over ``above``
    never reads as the limit itself."""
    unit, scale = next(((u, s) for u, s in _UNITS if size >= s), _UNITS[-1])
    for decimals in range(1, 7):
        text = f"{size / scale:.{decimals}f}"
        if above is None or float(text) * scale > above:
            break
    return f"{text} {unit}"


async def _refuse(send, head: RequestHead, status: int, message: str) -> None:
    if head.wants_json:
        body = json.dumps({"detail": message}).encode()
        content_type = b"application/json"
    else:
        title = "Sign in first" if status == 403 else "Too large"
        body = (
            f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{escape(message)}</p>"
        ).encode()
        content_type = b"text/html; charset=utf-8"
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        # The body was never read, so this connection cannot carry another request.
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _signed_in(head: RequestHead) -> bool:
    session_key = (
        parse_cookie(head.cookie).get(settings.SESSION_COOKIE_NAME) if head.cookie else None
    )
    credentials = _basic_credentials(head.authorization)
    if not session_key and credentials is None:
        return False
    return await sync_to_async(_user_is_signed_in, thread_sensitive=False)(session_key, credentials)


def _user_is_signed_in(session_key: str | None, credentials: tuple[str, str] | None) -> bool:
    """Django's own session and authentication checks, as the views would run them."""
    try:
        if session_key:
            request = HttpRequest()
            request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
            if get_user(request).is_authenticated:
                return True
        if credentials is not None:
            user = authenticate(None, username=credentials[0], password=credentials[1])
            return user is not None and user.is_active
        return False
    finally:
        close_old_connections()


def _basic_credentials(authorization: str) -> tuple[str, str] | None:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        username, separator, password = base64.b64decode(token.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (username, password) if separator else None
