"""The review page's send-back in Chromium, for what the API refuses: an annotator removed from
the project is said to be gone and cannot be ticked, and a second tab sending the section back
again is told it was already sent back, by whom and why."""

from __future__ import annotations

import pytest

from annotations.models import AuditEvent, Membership, ReviewAction, Role
from tests.fixtures_live import login, screenshot
from tests.review_support import sections_of, with_consensus

pytestmark = pytest.mark.e2e


def _send_back(tab, comment: str):
    tab.get_by_role("button", name="Send back").first.click()
    form = tab.locator(".cw-form-host form")
    form.locator("label.cw-check", has_text="alice").locator("input").check()
    form.locator("textarea").fill(comment)
    return form


def test_send_back_leaves_out_a_removed_annotator_and_a_second_tab_is_told_it_is_done(
    asgi_server, browser, page, project, specimen, make_volume, cast, reviewer
):
    section, _ = with_consensus(sections_of(specimen, make_volume)[1], cast)
    Membership.objects.filter(project=project, user=cast[2], role=Role.ANNOTATOR).delete()
    url = f"{asgi_server.url}/sections/{section.pk}/review/"
    login(page, asgi_server, "rita")
    page.goto(url)
    page.locator(".cw-legend").wait_for()
    other = browser.new_context(viewport={"width": 1400, "height": 950}).new_page()
    login(other, asgi_server, "rita")
    other.goto(url)  # the same section, open in a second tab before the send-back
    other.locator(".cw-legend").wait_for()

    note = page.locator('[data-role="left-project"][data-annotator="carol"]')
    assert "carol is no longer an annotator of this project" in note.inner_text()
    form = _send_back(page, "Follow the dark rim on the left.")
    carol = form.locator("label.cw-check", has_text="carol")
    assert carol.locator("input").is_disabled()
    assert "no longer an annotator" in carol.inner_text()
    assert "still counts in the consensus" in (carol.get_attribute("title") or "")
    screenshot(page, "review-send-back-removed-annotator")
    form.get_by_role("button", name="Send back").click()
    page.locator("[data-result=success]").wait_for()

    _send_back(other, "The rim again.").get_by_role("button", name="Send back").click()
    warning = other.locator("[data-result=warning]")
    warning.wait_for()
    said = warning.inner_text()
    assert said.startswith("Not done: Already sent back; nothing was changed.")
    assert "rita sent this section back to alice" in said and "dark rim" in said
    assert other.locator("#section-status").text_content().strip() == "Sent back"
    screenshot(other, "review-send-back-already-sent-back")
    other.context.close()
    sent = AuditEvent.objects.filter(section=section, action=ReviewAction.SEND_BACK)
    assert sent.count() == 1
