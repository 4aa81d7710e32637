"""On a 1920 × 1080 screen the editor pages (annotate, review, fluorescence correction) use the screen's width: the editor
is 1920 px less the side column and the page's margins, not what a 1280 px reading column leaves;
a reading page (the dashboard) keeps its column."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import Section
from tests.e2e.test_annotate_flow import start_annotating
from tests.fixtures_live import login, screenshot
from tests.review_support import sections_of, with_consensus

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 1920, 1080
SIDEBAR = 320  # --cw-sidebar
MARGINS = 2 * 24 + 2  # the page's side padding and the workbench's border


def editor_width(page) -> float:
    return page.locator(".cw-editor-viewport").bounding_box()["width"]


def test_annotate_page_uses_the_screen_width(
    asgi_server, page, project, specimen, make_volume, annotator
):
    rng = np.random.default_rng(2)
    make_volume(
        specimen,
        data=(100 + 20 * rng.standard_normal((3, 1024, 1281))).astype(np.float32),
        modality="phase",
    )
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})

    _, errors = start_annotating(page, asgi_server, project)

    assert editor_width(page) >= WIDTH - SIDEBAR - MARGINS - 2
    screenshot(page, "annotate-wide-screen", full_page=False)
    assert not errors, errors


def test_review_page_uses_the_screen_width_and_the_dashboard_keeps_its_column(
    asgi_server, page, specimen, make_volume, cast, reviewer
):
    section, _ = with_consensus(sections_of(specimen, make_volume)[1], cast)
    assert Section.objects.get(pk=section.pk).status == "review"
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    login(page, asgi_server, "rita")

    page.goto(f"{asgi_server.url}/sections/{section.pk}/review/")
    page.locator(".cw-legend").wait_for()

    assert editor_width(page) >= WIDTH - SIDEBAR - MARGINS - 2
    screenshot(page, "review-wide-screen", full_page=False)

    page.goto(f"{asgi_server.url}/projects/lab/dashboard/")
    assert page.locator("main.cw-page").bounding_box()["width"] <= 1280 + 2 * 24


def test_fluorescence_correction_page_uses_the_screen_width(asgi_server, page, project, reviewer):
    from annotations.models import Section
    from inference.ml.fluorescence import FluorescenceGTParams
    from inference.services.fluorescence_gt import fluorescence_gt_create
    from tests.integration.test_evaluation_worker import SHAPE, demo_like

    demo_like(project, n=1)
    fluorescence_gt_create(
        project=project, user=reviewer, params=FluorescenceGTParams(scope="volume")
    )
    section = Section.objects.get(project=project, is_label_free=True, z=SHAPE[0] // 2)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    login(page, asgi_server, "rita")

    page.goto(f"{asgi_server.url}/sections/{section.pk}/fluorescence-gt/")
    page.wait_for_selector("#cw-root canvas")

    screenshot(page, "fluorescence-gt-wide-screen", full_page=False)
    # Its cards sit in a padded frame of their own; the editor is still wider than the whole
    # 1280 px column was.
    assert editor_width(page) > 1280
