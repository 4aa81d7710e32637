"""A huge polygon against a real uvicorn: refused at once, and nobody else waits meanwhile.

A polygon of 300k points used to spend ~9 s in ``skimage.draw.polygon`` holding the GIL, and
every other request of the web process waited. Here one thread sends it while another keeps
reading a section's annotation state; both answers are timed.
"""

from __future__ import annotations

import base64
import json
import math
import threading
import time

import httpx
import pytest

from annotations.models import AnnotationRevision, Section
from annotations.services.annotation import MAX_POINTS_PER_POLYGON, MAX_POLYGON_POINTS
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Generous for a loaded 2-core machine, where both took ~0.3 s; the old fill took ~9 s
# unloaded and minutes on such a machine, and the JSON decode of the body alone seconds.
REFUSED_WITHIN_S = 3.0
CONCURRENT_WITHIN_S = 2.0


@pytest.fixture
def asgi_server(transactional_db, shared_asgi_server):
    """The tests here share one server (they keep the default MEDIA_ROOT)."""
    return shared_asgi_server


@pytest.fixture
def section(specimen, make_volume):
    return Section.objects.get(volume=make_volume(specimen, shape=(1, 448, 448)))


def circle(points: int) -> list[list[float]]:
    step = 2 * math.pi / points
    return [[224 + 200 * math.cos(i * step), 224 + 200 * math.sin(i * step)] for i in range(points)]


def basic(username: str) -> dict[str, str]:
    return {
        "Authorization": "Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    }


def while_polling(asgi_server, section, user, heavy) -> tuple[httpx.Response, float, float]:
    """Run ``heavy(client)`` while another client polls a light endpoint; returns the heavy
    answer, its time, and the slowest light answer meanwhile."""
    url = f"{asgi_server.url}/api/sections/{section.pk}/annotations/mine/"
    slowest = 0.0
    done = threading.Event()

    def poll():
        nonlocal slowest
        with httpx.Client(headers=basic(user.username), timeout=60) as client:
            while not done.is_set():
                started = time.perf_counter()
                assert client.get(url).status_code == 200
                slowest = max(slowest, time.perf_counter() - started)

    with httpx.Client(headers=basic(user.username), timeout=60) as client:
        client.get(url)  # warm up the server before timing
        poller = threading.Thread(target=poll)
        poller.start()
        time.sleep(0.3)
        started = time.perf_counter()
        answer = heavy(client, url)
        took = time.perf_counter() - started
        time.sleep(0.3)
        done.set()
        poller.join()
    return answer, took, slowest


def test_a_huge_polygon_is_refused_fast_while_another_request_stays_fast(
    asgi_server, annotator, section
):
    body = json.dumps({"base_revision": None, "polygons": [circle(300_000)]})

    def heavy(client, url):
        return client.put(url, content=body, headers={"Content-Type": "application/json"})

    answer, took, slowest = while_polling(asgi_server, section, annotator, heavy)
    print(f"figure: huge_polygon_refused = {took:.2f} s; slowest_concurrent = {slowest:.2f} s")
    assert answer.status_code == 400
    assert f"at most {MAX_POLYGON_POINTS} are accepted" in answer.json()["detail"]
    assert took < REFUSED_WITHIN_S
    assert slowest < CONCURRENT_WITHIN_S
    assert not AnnotationRevision.objects.exists()


def test_the_largest_allowed_polygon_is_filled_while_another_request_stays_fast(
    asgi_server, annotator, section
):
    body = json.dumps({"base_revision": None, "polygons": [circle(MAX_POINTS_PER_POLYGON)]})

    def heavy(client, url):
        return client.put(url, content=body, headers={"Content-Type": "application/json"})

    answer, took, slowest = while_polling(asgi_server, section, annotator, heavy)
    print(f"figure: largest_polygon_saved = {took:.2f} s; slowest_concurrent = {slowest:.2f} s")
    assert answer.status_code == 200, answer.text
    assert slowest < CONCURRENT_WITHIN_S
