"""Undo of an exclusion in Chromium: an excluded section's review page offers "Include again",
which asks for a reason and puts the section back in review."""

from __future__ import annotations

import pytest

from annotations.models import Section
from annotations.services.review import review_exclude
from tests.fixtures_live import login, screenshot
from tests.review_support import sections_of, with_consensus

pytestmark = pytest.mark.e2e


def test_an_excluded_section_is_included_again_from_its_review_page(
    asgi_server, page, specimen, make_volume, cast, reviewer
):
    section, _ = with_consensus(sections_of(specimen, make_volume)[1], cast)
    review_exclude(section=section, reviewer=reviewer, reason="looked out of focus")

    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, asgi_server, "rita")
    page.goto(f"{asgi_server.url}/sections/{section.pk}/review/")
    page.locator(".cw-legend").wait_for()
    assert page.locator("#section-status").text_content().strip() == "Excluded"
    page.get_by_role("button", name="Include again").click()
    page.locator("form.cw-form button[type=submit]").click()
    assert page.get_by_text("Please give a reason.").is_visible()
    page.locator("form.cw-form textarea").fill("in focus after all")
    page.locator("form.cw-form button[type=submit]").click()
    page.get_by_text("Section included again: ready for review.").wait_for()
    screenshot(page, "review-include-again", full_page=False)

    assert page.locator("#section-status").text_content().strip() == "Ready for review"
    assert Section.objects.get(pk=section.pk).status == "review"
