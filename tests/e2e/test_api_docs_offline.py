"""The API documentation renders with no internet: Swagger UI and Redoc come from our own files.

Every request to a host other than this server is aborted and recorded, as on an offline lab
server; the pages must still show the API's operations, and must not even try to reach out.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.fixtures_live import login, screenshot

pytestmark = pytest.mark.e2e

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture
def offline(page) -> list[str]:
    """Block every non-local request of the tab; the list holds what was attempted."""
    attempted: list[str] = []

    def route(handled):
        url = handled.request.url
        if url.startswith(("http://", "https://")) and urlsplit(url).hostname not in LOCAL_HOSTS:
            attempted.append(url)
            handled.abort("internetdisconnected")
        else:
            handled.continue_()

    page.context.route("**/*", route)
    return attempted


def test_swagger_ui_shows_the_operations_offline(asgi_server, page, offline, annotator):
    login(page, asgi_server, "alice")
    page.goto(f"{asgi_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=30_000)
    operations = page.locator(".opblock")
    assert operations.count() >= 30
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/projects/{slug}/imports/" in path.replace("\u200b", "") for path in paths)
    assert "CellWeb API" in page.inner_text(".information-container")
    screenshot(page, "api-docs-swagger-offline")
    assert offline == []


def test_redoc_shows_the_operations_offline(asgi_server, page, offline, annotator):
    login(page, asgi_server, "alice")
    page.goto(f"{asgi_server.url}/api/redoc/")
    page.wait_for_selector("[data-section-id^='operation/']", timeout=30_000)
    assert page.locator("[data-section-id^='operation/']").count() >= 30
    assert "CellWeb API" in page.inner_text("h1")
    # Redoc lays every operation out on one page (~68,000 px tall): the window is what a reader
    # sees first, and capturing the whole page took most of this test's time.
    screenshot(page, "api-docs-redoc-offline", full_page=False)
    assert offline == []


def test_a_visitor_is_sent_to_sign_in_first(asgi_server, page, offline):
    page.goto(f"{asgi_server.url}/api/docs/")
    assert urlsplit(page.url).path == "/accounts/login/"
    page.wait_for_selector("input[name=username]")
    assert offline == []
