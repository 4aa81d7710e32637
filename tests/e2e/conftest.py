"""The browser tests share one ASGI server, except where a test has a MEDIA_ROOT of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from annotations.models import Section
from tests.e2e.test_annotate_flow import BUNDLE
from tests.fixtures_live import LiveServer, start_asgi_server


@pytest.fixture(scope="package")
def shared_asgi_server(django_db_setup) -> Iterator[LiveServer]:
    """One ASGI server for all the browser tests, not one a module: starting one takes seconds.
    It stops once they are done, so its job sweeper stays out of the tests that come after."""
    server = start_asgi_server(name="asgi-e2e")
    yield server
    server.process.stop()


@pytest.fixture
def asgi_server(request, transactional_db) -> Iterator[LiveServer]:
    """The shared server; a test with its own MEDIA_ROOT gets a server of its own, started once
    that folder is set (the server reads it at start)."""
    if "media_root" not in request.fixturenames:
        yield request.getfixturevalue("shared_asgi_server")
        return
    request.getfixturevalue("media_root")
    server = start_asgi_server()
    yield server
    server.process.stop()


@pytest.fixture
def stack(specimen, make_volume):
    """A specimen of three 96 × 96 sections for the annotate page, with the front end built."""
    if not BUNDLE.exists():
        pytest.fail("The front end is not built: run `cd frontend && npm run build` first.")
    make_volume(specimen, shape=(3, 96, 96))
    return list(Section.objects.order_by("z"))
