"""In Chromium: a reviewer nudges the stain's outline over the phase image, asks for an
estimate, takes it, and applies it; the page comes back with the stored shift."""

from __future__ import annotations

import pytest

from annotations.models import Volume
from tests.fixtures_live import login, screenshot
from tests.helpers_stain_shift import stain_pair

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def test_a_reviewer_aligns_the_stain_with_nudges_and_the_estimate(
    asgi_server, page, project, reviewer
):
    _, stain, _ = stain_pair(project)
    login(page, asgi_server, "rita")
    page.goto(f"{asgi_server.url}/projects/{project.slug}/fluorescence-gt/?stain={stain.pk}")
    outline = page.locator('[data-role="shift-outline"]')
    apply = page.locator('[data-role="shift-apply"]')
    assert apply.is_disabled()

    page.click('[data-nudge="1,0"]')
    page.click('[data-nudge="0,1"]')

    assert page.input_value('[data-role="shift-dy"]') == "1"
    assert page.input_value('[data-role="shift-dx"]') == "1"
    assert "translate(" in (outline.get_attribute("style") or "")
    assert apply.is_enabled()

    page.click('[data-role="shift-estimate"]')
    suggestion = page.locator('[data-role="shift-suggestion"]')
    suggestion.wait_for()
    assert "Suggested (-2, -3) px" in suggestion.inner_text()
    assert suggestion.get_attribute("data-reliable") == "true"
    assert Volume.objects.get(pk=stain.pk).stain_shift == (0, 0)  # only suggested
    page.click('[data-role="shift-use"]')
    assert page.input_value('[data-role="shift-dy"]') == "-2"
    screenshot(page, "stain-shift-card")

    with page.expect_navigation():
        apply.click()

    assert "Stored: (-2, -3) px · version 1 · set by rita" in page.content()
    assert Volume.objects.get(pk=stain.pk).stain_shift == (-2, -3)
