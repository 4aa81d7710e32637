"""Copying my adjacent mask in a project of several classes, in Chromium: the copy holds the
adjacent section's classes and instances as drawn (cytoplasm stays cytoplasm, two touching
nuclei stay two), not one nucleus over everything drawn (it was read as a binary mask)."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.services.labels.presets import preset_classes
from tests.e2e.test_annotate_flow import editor_ready, sections, start_annotating
from tests.e2e.test_draw_classes_flow import draw_cell_and_cut, nuclei, shown
from tests.fixtures_live import screenshot
from tests.helpers_browser import submit_in_editor

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
__all__ = ["sections"]  # the fixture, shared with the annotate flow


def test_copy_my_adjacent_mask_keeps_its_classes_and_instances(
    asgi_server, page, project, sections, annotator
):
    project.label_classes = preset_classes("nucleus-cytoplasm")
    project.save(update_fields=["label_classes"])
    section_id, errors = start_annotating(page, asgi_server, project)
    drawn_classes, drawn_ids = draw_cell_and_cut(page, "copy-classes-drawn")
    submit_in_editor(page, section_id, annotator)

    # Middle-out: the next section is z - 1, whose only neighbour with my mask is z + 1.
    page.locator("[data-panel=submitted] [data-action=next]").click()
    page.wait_for_url(lambda url: f"/sections/{section_id}/" not in url)
    editor_ready(page)
    page.keyboard.press("c")
    page.get_by_text("Copied your mask from the next section").wait_for()
    classes, ids = shown(page)
    screenshot(page, "copy-classes-copied", full_page=False)

    assert np.array_equal(classes, drawn_classes)
    assert set(np.unique(classes).tolist()) == {0, 1, 2}
    assert len(nuclei(classes, ids)) == 2
    assert ids[45, 30] != ids[45, 66]
    assert not errors, errors
