"""Signed out in another tab while drawing, in Chromium: the annotate page says its user is
signed out and keeps the edits; once signed in again elsewhere, Try again saves them. The page
used to quote the server ("Authentication credentials were not provided.") and, after the sign-in,
failed every save on its stale CSRF token ("CSRF Failed")."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

from annotations.models import Annotation
from tests.e2e.test_annotate_flow import drag, shown_mask, start_annotating, stored_mask
from tests.fixtures_live import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_a_page_left_signed_out_asks_for_a_sign_in_and_saves_after_it(
    asgi_server, page, project, stack, annotator
):
    section_id, errors = start_annotating(page, asgi_server, project)
    other = page.context.new_page()
    other.goto(f"{asgi_server.url}/")
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_url("**/accounts/login/**")

    page.keyboard.press("b")
    drag(page, [(20, 40), (70, 40)])
    status = page.locator(".cw-status")
    expect(status).to_contain_text("Not saved: you are signed out. Sign in again in another tab")
    screenshot(page, "annotate-signed-out", full_page=False)

    login(other, asgi_server, "alice")
    status.get_by_role("button", name="Try again").click()
    expect(status).to_have_attribute("data-phase", "clean")
    annotation = Annotation.objects.get(section_id=section_id, annotator=annotator)
    assert np.array_equal(stored_mask(annotation), shown_mask(page))
    assert not errors, errors
