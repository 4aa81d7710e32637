"""The review page's hand-offs in Chromium: the stain reference opens in view and stays dark on an
empty stain section, the send-back error goes once a comment is typed, the status badge follows
the decision, and the annotators' contours stay visible on the consensus at high zoom."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import Section
from annotations.services.annotation import annotation_save
from tests.fixtures_live import login, screenshot
from tests.review_support import disk

pytestmark = pytest.mark.e2e

SIZE = 128


def _stacks() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    shape = (SIZE, SIZE)
    ri = np.full((3, *shape), 1.337, dtype=np.float32)
    stain = (100 + 4 * rng.standard_normal((3, *shape))).astype(np.float32)
    for z in range(3):
        ri[z][disk(shape, 64, 64, 48)] = 1.345
        ri[z][disk(shape, 62, 66, 28)] = 1.36
        ri[z] += rng.normal(0, 0.0015, shape).astype(np.float32)
    stain[2][disk(shape, 62, 66, 28)] += 1500  # only z2 is stained: z1's stain section is empty
    return ri, stain


def test_review_page_hand_offs(
    asgi_server, page, specimen, make_volume, annotator, second_annotator, third_annotator, reviewer
):
    ri, stain = _stacks()
    label_free = make_volume(specimen, data=ri)
    fluorescence = make_volume(specimen, data=stain, modality="fluorescence", channel="DAPI")
    for z in range(3):
        Section.objects.filter(volume=label_free, z=z).update(
            fluorescence=Section.objects.get(volume=fluorescence, z=z)
        )
    section = Section.objects.select_related("volume", "project").get(volume=label_free, z=1)
    shape = (SIZE, SIZE)
    for user, mask in zip(
        [annotator, second_annotator, third_annotator],
        [disk(shape, 62, 66, 28), disk(shape, 62, 66, 28), disk(shape, 60, 68, 26)],
    ):
        annotation_save(
            section=section, user=user, mask=mask, base_revision=None, time_spent_s=5, submit=True
        )

    login(page, asgi_server, "rita")
    page.goto(f"{asgi_server.url}/sections/{section.pk}/review/")
    page.locator(".cw-legend").wait_for()
    badge = page.locator("#section-status")
    assert badge.text_content().strip() == "Ready for review"

    # R opens the stain reference where it can be seen, without scrolling.
    page.locator(".cw-editor-viewport").click()
    page.keyboard.press("r")
    reference = page.locator(".cw-side-figure img[alt^='Reference fluorescence']")
    reference.wait_for()
    page.wait_for_function(
        """() => {
          const i = document.querySelector(".cw-side-figure img[alt^='Reference']");
          return i && i.complete && i.naturalWidth > 0;
        }"""
    )
    box = reference.bounding_box()
    assert box is not None and box["height"] > 50
    assert box["y"] >= 0 and box["y"] + box["height"] <= 950, box
    # The empty stain section in its volume's window: dark, not stretched noise.
    mean_grey = page.evaluate(
        """() => {
          const img = document.querySelector(".cw-side-figure img[alt^='Reference']");
          const c = document.createElement('canvas');
          c.width = img.naturalWidth; c.height = img.naturalHeight;
          const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
          const d = ctx.getImageData(0, 0, c.width, c.height).data;
          let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i];
          return s / (d.length / 4);
        }"""
    )
    assert mean_grey < 40, mean_grey

    # High zoom on the nucleus edge: every annotator's line is drawn above the consensus band.
    for _ in range(6):
        page.keyboard.press("+")
    screenshot(page, "review-handoffs-zoom")
    page.keyboard.press("0")

    # Send back: the error shows on an empty comment and goes once a comment is typed.
    page.get_by_role("button", name="Send back").first.click()
    form = page.locator(".cw-form-host form")
    form.locator("label.cw-check", has_text="alice").locator("input").check()
    form.get_by_role("button", name="Send back").click()
    error = form.locator(".cw-form-error")
    assert error.is_visible() and "comment" in error.inner_text()
    form.locator("textarea").fill("Follow the dark rim on the left.")
    assert error.is_hidden()
    screenshot(page, "review-handoffs-send-back-form")
    form.get_by_role("button", name="Send back").click()
    page.locator("[data-result=success]").wait_for()
    # The badge follows the decision without a reload.
    assert badge.text_content().strip() == "Sent back"
    assert "cw-badge-sent_back" in (badge.get_attribute("class") or "")
    screenshot(page, "review-handoffs-sent-back")
