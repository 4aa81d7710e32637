"""A reviewer's day in Chromium: queue -> lowest-agreement section -> layers -> edit -> confirm ->
dashboard.

Three annotators submit through the annotation service (the annotating UI has its own browser
tests); everything the reviewer does goes through the real page, front-end module and API.
"""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import AuditEvent, GroundTruth, ReviewAction, Section
from annotations.services.annotation import annotation_save
from tests.fixtures_live import login, screenshot
from tests.review_support import disk

pytestmark = pytest.mark.e2e

SIZE = 128


def _cell_stack(n_z: int = 3) -> np.ndarray:
    """An RI stack with a cell (1.345) around a darker-edged nucleus (1.36) in medium (1.337)."""
    rng = np.random.default_rng(0)
    shape = (SIZE, SIZE)
    stack = np.full((n_z, *shape), 1.337, dtype=np.float32)
    for z in range(n_z):
        stack[z][disk(shape, 64, 64, 48)] = 1.345
        stack[z][disk(shape, 62, 66, 28)] = 1.36
        stack[z] += rng.normal(0, 0.0015, shape).astype(np.float32)
    return stack


def _submit(section, user, mask):
    annotation_save(
        section=section, user=user, mask=mask, base_revision=None, time_spent_s=30.0, submit=True
    )


def _count(page, name: str) -> int:
    return int(
        page.locator(f"#dashboard-totals [data-count-{name}]").get_attribute(f"data-count-{name}")
    )


def test_reviewer_confirms_the_lowest_agreement_section_with_an_edit(
    asgi_server, page, specimen, make_volume, annotator, second_annotator, third_annotator, reviewer
):
    volume = make_volume(specimen, data=_cell_stack())
    sections = list(
        Section.objects.filter(volume=volume).select_related("volume", "project").order_by("z")
    )
    shape = (SIZE, SIZE)
    close = [disk(shape, 62, 66, 28), disk(shape, 63, 66, 27), disk(shape, 62, 65, 29)]
    apart = [disk(shape, 62, 66, 28), disk(shape, 56, 72, 24), disk(shape, 64, 64, 34)]
    for user, mask in zip([annotator, second_annotator, third_annotator], close):
        _submit(sections[2], user, mask)
    for user, mask in zip([annotator, second_annotator, third_annotator], apart):
        _submit(sections[1], user, mask)
    low, high = (Section.objects.get(pk=s.pk) for s in (sections[1], sections[2]))
    assert low.status == high.status == "review"
    assert low.agreement < high.agreement

    login(page, asgi_server, "rita")

    # The dashboard before: two sections wait for review, none is confirmed.
    page.goto(f"{asgi_server.url}/projects/lab/dashboard/")
    assert _count(page, "review") == 2 and _count(page, "confirmed") == 0
    screenshot(page, "review-dashboard-before")

    # The queue lists the low-agreement section first; "Review next" opens it.
    page.goto(f"{asgi_server.url}/projects/lab/review/")
    rows = page.locator("#review-queue tbody tr")
    assert rows.count() == 2
    assert rows.first.get_attribute("data-section-id") == str(low.pk)
    screenshot(page, "review-queue")
    page.click("#review-next")
    page.wait_for_url(f"**/sections/{low.pk}/review/")

    # The review module shows every annotator, the consensus and the disagreement layer.
    legend = page.locator(".cw-legend")
    legend.wait_for()
    for name in ("alice", "bob", "carol", "Consensus", "Disagreement map"):
        assert legend.get_by_text(name, exact=False).count() >= 1, name
    consensus_box = legend.locator("label", has_text="Consensus").locator("input")
    disagreement_box = legend.locator("label", has_text="Disagreement map").locator("input")
    assert consensus_box.is_checked() and not disagreement_box.is_checked()
    page.locator(".cw-editor-viewport").click()  # keyboard focus on the canvas, not a text field
    page.keyboard.press("d")
    page.keyboard.press("k")
    assert disagreement_box.is_checked() and not consensus_box.is_checked()
    screenshot(page, "review-disagreement")
    page.keyboard.press("k")
    page.keyboard.press("d")
    assert consensus_box.is_checked() and not disagreement_box.is_checked()

    # Edit: one brush stroke in the empty top-left of the section, outside the nucleus.
    page.get_by_role("button", name="Edit consensus").click()
    viewport = page.locator(".cw-editor-viewport").bounding_box()
    cx = viewport["x"] + viewport["width"] / 2
    cy = viewport["y"] + viewport["height"] / 2
    m = min(viewport["width"], viewport["height"])
    page.mouse.move(cx - 0.36 * m, cy - 0.36 * m)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(cx - 0.36 * m + step * 0.012 * m, cy - 0.36 * m, steps=2)
    page.mouse.up()
    screenshot(page, "review-edited")

    page.get_by_role("button", name="Confirm").click()
    page.locator("[data-result=success]").wait_for()
    assert "version 1" in page.locator("[data-result=success]").inner_text()
    screenshot(page, "review-confirmed")

    truth = GroundTruth.objects.get(section=low, is_current=True)
    assert truth.version == 1 and truth.edited and truth.reviewer == reviewer
    assert truth.edit_summary["pixels_added"] > 0 and truth.edit_summary["pixels_removed"] == 0
    assert {e["annotator"] for e in truth.input_revisions} == {"alice", "bob", "carol"}
    assert AuditEvent.objects.filter(section=low, action=ReviewAction.EDIT_CONFIRM).exists()

    # The audit trail on the page and the dashboard both show the confirmation.
    page.goto(f"{asgi_server.url}/sections/{low.pk}/review/")
    assert page.locator('#audit-trail li[data-action="edit_confirm"]').count() == 1
    page.goto(f"{asgi_server.url}/projects/lab/dashboard/")
    assert _count(page, "review") == 1 and _count(page, "confirmed") == 1
    alice = page.locator('#dashboard-annotators tr[data-annotator="alice"] [data-count-confirmed]')
    assert alice.get_attribute("data-count-confirmed") == "1"
    screenshot(page, "review-dashboard-after")
