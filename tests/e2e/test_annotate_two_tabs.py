"""One annotator, one section, two tabs in Chromium: the first submits, the second still holds
edits. The second is told its section was submitted elsewhere (not merely "a newer version"), and
"Reopen and keep mine" reopens the submission and saves its mask over it; the old "Keep mine"
repeated a save the server refuses while the annotation is submitted."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

from annotations.models import Annotation, AnnotationStatus
from tests.e2e.test_annotate_flow import (
    drag,
    editor_ready,
    shown_mask,
    start_annotating,
    stored_mask,
)
from tests.fixtures_live import screenshot
from tests.helpers_browser import submit_in_editor

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def saved(tab) -> None:
    tab.keyboard.press("Control+s")
    expect(tab.locator(".cw-status")).to_have_attribute("data-phase", "clean")


def test_a_tab_behind_a_submit_elsewhere_says_so_and_keeps_its_mask_by_reopening(
    asgi_server, page, project, stack, annotator
):
    section_id, errors = start_annotating(page, asgi_server, project)
    page.keyboard.press("b")
    drag(page, [(20, 30), (70, 30)])
    saved(page)

    second = page.context.new_page()
    second.goto(page.url)
    editor_ready(second)
    submit_in_editor(page, section_id, annotator)

    second.keyboard.press("b")
    drag(second, [(20, 70), (70, 70)])
    mine = shown_mask(second)
    second.keyboard.press("Control+s")
    panel = second.locator("[data-panel=conflict]")
    expect(panel).to_contain_text("You submitted this section (revision 2")
    expect(second.locator(".cw-status")).to_contain_text(
        "you submitted this section in another tab"
    )
    screenshot(second, "annotate-submitted-in-another-tab", full_page=False)

    panel.get_by_role("button", name="Reopen and keep mine").click()
    expect(second.locator(".cw-status")).to_have_attribute("data-phase", "clean")
    annotation = Annotation.objects.get(section_id=section_id, annotator=annotator)
    assert annotation.status == AnnotationStatus.DRAFT
    assert annotation.revision == 3
    assert np.array_equal(stored_mask(annotation), mine)
    assert mine[70, 45] and mine[30, 45]
    assert not errors, errors
