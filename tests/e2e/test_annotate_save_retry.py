"""A save that failed while the server was down or restarting, in Chromium with the page's clock
in the test's hands: it goes out soon after the server is back (the waits between tries stop
growing at 8 s; the tab shown again or focused, Retry now, retry at once), and only one save is
ever in flight, so nothing is saved twice."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation, AnnotationRevision
from tests.e2e.test_annotate_flow import drag, start_annotating
from tests.e2e.test_annotate_save_failures import refuse_saves

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Saves:
    """The page's annotation PUTs: how many went out, how many were in flight at most."""

    def __init__(self, page):
        self.sent = 0
        self.open = 0
        self.most = 0
        self.page = page
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    @staticmethod
    def _is_save(request) -> bool:
        return request.method == "PUT" and "/annotations/mine/" in request.url

    def _start(self, request) -> None:
        if self._is_save(request):
            self.sent += 1
            self.open += 1
            self.most = max(self.most, self.open)

    def _end(self, request) -> None:
        if self._is_save(request):
            self.open -= 1

    def wait_settled(self, sent: int) -> None:
        """Until `sent` saves have gone out and none is in flight (the clock stands meanwhile)."""
        while self.sent < sent or self.open:
            self.page.wait_for_timeout(50)


def down_for_a_while(page, saves: Saves, y: int = 30) -> int:
    """The server refuses the page's saves; a stroke's save and four retries fail (after 1, 2, 4
    and 8 s), so the next try waits the longest step. Returns the saves sent so far."""
    refuse_saves(page)
    page.keyboard.press("b")
    drag(page, [(30, y), (60, y + 10)])
    page.clock.run_for(1600)  # the autosave after the stroke
    saves.wait_settled(saves.sent + 1)
    status = page.locator(".cw-status")
    expect(status).to_have_attribute("data-phase", "offline")
    for step in (1, 2, 4, 8):
        page.clock.run_for(step * 1000)
        saves.wait_settled(saves.sent + 1)
    expect(status).to_contain_text("the server cannot be reached")
    return saves.sent


def start_paused(page, asgi_server, project) -> tuple[int, list, Saves]:
    page.clock.install(time=START)
    section_id, errors = start_annotating(page, asgi_server, project)
    # From here on the page's timers fire only when the test moves its clock.
    page.clock.pause_at(START + dt.timedelta(hours=1))
    return section_id, errors, Saves(page)


def test_a_save_queued_while_the_server_is_down_goes_out_within_8_s_of_its_return_and_once(
    asgi_server, page, project, stack, annotator
):
    section_id, errors, saves = start_paused(page, asgi_server, project)
    sent = down_for_a_while(page, saves)

    # The server is back: the waiting retry goes out within 8 s (the page's clock), not 16 or 30.
    page.unroute("**/annotations/mine/**")
    page.clock.run_for(8000)
    expect(page.locator(".cw-status")).to_have_attribute("data-phase", "clean")
    saves.wait_settled(sent + 1)
    annotation = Annotation.objects.get(section_id=section_id, annotator=annotator)
    assert AnnotationRevision.objects.filter(annotation=annotation).count() == 1
    assert saves.sent == sent + 1 and saves.most == 1
    assert not errors, errors


def test_the_tab_shown_again_or_retry_now_sends_the_waiting_save_at_once(
    asgi_server, page, project, stack, annotator
):
    section_id, errors, saves = start_paused(page, asgi_server, project)
    status = page.locator(".cw-status")
    sent = down_for_a_while(page, saves)

    # The annotator comes back to the tab after the restart: saved without waiting out the step.
    page.unroute("**/annotations/mine/**")
    page.evaluate("() => window.dispatchEvent(new Event('focus'))")
    expect(status).to_have_attribute("data-phase", "clean")
    saves.wait_settled(sent + 1)

    # Down again, then back: Retry now on the card sends it; pressed twice, still one save.
    sent = down_for_a_while(page, saves, y=70)
    page.unroute("**/annotations/mine/**")
    retry = page.locator(".cw-status").get_by_role("button", name="Retry now")
    retry.click()
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(status).to_have_attribute("data-phase", "clean")
    saves.wait_settled(sent + 1)
    page.clock.run_for(30_000)
    page.wait_for_timeout(200)
    assert saves.sent == sent + 1 and saves.most == 1
    annotation = Annotation.objects.get(section_id=section_id, annotator=annotator)
    assert AnnotationRevision.objects.filter(annotation=annotation).count() == 2
    assert not errors, errors
