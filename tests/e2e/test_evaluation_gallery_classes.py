"""A manager opens the gallery of a nucleus + cytoplasm evaluation in Chromium and switches the
class shown: the rows, their Dice and the contour layers become the cytoplasm's own."""

from __future__ import annotations

import pytest

from inference.models import SectionResult
from tests.fixtures_live import login, screenshot
from tests.unit.test_evaluation_multiclass import evaluated  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _layers_loaded(page) -> list[bool]:
    return page.eval_on_selector_all(
        "[data-layer-img]", "els => els.map(e => e.complete && e.naturalWidth > 0)"
    )


def test_the_gallery_switches_to_another_class(asgi_server, page, evaluated, manager):  # noqa: F811
    evaluation, _, _ = evaluated
    login(page, asgi_server, manager.username)
    page.goto(f"{asgi_server.url}/evaluations/{evaluation.pk}/gallery/")
    assert page.get_attribute("#classes [aria-current=page]", "data-class") == "1"
    assert page.locator("[data-layer-img=edge]").count() > 0
    page.click("#classes [data-class='2']")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("#classes [aria-current=page]", "data-class") == "2"
    # The edge baseline scored the nucleus only: no cyan layer for the cytoplasm.
    assert page.locator("[data-layer-img=edge]").count() == 0
    assert all(_layers_loaded(page))
    shown = sorted(
        float(d)
        for d in page.eval_on_selector_all(
            ".cw-gallery-item", "els => els.map(e => e.dataset.dice)"
        )
    )
    scored = SectionResult.objects.filter(evaluation=evaluation, method="model", class_value=2)
    assert shown == pytest.approx(sorted(r.dice for r in scored))
    page.click("[data-subset=nucleus]")
    page.wait_for_load_state("networkidle")
    assert "class=2" in page.url
    screenshot(page, "evaluation-gallery-class-cytoplasm")
