"""In Chromium: a bright-field + phase field shows one channel at a time, picked in the Channel card
or with X, in the specimen viewer, the annotator and the review page."""

from __future__ import annotations

import re

import pytest

from annotations.models import Section
from annotations.services.annotation import annotation_save
from annotations.services.volumes import volume_create
from tests.fixtures_live import login, screenshot
from tests.review_support import disk
from tests.unit.test_multichannel_import import bf_phase_field

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

CAPTION_IS = (
    "(text) => document.querySelector('.cw-viewer-stage .cw-editor-label').textContent === text"
)


@pytest.fixture
def bf_phase_section(specimen, annotator):
    volume = volume_create(
        specimen=specimen,
        data=bf_phase_field(size=(192, 256))[None],
        modality="brightfield",
        channel_names=["bf", "phase"],
    )
    return Section.objects.get(volume=volume)


def next_channel_shows_phase(page, card, shot: str) -> None:
    """X asks the server for the second channel and checks its radio button; the display window
    (bf's) is disabled and says so. ``shot`` is saved."""
    with page.expect_response(re.compile(r"/image\.png\?channel=1$")) as phase:
        page.keyboard.press("x")
    assert phase.value.status == 200
    assert card.locator("input[data-channel='1']").is_checked()
    window = page.locator(".cw-window")
    assert window.locator("input[type=range]").first.is_disabled()
    assert "phase is shown in its own default window; this one is for bf" in window.inner_text()
    page.wait_for_timeout(300)
    screenshot(page, shot)


def test_viewer_and_annotator_show_one_channel_at_a_time(
    asgi_server, page, annotator, bf_phase_section
):
    login(page, asgi_server, "alice")
    page.goto(f"{asgi_server.url}/specimens/{bf_phase_section.specimen_id}/")
    channel_card = page.locator("[data-card='channel']")
    channel_card.wait_for()
    assert channel_card.locator("label").all_inner_texts() == ["bf", "phase"]
    page.wait_for_function("document.querySelector('[data-channel]') !== null")
    screenshot(page, "channels-01-viewer-bf")

    next_channel_shows_phase(page, channel_card, "channels-02-viewer-phase")
    # The main pane's caption names the channel shown, not only the modality.
    page.wait_for_function(CAPTION_IS, arg="BRIGHTFIELD · phase")

    channel_card.locator("label", has_text="bf").click()  # its picture is in the browser already
    page.wait_for_function(
        "document.querySelector(\"[data-card='channel']\").dataset.channel === '0'"
    )
    assert channel_card.locator("input[data-channel='0']").is_checked()
    page.wait_for_function(CAPTION_IS, arg="BRIGHTFIELD · bf")
    assert page.locator(".cw-window input[type=range]").first.is_enabled()

    page.goto(f"{asgi_server.url}/sections/{bf_phase_section.pk}/annotate/")
    card = page.locator("[data-card='channel']")
    card.wait_for()
    next_channel_shows_phase(page, card, "channels-03-annotator-phase")


def test_review_page_shows_one_channel_at_a_time(
    asgi_server, page, annotator, second_annotator, third_annotator, reviewer, bf_phase_section
):
    shape = (192, 256)
    for user, radius in zip([annotator, second_annotator, third_annotator], [12, 13, 11]):
        annotation_save(
            section=bf_phase_section,
            user=user,
            mask=disk(shape, 96, 128, radius),
            base_revision=None,
            time_spent_s=30.0,
            submit=True,
        )
    bf_phase_section.refresh_from_db()
    assert bf_phase_section.status == "review"

    login(page, asgi_server, "rita")
    page.goto(f"{asgi_server.url}/sections/{bf_phase_section.pk}/review/")
    card = page.locator("[data-card='channel']")
    card.wait_for()
    assert card.locator("label").all_inner_texts() == ["bf", "phase"]
    assert card.locator("input[data-channel='0']").is_checked()
    page.wait_for_timeout(300)
    screenshot(page, "channels-04-review-bf")

    page.locator(".cw-editor-viewport").click()  # keyboard focus on the canvas
    next_channel_shows_phase(page, card, "channels-05-review-phase")

    # The consensus contour stays on whatever the channel shown; the radio goes back to bf.
    legend = page.locator(".cw-legend")
    assert legend.locator("label", has_text="Consensus").locator("input").is_checked()
    card.locator("label", has_text="bf").click()
    page.wait_for_function(
        "document.querySelector(\"[data-card='channel']\").dataset.channel === '0'"
    )
