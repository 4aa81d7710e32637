"""The ASGI front for section images, served by uvicorn and asked over real HTTP.

Whatever answers (the front from memory, its thread, or the Django view behind it), a client
must see the same bytes, headers and errors, and revoked access must end at once in the
server process too (the tests run every process with ``CELLWEB_IMAGE_GRANT_RECHECK=0``).
"""

from __future__ import annotations

import http.client
import io
from urllib.parse import urlsplit

import numpy as np
import pytest
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.test import Client
from PIL import Image

from annotations.asgi import SectionImageFront
from annotations.models import Membership
from annotations.selectors import section_images
from tests.conftest import signed_in
from tests.fixtures_live import run_async

pytestmark = pytest.mark.django_db(transaction=True)

SAME_HEADERS = (
    "Content-Type",
    "ETag",
    "Cache-Control",
    "Vary",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)


@pytest.fixture
def asgi_server(transactional_db, shared_asgi_server):
    """The tests here share one server (they keep the default MEDIA_ROOT)."""
    return shared_asgi_server


@pytest.fixture
def section(specimen, make_volume):
    ramp = np.linspace(1.33, 1.40, 48, dtype=np.float32)
    volume = make_volume(specimen, np.broadcast_to(ramp, (3, 40, 48)).copy())
    return volume.sections.get(z=2)


def fetch(server, path, client: Client | None = None, method="GET", headers=None):
    """One request to the live server; returns (status, headers, body)."""
    headers = dict(headers or {})
    if client is not None:
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={client.session.session_key}"
    connection = http.client.HTTPConnection(urlsplit(server.url).netloc, timeout=30)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_the_server_answers_like_the_view(asgi_server, annotator, section):
    client = signed_in(annotator)
    path = f"/api/sections/{section.pk}/image.png?lo=1.33&hi=1.40"
    expected = client.get(path)  # Django's view, in this process
    assert expected.status_code == 200
    for _ in range(2):  # learned, then from memory
        status, headers, body = fetch(asgi_server, path, client)
        assert status == 200
        assert body == expected.content
        for name in SAME_HEADERS:
            assert headers.get(name) == expected.headers.get(name), name
        assert int(headers["Content-Length"]) == len(body)
    image = np.asarray(Image.open(io.BytesIO(body)))
    assert image.shape == (40, 48) and image[0, 0] == 0 and image[0, -1] == 255

    status, headers, body = fetch(
        asgi_server, path, client, headers={"If-None-Match": expected["ETag"]}
    )
    assert (status, body, headers["ETag"]) == (304, b"", expected["ETag"])
    status, headers, body = fetch(asgi_server, path, client, method="HEAD")
    assert (status, body, int(headers["Content-Length"])) == (200, b"", len(expected.content))


def test_requests_the_front_cannot_answer_get_the_views_errors(
    asgi_server, annotator, outsider, section
):
    member = signed_in(annotator)
    good = f"/api/sections/{section.pk}/image.png"
    assert fetch(asgi_server, good, member)[0] == 200
    cases = {
        "outsider": (good, signed_in(outsider), {}),
        "anonymous": (good, None, {}),
        "unknown session": (good, None, {"Cookie": "sessionid=not-a-session"}),
        "bad window": (f"{good}?lo=abc", member, {}),
        "missing section": (f"/api/sections/{section.pk + 9999}/image.png", member, {}),
        "unknown host": (good, member, {"Host": "evil.example"}),
    }
    for name, (path, client, headers) in cases.items():
        status, got_headers, body = fetch(asgi_server, path, client, headers=headers)
        django_client = client or Client()
        extra = {"HTTP_HOST": headers["Host"]} if "Host" in headers else {}
        if "Cookie" in headers:
            django_client.cookies[settings.SESSION_COOKIE_NAME] = "not-a-session"
        expected = django_client.get(path, **extra)
        assert status == expected.status_code, name
        assert status >= 400, name
        assert not body.startswith(b"\x89PNG"), name
    status, _, body = fetch(asgi_server, f"{good}?lo=abc", member)
    assert status == 400 and b"lo must be a number" in body


def test_revoked_access_ends_at_once_in_the_server(asgi_server, annotator, reviewer, section):
    path = f"/api/sections/{section.pk}/image.png"
    removed, leaving = signed_in(annotator), signed_in(reviewer)
    assert fetch(asgi_server, path, removed)[0] == 200
    assert fetch(asgi_server, path, leaving)[0] == 200

    Membership.objects.filter(user=annotator).delete()
    assert fetch(asgi_server, path, removed)[0] == 404

    key = leaving.session.session_key
    leaving.logout()
    status, _, _ = fetch(
        asgi_server, path, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}"}
    )
    assert status in (401, 403)


# --------------------------------------------------------------------------- in process


def call(app, path: str, query: bytes = b"", cookie: str | None = None) -> list[dict]:
    headers = [(b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": headers,
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
    }

    async def run():
        communicator = ApplicationCommunicator(app, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        messages = [await communicator.receive_output(10)]
        if messages[0]["type"] == "http.response.start":
            messages.append(await communicator.receive_output(10))
        await communicator.wait(10)
        return messages

    return run_async(run())


def test_a_members_images_never_reach_django_once_known(annotator, outsider, section):
    section_images.forget_in_process()
    passed_on = []

    async def django_app(scope, receive, send):
        passed_on.append(scope["path"])
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    front = SectionImageFront(django_app)
    path = f"/api/sections/{section.pk}/image.png"
    cookie = f"{settings.SESSION_COOKIE_NAME}={signed_in(annotator).session.session_key}"
    for query in (b"", b"", b"lo=1.35&hi=1.38", b"lo=1.35&hi=1.38"):
        start, body = call(front, path, query, cookie)
        assert start["status"] == 200 and body["body"].startswith(b"\x89PNG")
    assert passed_on == []

    outsider_cookie = f"{settings.SESSION_COOKIE_NAME}={signed_in(outsider).session.session_key}"
    for query, who in ((b"", outsider_cookie), (b"", None), (b"tint=purple", cookie)):
        start, _ = call(front, path, query, who)
        assert start["status"] == 418
    assert call(front, "/api/projects/", b"", cookie)[0]["status"] == 418
    assert len(passed_on) == 4
