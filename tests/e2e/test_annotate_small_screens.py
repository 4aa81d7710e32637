"""The annotate page on 1280 × 720, 1366 × 768 and 1920 × 1080 screens in Chromium: the save card
covers nothing the annotator needs (the neighbouring-section buttons, the tools, Save and Submit),
also while a save waits for the server and while a neighbouring section is shown."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_annotate_flow import drag, start_annotating
from tests.e2e.test_annotate_save_failures import refuse_saves
from tests.fixtures_live import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SCREENS = [(1280, 720), (1366, 768), (1920, 1080)]

# What the annotator clicks on this page (the save card's own buttons are inside it).
NEEDED = [
    ("button", "View z0 (z − 1)"),
    ("button", "View z2 (z + 1)"),
    ("button", "Ghost outline"),
    ("button", "Copy my adjacent mask"),
    ("button", "Save"),
    ("button", "Submit"),
]

# For each control: is it in the window and is it the element found at its own centre and
# corners (nothing lies over it)? Returns the ones that are covered or out of sight.
_COVERED = """(names) => {
    const found = [];
    const buttons = [...document.querySelectorAll('button, [role=button], a.cw-btn')];
    const targets = names.map((n) => [n, buttons.find((b) => b.textContent.replace(/\\s+/g, ' ').trim().startsWith(n))]);
    for (const b of document.querySelectorAll('.cw-toolbar button')) targets.push([b.title || b.textContent, b]);
    targets.push(['save status', document.querySelector('.cw-status')]);
    for (const [name, el] of targets) {
        if (!el) { found.push(name + ': missing'); continue; }
        el.scrollIntoView({ block: 'nearest' });
        const r = el.getBoundingClientRect();
        if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) {
            found.push(`${name}: outside the window ${JSON.stringify(r)}`);
            continue;
        }
        for (const [x, y] of [[r.left + r.width / 2, r.top + r.height / 2], [r.left + 2, r.top + 2], [r.right - 2, r.bottom - 2]]) {
            const top = document.elementFromPoint(x, y);
            if (!top || !(el === top || el.contains(top))) {
                found.push(`${name}: covered by ${top ? top.className || top.tagName : 'nothing'}`);
                break;
            }
        }
    }
    return found;
}"""


def covered(page, names: list[str]) -> list[str]:
    return page.evaluate(_COVERED, names)


def boxes_overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


@pytest.mark.parametrize("width,height", SCREENS)
def test_the_save_card_covers_nothing_the_annotator_needs(
    asgi_server, page, project, stack, annotator, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    section_id, errors = start_annotating(page, asgi_server, project)
    names = [n for _, n in NEEDED]
    # The middle section of three: both neighbours exist.
    if section_id != stack[1].id:
        page.goto(f"{asgi_server.url}/sections/{stack[1].id}/annotate/")
        page.wait_for_function(
            "() => document.querySelector('.cw-status')?.dataset.phase === 'clean'"
        )
    assert covered(page, names) == []

    # A neighbouring section shown (`.`): it and the buttons that toggle it are in sight at once.
    page.keyboard.press(".")
    figure = page.locator("figure.cw-side-figure")
    figure.wait_for(state="visible")
    card = page.locator(".cw-save-card").bounding_box()
    for label in ("View z0 (z − 1)", "View z2 (z + 1)"):
        box = page.get_by_role("button", name=label).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (label, box)
        assert not boxes_overlap(box, card), (label, box, card)
    fig = figure.bounding_box()
    assert not boxes_overlap(fig, card), (fig, card)
    screenshot(page, f"annotate-{width}x{height}-neighbour", full_page=False)
    assert covered(page, names) == []

    # A save waiting for the server: the card grows (the reason, Retry now); still nothing covered.
    refuse_saves(page)
    page.keyboard.press("b")
    drag(page, [(30, 30), (60, 40)])
    expect(page.locator(".cw-status")).to_have_attribute("data-phase", "offline")
    page.get_by_role("button", name="View z2 (z + 1)").click()
    page.get_by_role("button", name="View z2 (z + 1)").click()
    screenshot(page, f"annotate-{width}x{height}-waiting", full_page=False)
    assert covered(page, names) == []
    page.unroute("**/annotations/mine/**")
    assert not errors, errors
