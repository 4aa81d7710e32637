"""The review queue in Chromium at 1366×768: sections named by specimen, time point and z, and
the filter form narrowing the list on the server, its choices kept; the dashboard's annotator
columns at the same width."""

from __future__ import annotations

import pytest

from tests.fixtures_live import login, screenshot
from tests.helpers_queue import review_queue_day

pytestmark = pytest.mark.e2e


def test_the_queue_filters_and_names_sections(
    asgi_server, browser, project, specimen, make_volume, cast, reviewer
):
    queue = review_queue_day(project, specimen, make_volume, cast, reviewer)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(20_000)
    login(page, asgi_server, "rita")

    page.goto(f"{asgi_server.url}/projects/lab/review/")
    rows = page.locator("#review-queue tbody tr")
    assert rows.count() == 6
    first = rows.first.locator("td").first
    assert first.text_content().strip() == "cell-02 · t1 · z0 of z0–z2"
    screenshot(page, "review-queue-all")

    page.select_option("#id_specimen", label="cell-02")
    page.check("#id_stale")
    page.click("#queue-filter button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert [int(pk) for pk in rows.evaluate_all("rs => rs.map(r => r.dataset.sectionId)")] == [
        queue["stale"].pk
    ]
    assert page.locator("#id_stale").is_checked()
    assert (
        "1 section waiting matches the filter" in page.locator("[data-role=waiting]").text_content()
    )
    screenshot(page, "review-queue-filtered")

    page.goto(f"{asgi_server.url}/projects/lab/review/?responses=on")
    assert [int(pk) for pk in rows.evaluate_all("rs => rs.map(r => r.dataset.sectionId)")] == [
        queue["answered"].pk
    ]
    assert page.locator("#review-queue .cw-badge-response").count() == 1
    screenshot(page, "review-queue-responses")

    # The dashboard's annotator columns add up to "Annotated" at this width too.
    page.goto(f"{asgi_server.url}/projects/lab/dashboard/")
    alice = page.locator('#dashboard-annotators tr[data-annotator="alice"]')
    counts = {
        name: int(alice.locator(f"[data-count-{name}]").get_attribute(f"data-count-{name}"))
        for name in ("annotated", "open", "review", "confirmed", "sent-back", "excluded")
    }
    assert counts["annotated"] == 1 == sum(counts.values()) - counts["annotated"]
    screenshot(page, "review-dashboard-columns")
    context.close()
