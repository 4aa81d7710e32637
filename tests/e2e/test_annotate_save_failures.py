"""A server that fails the annotator's saves in Chromium: the page says so, and Skip does not
leave edits behind that only this browser holds."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotations.models import SectionOffer
from tests.e2e.test_annotate_flow import drag, start_annotating
from tests.fixtures_live import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def fail_saves(page, status: int) -> None:
    def answer(route):
        if route.request.method == "PUT":
            route.fulfill(status=status, content_type="text/html", body="<h1>Server Error</h1>")
        else:
            route.continue_()

    page.route("**/annotations/mine/**", answer)


def refuse_saves(page) -> None:
    """The server down or restarting: its saves find the connection refused."""
    page.route(
        "**/annotations/mine/**",
        lambda route: (
            route.abort("connectionrefused") if route.request.method == "PUT" else route.continue_()
        ),
    )


def test_a_failing_server_is_named_and_skip_keeps_the_annotator_on_unsaved_edits(
    asgi_server, page, project, stack, annotator
):
    section_id, errors = start_annotating(page, asgi_server, project)
    fail_saves(page, 500)
    page.keyboard.press("b")
    drag(page, [(30, 30), (60, 40)])
    status = page.locator(".cw-status")
    expect(status).to_contain_text("Not saved — the server failed (HTTP 500)")
    assert "Offline" not in status.inner_text()

    page.locator("[data-action=skip]").click()
    page.get_by_text("Not skipped: your edits are not saved yet").wait_for()
    screenshot(page, "annotate-save-failed-skip-refused", full_page=False)
    assert page.url.endswith(f"/sections/{section_id}/annotate/")
    assert SectionOffer.objects.get(section_id=section_id, annotator=annotator).skipped_at is None

    # The server is back: Skip saves the edits first, then moves on.
    page.unroute("**/annotations/mine/**")
    page.locator("[data-action=skip]").click()
    page.wait_for_url(lambda url: f"/sections/{section_id}/" not in url)
    assert SectionOffer.objects.get(section_id=section_id, annotator=annotator).skipped_at
    assert not errors, errors


def test_a_server_that_cannot_be_reached_is_not_called_offline_while_the_browser_is_online(
    asgi_server, page, project, stack, annotator
):
    """A server down or restarting refuses the connection: no answer came, but the annotator's
    network is fine, so the save card names the server; with the network gone it says Offline."""
    section_id, errors = start_annotating(page, asgi_server, project)
    refuse_saves(page)
    page.keyboard.press("b")
    drag(page, [(30, 30), (60, 40)])
    status = page.locator(".cw-status")
    expect(status).to_contain_text("Not saved — the server cannot be reached (down or restarting)")
    assert "Offline" not in status.inner_text()
    screenshot(page, "annotate-server-unreachable", full_page=False)

    page.context.set_offline(True)
    drag(page, [(30, 60), (60, 70)])
    expect(status).to_contain_text("Offline — retrying in")
    # The network back: the page retries at once and the server takes the edits.
    page.unroute("**/annotations/mine/**")
    page.context.set_offline(False)
    expect(status).to_have_attribute("data-phase", "clean")
    assert not errors, errors
