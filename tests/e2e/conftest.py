"""The browser tests share one ASGI server, except where a test has a MEDIA_ROOT of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
