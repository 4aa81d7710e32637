"""An unfinished polygon at Submit, in Chromium: its outline shows filled on the canvas, but it
is not in the mask until closed, so Submit (button or Ctrl+Enter) and Skip stay on the section
and say so; once closed, the submitted mask holds it. Submit used to go through without it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation, AnnotationStatus, SectionOffer
from tests.e2e.test_annotate_flow import drag, shown_mask, start_annotating, stored_mask, to_page
from tests.helpers_browser import submit_in_editor

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_submit_and_skip_wait_for_an_open_polygon_to_be_closed(
    asgi_server, page, project, stack, annotator
):
    section_id, errors = start_annotating(page, asgi_server, project)
    page.keyboard.press("b")
    drag(page, [(10, 10), (30, 10)])
    page.keyboard.press("p")
    for x, y in [(40, 40), (80, 40), (80, 80), (40, 80)]:
        page.mouse.click(*to_page(page, x, y))
    toast = page.locator(".cw-editor-toast")

    page.keyboard.press("Control+Enter")
    expect(toast).to_contain_text("Close the outline before submitting")
    page.get_by_role("button", name="Submit").click()
    expect(toast).to_contain_text("Close the outline before submitting")
    page.locator("[data-action=skip]").click()
    expect(toast).to_contain_text("Close the outline before skipping")
    assert page.url.endswith(f"/sections/{section_id}/annotate/")
    assert not Annotation.objects.filter(section_id=section_id, status=AnnotationStatus.SUBMITTED)
    assert SectionOffer.objects.get(section_id=section_id, annotator=annotator).skipped_at is None

    page.keyboard.press("Enter")
    drawn = shown_mask(page)
    assert drawn[60, 60] and drawn[10, 20]
    annotation = submit_in_editor(page, section_id, annotator)
    assert (stored_mask(annotation) == drawn).all()
    assert not errors, errors
