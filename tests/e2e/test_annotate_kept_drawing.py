"""What a reviewer decided while an annotator drew, in Chromium: a drawing the section no longer
takes (excluded or confirmed meanwhile) stays in the browser across reloads, is offered as a PNG
mask to download or to discard, says why, and is never saved by itself; a send-back naming a
draft's author reaches them at their next save even when the page missed the live notice."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from annotations.models import AnnotationRevision, Section
from annotations.services.annotation import annotation_reopen
from annotations.services.review.decisions import review_exclude, review_send_back
from tests.e2e.test_annotate_flow import drag, editor_ready
from tests.e2e.test_annotate_sent_back import submitted_section
from tests.fixtures_live import login, screenshot
from tests.helpers_threads import in_own_thread

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def drafted(specimen, make_volume, annotator) -> Section:
    """A one-section volume holding alice's draft (revision 1)."""
    return submitted_section(specimen, make_volume, annotator, done=False)


def open_annotate(page, asgi_server, section) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, asgi_server, "alice")
    page.goto(f"{asgi_server.url}/sections/{section.pk}/annotate/")
    editor_ready(page)
    return errors


def refused_stroke(page, section, reviewer, reason: str):
    """rita excludes ``section`` while its page is open, so the stroke drawn next is refused;
    returns the kept drawing's callout."""
    in_own_thread(lambda: review_exclude(section=section, reviewer=reviewer, reason=reason))
    page.keyboard.press("b")
    drag(page, [(60, 60), (80, 70)])
    kept = page.locator("[data-kept-drawing]")
    kept.wait_for()
    return kept


def test_a_drawing_refused_by_an_exclusion_is_kept_offered_as_png_and_discarded_only_on_request(
    asgi_server, page, drafted, reviewer
):
    errors = open_annotate(page, asgi_server, drafted)
    kept = refused_stroke(page, drafted, reviewer, "out of focus")
    text = kept.inner_text()
    assert "could not be saved: rita excluded this section (" in text
    assert "“out of focus”" in text and "never saved by itself" in text
    screenshot(page, "annotate-kept-drawing", full_page=False)

    with page.expect_download() as download_info:
        kept.locator("[data-action=download-kept]").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"section-{drafted.pk}-unsaved-")
    with open(download.path(), "rb") as handle:
        drawn = np.asarray(Image.open(io.BytesIO(handle.read())))
    # The PNG the app saves (here the project's label map): the draft and the refused stroke.
    assert drawn.shape == (96, 96) and drawn[0, 0] == 0
    assert drawn[30, 30] != 0 and drawn[70, 80] != 0

    # Kept in the browser, so Skip moves on; the next visit offers it again and sends nothing.
    page.locator("[data-action=skip]").click()
    page.wait_for_url(lambda url: f"/sections/{drafted.pk}/annotate/" not in url)
    page.goto(f"{asgi_server.url}/sections/{drafted.pk}/annotate/")
    editor_ready(page)
    kept.wait_for()
    assert "rita excluded this section" in kept.inner_text()
    assert AnnotationRevision.objects.filter(annotation__section=drafted).count() == 1

    kept.locator("[data-action=discard-kept]").click()
    kept.locator("[data-action=discard-kept-confirm]").click()
    kept.wait_for(state="detached")
    page.reload()
    editor_ready(page)
    assert page.locator("[data-kept-drawing]").count() == 0
    assert not errors, errors


def test_discarding_the_refused_drawing_shows_the_saved_annotation_again(
    asgi_server, page, drafted, reviewer
):
    errors = open_annotate(page, asgi_server, drafted)
    kept = refused_stroke(page, drafted, reviewer, "no nucleus")
    kept.locator("[data-action=discard-kept]").click()
    kept.locator("[data-action=discard-kept-confirm]").click()
    kept.wait_for(state="detached")
    # Nothing is left unsaved on the page: Skip moves on without a word about unsaved edits.
    page.wait_for_function("() => !window.cellweb.page.sync.dirty")
    page.locator("[data-action=skip]").click()
    page.wait_for_url(lambda url: f"/sections/{drafted.pk}/annotate/" not in url)
    assert AnnotationRevision.objects.filter(annotation__section=drafted).count() == 1
    assert not errors, errors


def test_a_send_back_naming_a_reopened_draft_is_told_at_the_next_save(
    asgi_server, page, specimen, make_volume, annotator, reviewer
):
    section = submitted_section(specimen, make_volume, annotator)
    annotation_reopen(section=section, user=annotator)  # alice reopened it herself: a draft
    # The page misses the live notice (its socket joins nothing): the save must say it.
    page.route_web_socket("**/ws/sections/**", lambda ws: None)
    errors = open_annotate(page, asgi_server, section)
    in_own_thread(
        lambda: review_send_back(
            section=section, reviewer=reviewer, comment="Too big.", annotator_ids=[annotator.pk]
        )
    )
    page.keyboard.press("e")
    drag(page, [(10, 60), (80, 60)])
    notice = page.locator("[data-review-notice]")
    notice.get_by_text("rita sent this section back to you").wait_for()
    assert "“Too big.”" in notice.inner_text() and "Your draft was saved" in notice.inner_text()
    screenshot(page, "annotate-sent-back-draft-told", full_page=False)
    assert not errors, errors
