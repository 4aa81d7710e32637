"""The review page of a section whose ground truth is an imported expert mask, in Chromium: the
status says it is not annotated, a note names the import, the Decision card offers no Confirm,
and the layer I outlines each nucleus."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import Section
from annotations.services.groundtruth_import import ground_truth_import_instances
from tests.e2e.test_review_flow import _cell_stack
from tests.fixtures_live import login, screenshot

pytestmark = pytest.mark.e2e

SIZE = 128


def crowded_labels(n_z: int) -> np.ndarray:
    """A row-by-row field of 12 nuclei, neighbours in a row touching, the same ids in every z."""
    rows, cols = np.indices((SIZE, SIZE))
    labels = np.zeros((SIZE, SIZE), dtype=np.uint16)
    for k in range(12):
        r, c = 24 + 40 * (k // 4), 22 + 26 * (k % 4)
        labels[(rows - r) ** 2 + (cols - c) ** 2 <= 14**2] = k + 1
    return np.stack([labels] * n_z)


def test_the_review_page_shows_the_expert_mask_as_a_layer(
    asgi_server, page, specimen, make_volume, reviewer, manager
):
    volume = make_volume(specimen, data=_cell_stack())
    ground_truth_import_instances(volume=volume, labels=crowded_labels(3), user=manager)
    section = Section.objects.get(volume=volume, z=1)

    login(page, asgi_server, "rita")
    page.goto(f"{asgi_server.url}/sections/{section.pk}/review/")
    page.locator(".cw-legend").wait_for()

    assert page.locator("#section-status").text_content() == "Ground truth imported: not annotated"
    assert "12 nuclei in this section" in page.locator("#imported-truth").inner_text()
    layer = page.locator(".cw-legend label", has_text="Imported mask v1 · 12 nuclei")
    assert layer.locator("input").is_checked()
    # The Decision card says which mask it is scored against and offers no Confirm or Edit.
    decision = page.locator('[data-card="actions"]')
    note = decision.locator('[data-role="decision-note"]').inner_text()
    assert note.startswith("This section's ground truth is the imported mask (version 1, ")
    assert "There is no consensus to confirm" in note
    assert decision.get_by_role("button", name="Confirm").count() == 0
    assert decision.get_by_role("button", name="Edit consensus").count() == 0
    assert decision.get_by_role("button", name="Send back").count() == 0
    assert decision.get_by_role("button", name="Exclude").is_enabled()
    screenshot(page, "review-imported-truth")
    page.locator(".cw-editor-viewport").click()
    page.keyboard.press("i")
    assert not layer.locator("input").is_checked()
