"""The review page of a section with nucleus instances in Chromium: agreement per class (mean
pairwise Dice and nucleus F1) and the nucleus only one of three annotators found, outlined and
listed. Revisions are stored instance maps made here (the editor's save path has its own tests).
"""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import Section, SectionStatus
from annotations.services.review import consensus_compute_for_section
from tests.e2e.test_review_flow import _cell_stack
from tests.fixtures_live import login, screenshot
from tests.review_support import instance_png, save_revision

pytestmark = pytest.mark.e2e

SHAPE = (128, 128)


def test_review_page_shows_agreement_per_class_and_the_minority_nucleus(
    asgi_server, page, specimen, make_volume, annotator, second_annotator, third_annotator, reviewer
):
    volume = make_volume(specimen, data=_cell_stack())
    section = Section.objects.filter(volume=volume).select_related("volume", "project").first()
    # Three nuclei, the last two a touching pair, then one only alice sees.
    nuclei = [(40, 40, 14), (88, 44, 14), (88, 70, 14)]
    drawn = {
        annotator: instance_png(SHAPE, *nuclei, (36, 96, 9)),  # only alice sees a fourth nucleus
        second_annotator: instance_png(SHAPE, *nuclei),
        third_annotator: instance_png(SHAPE, *nuclei[:2]),  # carol misses the third
    }
    for user, png in drawn.items():
        save_revision(section, user, np.zeros(SHAPE, dtype=bool), png=png)
    section.status = SectionStatus.REVIEW
    section.save(update_fields=["status"])
    consensus_compute_for_section(section)

    login(page, asgi_server, "rita")
    page.goto(f"{asgi_server.url}/sections/{section.pk}/review/")
    page.locator(".cw-legend").wait_for()

    row = page.locator("#agreement-classes tr[data-class=nucleus]")
    assert float(row.get_attribute("data-mean-f1")) < 1.0
    assert "mean over annotator pairs" in page.locator("#agreement-classes caption").inner_text()
    minority = page.locator("#minority-nuclei li")
    assert minority.count() == 1
    assert "found by 1 of 3 (alice)" in minority.first.inner_text()
    layer = page.locator(".cw-legend label", has_text="Found by a minority").locator("input")
    assert layer.is_checked()
    page.locator(".cw-editor-viewport").click()
    page.keyboard.press("m")
    assert not layer.is_checked()
    page.keyboard.press("m")
    # The review editor edits these nuclei with the project's classes and instances.
    assert page.get_by_role("button", name="Edit consensus").is_enabled()
    screenshot(page, "review-labels-agreement")
