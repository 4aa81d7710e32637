"""An annotator's whole round in Chromium: next section, draw, erase, undo, submit, reload, compare;
the ghost and copy of the adjacent section's own mask."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.imaging.masks import decode_mask
from annotations.models import Annotation, AnnotationRevision, Section, SectionOffer
from tests.fixtures_live import ROOT, login, screenshot
from tests.helpers_browser import editor_mask, submit_in_editor

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIZE = 96
BUNDLE = ROOT / "cellweb" / "static" / "cellweb" / "build" / "app.js"


@pytest.fixture
def sections(specimen, make_volume):
    if not BUNDLE.exists():
        pytest.fail("The front end is not built: run `cd frontend && npm run build` first.")
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    cell = (yy - 48) ** 2 + (xx - 48) ** 2 < 40**2
    nucleus = (yy - 44) ** 2 + ((xx - 50) / 1.3) ** 2 < 18**2
    rng = np.random.default_rng(3)
    data = np.stack(
        [
            1.337 + 0.02 * cell + 0.015 * nucleus + 0.002 * rng.standard_normal((SIZE, SIZE))
            for _ in range(3)
        ]
    ).astype(np.float32)
    volume = make_volume(specimen, data=data)
    return list(Section.objects.filter(volume=volume).order_by("z"))


def editor_ready(page) -> None:
    page.wait_for_function(
        "() => window.cellweb && window.cellweb.editor && "
        "document.querySelector('.cw-status') && document.querySelector('.cw-status').dataset.phase !== 'loading'"
    )


def open_queue(page, asgi_server, project) -> None:
    """The menu's "Annotate": the queue page (a GET that hands nothing out), then its button."""
    page.goto(f"{asgi_server.url}/projects/{project.slug}/annotate/next/")
    page.locator("[data-action=next]").click()
    page.wait_for_url(lambda url: url.endswith("/annotate/") and "/next/" not in url)


def start_annotating(page, asgi_server, project, username: str = "alice") -> tuple[int, list]:
    """Log in, take the next section from the queue and wait for the editor; returns the
    section's id and the list the page's uncaught errors are collected into."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, asgi_server, username)
    open_queue(page, asgi_server, project)
    section_id = int(page.url.rstrip("/").split("/")[-2])
    editor_ready(page)
    return section_id, errors


def shown_mask(page) -> np.ndarray:
    return editor_mask(page, (SIZE, SIZE)) > 0


def to_page(page, x: float, y: float) -> tuple[float, float]:
    """Image pixel coordinates -> page coordinates, through the editor's current view."""
    return tuple(
        page.evaluate(
            """([x, y]) => {
                const view = window.cellweb.editor.getView();
                const box = document.querySelector('.cw-editor-viewport').getBoundingClientRect();
                return [box.left + x * view.scale + view.tx, box.top + y * view.scale + view.ty];
            }""",
            [x, y],
        )
    )


def drag(page, points: list[tuple[float, float]]) -> None:
    page.mouse.move(*to_page(page, *points[0]))
    page.mouse.down()
    for a, b in zip(points, points[1:]):
        for t in np.linspace(0, 1, 6)[1:]:
            page.mouse.move(*to_page(page, a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t))
    page.mouse.up()


def stored_mask(annotation: Annotation) -> np.ndarray:
    revision = AnnotationRevision.objects.get(annotation=annotation, number=annotation.revision)
    return decode_mask(bytes(revision.mask_png), (SIZE, SIZE))


def test_annotator_draws_submits_and_the_stored_mask_matches_pixel_for_pixel(
    asgi_server, page, browser, project, sections, annotator, second_annotator
):
    section_id, errors = start_annotating(page, asgi_server, project)
    assert page.locator("#shortcut-list").count() == 1
    assert not shown_mask(page).any()

    # Polygon: four clicks and Enter.
    page.keyboard.press("p")
    for x, y in [(20, 20), (50, 20), (50, 50), (20, 50)]:
        page.mouse.click(*to_page(page, x, y))
    page.keyboard.press("Enter")
    after_polygon = shown_mask(page)
    assert after_polygon[35, 35] and not after_polygon[70, 70]

    # A brush stroke away from it: a second, disjoint region.
    page.keyboard.press("b")
    drag(page, [(65, 70), (85, 70), (85, 85)])
    drawn = shown_mask(page)
    assert drawn[70, 75] and drawn[35, 35]

    # Erase through the polygon, then undo that erase.
    page.keyboard.press("e")
    drag(page, [(10, 35), (60, 35)])
    erased = shown_mask(page)
    assert not erased[35, 35] and erased.sum() < drawn.sum()
    page.keyboard.press("Control+z")
    assert np.array_equal(shown_mask(page), drawn)
    screenshot(page, "annotate-drawn")

    annotation = submit_in_editor(page, section_id, annotator)
    page.locator("[data-panel=submitted]").wait_for(state="visible")
    page.wait_for_timeout(500)  # let the progress bars finish their transition for the picture
    screenshot(page, "annotate-submitted")
    shown = shown_mask(page)
    assert np.array_equal(stored_mask(annotation), shown)
    assert np.array_equal(shown, drawn)

    page.reload()
    editor_ready(page)
    assert np.array_equal(shown_mask(page), stored_mask(annotation))
    screenshot(page, "annotate-reloaded")
    # "Next section" asks the queue (a POST) and opens the section it hands out.
    page.locator("[data-action=next]").click()
    page.wait_for_url(lambda url: url.endswith("/annotate/") and f"/{section_id}/" not in url)
    editor_ready(page)
    assert SectionOffer.objects.filter(annotator=annotator).count() == 2
    assert not errors, errors

    # Bob gets either another section or this one, but never sees alice's mask.
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    try:
        bob = context.new_page()
        login(bob, asgi_server, "bob")
        open_queue(bob, asgi_server, project)
        editor_ready(bob)
        assert not shown_mask(bob).any()
        content = bob.content()
        revision = AnnotationRevision.objects.get(annotation=annotation, number=annotation.revision)
        import base64

        assert base64.b64encode(bytes(revision.mask_png)).decode() not in content
        listed = bob.evaluate(
            "async (id) => (await (await fetch(`/api/sections/${id}/annotations/`)).json()).map(a => a.annotator)",
            section_id,
        )
        assert "alice" not in listed
        gone = bob.evaluate(
            "async (id) => (await fetch(`/api/annotations/${id}/`)).status", annotation.pk
        )
        assert gone == 404
        screenshot(bob, "annotate-second-annotator")
    finally:
        context.close()


def test_below_the_middle_the_ghost_and_the_copy_use_the_section_above(
    asgi_server, page, project, sections, annotator
):
    section_id, errors = start_annotating(page, asgi_server, project)
    page.keyboard.press("p")
    for x, y in [(20, 20), (50, 20), (50, 50), (20, 50)]:
        page.mouse.click(*to_page(page, x, y))
    page.keyboard.press("Enter")
    drawn = shown_mask(page)
    submit_in_editor(page, section_id, annotator)
    page.locator("[data-panel=submitted]").wait_for(state="visible")

    # Middle-out: z1 first, then z0, whose only adjacent mask of alice's is z1's (z + 1).
    page.keyboard.press("n")
    page.wait_for_url(lambda url: f"/sections/{sections[0].pk}/annotate/" in url)
    editor_ready(page)
    copy = page.get_by_role("button", name="Copy my adjacent mask")
    assert copy.is_enabled()

    page.keyboard.press("g")
    page.get_by_text("Ghost: your outline on the next section").wait_for()
    screenshot(page, "annotate-ghost-from-above")

    page.keyboard.press("c")
    page.get_by_text("Copied your mask from the next section z1 (z + 1)").wait_for()
    assert np.array_equal(shown_mask(page), drawn)
    page.keyboard.press("Control+z")
    assert not shown_mask(page).any()
    copy.click()
    page.get_by_text("Copied your mask from the next section z1 (z + 1)").wait_for()
    assert np.array_equal(shown_mask(page), drawn)
    assert shown_mask(page).shape == (SIZE, SIZE)
    assert not errors, errors


def test_nothing_left_page_thanks_the_annotator(asgi_server, page, project, sections, annotator):
    # Every section has its annotations: nothing is left for alice.
    Section.objects.filter(pk__in=[s.pk for s in sections]).update(status="review")
    login(page, asgi_server, "alice")
    page.goto(f"{asgi_server.url}/projects/{project.slug}/annotate/next/")
    assert "thank you" in page.content()
    assert page.locator("[data-action=next]").count() == 0
    screenshot(page, "annotate-done")


def test_skip_moves_on_the_menu_keeps_the_section_and_a_send_back_is_shown(
    asgi_server, page, project, sections, annotator, reviewer
):
    from annotations.models import AuditEvent, ReviewAction

    login(page, asgi_server, "alice")
    page.goto(f"{asgi_server.url}/projects/{project.slug}/annotate/next/")
    # The queue page shows the progress and hands nothing out until its button is pressed.
    assert not SectionOffer.objects.exists()
    screenshot(page, "annotate-queue")
    page.locator("[data-action=next]").click()
    page.wait_for_url(lambda url: url.endswith("/annotate/") and "/next/" not in url)
    editor_ready(page)
    first = page.url
    # Middle-out: the middle section of the stack comes first, and it says which z it is.
    assert first.endswith(f"/sections/{sections[1].pk}/annotate/")
    assert "z1 of z0–z2" in page.locator(".cw-appbar-title h1").inner_text()
    # The neighbour buttons say "View", so "Next section" means only the queue's next one.
    assert page.get_by_role("button", name="View z0 (z − 1)").count() == 1
    # The menu's "Annotate" again: the same section, not silently the next one.
    open_queue(page, asgi_server, project)
    editor_ready(page)
    assert page.url == first
    page.locator("[data-action=skip]").click()
    page.wait_for_url(lambda url: url != first and url.endswith("/annotate/"))
    editor_ready(page)
    screenshot(page, "annotate-after-skip")

    # A send-back of z0 names alice: its annotate page says who and why.
    AuditEvent.objects.create(
        section=sections[0],
        actor=reviewer,
        action=ReviewAction.SEND_BACK,
        detail={"comment": "Include the dark rim.", "annotators": ["alice"], "reopened": []},
    )
    page.goto(f"{asgi_server.url}/sections/{sections[0].pk}/annotate/")
    editor_ready(page)
    callout = page.locator("[data-sent-back]")
    assert "Sent back by rita" in callout.inner_text()
    assert "Include the dark rim." in callout.inner_text()
    screenshot(page, "annotate-sent-back")


def test_export_page_downloads_a_zip(asgi_server, page, project, sections, reviewer):
    import zipfile

    login(page, asgi_server, "rita")
    page.goto(f"{asgi_server.url}/projects/{project.slug}/export/")
    screenshot(page, "annotate-export-page")
    with page.expect_download() as download_info:
        page.click("#export-tiff")
    download = download_info.value
    assert download.suggested_filename == f"{project.slug}-masks-tiff.zip"
    with zipfile.ZipFile(download.path()) as archive:
        assert archive.namelist() == ["index.csv"]
