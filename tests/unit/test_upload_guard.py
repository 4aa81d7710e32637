"""The request-body guard in process: what reaches the application, and what is answered instead.

The same guard is exercised over real HTTP in tests/integration/test_upload_guard_server.py.
"""

from __future__ import annotations

import json

import pytest
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cellweb.api.uploads import UploadApi
from cellweb.upload_guard import UPLOAD_URL_NAMES, RequestBodyGuard, _size
from cellweb.urls import urlpatterns
from tests.fixtures_live import run_async

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024
IMPORTS = "/api/projects/lab/imports/"


class RecordingApp:
    """Stands for Django: reads the whole body as Django's ASGI handler does, answers 200."""

    def __init__(self):
        self.calls: list[dict] = []

    async def __call__(self, scope, receive, send):
        call = {"scope": scope, "body": b"", "disconnected": False}
        self.calls.append(call)
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                call["disconnected"] = True
                return
            call["body"] += message.get("body", b"")
            if not message.get("more_body", False):
                break
        call["headers"] = dict(scope["headers"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def http_scope(method: str, path: str, headers: dict[str, str]) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")]
        + [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
    }


def run(app, scope: dict, chunks: list[bytes]) -> tuple[int, dict, bytes]:
    """Send the body in chunks (as far as it is read) and return (status, headers, body)."""

    async def go():
        communicator = ApplicationCommunicator(app, scope)
        for number, chunk in enumerate(chunks):
            more = number < len(chunks) - 1
            await communicator.send_input(
                {"type": "http.request", "body": chunk, "more_body": more}
            )
        start = await communicator.receive_output(10)
        body = await communicator.receive_output(10)
        await communicator.wait(10)
        return start["status"], dict(start["headers"]), body["body"]

    return run_async(go())


def session_headers(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={client.session.session_key}"}


def test_a_request_without_a_body_reaches_the_application_untouched():
    app = RecordingApp()
    scope = http_scope("GET", "/api/sections/7/image.png", {"Cookie": "sessionid=x"})
    assert run(RequestBodyGuard(app), scope, [b""])[0] == 200
    assert app.calls[0]["scope"] is scope


def test_a_small_json_body_needs_no_sign_in():
    app = RecordingApp()
    body = json.dumps({"username": "x"}).encode()
    scope = http_scope("POST", "/accounts/login/", {"Content-Length": str(len(body))})
    assert run(RequestBodyGuard(app), scope, [body])[0] == 200
    assert app.calls[0]["body"] == body


def test_an_upload_without_a_session_never_reaches_the_application(project):
    app = RecordingApp()
    scope = http_scope("POST", IMPORTS, {"Content-Length": "100"})
    status, headers, body = run(RequestBodyGuard(app), scope, [bytes(100)])
    assert status == 403
    assert headers[b"content-type"] == b"application/json"
    assert "sign in before uploading files" in json.loads(body)["detail"]
    assert app.calls == []


def test_a_chunked_body_under_the_limit_arrives_with_its_counted_length(manager):
    app = RecordingApp()
    headers = session_headers(manager) | {"Transfer-Encoding": "chunked"}
    scope = http_scope("POST", IMPORTS, headers)
    chunks = [b"a" * 1000, b"b" * 2000, b"c" * 3]
    assert run(RequestBodyGuard(app), scope, chunks)[0] == 200
    call = app.calls[0]
    assert call["body"] == b"".join(chunks)
    assert call["headers"][b"content-length"] == b"3003"
    assert (b"content-length", b"3003") not in scope["headers"]  # the server's scope is kept


def test_a_chunked_body_over_the_limit_is_cut_there(manager, settings):
    settings.MAX_UPLOAD_MB = 1
    app = RecordingApp()
    scope = http_scope("POST", IMPORTS, session_headers(manager) | {"Transfer-Encoding": "chunked"})
    chunks = [bytes(MB // 2)] * 8  # 4 MB against 1 MB and the multipart allowance of 1 MB
    status, _, body = run(RequestBodyGuard(app), scope, chunks)
    assert status == 413
    assert json.loads(body)["detail"].startswith(
        "The request was stopped after 2.5 MB: the limit is 1 MB."
    )
    assert app.calls[0]["disconnected"]
    assert len(app.calls[0]["body"]) == 2 * MB


@pytest.mark.parametrize(
    "path", ["/api/projects/lab/model-versions/import/", "/projects/lab/models/import/"]
)
def test_a_model_package_larger_than_a_json_body_reaches_the_import(manager, settings, path):
    """A bioimage.io package of a large network (Unet64: 150 MB of weights) is a file upload,
    bounded by CELLWEB_MAX_UPLOAD_MB like an image, not by the 64 MB limit of JSON bodies."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = MB
    app = RecordingApp()
    body = bytes(2 * MB)
    headers = session_headers(manager) | {"Content-Length": str(len(body))}
    assert run(RequestBodyGuard(app), http_scope("POST", path, headers), [body])[0] == 200
    assert len(app.calls[0]["body"]) == 2 * MB


def test_every_endpoint_taking_files_is_bounded_as_an_upload():
    def names(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from names(pattern.url_patterns)
            elif issubclass(getattr(pattern.callback, "cls", object), UploadApi):
                yield pattern.name

    uploads = set(names(urlpatterns))
    assert "api-model-versions-import" in uploads
    assert uploads <= UPLOAD_URL_NAMES


def test_a_chunked_body_without_a_session_is_refused_anywhere():
    app = RecordingApp()
    scope = http_scope("PUT", "/api/sections/1/annotations/mine/", {"Transfer-Encoding": "chunked"})
    assert run(RequestBodyGuard(app), scope, [b"{}"])[0] == 403
    assert app.calls == []


def test_a_session_that_no_longer_signs_in_counts_as_none(manager):
    headers = session_headers(manager) | {"Content-Length": "10"}
    manager.is_active = False
    manager.save()
    app = RecordingApp()
    assert run(RequestBodyGuard(app), http_scope("POST", IMPORTS, headers), [bytes(10)])[0] == 403
    assert app.calls == []


@pytest.mark.parametrize(
    ("size", "above", "text"),
    [
        (3 * MB, None, "3.0 MB"),
        (3 * MB + 10, 2 * MB, "3.0 MB"),
        (64 * MB + 1, 64 * MB, "64.000001 MB"),
        (10 * 1024**4, None, "10.0 TB"),
        (5 * 1024**3 // 2, None, "2.5 GB"),
    ],
)
def test_sizes_are_stated_as_they_are(size, above, text):
    assert _size(size, above=above) == text


def test_without_the_guard_the_import_view_states_the_real_size_too(api, manager, settings):
    """Under WSGI (and Django's test client) the view's own early check answers instead."""
    settings.MAX_UPLOAD_MB = 1
    upload = SimpleUploadedFile("big.npy", bytes(3 * MB), content_type="application/octet-stream")
    response = api(manager).post(
        IMPORTS, {"specimen": "c", "modality": "ri", "file": upload}, format="multipart"
    )
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The file is 3.0 MB; the limit is 1 MB.")
