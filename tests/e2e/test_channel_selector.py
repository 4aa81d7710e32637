"""In Chromium: a bright-field + phase field shows one channel at a time, picked in the Channel card
or with X, in the specimen viewer and in the annotator."""

from __future__ import annotations

import re

import pytest

from annotations.models import Section
from annotations.services.volumes import volume_create
from tests.fixtures_live import login, screenshot
from tests.unit.test_multichannel_import import bf_phase_field

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


@pytest.fixture
def bf_phase_section(specimen, annotator):
    volume = volume_create(
        specimen=specimen,
        data=bf_phase_field(size=(192, 256))[None],
        modality="brightfield",
        channel_names=["bf", "phase"],
    )
    return Section.objects.get(volume=volume)


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

    with page.expect_response(re.compile(r"/image\.png\?channel=1$")) as phase:
        page.keyboard.press("x")
    assert phase.value.status == 200
    assert channel_card.locator("input[data-channel='1']").is_checked()
    page.wait_for_timeout(300)
    screenshot(page, "channels-02-viewer-phase")

    channel_card.locator("label", has_text="bf").click()  # its picture is in the browser already
    page.wait_for_function(
        "document.querySelector(\"[data-card='channel']\").dataset.channel === '0'"
    )
    assert channel_card.locator("input[data-channel='0']").is_checked()

    page.goto(f"{asgi_server.url}/sections/{bf_phase_section.pk}/annotate/")
    card = page.locator("[data-card='channel']")
    card.wait_for()
    with page.expect_response(re.compile(r"/image\.png\?channel=1$")) as phase:
        page.keyboard.press("x")
    assert phase.value.status == 200
    page.wait_for_timeout(300)
    screenshot(page, "channels-03-annotator-phase")
