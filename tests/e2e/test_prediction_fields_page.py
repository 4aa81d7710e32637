"""A prediction of single-section fields (phase contrast, tagged LPS and control) is read in the
browser: its nuclei are charted and compared by area, and no empty volume, RI or dry-mass chart
is drawn."""

from __future__ import annotations

import pytest

from tests.fixtures_live import login, screenshot
from tests.unit.test_prediction_fields import tagged_fields_prediction

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("known_nuclei")]


def test_a_phase_field_prediction_charts_areas_and_leaves_out_empty_charts(
    asgi_server, page, project, manager, active_model
):
    prediction, _ = tagged_fields_prediction(project, manager)

    login(page, asgi_server, "mona")
    page.goto(f"{asgi_server.url}/predictions/{prediction.pk}/?tag_a=LPS&tag_b=control")
    page.wait_for_selector("figure[data-chart=area_um2]")
    charts = page.eval_on_selector_all("figure[data-chart]", "els => els.map(e => e.dataset.chart)")
    assert charts == ["area_um2", "compare-area_um2"], charts
    assert int(page.get_attribute("figure[data-chart=area_um2]", "data-points")) == 4
    assert "Nucleus area (µm²)" in page.inner_text("figure[data-chart=area_um2]")
    # The field itself, outlined (a single section has no orthogonal views).
    page.wait_for_function("() => document.querySelector('[data-role=orthoviews]').complete")
    size = page.eval_on_selector(
        "[data-role=orthoviews]", "img => [img.naturalWidth, img.naturalHeight]"
    )
    assert size == [139, 101], size
    screenshot(page, "prediction-05-phase-fields")
