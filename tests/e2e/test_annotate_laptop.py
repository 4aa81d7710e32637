"""A real-size phase-contrast field (1024 × 1281 px, an odd width) on a 1366 × 768 laptop screen
in Chromium: a square drawn at the image's far corner is stored on exactly those pixels, and the
neighbouring section shown beside the editor is on screen, the save state with it."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.imaging.masks import decode_mask
from annotations.models import AnnotationRevision, Section
from tests.e2e.test_annotate_flow import BUNDLE, start_annotating, to_page
from tests.fixtures_live import screenshot
from tests.helpers_browser import editor_mask, submit_in_editor

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

H, W = 1024, 1281


@pytest.fixture
def laptop(page):
    page.set_viewport_size({"width": 1366, "height": 768})
    return page


@pytest.fixture
def field(specimen, make_volume):
    if not BUNDLE.exists():
        pytest.fail("The front end is not built: run `cd frontend && npm run build` first.")
    rng = np.random.default_rng(5)
    make_volume(
        specimen,
        data=(100 + 20 * rng.standard_normal((3, H, W))).astype(np.float32),
        modality="phase",
    )
    return list(Section.objects.order_by("z"))


def test_a_square_at_the_far_corner_is_stored_on_its_pixels_and_the_neighbour_is_on_screen(
    asgi_server, laptop, project, field, annotator
):
    page = laptop
    section_id, errors = start_annotating(page, asgi_server, project)

    # The neighbouring section (,) shows under the side cards: it scrolls into view.
    page.keyboard.press(",")
    figure = page.locator("figure.cw-side-figure")
    figure.wait_for(state="visible")
    box = figure.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 768, box
    # ... and the save state stays in sight above it.
    status = page.locator(".cw-status").bounding_box()
    side = page.locator(".cw-sidebar").bounding_box()
    assert side["y"] <= status["y"] and status["y"] + status["height"] <= 768, (status, side)
    screenshot(page, "annotate-laptop-neighbour", full_page=False)
    page.keyboard.press(",")

    # Zoom to 800 % with the bottom-right corner in view, then a polygon on pixel edges.
    page.evaluate(
        "([W, H]) => { const b = document.querySelector('.cw-editor-viewport').getBoundingClientRect();"
        " window.cellweb.editor.setView({scale: 8, tx: b.width - W * 8 - 100, ty: b.height - H * 8 - 100}, true); }",
        [W, H],
    )
    page.keyboard.press("p")
    # The polygon tool's hint is read whole, not cut with an ellipsis.
    hint = page.locator(".cw-editor-hint")
    assert "Backspace removes last point" in hint.inner_text()
    assert hint.evaluate("e => e.scrollWidth <= e.clientWidth"), hint.inner_text()
    for x, y in [(W - 10, H - 7), (W, H - 7), (W, H), (W - 10, H)]:
        page.mouse.click(*to_page(page, x, y))
    page.keyboard.press("Enter")
    screenshot(page, "annotate-laptop-corner", full_page=False)
    expected = np.zeros((H, W), bool)
    expected[H - 7 :, W - 10 :] = True
    assert np.array_equal(editor_mask(page, (H, W)) > 0, expected)

    annotation = submit_in_editor(page, section_id, annotator)
    revision = AnnotationRevision.objects.get(annotation=annotation, number=annotation.revision)
    assert np.array_equal(decode_mask(bytes(revision.mask_png), (H, W)) > 0, expected)
    assert not errors, errors
