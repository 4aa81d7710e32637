"""A section sent back, fixed and submitted again in Chromium: the callout above the editor says
it was resubmitted at once, not only after a reload."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import Section
from annotations.services.annotation import annotation_save
from annotations.services.review.decisions import review_send_back
from tests.e2e.test_annotate_flow import BUNDLE, drag, editor_ready
from tests.fixtures_live import login, screenshot
from tests.helpers_threads import in_own_thread

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def submitted_section(specimen, make_volume, annotator, *, done: bool = True) -> Section:
    """A one-section volume that ``annotator`` annotated and submitted (``done=False``: left as
    a draft)."""
    if not BUNDLE.exists():
        pytest.fail("The front end is not built: run `cd frontend && npm run build` first.")
    make_volume(specimen, shape=(1, 96, 96))
    section = Section.objects.get()
    mask = np.zeros((96, 96), bool)
    mask[20:70, 20:70] = True
    annotation_save(
        section=section, user=annotator, mask=mask, base_revision=None, time_spent_s=5, submit=done
    )
    return section


def test_resubmitting_a_sent_back_section_says_so_in_the_callout(
    asgi_server, page, specimen, make_volume, annotator, reviewer
):
    section = submitted_section(specimen, make_volume, annotator)
    review_send_back(
        section=section, reviewer=reviewer, comment="Too big.", annotator_ids=[annotator.pk]
    )

    login(page, asgi_server, "alice")
    page.goto(f"{asgi_server.url}/sections/{section.pk}/annotate/")
    editor_ready(page)
    callout = page.locator("[data-sent-back]")
    assert "Too big." in callout.inner_text() and "resubmitted" not in callout.inner_text()

    page.keyboard.press("e")
    drag(page, [(10, 60), (80, 60)])
    page.get_by_role("button", name="Submit").click()
    page.locator("[data-panel=submitted]").wait_for(state="visible")
    page.locator("[data-sent-back][data-answered=true]").wait_for()
    assert "you resubmitted it" in callout.inner_text()
    screenshot(page, "annotate-sent-back-resubmitted", full_page=False)

    page.reload()
    editor_ready(page)
    assert "you resubmitted it" in callout.inner_text()


def test_a_page_left_open_hears_of_the_send_back_and_reopens_with_who_and_why(
    asgi_server, page, specimen, make_volume, annotator, reviewer
):
    section = submitted_section(specimen, make_volume, annotator)
    login(page, asgi_server, "alice")
    page.goto(f"{asgi_server.url}/sections/{section.pk}/annotate/")
    editor_ready(page)
    page.locator("[data-panel=submitted]").wait_for(state="visible")
    page.locator("[data-review-notices=live]").wait_for(state="attached")

    # While her page shows the submission, rita sends the section back: the page says so at once.
    # (In a thread of its own: this one runs the browser's event loop, which the notice's
    # publishing must not share.)
    in_own_thread(
        lambda: review_send_back(
            section=section, reviewer=reviewer, comment="Too big.", annotator_ids=[annotator.pk]
        )
    )
    notice = page.locator("[data-review-notice]")
    notice.get_by_text("rita sent this section back to you").wait_for()
    assert "“Too big.”" in notice.inner_text() and "Reopen your annotation" in notice.inner_text()
    page.get_by_role("button", name="Reopen").click()
    toast = page.locator(".cw-editor-toast")
    toast.get_by_text("rita sent this section back to you").wait_for()
    assert "“Too big.”" in toast.inner_text()
    # The page edits again at once: her next stroke is saved on top of her submission.
    page.keyboard.press("e")
    drag(page, [(10, 60), (80, 60)])
    page.get_by_role("button", name="Submit").click()
    page.locator("[data-panel=submitted]").wait_for(state="visible")
    screenshot(page, "annotate-reopen-after-send-back", full_page=False)
    assert section.annotations.get().revision == 2
